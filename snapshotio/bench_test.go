package snapshotio

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// Run: go test ./snapshotio -run '^$' -bench . -benchtime 2s -count 5 | tee new.txt
// and compare runs with benchstat.

const benchLen = 16 << 20 // one record of four 4 MiB blocks

type benchData struct {
	name     string
	itemsize int
	data     []byte
}

func benchDatas() []benchData {
	rng := rand.New(rand.NewPCG(11, 12))
	return []benchData{
		{"normal-f32", 4, dataNormal(rng, benchLen)}, // ML weights
		{"smooth-f32", 4, dataSmooth(rng, benchLen)}, // a signal with noise
		{"zeros", 4, dataZeros(benchLen)},
		{"text", 1, dataText(benchLen)},
	}
}

var benchOpts = []struct {
	name string
	opt  Options
}{
	{"none", Options{Codec: CodecNone, BlockSize: 4 << 20}},
	{"s2", Options{Codec: CodecS2, BlockSize: 4 << 20}},
	{"s2+shuffle", Options{Codec: CodecS2, Shuffle: true, BlockSize: 4 << 20}},
	{"zstd", Options{Codec: CodecZstd, BlockSize: 4 << 20}},
	{"zstd+shuffle", Options{Codec: CodecZstd, Shuffle: true, BlockSize: 4 << 20}},
}

func benchWrite(b *testing.B, d benchData, opt Options) []byte {
	rec := Record{Key: []byte("bench"), Dtype: "f32", Itemsize: d.itemsize, Length: int64(len(d.data))}
	var out bytes.Buffer
	out.Grow(len(d.data) + len(d.data)/8)
	write := func() {
		out.Reset()
		w := NewWriter(&out, opt)
		if err := w.BeginRecord(&rec); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Write(d.data); err != nil {
			b.Fatal(err)
		}
		if err := w.EndRecord(); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(d.data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		write()
	}
	b.ReportMetric(float64(len(d.data))/float64(out.Len()), "ratio")
	return out.Bytes()
}

// BenchmarkWrite measures the Writer's CPU cost into memory: the disk
// comes on top (see BenchmarkWriteFile).
func BenchmarkWrite(b *testing.B) {
	for _, d := range benchDatas() {
		for _, o := range benchOpts {
			b.Run(d.name+"/"+o.name, func(b *testing.B) { benchWrite(b, d, o.opt) })
		}
	}
}

// benchRead reads file, one record of length bytes, through WriteTo.
func benchRead(b *testing.B, file []byte, length int) {
	b.SetBytes(int64(length))
	b.ReportAllocs()
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(file), ReaderOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
		if n, err := rd.WriteTo(io.Discard); err != nil || n != int64(length) {
			b.Fatal(n, err)
		}
		if _, err := rd.Next(); err != io.EOF {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead measures loading from memory through WriteTo, the server's
// path.
func BenchmarkRead(b *testing.B) {
	for _, d := range benchDatas() {
		for _, o := range benchOpts {
			var buf bytes.Buffer
			rec := Record{Key: []byte("bench"), Dtype: "f32", Itemsize: d.itemsize, Length: int64(len(d.data))}
			w := NewWriter(&buf, o.opt)
			w.BeginRecord(&rec)
			w.Write(d.data)
			w.EndRecord()
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			file := buf.Bytes()
			b.Run(d.name+"/"+o.name, func(b *testing.B) { benchRead(b, file, len(d.data)) })
		}
	}
}

// BenchmarkBlockSize sweeps the default codec's block size.
func BenchmarkBlockSize(b *testing.B) {
	for _, d := range benchDatas()[:2] {
		for _, bs := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
			var file []byte
			b.Run(fmt.Sprintf("write/%s/%dKiB", d.name, bs>>10), func(b *testing.B) {
				file = benchWrite(b, d, Options{BlockSize: bs})
			})
			b.Run(fmt.Sprintf("read/%s/%dKiB", d.name, bs>>10), func(b *testing.B) {
				benchRead(b, file, len(d.data))
			})
		}
	}
}

// BenchmarkWriteFile saves 64 MiB of ML-weight-like float32 with fsync, to
// compare the codecs with the disk under the test's temporary directory.
func BenchmarkWriteFile(b *testing.B) {
	rng := rand.New(rand.NewPCG(13, 14))
	data := dataNormal(rng, 64<<20)
	text := dataText(64 << 20)
	for _, d := range []struct {
		name string
		data []byte
	}{{"normal-f32", data}, {"text", text}} {
		for _, o := range benchOpts[:2] {
			b.Run(d.name+"/"+o.name, func(b *testing.B) {
				dir := b.TempDir()
				rec := Record{Key: []byte("bench"), Dtype: "f32", Itemsize: 4, Length: int64(len(d.data))}
				b.SetBytes(int64(len(d.data)))
				b.ReportAllocs()
				for b.Loop() {
					_, err := WriteFile(dir, "dump.numkv", Options{Codec: o.opt.Codec}, func(w *Writer) error {
						if err := w.BeginRecord(&rec); err != nil {
							return err
						}
						for p := d.data; len(p) > 0; p = p[1<<20:] {
							if _, err := w.Write(p[:1<<20]); err != nil {
								return err
							}
						}
						return w.EndRecord()
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkShuffle measures the byte shuffle and its inverse on 4 MiB.
func BenchmarkShuffle(b *testing.B) {
	src := dataRandom(rand.New(rand.NewPCG(15, 16)), 4<<20)
	dst := make([]byte, len(src))
	for _, w := range []int{2, 4, 8, 16} {
		b.Run(fmt.Sprintf("shuffle/%d", w), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				shuffle(dst, src, w)
			}
		})
		b.Run(fmt.Sprintf("unshuffle/%d", w), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				unshuffle(dst, src, w)
			}
		})
	}
}
