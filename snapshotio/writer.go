package snapshotio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Codec selects how a Writer compresses blocks.
type Codec int

const (
	// CodecDefault is the zero value and means DefaultCodec.
	CodecDefault Codec = iota
	// CodecNone stores every block as is.
	CodecNone
	// CodecS2 compresses with S2 (github.com/klauspost/compress/s2).
	CodecS2
	// CodecZstd compresses with Zstandard, for smaller files written
	// slower than the disk; for archives, not for the server's saves.
	CodecZstd
)

// DefaultCodec is what CodecDefault means. S2 costs little on data that do
// not compress, such as float weights (it gives up quickly, and the block
// is then stored as is), and shrinks repetitive data such as text many
// times at several GB/s, faster than the disk; see BENCHMARKS.md.
const DefaultCodec = CodecS2

// DefaultBlockSize is the block size of the zero Options.
const DefaultBlockSize = 1 << 20

var codecNames = [...]string{CodecDefault: "default", CodecNone: "none", CodecS2: "s2", CodecZstd: "zstd"}

func (c Codec) String() string {
	if c < 0 || int(c) >= len(codecNames) {
		return fmt.Sprintf("Codec(%d)", int(c))
	}
	return codecNames[c]
}

// ParseCodec returns the Codec named s ("none", "s2", "zstd" or
// "default"), for a command-line flag. It returns an error wrapping
// ErrOptions for any other name.
func ParseCodec(s string) (Codec, error) {
	for c, name := range codecNames {
		if s == name {
			return Codec(c), nil
		}
	}
	return 0, fmt.Errorf("snapshotio: codec %q: %w (want none, s2 or zstd)", s, ErrOptions)
}

// Level trades a codec's speed for its ratio.
type Level int

const (
	LevelFast   Level = iota // s2.Encode, zstd.SpeedFastest
	LevelBetter              // s2.EncodeBetter, zstd.SpeedDefault
	LevelBest                // s2.EncodeBest, zstd.SpeedBetterCompression
)

// Options configure a Writer. The zero value is the default: DefaultCodec at
// LevelFast, no shuffle, DefaultBlockSize.
type Options struct {
	Codec Codec
	Level Level
	// Shuffle stores each compressed block as byte planes of
	// Record.Itemsize bytes (when that is 2..255), which lets a codec see
	// the slowly changing high bytes of numbers apart from their noisy low
	// bytes. It shrinks smooth float32 data by a third or more but runs
	// below the disk's speed, so it is off by default.
	Shuffle bool
	// BlockSize is the raw size of a block, 1..MaxBlockSize; 0 means
	// DefaultBlockSize.
	BlockSize int
}

func (o Options) resolve() (Options, error) {
	if o.Codec == CodecDefault {
		o.Codec = DefaultCodec
	}
	if o.BlockSize == 0 {
		o.BlockSize = DefaultBlockSize
	}
	switch {
	case o.Codec < CodecNone || o.Codec > CodecZstd:
		return o, fmt.Errorf("snapshotio: %w: unknown codec %d", ErrOptions, int(o.Codec))
	case o.Level < LevelFast || o.Level > LevelBest:
		return o, fmt.Errorf("snapshotio: %w: unknown level %d", ErrOptions, int(o.Level))
	case o.BlockSize < 1 || o.BlockSize > MaxBlockSize:
		return o, fmt.Errorf("snapshotio: %w: block size %d out of range 1..%d", ErrOptions, o.BlockSize, MaxBlockSize)
	}
	return o, nil
}

// A compressed block is kept only if it saves at least 1/minSavingDiv of the
// raw size; otherwise the raw bytes are stored, which a reader copies at
// memory speed instead of decompressing for a small gain.
const minSavingDiv = 8

// A large block is first probed: S2 compresses probeSamples samples of
// probeLen bytes spread over it, and if none of them shrinks by 1/16 the
// block is stored as is without compressing the rest. Float weights, the
// common case, do not compress, and trying cost a fast save a third of its
// time; a block with any compressible sample is compressed whole as before.
const (
	probeLen     = 16 << 10
	probeSamples = 4
)

// s2Worthwhile reports whether src is worth compressing with S2, by the
// probe above. dst is scratch space of at least MaxEncodedLen(probeLen).
func (w *Writer) s2Worthwhile(dst, src []byte) bool {
	if len(src) < 4*probeSamples*probeLen {
		return true
	}
	step := len(src) / probeSamples
	for i := 0; i < probeSamples; i++ {
		sample := src[i*step : i*step+probeLen]
		if len(s2.Encode(dst, sample)) <= probeLen-probeLen/16 {
			return true
		}
	}
	return false
}

// writeBufSize is the Writer's output buffer: large enough that record
// headers and block headers reach the file in few large writes.
const writeBufSize = 1 << 20

// Writer writes a snapshot to an io.Writer:
//
//	w := NewWriter(f, Options{})
//	for each variable {
//		w.BeginRecord(&rec)
//		w.Write(chunk) ... // rec.Length bytes in all
//		w.EndRecord()
//	}
//	w.Close() // the trailer, and a flush; then sync f, or use WriteFile
//
// Any error is sticky (every later call returns it) except ErrInvalidRecord
// from BeginRecord, which writes nothing and leaves the Writer usable.
type Writer struct {
	bw  *bufio.Writer
	opt Options
	err error

	started, closed bool

	inRecord  bool
	itemsize  int
	length    int64 // Record.Length of the open record
	written   int64 // bytes of it received so far
	records   uint64
	dataBytes uint64
	size      int64 // bytes passed to bw

	block   []byte // raw bytes of the block being filled; cap BlockSize
	shuf    []byte
	comp    []byte
	scratch []byte
	zenc    *zstd.Encoder
}

// NewWriter returns a Writer that writes a snapshot to w with opt. Invalid
// options are reported (ErrOptions) by the first call that writes. The
// Writer buffers its output and flushes it in Close; it never closes w.
func NewWriter(w io.Writer, opt Options) *Writer {
	o, err := opt.resolve()
	return &Writer{bw: bufio.NewWriterSize(w, writeBufSize), opt: o, err: err}
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

func (w *Writer) write(p []byte) {
	if w.err != nil {
		return
	}
	n, err := w.bw.Write(p)
	w.size += int64(n)
	if err != nil {
		w.fail(fmt.Errorf("snapshotio: write: %w", err))
	}
}

// start writes the file header once.
func (w *Writer) start() error {
	if w.err != nil || w.started {
		return w.err
	}
	w.started = true
	var h [headerLen]byte
	copy(h[:], magic)
	binary.LittleEndian.PutUint32(h[8:], Version)
	binary.LittleEndian.PutUint32(h[12:], uint32(w.opt.BlockSize))
	binary.LittleEndian.PutUint32(h[16:], crc(h[:16]))
	w.write(h[:])
	return w.err
}

// writeFrame writes a frame preamble, body and body CRC.
func (w *Writer) writeFrame(tag byte, body []byte) {
	var p [preambleLen]byte
	p[0] = tag
	binary.LittleEndian.PutUint32(p[1:], uint32(len(body)))
	binary.LittleEndian.PutUint32(p[5:], crc(p[:5]))
	w.write(p[:])
	w.write(body)
	w.write(binary.LittleEndian.AppendUint32(p[:0], crc(body)))
}

// BeginRecord writes r's header; r.Length bytes of data must follow through
// Write before EndRecord. It returns an error wrapping ErrInvalidRecord, and
// writes nothing, if a field of r is out of the format's bounds (see
// Record); ErrOrder if a record is open or the Writer is closed; or the
// output's error.
func (w *Writer) BeginRecord(r *Record) error {
	if err := w.start(); err != nil {
		return err
	}
	if w.closed || w.inRecord {
		return w.fail(fmt.Errorf("snapshotio: BeginRecord: %w: %s", ErrOrder, w.state()))
	}
	if err := r.validate(); err != nil {
		return fmt.Errorf("snapshotio: record %d (key %s): %w: %w", w.records, quoteKey(r.Key), ErrInvalidRecord, err)
	}
	b := w.scratch[:0]
	b = binary.LittleEndian.AppendUint32(b, uint32(r.DB))
	b = binary.LittleEndian.AppendUint32(b, uint32(r.Itemsize))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.ExpireAtMs))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Length))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Key)))
	b = append(b, byte(len(r.Dtype)), byte(len(r.Shape)))
	b = append(b, r.Key...)
	b = append(b, r.Dtype...)
	for _, d := range r.Shape {
		b = binary.LittleEndian.AppendUint64(b, uint64(d))
	}
	w.scratch = b
	w.writeFrame(tagRecord, b)
	if w.err != nil {
		return w.err
	}
	w.inRecord = true
	w.itemsize = r.Itemsize
	w.length = r.Length
	w.written = 0
	return nil
}

func (w *Writer) state() string {
	switch {
	case w.closed:
		return "writer closed"
	case w.inRecord:
		return fmt.Sprintf("record %d still open", w.records)
	default:
		return "no record open"
	}
}

// Write appends p to the open record's data. It returns len(p) and nil, or
// 0 and an error: ErrLength if p goes past Record.Length (nothing of p is
// written then), ErrOrder outside a record, or the output's error.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if !w.inRecord {
		return 0, w.fail(fmt.Errorf("snapshotio: Write: %w: %s", ErrOrder, w.state()))
	}
	if int64(len(p)) > w.length-w.written {
		return 0, w.fail(fmt.Errorf("snapshotio: record %d: %w: %d bytes written past %d",
			w.records, ErrLength, w.written+int64(len(p)), w.length))
	}
	bs := w.opt.BlockSize
	n := len(p)
	for len(p) > 0 && w.err == nil {
		if len(w.block) == 0 && len(p) >= bs {
			// Whole blocks go from p straight to the codec.
			w.writeBlock(p[:bs])
			p = p[bs:]
			continue
		}
		if w.block == nil {
			w.block = make([]byte, 0, bs)
		}
		k := copy(w.block[len(w.block):bs], p)
		w.block = w.block[:len(w.block)+k]
		p = p[k:]
		if len(w.block) == bs {
			w.writeBlock(w.block)
			w.block = w.block[:0]
		}
	}
	if w.err != nil {
		return 0, w.err
	}
	w.written += int64(n)
	return n, nil
}

// EndRecord ends the open record. It returns ErrLength if fewer than
// Record.Length bytes were written, ErrOrder outside a record, or the
// output's error.
func (w *Writer) EndRecord() error {
	if w.err != nil {
		return w.err
	}
	if !w.inRecord {
		return w.fail(fmt.Errorf("snapshotio: EndRecord: %w: %s", ErrOrder, w.state()))
	}
	if w.written != w.length {
		return w.fail(fmt.Errorf("snapshotio: record %d: %w: %d of %d bytes written",
			w.records, ErrLength, w.written, w.length))
	}
	if len(w.block) > 0 {
		w.writeBlock(w.block)
		w.block = w.block[:0]
	}
	if w.err != nil {
		return w.err
	}
	w.inRecord = false
	w.records++
	w.dataBytes += uint64(w.length)
	return nil
}

// Close writes the trailer and flushes the Writer's buffer into the
// underlying writer, which it does not close or sync. It returns ErrOrder
// if a record is still open, or the output's error. Closing twice returns
// nil.
func (w *Writer) Close() error {
	if err := w.start(); err != nil {
		return err
	}
	if w.closed {
		return nil
	}
	if w.inRecord {
		return w.fail(fmt.Errorf("snapshotio: Close: %w: %s", ErrOrder, w.state()))
	}
	var body [trailerBodyLen]byte
	binary.LittleEndian.PutUint64(body[0:], w.records)
	binary.LittleEndian.PutUint64(body[8:], w.dataBytes)
	w.writeFrame(tagTrailer, body[:])
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(fmt.Errorf("snapshotio: write: %w", err))
	}
	w.closed = true
	return nil
}

// Size returns the number of bytes of the snapshot written so far,
// including those still in the Writer's buffer.
func (w *Writer) Size() int64 { return w.size }

// writeBlock compresses raw (1..BlockSize bytes) if that pays and writes
// the block.
func (w *Writer) writeBlock(raw []byte) {
	stored, codec, width := w.compress(raw)
	var h [blockHdrLen]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(len(raw)))
	binary.LittleEndian.PutUint32(h[4:], uint32(len(stored)))
	h[8] = codec
	h[9] = byte(width)
	binary.LittleEndian.PutUint32(h[10:], crc(h[:10]))
	w.write(h[:])
	w.write(stored)
	w.write(binary.LittleEndian.AppendUint32(h[:0], crc(stored)))
}

func (w *Writer) compress(raw []byte) (stored []byte, codec byte, width int) {
	if w.opt.Codec == CodecNone {
		return raw, blockStored, 0
	}
	if len(raw) >= 2 && isFill(raw) {
		return raw[:1], blockFill, 0
	}
	src := raw
	if w.opt.Shuffle && w.itemsize >= 2 && w.itemsize <= maxShuffleWidth && len(raw) >= w.itemsize {
		width = w.itemsize
		if cap(w.shuf) < len(raw) {
			w.shuf = make([]byte, w.opt.BlockSize)
		}
		src = w.shuf[:len(raw)]
		shuffle(src, raw, width)
	}
	var out []byte
	switch w.opt.Codec {
	case CodecS2:
		codec = blockS2
		if need := s2.MaxEncodedLen(len(src)); cap(w.comp) < need {
			w.comp = make([]byte, s2.MaxEncodedLen(w.opt.BlockSize))
		}
		dst := w.comp[:cap(w.comp)]
		if w.opt.Level == LevelFast && !w.s2Worthwhile(dst, src) {
			return raw, blockStored, 0
		}
		switch w.opt.Level {
		case LevelFast:
			out = s2.Encode(dst, src)
		case LevelBetter:
			out = s2.EncodeBetter(dst, src)
		default:
			out = s2.EncodeBest(dst, src)
		}
	case CodecZstd:
		codec = blockZstd
		if w.zenc == nil {
			lvl := [...]zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression}[w.opt.Level]
			enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(lvl),
				zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
			if err != nil {
				w.fail(fmt.Errorf("snapshotio: zstd: %w", err))
				return raw, blockStored, 0
			}
			w.zenc = enc
		}
		out = w.zenc.EncodeAll(src, w.comp[:0])
		if cap(out) > cap(w.comp) {
			w.comp = out[:0]
		}
	}
	if len(out) < len(raw) && len(out) <= len(raw)-len(raw)/minSavingDiv {
		return out, codec, width
	}
	return raw, blockStored, 0
}

// isFill reports whether every byte of b (non-empty) is b[0]. It stops at
// the first difference, so it costs nearly nothing on most data.
func isFill(b []byte) bool {
	c := b[0]
	word := uint64(c) * 0x0101010101010101
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:]) != word {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] != c {
			return false
		}
	}
	return true
}
