package resp

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
)

// fuzzSeeds are requests worth mutating, of the kinds commands' FuzzDispatch
// starts from: multibulk and inline commands, pipelines, quoting, empty
// commands, and each protocol error.
var fuzzSeeds = []string{
	"PING\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
	"SET k 10\r\nINCR k\r\nINCRBY k -5\r\nGET k\r\n",
	"*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n*1\r\n$4\r\nPINGxx",
	"CONFIG SET save \"60 1\"\r\nECHO \"a\\x41\\n\" 'b\\'c' ab\"c d\"\r\n",
	"*1\r\n$abc\r\n",
	"*-1\r\n*0\r\n\r\n\n  \t\r\n",
	"SET a \"unbalanced\r\n",
	"ECHO \"a\"b\r\n",
	"*2\r\n$4\r\nECHO\r\n:1\r\n",
	"*2147483648\r\n",
	"*11\r\n$1\r\nx\r\n",
	"*1\r\n$16385\r\n",
	"*1\r\n$2000\r\n" + string(bytes.Repeat([]byte("x"), 2000)) + "\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$-1\r\n",
}

// FuzzReader feeds arbitrary bytes to a Reader in pieces of random sizes
// (drawn from seed, which may also shrink its first buffer) and checks that it never panics, that every argument
// lies in the part of the buffer parsed so far (or, for a quoted inline
// argument, outside the buffer), that the buffer stays within what the
// input and limits justify, and that a protocol error ends parsing: Next
// then returns it again and consumes nothing. Inputs shorter than an
// inline line must also parse to the same commands and end as they do when
// read whole, however they are cut. Crashers go to testdata/fuzz/FuzzReader,
// which a plain go test replays.
func FuzzReader(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint64(i), i%3 != 0)
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, authed bool) {
		if len(in) > 1<<20 {
			return
		}
		maxBulk := int64(1<<10) << (seed % 11) // 1 KiB to 1 MiB
		pieces, end := fuzzParse(t, in, seed, maxBulk, authed)
		if len(in) <= inlineMax {
			whole, wend := fuzzParse(t, in, 0, maxBulk, authed)
			if !slices.EqualFunc(pieces, whole, bytes.Equal) || end != wend {
				i := 0
				for i < min(len(pieces), len(whole)) && bytes.Equal(pieces[i], whole[i]) {
					i++
				}
				t.Fatalf("cut by seed %d: %d commands, then %s; read whole: %d commands, then %s; they differ from command %d",
					seed, len(pieces), end, len(whole), wend, i)
			}
		}
	})
}

// fuzzParse reads in through a Reader, cut into pieces by seed (0 reads
// it as fast as the Reader takes it), checking the Reader's invariants on
// the way. It returns the commands, each as its arguments joined by NUL,
// and how parsing ended.
func fuzzParse(t *testing.T, in []byte, seed uint64, maxBulk int64, authed bool) ([][]byte, string) {
	var lim, maxQuery atomic.Int64
	lim.Store(maxBulk)
	maxQuery.Store(1 << 20)
	src := &pieceReader{in: in}
	if seed != 0 {
		// Next parses a partial request again from its start at each
		// read, so a long input in tiny pieces costs quadratic time: at
		// least 1/1024th of the input is read at a time.
		src.rng = rand.New(rand.NewPCG(seed, seed>>32))
		src.least = len(in)/1024 + 1
		src.most = []int{1, 3, 16, 512, 1 << 20}[seed%5]
	}
	r := NewReader(src, &lim, &maxQuery, func() bool { return authed })
	if seed%2 == 1 {
		// A small first buffer, so that short inputs also exercise its
		// compaction and growth.
		r.buf = make([]byte, 16+seed%64)
	}
	bound := max(16<<10, growthBound(len(in))) // what arrived, not what was announced
	var cmds [][]byte
	for {
		for {
			from := r.r
			args, err := r.Next()
			var pe *ProtocolError
			if errors.As(err, &pe) {
				at := r.r
				if again, err2 := r.Next(); again != nil || err2 == nil || err2.Error() != pe.Error() || r.r != at {
					t.Fatalf("after %q, Next returned %q, %v and moved from %d to %d", pe, again, err2, at, r.r)
				}
				return cmds, pe.Error()
			}
			if err != nil {
				t.Fatalf("Next returned %v, which is no protocol error", err)
			}
			if args == nil {
				break
			}
			if len(args) == 0 {
				t.Fatal("Next returned an empty command")
			}
			quoted := bytes.ContainsAny(r.buf[from:r.r], `"'`)
			for _, a := range args {
				if int64(len(a)) > maxBulk && r.buf[from] == '*' {
					t.Fatalf("argument of %d bytes over a limit of %d", len(a), maxBulk)
				}
				if len(a) > 0 && !within(r, a, r.r) && !quoted {
					t.Fatalf("argument %.20q is not in the parsed part of the buffer", a)
				}
			}
			cmds = append(cmds, bytes.Join(args, []byte{0}))
		}
		n, err := r.Fill()
		if cap(r.buf) > bound {
			t.Fatalf("buffer of %d bytes for %d bytes of input and a bulk limit of %d", cap(r.buf), len(in), maxBulk)
		}
		switch {
		case err == io.EOF || err == ErrQueryLimit:
			return cmds, err.Error()
		case err != nil:
			t.Fatalf("Fill: %v", err)
		case n <= 0:
			t.Fatalf("Fill read %d bytes and returned no error", n)
		}
	}
}

// within reports whether a lies in r's buffer before offset end.
func within(r *Reader, a []byte, end int) bool {
	off := cap(r.buf) - cap(a)
	return off >= 0 && off+len(a) <= end && &r.buf[off] == &a[0]
}

// pieceReader returns in, cut into reads of least to least+most-1 bytes
// drawn from rng, or as much as is asked when rng is nil.
type pieceReader struct {
	in          []byte
	rng         *rand.Rand
	least, most int
}

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		return 0, io.EOF
	}
	n := len(b)
	if p.rng != nil {
		n = min(n, p.least+p.rng.IntN(p.most))
	}
	n = copy(b, p.in[:min(n, len(p.in))])
	p.in = p.in[n:]
	return n, nil
}
