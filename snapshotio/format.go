package snapshotio

import (
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Format constants: part of the file format; never change.
const (
	// magic opens every snapshot. The high byte and the CR LF catch files
	// mangled by 7-bit or text-mode transfers, like PNG's signature.
	magic = "\x89numkv\r\n"

	// Version is the format version this package writes.
	Version = 1

	headerLen   = 20 // magic, version, blockSize, crc
	preambleLen = 9  // tag, bodyLen, crc
	blockHdrLen = 14 // rawLen, storedLen, codec, shuffle, crc
	crcLen      = 4

	tagRecord  = 'R'
	tagTrailer = 'E'

	recordFixedLen = 30
	trailerBodyLen = 16

	blockStored   = 0 // codec byte: raw bytes
	blockS2       = 1 // codec byte: S2 block format
	blockZstd     = 2 // codec byte: one Zstandard frame
	blockFill     = 3 // codec byte: rawLen copies of the one stored byte
	numBlockKinds = 4

	// MaxBlockSize bounds the raw length of a block, and so the memory a
	// Reader allocates for one.
	MaxBlockSize = 16 << 20
	// MaxKeyLen bounds a key. It matches Redis's largest key (512 MB,
	// proto-max-bulk-len's default), so that no key a client could create
	// makes a save fail; a key is read only after its frame preamble's CRC
	// vouched for the length.
	MaxKeyLen = 512 << 20
	// MaxDtypeLen bounds a dtype name.
	MaxDtypeLen = 32
	// MaxRank bounds the number of dimensions of a shape (numpy's limit).
	MaxRank = 64
	// MaxItemsize bounds Record.Itemsize.
	MaxItemsize = 1 << 16
	// MaxDB bounds Record.DB.
	MaxDB = math.MaxInt32

	maxShuffleWidth = 255 // the shuffle byte
	maxHeaderBody   = recordFixedLen + MaxKeyLen + MaxDtypeLen + 8*MaxRank
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Errors that reading a snapshot returns, always inside a *FormatError and
// in the order a Reader meets them. Test with errors.Is.
var (
	// While opening: the first 8 bytes are not a numkv snapshot's magic.
	ErrBadMagic = errors.New("bad magic: not a numkv snapshot")
	// While opening, after the magic: a format version this package cannot
	// read (a newer numkv wrote it, or the version field is damaged).
	ErrVersion = errors.New("unknown format version")
	// Anywhere: a CRC-32C does not match the bytes it covers.
	ErrChecksum = errors.New("checksum mismatch")
	// Anywhere: the file ends early, including before its trailer.
	ErrTruncated = errors.New("unexpected end of file")
	// Anywhere, with valid checksums: a structure that cannot be, such as a
	// length out of bounds, an unknown tag or codec, a block that does not
	// decompress to its length, a trailer whose counts disagree with the
	// records read, or bytes after the trailer.
	ErrCorrupt = errors.New("corrupt snapshot")
)

// Errors that writing a snapshot returns, wrapped with context. A Writer
// that returned an error keeps returning it: the output is unusable.
var (
	// From BeginRecord: a Record field outside the format's bounds.
	ErrInvalidRecord = errors.New("invalid record")
	// From Write, EndRecord and Close: the data written differs from
	// Record.Length.
	ErrLength = errors.New("data length differs from record length")
	// From any method called out of order: Write or EndRecord outside a
	// record, BeginRecord inside one, anything after Close.
	ErrOrder = errors.New("call out of order")
	// From NewWriter's first use: Options out of range.
	ErrOptions = errors.New("invalid options")
)

// FormatError is the error a Reader returns. Err wraps one of the reading
// sentinels, or the underlying reader's own error.
type FormatError struct {
	Path   string // ReaderOptions.Path, may be empty
	Offset int64  // byte offset of the structure at fault
	Record int    // index of the record at fault, from 0; -1 for the file header
	Key    []byte // that record's key, when its header was read
	Err    error
}

func (e *FormatError) Error() string {
	var b []byte
	b = append(b, "snapshotio: "...)
	if e.Path != "" {
		b = append(b, e.Path...)
		b = append(b, ": "...)
	}
	b = fmt.Appendf(b, "offset %d", e.Offset)
	if e.Record >= 0 {
		b = fmt.Appendf(b, ", record %d", e.Record)
	}
	if e.Key != nil {
		b = append(b, " (key "...)
		b = append(b, quoteKey(e.Key)...)
		b = append(b, ')')
	}
	b = append(b, ": "...)
	b = append(b, e.Err.Error()...)
	return string(b)
}

func (e *FormatError) Unwrap() error { return e.Err }

// quoteKey quotes a key for a message, cut to a readable length.
func quoteKey(k []byte) string {
	const maxShown = 64
	if len(k) > maxShown {
		return fmt.Sprintf("%q...", k[:maxShown])
	}
	return fmt.Sprintf("%q", k)
}

// Record describes one variable. Length bytes of data follow it.
type Record struct {
	DB         int     // database index, 0..MaxDB
	Key        []byte  // binary-safe, at most MaxKeyLen bytes
	Dtype      string  // short name such as "f32", "bf16", "c64", "bool", "V12"
	Itemsize   int     // bytes of one scalar, the shuffle width; 1 for "V<n>"
	Shape      []int64 // row shape, each dimension >= 0; may be empty
	ExpireAtMs int64   // unix milliseconds; 0 means no expiry
	Length     int64   // bytes of data
}

// validate checks r against the format's bounds. It is shared by the Writer
// (before writing) and the Reader (after decoding), so that whatever one
// accepts the other does too.
func (r *Record) validate() error {
	switch {
	case r.DB < 0 || r.DB > MaxDB:
		return fmt.Errorf("db %d out of range 0..%d", r.DB, MaxDB)
	case len(r.Key) > MaxKeyLen:
		return fmt.Errorf("key of %d bytes, limit %d", len(r.Key), MaxKeyLen)
	case len(r.Dtype) < 1 || len(r.Dtype) > MaxDtypeLen:
		return fmt.Errorf("dtype of %d bytes, want 1..%d", len(r.Dtype), MaxDtypeLen)
	case r.Itemsize < 1 || r.Itemsize > MaxItemsize:
		return fmt.Errorf("itemsize %d out of range 1..%d", r.Itemsize, MaxItemsize)
	case len(r.Shape) > MaxRank:
		return fmt.Errorf("rank %d, limit %d", len(r.Shape), MaxRank)
	case r.ExpireAtMs < 0:
		return fmt.Errorf("negative expiry %d", r.ExpireAtMs)
	case r.Length < 0:
		return fmt.Errorf("negative length %d", r.Length)
	}
	for i := 0; i < len(r.Dtype); i++ {
		if c := r.Dtype[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("dtype %q: byte %d not printable ASCII", r.Dtype, i)
		}
	}
	for i, d := range r.Shape {
		if d < 0 {
			return fmt.Errorf("shape dimension %d is negative (%d)", i, d)
		}
	}
	return nil
}

func (r *Record) bodyLen() int {
	return recordFixedLen + len(r.Key) + len(r.Dtype) + 8*len(r.Shape)
}
