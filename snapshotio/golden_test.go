package snapshotio

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/v<Version>.numkv from goldenItems")

// goldenBlockSize is small so that the golden file has many blocks and
// stays a few KiB, which keeps the every-byte corruption tests fast.
const goldenBlockSize = 128

// goldenItems is the content of testdata/v1.numkv, each record with the
// options it is written with, so that the file holds every kind of block:
// stored, fill, s2, zstd, and shuffled by 2, 4 and 16.
func goldenItems() ([]item, []Options) {
	f32s := func(n int, f func(i int) float64) []byte {
		b := make([]byte, 4*n)
		for i := range n {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(f(i))))
		}
		return b
	}
	bf16 := make([]byte, 300)
	for i := 0; i+2 <= len(bf16); i += 2 {
		binary.LittleEndian.PutUint16(bf16[i:], uint16(0x3f80+i%7))
	}
	c128 := make([]byte, 16*20)
	for i := 0; i+8 <= len(c128); i += 8 {
		binary.LittleEndian.PutUint64(c128[i:], math.Float64bits(1+float64(i)*1e-12))
	}
	random := make([]byte, 100)
	for i := range random {
		random[i] = byte(i*i*31 + i*7 + 3)
	}
	s2o := Options{Codec: CodecS2, BlockSize: goldenBlockSize}
	zo := Options{Codec: CodecZstd, BlockSize: goldenBlockSize}
	none := Options{Codec: CodecNone, BlockSize: goldenBlockSize}
	shuf := func(o Options) Options { o.Shuffle = true; return o }
	items := []item{
		{Record{DB: 0, Key: []byte("zeros"), Dtype: "f32", Itemsize: 4, Shape: []int64{2, 3}}, make([]byte, 300)},
		{Record{DB: 1, Key: []byte("text"), Dtype: "V12", Itemsize: 1, ExpireAtMs: 1_700_000_000_000}, bytes.Repeat([]byte("numkv golden "), 24)},
		{Record{DB: 2, Key: []byte("smooth"), Dtype: "f32", Itemsize: 4, Shape: []int64{10}}, f32s(100, func(i int) float64 { return 1 + float64(i)*1e-6 })},
		{Record{DB: 2, Key: []byte("bf16"), Dtype: "bf16", Itemsize: 2, Shape: []int64{3, 5}}, bf16},
		{Record{DB: 3, Key: []byte("random"), Dtype: "u8", Itemsize: 1}, random},
		{Record{DB: MaxDB, Key: []byte{0, 0xff, '\n'}, Dtype: "bool", Itemsize: 1, Shape: []int64{0}, ExpireAtMs: 1}, []byte{}},
		{Record{DB: 0, Key: []byte("c128"), Dtype: "c128", Itemsize: 16, Shape: []int64{4}}, c128},
		{Record{DB: 4, Key: []byte("ones"), Dtype: "u8", Itemsize: 1, Shape: []int64{}}, append(bytes.Repeat([]byte{1}, 250), 2)},
		{Record{DB: 4, Key: []byte("zeros, unshrunk"), Dtype: "i16", Itemsize: 2}, make([]byte, 130)},
	}
	opts := []Options{s2o, zo, shuf(s2o), shuf(zo), none, s2o, shuf(zo), zo, none}
	for i := range items {
		items[i].rec.Length = int64(len(items[i].data))
	}
	return normalize(items), opts
}

func writeGolden(t *testing.T) []byte {
	items, opts := goldenItems()
	var buf bytes.Buffer
	w := NewWriter(&buf, opts[0])
	for i := range items {
		// The options may change between records as long as the block size
		// (in the header) does not; only tests do this.
		w.opt = opts[i]
		if err := writeItems(w, items[i:i+1], 50); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func goldenPath() string { return filepath.Join("testdata", "v1.numkv") }

func mustGolden(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(goldenPath())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestGolden reads the golden file of each format version and compares
// what it decodes to, never its bytes: the codecs' output may change
// between library versions while staying readable.
func TestGolden(t *testing.T) {
	if *update {
		if err := os.WriteFile(goldenPath(), writeGolden(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := mustGolden(t)
	want, _ := goldenItems()
	for mode := readMode(0); mode < numReadModes; mode++ {
		got := mustReadAll(t, data, mode)
		if mode == readSkipOdd {
			for i := 1; i < len(got); i += 2 {
				got[i].data = want[i].data
			}
		}
		mustEqualItems(t, got, want)
	}
	s, err := CheckFile(goldenPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes\n%s", goldenPath(), len(data), s)
	for _, c := range blockKindNames {
		if s.Blocks[c].Blocks == 0 {
			t.Errorf("the golden file has no %s block", c)
		}
	}
	if s.Shuffled == 0 || s.BlockSize != goldenBlockSize {
		t.Errorf("the golden file has %d shuffled blocks, block size %d", s.Shuffled, s.BlockSize)
	}
	// What this package writes today decodes to the same content.
	mustEqualItems(t, mustReadAll(t, writeGolden(t), readWriteTo), want)
}
