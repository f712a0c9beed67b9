package resp

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// seg returns n bytes of a pattern that starts at c, so that a misplaced
// piece shows in a comparison.
func seg(n int, c byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c + byte(i%7)
	}
	return b
}

// TestWriterRefs checks which segments are referenced, that a referenced
// one is written as it is at Flush rather than copied, and that after
// Flush nothing of the caller's is held.
func TestWriterRefs(t *testing.T) {
	var w Writer
	small, large := seg(MinRef-1, 'a'), seg(MinRef, 'A')
	w.BulkHeader(len(small) + 2*len(large))
	w.AppendRef(small)
	w.AppendRef(large)
	w.AppendRef(large)
	w.CRLF()
	w.Int(7)
	if w.Refs() != 2 || w.Len() != len(w.Bytes())+2*len(large) {
		t.Fatalf("Refs %d, Len %d with %d bytes copied", w.Refs(), w.Len(), len(w.Bytes()))
	}
	want := fmt.Sprintf("$%d\r\n", len(small)+2*len(large)) + string(small) + "Z" + string(large[1:]) + "Z" + string(large[1:]) + "\r\n:7\r\n"
	large[0] = 'Z' // referenced: the change must show; small was copied
	small[0] = 'Z'
	var out bytes.Buffer
	n, err := w.Flush(&out)
	if err != nil || n != int64(len(want)) || out.String() != want {
		t.Fatalf("Flush: %d, %v; output differs: %d bytes, want %d", n, err, out.Len(), len(want))
	}
	if w.Len() != 0 || w.Refs() != 0 {
		t.Fatalf("after Flush: Len %d, Refs %d", w.Len(), w.Refs())
	}
	for i, p := range w.iov[:cap(w.iov)] {
		if p != nil {
			t.Fatalf("after Flush, piece %d of %d bytes still held", i, len(p))
		}
	}
	for i, r := range w.refs[:cap(w.refs)] {
		if r.b != nil {
			t.Fatalf("after Flush, segment %d of %d bytes still held", i, len(r.b))
		}
	}
}

// TestWriterMaxRefs checks that segments past MaxRefs are copied, in
// their place.
func TestWriterMaxRefs(t *testing.T) {
	var w Writer
	var want bytes.Buffer
	for i := 0; i < MaxRefs+3; i++ {
		s := seg(MinRef, byte(i))
		w.AppendRef(s)
		want.Write(s)
	}
	if w.Refs() != MaxRefs || len(w.Bytes()) != 3*MinRef {
		t.Fatalf("Refs %d with %d bytes copied", w.Refs(), len(w.Bytes()))
	}
	var out bytes.Buffer
	if _, err := w.Flush(&out); err != nil || !bytes.Equal(out.Bytes(), want.Bytes()) {
		t.Fatalf("Flush: %v; output differs", err)
	}
}

func TestWriterRewindRefs(t *testing.T) {
	var w Writer
	w.OK()
	w.AppendRef(seg(MinRef, 'a'))
	m := w.Mark()
	w.BulkHeader(2 * MinRef)
	w.AppendRef(seg(MinRef, 'b'))
	w.AppendRef(seg(MinRef, 'c'))
	w.Rewind(m)
	if w.Refs() != 1 || w.Len() != 5+MinRef {
		t.Fatalf("after Rewind: Refs %d, Len %d", w.Refs(), w.Len())
	}
	w.Int(1)
	var out bytes.Buffer
	w.Flush(&out)
	if want := "+OK\r\n" + string(seg(MinRef, 'a')) + ":1\r\n"; out.String() != want {
		t.Fatalf("output of %d bytes, want %d", out.Len(), len(want))
	}
	w.AppendRef(seg(MinRef, 'd'))
	w.Reset()
	if w.Len() != 0 || w.Refs() != 0 || w.refs[:1][0].b != nil {
		t.Fatalf("after Reset: Len %d, Refs %d", w.Len(), w.Refs())
	}
}

// TestWriterFlushFails checks that a failed Flush forgets the segments
// too.
func TestWriterFlushFails(t *testing.T) {
	var w Writer
	w.OK()
	w.AppendRef(seg(MinRef, 'a'))
	w.OK()
	if _, err := w.Flush(failWriter{}); err == nil || w.Len() != 0 || w.Refs() != 0 {
		t.Fatalf("failed Flush: %v, Len %d, Refs %d", err, w.Len(), w.Refs())
	}
	for i, p := range w.iov[:cap(w.iov)] {
		if p != nil {
			t.Fatalf("after a failed Flush, piece %d of %d bytes still held", i, len(p))
		}
	}
}

// randomOutput writes a random mix of replies and referenced bulk
// strings, whole or in pieces, and returns the bytes expected on the wire.
func randomOutput(w *Writer, rng *rand.Rand) []byte {
	var want []byte
	for range 1 + rng.IntN(40) {
		switch rng.IntN(4) {
		case 0:
			n := rng.Int64N(1 << 20)
			w.Int(n)
			want = fmt.Appendf(want, ":%d\r\n", n)
		case 1:
			b := seg(rng.IntN(300), 'a')
			w.Bulk(b)
			want = fmt.Appendf(want, "$%d\r\n%s\r\n", len(b), b)
		default:
			// A large value in 1 to 4 pieces, some below MinRef.
			k := 1 + rng.IntN(4)
			pieces := make([][]byte, k)
			total := 0
			for i := range pieces {
				pieces[i] = seg(rng.IntN(3*MinRef), byte('A'+i))
				total += len(pieces[i])
			}
			w.BulkHeader(total)
			want = fmt.Appendf(want, "$%d\r\n", total)
			for _, p := range pieces {
				w.AppendRef(p)
				want = append(want, p...)
			}
			w.CRLF()
			want = append(want, "\r\n"...)
		}
	}
	return want
}

// TestWriterFlushWire flushes random outputs through a bytes.Buffer,
// net.Pipe, and TCP and unix sockets (where net.Buffers uses writev), and
// checks that the bytes received are exactly the copied and referenced
// bytes in order.
func TestWriterFlushWire(t *testing.T) {
	tcp := func(t *testing.T) (net.Conn, net.Conn) { return mustSocketPair(t, "tcp", "127.0.0.1:0") }
	unix := func(t *testing.T) (net.Conn, net.Conn) {
		return mustSocketPair(t, "unix", filepath.Join(t.TempDir(), "s"))
	}
	for _, tc := range []struct {
		name string
		pair func(t *testing.T) (net.Conn, net.Conn)
	}{
		{"pipe", func(t *testing.T) (net.Conn, net.Conn) { return net.Pipe() }},
		{"tcp", tcp},
		{"unix", unix},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tc.pair(t)
			defer a.Close()
			defer b.Close()
			got := make(chan []byte, 1)
			go func() {
				all, _ := io.ReadAll(b)
				got <- all
			}()
			rng := rand.New(rand.NewPCG(1, 2))
			var w Writer
			var want []byte
			for range 50 {
				exp := randomOutput(&w, rng)
				pending := w.Len()
				n, err := w.Flush(a)
				if err != nil || n != int64(len(exp)) || pending != len(exp) {
					t.Fatalf("Flush: %d, %v; Len was %d; want %d", n, err, pending, len(exp))
				}
				want = append(want, exp...)
			}
			a.Close()
			select {
			case g := <-got:
				if !bytes.Equal(g, want) {
					i := 0
					for i < min(len(g), len(want)) && g[i] == want[i] {
						i++
					}
					t.Fatalf("received %d bytes, want %d; they differ from byte %d", len(g), len(want), i)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the reader did not finish")
			}
			// The same outputs through a bytes.Buffer.
			var w2 Writer
			var buf bytes.Buffer
			rng = rand.New(rand.NewPCG(1, 2))
			for range 50 {
				randomOutput(&w2, rng)
				w2.Flush(&buf)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatal("a bytes.Buffer received other bytes than the connection")
			}
		})
	}
}

// mustSocketPair returns both ends of a connection over network at addr.
func mustSocketPair(t testing.TB, network, addr string) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		acc <- c
	}()
	a, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-acc
	if b == nil {
		t.FailNow()
	}
	return a, b
}

// TestFlushAllocs checks that Flush, with and without referenced
// segments, allocates nothing once its slices have grown.
func TestFlushAllocs(t *testing.T) {
	a, b := mustSocketPair(t, "tcp", "127.0.0.1:0")
	defer a.Close()
	defer b.Close()
	go io.Copy(io.Discard, b)
	var w Writer
	value := seg(64<<10, 'v')
	for _, refs := range []bool{false, true} {
		write := func() {
			for range 16 {
				w.OK()
				if refs {
					w.BulkHeader(len(value))
					w.AppendRef(value)
					w.CRLF()
				}
			}
			if _, err := w.Flush(a); err != nil {
				t.Fatal(err)
			}
		}
		write()
		if n := testing.AllocsPerRun(100, write); n != 0 {
			t.Errorf("references %v: %.1f allocations per flush", refs, n)
		}
	}
}

// BenchmarkFlush writes bulk replies of a size to a TCP socket, as many
// per flush as the connection loop lets pile up before it flushes early
// (64 KiB), at least one: copied into the buffer, or referenced in one
// segment or in four. A copied batch past 1 MiB shows the cost of the
// buffer dropped after each such flush.
func BenchmarkFlush(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10, 1 << 20} {
		value := seg(size, 'v')
		k := max(1, 64<<10/size)
		for _, mode := range []string{"copy", "ref", "ref4"} {
			b.Run(fmt.Sprintf("%s/%d", mode, size), func(b *testing.B) {
				a, c := mustSocketPair(b, "tcp", "127.0.0.1:0")
				defer a.Close()
				defer c.Close()
				go io.Copy(io.Discard, c)
				var w Writer
				b.SetBytes(int64(k * size))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					for range k {
						w.BulkHeader(size)
						switch mode {
						case "copy":
							w.AppendWith(func(dst []byte) ([]byte, error) { return append(dst, value...), nil })
						case "ref":
							w.AppendRef(value)
						case "ref4":
							for i := range 4 {
								w.AppendRef(value[i*size/4 : (i+1)*size/4])
							}
						}
						w.CRLF()
					}
					if _, err := w.Flush(a); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
