package snapshotio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// mustRefuse checks that reading data fails with a *FormatError wrapping
// want (or any reading sentinel if want is nil), both through Check and
// through a Reader read with every mode.
func mustRefuse(t *testing.T, data []byte, want error, what string) {
	t.Helper()
	mustRefuseModes(t, data, want, what, allReadModes)
}

var (
	allReadModes = []readMode{readWriteTo, readReadAll, readSmall, readBig, readSkipOdd}
	// fewReadModes, with Check's WriteTo, cover Read, WriteTo and skipping.
	fewReadModes = []readMode{readSmall, readSkipOdd}
)

func mustRefuseModes(t *testing.T, data []byte, want error, what string, modes []readMode) {
	t.Helper()
	for _, mode := range modes {
		_, err := readAll(bytes.NewReader(data), mode)
		if mode == readSkipOdd && err == nil {
			// Skipping still decodes; nothing may pass unread.
			t.Fatalf("%s: read mode %d accepted it", what, mode)
		}
		checkRefusal(t, err, want, what)
	}
	_, err := Check(bytes.NewReader(data))
	checkRefusal(t, err, want, what)
}

func checkRefusal(t *testing.T, err error, want error, what string) {
	t.Helper()
	var fe *FormatError
	switch {
	case err == nil:
		t.Fatalf("%s: accepted", what)
	case !errors.As(err, &fe):
		t.Fatalf("%s: %v is not a *FormatError", what, err)
	case want == nil && !isClassified(err):
		t.Fatalf("%s: %v is not classified", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

func TestTruncate(t *testing.T) {
	data := mustGolden(t)
	for n := 0; n < len(data); n++ {
		mustRefuseModes(t, data[:n], ErrTruncated, fmt.Sprintf("truncated to %d bytes", n), fewReadModes)
	}
}

// TestFlip flips every byte of the golden file, and single bits of it:
// each damaged copy must be refused with a classified error, the magic
// with ErrBadMagic, the version with ErrVersion, everything after them by
// a checksum.
func TestFlip(t *testing.T) {
	data := mustGolden(t)
	masks := []byte{0xff, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80}
	if testing.Short() || raceEnabled {
		masks = masks[:2]
	}
	for i := range data {
		for _, m := range masks {
			d := bytes.Clone(data)
			d[i] ^= m
			var want error
			switch {
			case i < len(magic):
				want = ErrBadMagic
			case i < 12:
				want = ErrVersion
			default:
				want = ErrChecksum
			}
			mustRefuseModes(t, d, want, fmt.Sprintf("byte %d xor %#x", i, m), fewReadModes)
		}
	}
}

func TestTrailingData(t *testing.T) {
	data := mustGolden(t)
	for _, tail := range [][]byte{{0}, []byte("garbage"), data} {
		mustRefuse(t, append(bytes.Clone(data), tail...), ErrCorrupt, "trailing data")
	}
}

// Hand-made files with valid checksums and broken structure.

func craftHeader(version, blockSize uint32) []byte {
	b := []byte(magic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint32(b, blockSize)
	return binary.LittleEndian.AppendUint32(b, crc(b))
}

func craftFrame(tag byte, body []byte) []byte {
	b := []byte{tag}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
	b = binary.LittleEndian.AppendUint32(b, crc(b))
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, crc(body))
}

type craftRec struct {
	db, itemsize       uint32
	exp, length        uint64
	key, dtype         []byte
	shape              []uint64
	keyLen, dLen, rank int // -1: the real length
}

func (c craftRec) body() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, c.db)
	b = le.AppendUint32(b, c.itemsize)
	b = le.AppendUint64(b, c.exp)
	b = le.AppendUint64(b, c.length)
	pick := func(n, real int) int {
		if n < 0 {
			return real
		}
		return n
	}
	b = le.AppendUint32(b, uint32(pick(c.keyLen, len(c.key))))
	b = append(b, byte(pick(c.dLen, len(c.dtype))), byte(pick(c.rank, len(c.shape))))
	b = append(b, c.key...)
	b = append(b, c.dtype...)
	for _, d := range c.shape {
		b = le.AppendUint64(b, d)
	}
	return b
}

func okRec(length uint64) craftRec {
	return craftRec{itemsize: 4, length: length, key: []byte("k"), dtype: []byte("f32"), keyLen: -1, dLen: -1, rank: -1}
}

func craftBlock(rawLen, storedLen uint32, codec, width byte, stored []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, rawLen)
	b = binary.LittleEndian.AppendUint32(b, storedLen)
	b = append(b, codec, width)
	b = binary.LittleEndian.AppendUint32(b, crc(b))
	b = append(b, stored...)
	return binary.LittleEndian.AppendUint32(b, crc(stored))
}

func craftTrailer(records, bytes uint64) []byte {
	b := binary.LittleEndian.AppendUint64(nil, records)
	return craftFrame(tagTrailer, binary.LittleEndian.AppendUint64(b, bytes))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestCorruptStructure(t *testing.T) {
	hdr := craftHeader(Version, 16)
	rec := func(c craftRec) []byte { return craftFrame(tagRecord, c.body()) }
	eight := bytes.Repeat([]byte{7}, 8)
	good := cat(hdr, rec(okRec(8)), craftBlock(8, 8, blockStored, 0, eight), craftTrailer(1, 8))
	if _, err := Check(bytes.NewReader(good)); err != nil {
		t.Fatalf("the crafted baseline: %v", err)
	}
	filled := cat(hdr, rec(okRec(8)), craftBlock(8, 1, blockFill, 0, eight[:1]), craftTrailer(1, 8))
	if got := mustReadAll(t, filled, readSmall); !bytes.Equal(got[0].data, eight) {
		t.Fatalf("a fill block reads as %v", got[0].data)
	}
	zenc, _ := zstd.NewWriter(nil)
	zeros16 := make([]byte, 16)
	mut := func(f func(*craftRec)) []byte {
		c := okRec(8)
		f(&c)
		return cat(hdr, rec(c), craftBlock(8, 8, blockStored, 0, eight), craftTrailer(1, 8))
	}
	blk := func(b []byte) []byte { return cat(hdr, rec(okRec(8)), b, craftTrailer(1, 8)) }
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"not a snapshot", []byte("*1\r\n$4\r\nPING\r\n"), ErrBadMagic},
		{"short garbage", []byte("GIF"), ErrBadMagic},
		{"magic only", []byte(magic), ErrTruncated},
		{"version 0", craftHeader(0, 16), ErrVersion},
		{"version 2", cat(craftHeader(2, 16), []byte("anything a later version writes")), ErrVersion},
		{"version 2, truncated header", craftHeader(2, 16)[:12], ErrVersion},
		{"block size 0", craftHeader(Version, 0), ErrCorrupt},
		{"block size too large", craftHeader(Version, MaxBlockSize+1), ErrCorrupt},
		{"no trailer", cat(hdr, rec(okRec(0))), ErrTruncated},
		{"unknown tag", cat(hdr, craftFrame('X', nil)), ErrCorrupt},
		{"short record body", cat(hdr, craftFrame(tagRecord, make([]byte, 10))), ErrCorrupt},
		{"huge record body", cat(hdr, func() []byte {
			p := binary.LittleEndian.AppendUint32([]byte{tagRecord}, maxHeaderBody+1)
			return binary.LittleEndian.AppendUint32(p, crc(p))
		}()), ErrCorrupt},
		{"key length past body", mut(func(c *craftRec) { c.keyLen = 5 }), ErrCorrupt},
		{"body past fields", mut(func(c *craftRec) { c.dtype = []byte("f32"); c.dLen = 2 }), ErrCorrupt},
		{"key too long", mut(func(c *craftRec) { c.keyLen = MaxKeyLen + 1 }), ErrCorrupt},
		{"db too large", mut(func(c *craftRec) { c.db = MaxDB + 1 }), ErrCorrupt},
		{"itemsize 0", mut(func(c *craftRec) { c.itemsize = 0 }), ErrCorrupt},
		{"itemsize too large", mut(func(c *craftRec) { c.itemsize = MaxItemsize + 1 }), ErrCorrupt},
		{"empty dtype", mut(func(c *craftRec) { c.dtype = nil }), ErrCorrupt},
		{"dtype with a space", mut(func(c *craftRec) { c.dtype = []byte("f 32") }), ErrCorrupt},
		{"rank too large", mut(func(c *craftRec) { c.shape = make([]uint64, MaxRank+1) }), ErrCorrupt},
		{"negative dimension", mut(func(c *craftRec) { c.shape = []uint64{1, math.MaxUint64} }), ErrCorrupt},
		{"negative expiry", mut(func(c *craftRec) { c.exp = 1 << 63 }), ErrCorrupt},
		{"huge length", cat(hdr, rec(craftRec{itemsize: 1, length: 1 << 63, dtype: []byte("u8"), keyLen: -1, dLen: -1, rank: -1})), ErrCorrupt},
		{"raw length 0", blk(craftBlock(0, 0, blockStored, 0, nil)), ErrCorrupt},
		{"raw length past block size", cat(hdr, rec(okRec(20)), craftBlock(20, 20, blockStored, 0, make([]byte, 20))), ErrCorrupt},
		{"raw length past record", blk(craftBlock(9, 9, blockStored, 0, make([]byte, 9))), ErrCorrupt},
		{"unknown codec", blk(craftBlock(8, 8, numBlockKinds, 0, eight)), ErrCorrupt},
		{"fill of 2 bytes", blk(craftBlock(8, 2, blockFill, 0, eight[:2])), ErrCorrupt},
		{"fill shuffled", blk(craftBlock(8, 1, blockFill, 2, eight[:1])), ErrCorrupt},
		{"fill of 1 byte", cat(hdr, rec(okRec(1)), craftBlock(1, 1, blockFill, 0, eight[:1]), craftTrailer(1, 1)), ErrCorrupt},
		{"stored length differs", blk(craftBlock(8, 7, blockStored, 0, eight[:7])), ErrCorrupt},
		{"stored block shuffled", blk(craftBlock(8, 8, blockStored, 4, eight)), ErrCorrupt},
		{"compressed not smaller", blk(craftBlock(8, 8, blockS2, 0, eight)), ErrCorrupt},
		{"compressed empty", blk(craftBlock(8, 0, blockS2, 0, nil)), ErrCorrupt},
		{"shuffle width 1", blk(craftBlock(8, 4, blockS2, 1, s2.Encode(nil, make([]byte, 8))[:4])), ErrCorrupt},
		{"s2 garbage", blk(craftBlock(8, 3, blockS2, 0, []byte{8, 0xff, 0xff})), ErrCorrupt},
		{"s2 wrong length", cat(hdr, rec(okRec(16)), func() []byte {
			c := s2.Encode(nil, make([]byte, 15))
			return craftBlock(16, uint32(len(c)), blockS2, 0, c)
		}(), craftTrailer(1, 16)), ErrCorrupt},
		{"zstd garbage", cat(hdr, rec(okRec(16)), craftBlock(16, 5, blockZstd, 0, []byte("hello")), craftTrailer(1, 16)), ErrCorrupt},
		{"zstd too long", cat(hdr, rec(okRec(16)), func() []byte {
			z := zenc.EncodeAll(make([]byte, 1000), nil)
			return craftBlock(16, uint32(len(z)), blockZstd, 0, z)
		}(), craftTrailer(1, 16)), ErrCorrupt},
		{"zstd too short", cat(hdr, rec(okRec(16)), func() []byte {
			z := zenc.EncodeAll(zeros16[:15], nil)
			return craftBlock(16, uint32(len(z)), blockZstd, 0, z)
		}(), craftTrailer(1, 16)), ErrCorrupt},
		{"trailer count", cat(hdr, rec(okRec(8)), craftBlock(8, 8, blockStored, 0, eight), craftTrailer(2, 8)), ErrCorrupt},
		{"trailer bytes", cat(hdr, rec(okRec(8)), craftBlock(8, 8, blockStored, 0, eight), craftTrailer(1, 9)), ErrCorrupt},
		{"trailer length", cat(hdr, craftFrame(tagTrailer, make([]byte, 15))), ErrCorrupt},
		{"data after trailer", cat(good, []byte{0}), ErrCorrupt},
		{"two trailers", cat(good, craftTrailer(1, 8)), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) { mustRefuse(t, tc.data, tc.want, tc.name) })
	}
}

// TestIotest reads the golden file through testing/iotest's readers.
func TestIotest(t *testing.T) {
	data := mustGolden(t)
	want, _ := goldenItems()
	for name, r := range map[string]func() io.Reader{
		"OneByteReader": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"HalfReader":    func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"DataErrReader": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	} {
		for mode := readMode(0); mode < numReadModes; mode++ {
			got, err := readAll(r(), mode)
			if err != nil {
				t.Fatalf("%s, mode %d: %v", name, mode, err)
			}
			if mode == readSkipOdd {
				for i := 1; i < len(got); i += 2 {
					got[i].data = want[i].data
				}
			}
			mustEqualItems(t, got, want)
		}
		if _, err := Check(r()); err != nil {
			t.Fatalf("%s: Check: %v", name, err)
		}
	}
	// Errors of the underlying reader come back wrapped, with the offset.
	errDisk := errors.New("read error")
	for name, r := range map[string]io.Reader{
		"TimeoutReader":      iotest.TimeoutReader(iotest.OneByteReader(bytes.NewReader(data))),
		"ErrReader":          iotest.ErrReader(errDisk),
		"ErrReader mid-file": io.MultiReader(bytes.NewReader(data[:700]), iotest.ErrReader(errDisk)),
	} {
		_, err := Check(r)
		var fe *FormatError
		if !errors.As(err, &fe) || !(errors.Is(err, iotest.ErrTimeout) || errors.Is(err, errDisk)) {
			t.Fatalf("%s: %v", name, err)
		}
		if isClassified(err) {
			t.Fatalf("%s: an I/O error classified as a format error: %v", name, err)
		}
	}
	// TestReader checks the Reader as an io.Reader over one record's data.
	rd, err := NewReader(bytes.NewReader(data), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
		if err := iotest.TestReader(rd, want[i].data); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}
