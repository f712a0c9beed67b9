package snapshotio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// Path names the file in errors (FormatError.Path); it is not opened.
	Path string
}

// readBufSize is the Reader's input buffer; block data larger than it are
// read straight into their destination.
const readBufSize = 256 << 10

// Reader reads a snapshot sequentially:
//
//	r, err := NewReader(f, ReaderOptions{Path: name})
//	for {
//		rec, err := r.Next()
//		if err == io.EOF { break } // the trailer checked out
//		...                        // err: a *FormatError
//		r.WriteTo(dst)             // or r.Read, rec.Length bytes
//	}
//
// Every checksum is verified before the bytes it covers are used. Errors
// are sticky.
type Reader struct {
	br  *bufio.Reader
	opt ReaderOptions
	off int64
	err error // sticky; io.EOF after the trailer

	blockSize int
	nrec      int     // records whose header was read
	cur       *Record // the record being read, nil before the first Next
	remaining int64   // bytes of cur's data not yet read from the file
	nblock    int     // blocks of cur read
	dataBytes uint64  // sum of Length over the records read
	pending   []byte  // decoded bytes not yet returned by Read

	body   []byte // a record header's body
	raw    []byte // a decoded block
	stored []byte // a compressed block
	tmp    []byte // a decompressed block before unshuffling
	zdec   *zstd.Decoder
	stats  blockStats

	// ignoreSums lets FuzzLoad reach the parsing and decoding behind the
	// checksums; nothing else sets it.
	ignoreSums bool
}

type blockStats struct {
	blocks, rawBytes, storedBytes [numBlockKinds]int64 // by codec byte
	shuffled                      int64
}

// NewReader reads and checks the header of the snapshot in r: the magic
// (ErrBadMagic), then the version (ErrVersion), then its checksum
// (ErrChecksum), then its block size (ErrCorrupt); a short header is
// ErrTruncated. Errors are *FormatError, which also carries r's own errors.
// The Reader buffers r, unless r is a large enough *bufio.Reader.
func NewReader(r io.Reader, opt ReaderOptions) (*Reader, error) {
	return newReader(r, opt, false)
}

func newReader(r io.Reader, opt ReaderOptions, ignoreSums bool) (*Reader, error) {
	size := readBufSize
	if l, ok := r.(interface{ Len() int }); ok {
		// An in-memory input (bytes.Reader, strings.Reader) needs no buffer
		// larger than itself; this keeps small loads, like fuzzing's, cheap.
		size = min(size, max(l.Len(), 16))
	}
	rd := &Reader{br: bufio.NewReaderSize(r, size), opt: opt, ignoreSums: ignoreSums}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

// fail records a FormatError about the structure at off.
func (r *Reader) fail(off int64, err error) error {
	fe := &FormatError{Path: r.opt.Path, Offset: off, Record: r.nrec, Err: err}
	if r.cur != nil {
		fe.Record = r.nrec - 1
		fe.Key = r.cur.Key
	}
	r.err = fe
	return fe
}

// sumOK reports whether sum holds the CRC of b.
func (r *Reader) sumOK(b, sum []byte) bool {
	return crc(b) == binary.LittleEndian.Uint32(sum) || r.ignoreSums
}

// readFull reads len(p) bytes of what, which starts at off.
func (r *Reader) readFull(p []byte, off int64, what string) error {
	n, err := io.ReadFull(r.br, p)
	r.off += int64(n)
	if err == nil {
		return nil
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return r.fail(off, fmt.Errorf("%s: %w (%d of %d bytes)", what, ErrTruncated, n, len(p)))
	}
	return r.fail(off, fmt.Errorf("%s: %w", what, err))
}

func (r *Reader) readHeader() error {
	var h [headerLen]byte
	n, err := io.ReadFull(r.br, h[:len(magic)])
	r.off += int64(n)
	if string(h[:n]) != magic[:n] {
		return r.failHeader(fmt.Errorf("%w (%q)", ErrBadMagic, h[:n]))
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return r.failHeader(fmt.Errorf("header: %w (%d of %d bytes)", ErrTruncated, n, headerLen))
	} else if err != nil {
		return r.failHeader(fmt.Errorf("header: %w", err))
	}
	if err := r.readFull(h[8:12], 0, "header"); err != nil {
		return r.failHeader(err)
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != Version {
		return r.failHeader(fmt.Errorf("%w %d (this reader knows %d)", ErrVersion, v, Version))
	}
	if err := r.readFull(h[12:], 0, "header"); err != nil {
		return r.failHeader(err)
	}
	if !r.sumOK(h[:16], h[16:]) {
		return r.failHeader(fmt.Errorf("header: %w", ErrChecksum))
	}
	bs := binary.LittleEndian.Uint32(h[12:])
	if bs < 1 || bs > MaxBlockSize {
		return r.failHeader(fmt.Errorf("header: %w: block size %d out of range 1..%d", ErrCorrupt, bs, MaxBlockSize))
	}
	r.blockSize = int(bs)
	return nil
}

// failHeader makes err a FormatError about the file header, record -1.
func (r *Reader) failHeader(err error) error {
	var fe *FormatError
	if !errors.As(err, &fe) {
		fe = &FormatError{Path: r.opt.Path, Err: err}
	}
	fe.Offset, fe.Record = 0, -1
	r.err = fe
	return fe
}

// Offset returns the number of bytes of the file read so far, for progress
// reports.
func (r *Reader) Offset() int64 { return r.off }

// BlockSize returns the largest raw block size the file's header declares.
func (r *Reader) BlockSize() int { return r.blockSize }

// Next skips what is left of the current record's data, decoding and
// checking it, and returns the next record's header. After the last record
// it reads the trailer and returns io.EOF if the trailer's checksum and
// counts are right and nothing follows it. Any other error is a
// *FormatError wrapping ErrChecksum, ErrTruncated, ErrCorrupt or the
// underlying reader's error.
func (r *Reader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.cur != nil {
		if _, err := r.WriteTo(io.Discard); err != nil {
			return nil, err
		}
		r.cur = nil
	}
	start := r.off
	var p [preambleLen]byte
	if err := r.readFull(p[:], start, "frame preamble"); err != nil {
		return nil, err
	}
	if !r.sumOK(p[:5], p[5:]) {
		return nil, r.fail(start, fmt.Errorf("frame preamble: %w", ErrChecksum))
	}
	bodyLen := binary.LittleEndian.Uint32(p[1:])
	switch p[0] {
	case tagRecord:
		if bodyLen < recordFixedLen || bodyLen > maxHeaderBody {
			return nil, r.fail(start, fmt.Errorf("record header: %w: length %d out of range %d..%d",
				ErrCorrupt, bodyLen, recordFixedLen, maxHeaderBody))
		}
		body, err := r.readBody(int(bodyLen), start, "record header")
		if err != nil {
			return nil, err
		}
		rec, err := parseRecord(body)
		if err != nil {
			return nil, r.fail(start, fmt.Errorf("record header: %w: %w", ErrCorrupt, err))
		}
		r.cur = rec
		r.nrec++
		r.remaining = rec.Length
		r.nblock = 0
		r.dataBytes += uint64(rec.Length)
		return rec, nil
	case tagTrailer:
		if bodyLen != trailerBodyLen {
			return nil, r.fail(start, fmt.Errorf("trailer: %w: length %d, want %d", ErrCorrupt, bodyLen, trailerBodyLen))
		}
		body, err := r.readBody(trailerBodyLen, start, "trailer")
		if err != nil {
			return nil, err
		}
		if n := binary.LittleEndian.Uint64(body); n != uint64(r.nrec) {
			return nil, r.fail(start, fmt.Errorf("trailer: %w: %d records, but %d were read", ErrCorrupt, n, r.nrec))
		}
		if n := binary.LittleEndian.Uint64(body[8:]); n != r.dataBytes {
			return nil, r.fail(start, fmt.Errorf("trailer: %w: %d data bytes, but %d were read", ErrCorrupt, n, r.dataBytes))
		}
		switch _, err := r.br.ReadByte(); err {
		case nil:
			return nil, r.fail(r.off, fmt.Errorf("%w: data after the trailer", ErrCorrupt))
		case io.EOF:
			r.err = io.EOF
			return nil, io.EOF
		default:
			return nil, r.fail(r.off, fmt.Errorf("after the trailer: %w", err))
		}
	default:
		return nil, r.fail(start, fmt.Errorf("frame preamble: %w: unknown tag %#x", ErrCorrupt, p[0]))
	}
}

// readBody reads a frame body of n bytes and its CRC and checks it.
func (r *Reader) readBody(n int, start int64, what string) ([]byte, error) {
	if cap(r.body) < n+crcLen {
		r.body = make([]byte, n+crcLen)
	}
	b := r.body[:n+crcLen]
	if err := r.readFull(b, start, what); err != nil {
		return nil, err
	}
	if !r.sumOK(b[:n], b[n:]) {
		return nil, r.fail(start, fmt.Errorf("%s: %w", what, ErrChecksum))
	}
	return b[:n], nil
}

// parseRecord decodes a record body whose CRC checked out.
func parseRecord(b []byte) (*Record, error) {
	le := binary.LittleEndian
	db, itemsize := le.Uint32(b[0:]), le.Uint32(b[4:])
	exp, length := le.Uint64(b[8:]), le.Uint64(b[16:])
	keyLen, dtypeLen, rank := le.Uint32(b[24:]), int(b[28]), int(b[29])
	switch {
	case db > MaxDB:
		return nil, fmt.Errorf("db %d out of range 0..%d", db, MaxDB)
	case itemsize > MaxItemsize:
		return nil, fmt.Errorf("itemsize %d out of range 1..%d", itemsize, MaxItemsize)
	case exp > math.MaxInt64:
		return nil, fmt.Errorf("negative expiry %d", int64(exp))
	case length > math.MaxInt64:
		return nil, fmt.Errorf("length %d out of range", length)
	case keyLen > MaxKeyLen:
		return nil, fmt.Errorf("key of %d bytes, limit %d", keyLen, MaxKeyLen)
	}
	if want := recordFixedLen + int(keyLen) + dtypeLen + 8*rank; len(b) != want {
		return nil, fmt.Errorf("header of %d bytes, fields say %d", len(b), want)
	}
	v := b[recordFixedLen:]
	rec := &Record{
		DB:         int(db),
		Itemsize:   int(itemsize),
		ExpireAtMs: int64(exp),
		Length:     int64(length),
		Key:        append([]byte{}, v[:keyLen]...),
	}
	v = v[keyLen:]
	rec.Dtype, v = string(v[:dtypeLen]), v[dtypeLen:]
	if rank > 0 {
		rec.Shape = make([]int64, rank)
		for i := range rec.Shape {
			rec.Shape[i] = int64(le.Uint64(v[8*i:]))
		}
	}
	if err := rec.validate(); err != nil {
		return nil, err
	}
	return rec, nil
}

// Read reads the current record's data; it returns io.EOF at the end of it,
// before the first Next, and after the trailer. Errors are as for Next.
func (r *Reader) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	if r.err != nil {
		return 0, r.err
	}
	if r.cur == nil || r.remaining == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	raw, err := r.readBlock(p)
	if err != nil {
		return 0, err
	}
	n := copy(p, raw) // a no-op when raw was decoded into p
	r.pending = raw[n:]
	return n, nil
}

// WriteTo writes the rest of the current record's data to w, one decoded
// block per Write call, without copying it further. It returns the reader's
// errors as Next does, and w's errors wrapped (which also stop the Reader).
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.pending) > 0 {
			n, err := w.Write(r.pending)
			total += int64(n)
			r.pending = r.pending[n:]
			if err == nil && len(r.pending) > 0 {
				err = io.ErrShortWrite
			}
			if err != nil {
				r.err = fmt.Errorf("snapshotio: writing record data: %w", err)
				return total, r.err
			}
		}
		if r.err != nil && r.err != io.EOF {
			return total, r.err
		}
		if r.err == io.EOF || r.cur == nil || r.remaining == 0 {
			return total, nil
		}
		raw, err := r.readBlock(nil)
		if err != nil {
			return total, err
		}
		r.pending = raw
	}
}

// fill sets every byte of b to c, at memclr or memmove speed.
func fill(b []byte, c byte) {
	if c == 0 {
		clear(b)
		return
	}
	b[0] = c
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}

func grow(b *[]byte, n int) []byte {
	if cap(*b) < n {
		*b = make([]byte, n)
	}
	return (*b)[:n]
}

// readBlock reads, checks and decodes the next block of the current record.
// It decodes into dst if dst is large enough, else into r.raw.
func (r *Reader) readBlock(dst []byte) ([]byte, error) {
	start := r.off
	what := "block " + strconv.Itoa(r.nblock)
	var h [blockHdrLen]byte
	if err := r.readFull(h[:], start, what+" header"); err != nil {
		return nil, err
	}
	if !r.sumOK(h[:10], h[10:]) {
		return nil, r.fail(start, fmt.Errorf("%s header: %w", what, ErrChecksum))
	}
	rawLen := int64(binary.LittleEndian.Uint32(h[0:]))
	storedLen := int64(binary.LittleEndian.Uint32(h[4:]))
	codec, width := h[8], int(h[9])
	var bad string
	switch {
	case rawLen < 1 || rawLen > int64(r.blockSize):
		bad = fmt.Sprintf("raw length %d out of range 1..%d", rawLen, r.blockSize)
	case rawLen > r.remaining:
		bad = fmt.Sprintf("raw length %d past the record's end (%d bytes left)", rawLen, r.remaining)
	case codec >= numBlockKinds:
		bad = fmt.Sprintf("unknown codec %d", codec)
	case codec == blockFill && (storedLen != 1 || width != 0):
		bad = fmt.Sprintf("fill block of %d bytes, shuffle %d", storedLen, width)
	case codec == blockStored && (storedLen != rawLen || width != 0):
		bad = fmt.Sprintf("stored block of %d bytes, shuffle %d, for %d raw bytes", storedLen, width, rawLen)
	case codec != blockStored && (storedLen < 1 || storedLen >= rawLen):
		bad = fmt.Sprintf("compressed length %d out of range 1..%d", storedLen, rawLen-1)
	case width == 1:
		bad = "shuffle width 1"
	}
	if bad != "" {
		return nil, r.fail(start, fmt.Errorf("%s header: %w: %s", what, ErrCorrupt, bad))
	}

	var out []byte
	if int64(len(dst)) >= rawLen {
		out = dst[:rawLen:rawLen]
	} else {
		out = grow(&r.raw, int(rawLen))
	}
	src := out
	if codec != blockStored {
		src = grow(&r.stored, int(storedLen))
	}
	if err := r.readFull(src, start, what); err != nil {
		return nil, err
	}
	var c [crcLen]byte
	if err := r.readFull(c[:], start, what+" checksum"); err != nil {
		return nil, err
	}
	if !r.sumOK(src, c[:]) {
		return nil, r.fail(start, fmt.Errorf("%s data: %w", what, ErrChecksum))
	}
	if codec != blockStored {
		if err := r.decode(out, src, codec, width); err != nil {
			return nil, r.fail(start, fmt.Errorf("%s data: %w: %w", what, ErrCorrupt, err))
		}
	}
	r.remaining -= rawLen
	r.nblock++
	r.stats.blocks[codec]++
	r.stats.rawBytes[codec] += rawLen
	r.stats.storedBytes[codec] += storedLen
	if width != 0 {
		r.stats.shuffled++
	}
	return out, nil
}

// decode decompresses src into all of dst, then unshuffles it if width > 0.
func (r *Reader) decode(dst, src []byte, codec byte, width int) error {
	target := dst
	if width != 0 {
		target = grow(&r.tmp, len(dst))
	}
	switch codec {
	case blockFill:
		fill(target, src[0])
	case blockS2:
		n, err := s2.DecodedLen(src)
		if err != nil {
			return fmt.Errorf("s2: %w", err)
		}
		if n != len(target) {
			return fmt.Errorf("s2 block decodes to %d bytes, want %d", n, len(target))
		}
		if _, err := s2.Decode(target, src); err != nil {
			return fmt.Errorf("s2: %w", err)
		}
	case blockZstd:
		if r.zdec == nil {
			d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
				zstd.WithDecoderMaxMemory(MaxBlockSize), zstd.WithDecoderMaxWindow(MaxBlockSize),
				zstd.WithDecodeAllCapLimit(true))
			if err != nil {
				return fmt.Errorf("zstd: %w", err)
			}
			r.zdec = d
		}
		out, err := r.zdec.DecodeAll(src, target[:0:len(target)])
		if err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		if len(out) != len(target) {
			return fmt.Errorf("zstd frame decodes to %d bytes, want %d", len(out), len(target))
		}
		if &out[0] != &target[0] {
			copy(target, out)
		}
	}
	if width != 0 {
		unshuffle(dst, target, width)
	}
	return nil
}
