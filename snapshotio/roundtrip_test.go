package snapshotio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// dtypes lists every dtype name form numkv uses, with its itemsize.
var dtypes = []struct {
	name     string
	itemsize int
}{
	{"bool", 1}, {"i8", 1}, {"u8", 1}, {"i16", 2}, {"u16", 2}, {"f16", 2}, {"bf16", 2},
	{"i32", 4}, {"u32", 4}, {"f32", 4}, {"i64", 8}, {"u64", 8}, {"f64", 8},
	{"c64", 8}, {"c128", 16}, {"V1", 1}, {"V12", 1}, {"V4096", 1},
}

// sampleItems returns records covering every dtype, shapes of every rank
// form, several databases, expiries, empty values, binary keys, lengths that
// are not multiples of the itemsize, and values spanning many blocks of
// blockSize.
func sampleItems(rng *rand.Rand, blockSize int) []item {
	shapes := [][]int64{nil, {}, {3}, {0}, {2, 3, 4}, {1 << 40}, make([]int64, MaxRank)}
	keys := [][]byte{{}, []byte("w"), []byte("layer.0.weight"), {0, 0xff, '\r', '\n', 0}, bytes.Repeat([]byte{0x80}, 1000)}
	dbs := []int{0, 1, 15, MaxDB}
	exps := []int64{0, 1, 1_700_000_000_000, 1 << 62}
	var items []item
	for i, dt := range dtypes {
		var n int
		switch i % 5 {
		case 0:
			n = 0
		case 1:
			n = dt.itemsize * (1 + rng.IntN(9))
		case 2:
			n = 3*blockSize + dt.itemsize*rng.IntN(100) + rng.IntN(dt.itemsize) // many blocks, odd tail
		case 3:
			n = blockSize
		default:
			n = 1 + rng.IntN(2*blockSize)
		}
		var data []byte
		switch i % 6 {
		case 0:
			data = dataZeros(n)
		case 1:
			data = dataRandom(rng, n)
		case 2:
			data = dataText(n)
		case 3:
			data = dataNormal(rng, n)
		default:
			data = dataSmooth(rng, n)
		}
		shape := shapes[i%len(shapes)]
		if shape != nil {
			shape = append([]int64{}, shape...)
		}
		items = append(items, item{Record{
			DB:         dbs[i%len(dbs)],
			Key:        append(append([]byte{}, keys[i%len(keys)]...), byte(i)),
			Dtype:      dt.name,
			Itemsize:   dt.itemsize,
			Shape:      shape,
			ExpireAtMs: exps[i%len(exps)],
			Length:     int64(n),
		}, data})
	}
	// An empty key, an empty value and no shape at all.
	items = append(items, item{Record{Key: []byte{}, Dtype: "u8", Itemsize: 1}, []byte{}})
	return items
}

// normalize makes decoded items comparable with written ones: a reader
// returns an empty shape as nil.
func normalize(items []item) []item {
	out := make([]item, len(items))
	for i, it := range items {
		if len(it.rec.Shape) == 0 {
			it.rec.Shape = nil
		}
		out[i] = it
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	rng := mustRand(t)
	codecs := []Codec{CodecNone, CodecS2, CodecZstd}
	blockSizes := []int{1, 7, 64, 4096, 100_000}
	levels := []Level{LevelFast, LevelBetter, LevelBest}
	if testing.Short() {
		blockSizes = []int{7, 4096}
		levels = []Level{LevelFast}
	}
	for _, codec := range codecs {
		for _, shuf := range []bool{false, true} {
			for _, bs := range blockSizes {
				for _, lvl := range levels {
					if codec == CodecNone && (shuf || lvl != LevelFast) {
						continue
					}
					opt := Options{Codec: codec, Level: lvl, Shuffle: shuf, BlockSize: bs}
					t.Run(fmt.Sprintf("%s/shuffle=%v/bs=%d/level=%d", codec, shuf, bs, lvl), func(t *testing.T) {
						want := normalize(sampleItems(rng, bs))
						chunk := []int{0, 1, 3, bs - 1, bs + 5}[rng.IntN(5)]
						if bs == 1 && chunk == 1 {
							chunk = 0 // 1-byte Writes into 1-byte blocks: slow, adds nothing
						}
						data := mustWrite(t, opt, want, chunk)
						for mode := readMode(0); mode < numReadModes; mode++ {
							got := mustReadAll(t, data, mode)
							if mode == readSkipOdd {
								for i := range got {
									if i%2 == 1 {
										got[i].data = want[i].data
									}
								}
							}
							mustEqualItems(t, got, want)
						}
						s, err := Check(bytes.NewReader(data))
						if err != nil {
							t.Fatal(err)
						}
						if s.Records != int64(len(want)) || s.Size != int64(len(data)) {
							t.Fatalf("summary %+v for %d records, %d bytes", s, len(want), len(data))
						}
					})
				}
			}
		}
	}
}

// TestCompressionPolicy checks which blocks get compressed: those that
// shrink by at least 1/8, and shuffled only when asked for.
func TestCompressionPolicy(t *testing.T) {
	rng := mustRand(t)
	const bs = 256 << 10 // zstd's fastest level does little on 64 KiB of floats
	for _, tc := range []struct {
		name    string
		data    []byte
		opt     Options
		stored  string // how every block must be stored: a Summary.Blocks key
		shuffle bool
	}{
		{"random/s2", dataRandom(rng, 4*bs), Options{BlockSize: bs}, "none", false},
		{"random/zstd", dataRandom(rng, 4*bs), Options{Codec: CodecZstd, BlockSize: bs}, "none", false},
		{"zeros/default", dataZeros(4 * bs), Options{BlockSize: bs}, "fill", false},
		{"ones/zstd", bytes.Repeat([]byte{1}, 4*bs), Options{Codec: CodecZstd, BlockSize: bs}, "fill", false},
		{"text/zstd", dataText(4 * bs), Options{Codec: CodecZstd, BlockSize: bs}, "zstd", false},
		{"text/s2", dataText(4 * bs), Options{BlockSize: bs}, "s2", false},
		{"zeros/none", dataZeros(4 * bs), Options{Codec: CodecNone, BlockSize: bs}, "none", false},
		{"smooth/s2+shuffle", dataSmooth(rng, 4*bs), Options{Shuffle: true, BlockSize: bs}, "s2", true},
		{"smooth/zstd+shuffle", dataSmooth(rng, 4*bs), Options{Codec: CodecZstd, Shuffle: true, BlockSize: bs}, "zstd", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := []item{{Record{Key: []byte("k"), Dtype: "f32", Itemsize: 4, Length: int64(len(tc.data))}, tc.data}}
			data := mustWrite(t, tc.opt, want, 0)
			mustEqualItems(t, mustReadAll(t, data, readWriteTo), want)
			s, err := Check(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Blocks) != 1 || s.Blocks[tc.stored].Blocks != 4 {
				t.Fatalf("blocks %+v, want 4 stored as %s", s.Blocks, tc.stored)
			}
			if b := s.Blocks[tc.stored]; tc.stored != "none" && b.StoredBytes > b.RawBytes-b.RawBytes/minSavingDiv {
				t.Fatalf("kept a compressed block that saves too little: %+v", b)
			}
			if (s.Shuffled == 4) != tc.shuffle || (s.Shuffled != 0 && s.Shuffled != 4) {
				t.Fatalf("%d shuffled blocks, want shuffle %v", s.Shuffled, tc.shuffle)
			}
		})
	}
}

func TestShuffle(t *testing.T) {
	rng := mustRand(t)
	for w := 2; w <= 17; w++ {
		for _, n := range []int{0, 1, w - 1, w, 3*w + 1, 1000} {
			src := dataRandom(rng, n)
			want := make([]byte, 0, n)
			for j := 0; j < w; j++ {
				for i := 0; i < n/w; i++ {
					want = append(want, src[i*w+j])
				}
			}
			want = append(want, src[n/w*w:]...)
			got := make([]byte, n)
			shuffle(got, src, w)
			if !bytes.Equal(got, want) {
				t.Fatalf("shuffle width %d length %d: got %x want %x", w, n, got, want)
			}
			back := make([]byte, n)
			unshuffle(back, got, w)
			if !bytes.Equal(back, src) {
				t.Fatalf("unshuffle width %d length %d", w, n)
			}
		}
	}
}

// failWriter accepts limit bytes, then fails with err.
type failWriter struct {
	limit int
	err   error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n := f.limit
		f.limit = 0
		return n, f.err
	}
	f.limit -= len(p)
	return len(p), nil
}

func TestWriterErrors(t *testing.T) {
	rec := func() *Record { return &Record{Key: []byte("k"), Dtype: "f32", Itemsize: 4, Length: 8} }
	t.Run("order", func(t *testing.T) {
		for name, f := range map[string]func(w *Writer) error{
			"Write before BeginRecord":     func(w *Writer) error { _, err := w.Write([]byte{1}); return err },
			"EndRecord before BeginRecord": func(w *Writer) error { return w.EndRecord() },
			"BeginRecord twice": func(w *Writer) error {
				w.BeginRecord(rec())
				return w.BeginRecord(rec())
			},
			"Close inside a record": func(w *Writer) error {
				w.BeginRecord(rec())
				w.Write(make([]byte, 8))
				return w.Close()
			},
			"BeginRecord after Close": func(w *Writer) error {
				w.Close()
				return w.BeginRecord(rec())
			},
		} {
			w := NewWriter(io.Discard, Options{})
			if err := f(w); !errors.Is(err, ErrOrder) {
				t.Errorf("%s: %v, want ErrOrder", name, err)
			}
			// Sticky.
			if err := w.Close(); !errors.Is(err, ErrOrder) {
				t.Errorf("%s: then Close: %v, want ErrOrder", name, err)
			}
		}
	})
	t.Run("length", func(t *testing.T) {
		w := NewWriter(io.Discard, Options{})
		w.BeginRecord(rec())
		if _, err := w.Write(make([]byte, 5)); err != nil {
			t.Fatal(err)
		}
		if n, err := w.Write(make([]byte, 5)); n != 0 || !errors.Is(err, ErrLength) {
			t.Fatalf("writing past Length: %d, %v", n, err)
		}
		w = NewWriter(io.Discard, Options{})
		w.BeginRecord(rec())
		w.Write(make([]byte, 5))
		if err := w.EndRecord(); !errors.Is(err, ErrLength) {
			t.Fatalf("EndRecord short: %v", err)
		}
	})
	t.Run("invalid record", func(t *testing.T) {
		for _, r := range []Record{
			{DB: -1, Dtype: "u8", Itemsize: 1},
			{DB: MaxDB + 1, Dtype: "u8", Itemsize: 1},
			{Key: make([]byte, MaxKeyLen+1), Dtype: "u8", Itemsize: 1},
			{Dtype: "", Itemsize: 1},
			{Dtype: strings.Repeat("x", MaxDtypeLen+1), Itemsize: 1},
			{Dtype: "f 32", Itemsize: 4},
			{Dtype: "f\xff", Itemsize: 4},
			{Dtype: "u8", Itemsize: 0},
			{Dtype: "u8", Itemsize: MaxItemsize + 1},
			{Dtype: "u8", Itemsize: 1, Shape: make([]int64, MaxRank+1)},
			{Dtype: "u8", Itemsize: 1, Shape: []int64{2, -1}},
			{Dtype: "u8", Itemsize: 1, ExpireAtMs: -1},
			{Dtype: "u8", Itemsize: 1, Length: -1},
		} {
			var buf bytes.Buffer
			w := NewWriter(&buf, Options{})
			if err := w.BeginRecord(&r); !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("%+v: %v, want ErrInvalidRecord", r, err)
			}
			// Not sticky: the Writer goes on.
			want := []item{{Record{Key: []byte("ok"), Dtype: "u8", Itemsize: 1, Length: 2}, []byte{1, 2}}}
			if err := writeItems(w, want, 0); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			mustEqualItems(t, mustReadAll(t, buf.Bytes(), readReadAll), want)
		}
	})
	t.Run("options", func(t *testing.T) {
		for _, o := range []Options{{Codec: -1}, {Codec: CodecZstd + 1}, {Level: -1}, {Level: LevelBest + 1},
			{BlockSize: -1}, {BlockSize: MaxBlockSize + 1}} {
			w := NewWriter(io.Discard, o)
			if err := w.BeginRecord(rec()); !errors.Is(err, ErrOptions) {
				t.Errorf("%+v: %v, want ErrOptions", o, err)
			}
			if err := w.Close(); !errors.Is(err, ErrOptions) {
				t.Errorf("%+v: Close: %v, want ErrOptions", o, err)
			}
		}
	})
	t.Run("output", func(t *testing.T) {
		errDisk := errors.New("disk on fire")
		items := sampleItems(rand.New(rand.NewPCG(1, 2)), 4096)
		full := mustWrite(t, Options{BlockSize: 4096}, items, 0)
		for _, limit := range []int{0, 1, 19, 20, 100, len(full) / 2, len(full) - 1} {
			fw := &failWriter{limit: limit, err: errDisk}
			w := NewWriter(fw, Options{BlockSize: 4096})
			err := writeItems(w, items, 1000)
			if err == nil {
				err = w.Close()
			}
			if !errors.Is(err, errDisk) {
				t.Fatalf("limit %d: %v, want the output's error", limit, err)
			}
			if err2 := w.Close(); !errors.Is(err2, errDisk) {
				t.Fatalf("limit %d: not sticky: %v", limit, err2)
			}
		}
	})
}

func TestParseCodec(t *testing.T) {
	for _, c := range []Codec{CodecDefault, CodecNone, CodecS2, CodecZstd} {
		got, err := ParseCodec(c.String())
		if err != nil || got != c {
			t.Errorf("ParseCodec(%q) = %v, %v", c.String(), got, err)
		}
	}
	if _, err := ParseCodec("lz4"); !errors.Is(err, ErrOptions) {
		t.Errorf("ParseCodec(lz4): %v", err)
	}
}

func TestReaderUsage(t *testing.T) {
	items := []item{
		{Record{Key: []byte("a"), Dtype: "u8", Itemsize: 1, Length: 3}, []byte{1, 2, 3}},
		{Record{Key: []byte("b"), Dtype: "u8", Itemsize: 1, Length: 0}, []byte{}},
	}
	data := mustWrite(t, Options{}, items, 0)
	rd, err := NewReader(bytes.NewReader(data), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rd.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("Read before Next: %d, %v", n, err)
	}
	if n, err := rd.WriteTo(io.Discard); n != 0 || err != nil {
		t.Fatalf("WriteTo before Next: %d, %v", n, err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 2)
	if n, err := rd.Read(p); n != 2 || err != nil || p[0] != 1 {
		t.Fatalf("Read: %d, %v, %v", n, err, p)
	}
	rec, err := rd.Next() // skips the 3rd byte
	if err != nil || string(rec.Key) != "b" {
		t.Fatalf("Next: %v, %v", rec, err)
	}
	if n, err := rd.Read(p); n != 0 || err != io.EOF {
		t.Fatalf("Read of an empty record: %d, %v", n, err)
	}
	for range 2 {
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("Next at the end: %v", err)
		}
	}
	if n, err := rd.Read(p); n != 0 || err != io.EOF {
		t.Fatalf("Read after the end: %d, %v", n, err)
	}
	if rd.Offset() != int64(len(data)) {
		t.Fatalf("Offset %d, file %d", rd.Offset(), len(data))
	}
}

// TestWriteToError checks that a destination's error stops WriteTo and the
// Reader, wrapped.
func TestWriteToError(t *testing.T) {
	items := []item{{Record{Key: []byte("a"), Dtype: "u8", Itemsize: 1, Length: 300}, dataText(300)}}
	data := mustWrite(t, Options{BlockSize: 100}, items, 0)
	rd, err := NewReader(bytes.NewReader(data), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	errDst := errors.New("tree full")
	n, err := rd.WriteTo(&failWriter{limit: 150, err: errDst})
	if n != 150 || !errors.Is(err, errDst) {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	if _, err := rd.Next(); !errors.Is(err, errDst) {
		t.Fatalf("Next after a failed WriteTo: %v", err)
	}
}

func TestFormatErrorMessage(t *testing.T) {
	items := []item{{Record{Key: []byte("weights\x00"), Dtype: "f32", Itemsize: 4, Length: 8}, make([]byte, 8)}}
	data := mustWrite(t, Options{Codec: CodecNone}, items, 0)
	off := headerLen + preambleLen + recordFixedLen + 8 + 3 + crcLen // the block
	data[off+blockHdrLen] ^= 1                                       // its data
	rd, err := NewReader(bytes.NewReader(data), ReaderOptions{Path: "dump.numkv"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rd)
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrChecksum) {
		t.Fatalf("%v, want a *FormatError wrapping ErrChecksum", err)
	}
	want := fmt.Sprintf(`snapshotio: dump.numkv: offset %d, record 0 (key "weights\x00"): block 0 data: checksum mismatch`, off)
	if err.Error() != want {
		t.Fatalf("message\n got %s\nwant %s", err, want)
	}
	if fe.Offset != int64(off) || fe.Record != 0 || string(fe.Key) != "weights\x00" || fe.Path != "dump.numkv" {
		t.Fatalf("fields %+v", fe)
	}
}

func TestFill(t *testing.T) {
	for _, n := range []int{1, 2, 7, 8, 9, 63, 64, 65, 1000} {
		for _, c := range []byte{0, 1, 0xff} {
			b := bytes.Repeat([]byte{0xaa}, n)
			fill(b, c)
			if !bytes.Equal(b, bytes.Repeat([]byte{c}, n)) {
				t.Fatalf("fill(%d bytes, %#x) = %x", n, c, b)
			}
			if !isFill(b) {
				t.Fatalf("isFill(%d bytes of %#x) = false", n, c)
			}
			for i := range n {
				b[i] ^= 0x10
				if n > 1 && isFill(b) {
					t.Fatalf("isFill of %d bytes with byte %d changed = true", n, i)
				}
				b[i] ^= 0x10
			}
		}
	}
}
