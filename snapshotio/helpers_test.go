package snapshotio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var seed = flag.Uint64("seed", 0, "seed for randomized tests (0: from the clock)")

// mustRand returns a generator seeded from -seed or the clock, and logs the
// seed so that a failure can be replayed with -seed.
func mustRand(t testing.TB) *rand.Rand {
	t.Helper()
	s := *seed
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("seed %d (replay with -seed %d)", s, s)
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}

// item is a record and its data, as the tests compare them.
type item struct {
	rec  Record
	data []byte
}

func (it item) String() string {
	return fmt.Sprintf("db=%d key=%q dtype=%s itemsize=%d shape=%v exp=%d len=%d",
		it.rec.DB, it.rec.Key, it.rec.Dtype, it.rec.Itemsize, it.rec.Shape, it.rec.ExpireAtMs, it.rec.Length)
}

func equalItems(a, b item) bool {
	x, y := a.rec, b.rec
	return x.DB == y.DB && bytes.Equal(x.Key, y.Key) && x.Dtype == y.Dtype &&
		x.Itemsize == y.Itemsize && slices.Equal(x.Shape, y.Shape) &&
		x.ExpireAtMs == y.ExpireAtMs && x.Length == y.Length && bytes.Equal(a.data, b.data)
}

func mustEqualItems(t *testing.T, got, want []item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !equalItems(got[i], want[i]) {
			t.Fatalf("record %d:\n got %v\nwant %v (data equal: %v)", i, got[i], want[i], bytes.Equal(got[i].data, want[i].data))
		}
	}
}

// writeItems writes items with w, each record's data in chunks of chunk
// bytes (all at once if chunk <= 0).
func writeItems(w *Writer, items []item, chunk int) error {
	for i := range items {
		it := &items[i]
		if err := w.BeginRecord(&it.rec); err != nil {
			return err
		}
		d := it.data
		for len(d) > 0 {
			n := len(d)
			if chunk > 0 {
				n = min(n, chunk)
			}
			if _, err := w.Write(d[:n]); err != nil {
				return err
			}
			d = d[n:]
		}
		if err := w.EndRecord(); err != nil {
			return err
		}
	}
	return nil
}

func mustWrite(t testing.TB, opt Options, items []item, chunk int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, opt)
	if err := writeItems(w, items, chunk); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// How readAll takes each record's data out of a Reader.
type readMode int

const (
	readWriteTo readMode = iota // Reader.WriteTo
	readReadAll                 // io.ReadAll: small, growing buffers
	readSmall                   // Read with a 7-byte buffer
	readBig                     // Read with buffers larger than a block
	readSkipOdd                 // odd records left for Next to skip
	numReadModes
)

// readAll reads every record of a snapshot. Skipped records get nil data.
func readAll(r io.Reader, mode readMode) ([]item, error) {
	return readAllSums(r, mode, false)
}

// readAllSums is readAll, but ignoring checksums if ignoreSums.
func readAllSums(r io.Reader, mode readMode, ignoreSums bool) ([]item, error) {
	rd, err := newReader(r, ReaderOptions{}, ignoreSums)
	if err != nil {
		return nil, err
	}
	var items []item
	for i := 0; ; i++ {
		rec, err := rd.Next()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return items, err
		}
		var data []byte
		switch mode {
		case readWriteTo:
			var b bytes.Buffer
			_, err = rd.WriteTo(&b)
			data = b.Bytes()
		case readReadAll:
			data, err = io.ReadAll(rd)
		case readSmall:
			data, err = readWith(rd, 7)
		case readBig:
			data, err = readWith(rd, 2*rd.BlockSize()+13)
		case readSkipOdd:
			if i%2 == 0 {
				data, err = io.ReadAll(rd)
			} else if i%4 == 1 {
				// Read a little of it, then let Next skip the rest.
				var p [3]byte
				_, err = rd.Read(p[:])
				if err == io.EOF {
					err = nil
				}
			}
		}
		if err != nil {
			return items, err
		}
		if data == nil && (mode != readSkipOdd || i%2 == 0) {
			data = []byte{}
		}
		items = append(items, item{*rec, data})
	}
}

func readWith(r io.Reader, size int) ([]byte, error) {
	out := []byte{}
	p := make([]byte, size)
	for {
		n, err := r.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func mustReadAll(t testing.TB, data []byte, mode readMode) []item {
	t.Helper()
	items, err := readAll(bytes.NewReader(data), mode)
	if err != nil {
		t.Fatalf("read mode %d: %v", mode, err)
	}
	return items
}

// Data generators, deterministic given rng.

func dataZeros(n int) []byte { return make([]byte, n) }

func dataRandom(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func dataText(n int) []byte {
	const words = "the quick brown fox jumps over the lazy dog numkv stores arrays in memory "
	b := make([]byte, n)
	for i := range b {
		b[i] = words[(i*7+i/len(words))%len(words)]
	}
	return b
}

// dataNormal is ML-weight-like float32: normal with sigma 0.02.
func dataNormal(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i+4 <= n; i += 4 {
		binary.LittleEndian.PutUint32(b[i:], math.Float32bits(float32(rng.NormFloat64()*0.02)))
	}
	return b
}

// dataSmooth is a sampled float32 signal with a little noise.
func dataSmooth(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i+4 <= n; i += 4 {
		v := math.Sin(float64(i)/4000) + rng.NormFloat64()*1e-3
		binary.LittleEndian.PutUint32(b[i:], math.Float32bits(float32(v)))
	}
	return b
}

// isClassified reports whether err wraps one of the reading sentinels.
func isClassified(err error) bool {
	for _, s := range []error{ErrBadMagic, ErrVersion, ErrChecksum, ErrTruncated, ErrCorrupt} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
