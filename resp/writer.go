package resp

import (
	"io"
	"math"
	"net"
	"slices"
	"strconv"

	"github.com/tidwall/redcon"
)

// maxKeptBuf is the largest output buffer a Writer keeps after a Flush: a
// larger one, grown for one big reply, is dropped so that an idle
// connection does not pin its memory.
const maxKeptBuf = 1 << 20

// MinRef is the smallest segment AppendRef references rather than copies.
// Below it a writev entry costs more than the copy it saves: on the
// development VM, over TCP loopback, copying won below 2 KiB, the two were
// within noise from 4 KiB, and references won from 16 KiB. Through a
// connection that cannot writev (TLS), each referenced segment is a Write
// of its own, which small segments would make worse.
const MinRef = 4 << 10

// MaxRefs bounds the referenced segments pending; past it AppendRef
// copies. It is Linux's IOV_MAX, the most one writev takes (the standard
// library splits a longer list into several calls), so the Writer's lists
// stay small and a flush of referenced segments costs a system call or
// two. Copying is the fallback because AppendRef cannot flush: the caller
// may hold a lock, and Flush blocks on the network. A caller that would
// rather not copy checks Refs and flushes between pieces, outside any lock.
const MaxRefs = 1024

// Writer encodes replies into an output buffer, which Flush writes to the
// connection. RESP2 frames come from redcon's append helpers; RESP3's
// extra types (null, map, set, double, big number, boolean, verbatim) are
// written here, since redcon speaks only RESP2. The zero Writer is ready to
// use and speaks RESP2.
//
// Besides the copied bytes, the output may hold referenced segments
// (AppendRef): memory of the caller's that Flush writes in place, with
// writev, without copying it into the buffer.
type Writer struct {
	buf    []byte
	refs   []ref       // referenced segments, in order
	refLen int         // their total length
	iov    [][]byte    // Flush's list of pieces, kept for reuse
	bufs   net.Buffers // the pieces WriteTo consumes, in iov's array: a field, so that passing its address allocates nothing
	resp3  bool
}

// ref is a referenced segment, written just before the copied byte
// buf[at].
type ref struct {
	at int
	b  []byte
}

// Proto returns the protocol version replies are encoded in: 2 or 3.
func (w *Writer) Proto() int {
	if w.resp3 {
		return 3
	}
	return 2
}

// SetProto switches the encoding of later replies to RESP3 when v is 3,
// and to RESP2 otherwise.
func (w *Writer) SetProto(v int) { w.resp3 = v == 3 }

// OK writes the simple string OK.
func (w *Writer) OK() { w.buf = redcon.AppendOK(w.buf) }

// SimpleString writes s as a simple string ('+'), newlines replaced by
// spaces.
func (w *Writer) SimpleString(s string) { w.buf = redcon.AppendString(w.buf, s) }

// Error writes s, a wire text such as "ERR syntax error", as an error
// reply ('-'). Newlines, which would break the frame, become spaces, as
// Redis's addReplyErrorFormat does (redcon does too, but this is Redis's
// rule, not redcon's).
func (w *Writer) Error(s string) { w.buf = redcon.AppendError(w.buf, sanitizeErr(s)) }

// Int writes an integer reply (':').
func (w *Writer) Int(n int64) { w.buf = redcon.AppendInt(w.buf, n) }

// Bulk writes b as a bulk string ('$'), copied.
func (w *Writer) Bulk(b []byte) { w.buf = redcon.AppendBulk(w.buf, b) }

// BulkString writes s as a bulk string.
func (w *Writer) BulkString(s string) { w.buf = redcon.AppendBulkString(w.buf, s) }

// Array starts an array of n elements ('*').
func (w *Writer) Array(n int) { w.buf = redcon.AppendArray(w.buf, n) }

// EmptyArray writes an array of no elements.
func (w *Writer) EmptyArray() { w.buf = append(w.buf, "*0\r\n"...) }

// Queued writes the simple string QUEUED, MULTI's reply to a command.
func (w *Writer) Queued() { w.buf = append(w.buf, "+QUEUED\r\n"...) }

// Header writes the header of a frame of the given kind ('*', '%', '~',
// '$', '=', ...) and count or length, whatever the protocol version.
func (w *Writer) Header(kind byte, n int) {
	w.buf = append(w.buf, kind)
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Null writes RESP2's null bulk string or RESP3's null.
func (w *Writer) Null() {
	if w.resp3 {
		w.buf = append(w.buf, "_\r\n"...)
	} else {
		w.buf = append(w.buf, "$-1\r\n"...)
	}
}

// NullArray writes RESP2's null array or RESP3's null.
func (w *Writer) NullArray() {
	if w.resp3 {
		w.buf = append(w.buf, "_\r\n"...)
	} else {
		w.buf = append(w.buf, "*-1\r\n"...)
	}
}

// Map starts a map of n pairs: RESP3's '%', or a flat RESP2 array of 2n
// elements.
func (w *Writer) Map(n int) {
	if w.resp3 {
		w.Header('%', n)
	} else {
		w.Header('*', 2*n)
	}
}

// Set starts a set of n elements: RESP3's '~', or a RESP2 array.
func (w *Writer) Set(n int) {
	if w.resp3 {
		w.Header('~', n)
	} else {
		w.Header('*', n)
	}
}

// Bool writes RESP3's boolean, or RESP2's integer 1 or 0.
func (w *Writer) Bool(b bool) {
	switch {
	case w.resp3 && b:
		w.buf = append(w.buf, "#t\r\n"...)
	case w.resp3:
		w.buf = append(w.buf, "#f\r\n"...)
	case b:
		w.Int(1)
	default:
		w.Int(0)
	}
}

// Double writes f, of the given bit size (32 or 64), as RESP3's double or,
// in RESP2, a bulk string, both spelled by AppendFloat.
func (w *Writer) Double(f float64, bits int) {
	if w.resp3 {
		w.buf = append(w.buf, ',')
		w.buf = AppendFloat(w.buf, f, bits)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	var tmp [32]byte
	w.Bulk(AppendFloat(tmp[:0], f, bits))
}

// Uint64 writes an unsigned integer: RESP3's big number ('(') above
// MaxInt64, an integer otherwise. RESP2 has no type for the large ones;
// its callers write bulk text instead.
func (w *Writer) Uint64(u uint64) {
	if u > math.MaxInt64 {
		w.buf = append(w.buf, '(')
		w.buf = strconv.AppendUint(w.buf, u, 10)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.Int(int64(u))
}

// Verbatim writes s as RESP3's verbatim text ('=', with Redis's "txt"
// format) or a RESP2 bulk string: Redis's addReplyVerbatim.
func (w *Writer) Verbatim(s string) {
	if !w.resp3 {
		w.BulkString(s)
		return
	}
	w.Header('=', len(s)+4)
	w.buf = append(w.buf, "txt:"...)
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkHeader writes the header of a bulk string of n bytes ($n\r\n), for a
// reply whose body the caller writes next (with AppendRef or AppendWith,
// in as many pieces as it likes), ended by CRLF.
func (w *Writer) BulkHeader(n int) { w.Header('$', n) }

// CRLF writes the "\r\n" that ends a bulk string begun with BulkHeader.
func (w *Writer) CRLF() { w.buf = append(w.buf, '\r', '\n') }

// Grow makes room for n more bytes, so that a large reply written next
// grows the buffer once.
func (w *Writer) Grow(n int) { w.buf = slices.Grow(w.buf, n) }

// AppendWith lets f append to the output buffer, for bytes that come from
// an append-style producer (a tree's range, a gather) without a copy in
// between. f must only append to the slice it is given and return the
// result. If f returns an error, what it appended is dropped and the error
// returned.
func (w *Writer) AppendWith(f func(dst []byte) ([]byte, error)) error {
	n := len(w.buf)
	b, err := f(w.buf)
	if err != nil {
		w.buf = b[:n]
		return err
	}
	w.buf = b
	return nil
}

// AppendRef writes b at this point of the output. A segment of at least
// MinRef bytes is referenced, not copied, while fewer than MaxRefs are
// pending; anything else is copied. The caller owns b and must keep it
// valid and unchanged until the next Flush, Reset or Rewind to before it
// returns; from then on the Writer holds no reference to it, and the
// caller may release or reuse it.
func (w *Writer) AppendRef(b []byte) {
	if len(b) < MinRef || len(w.refs) >= MaxRefs {
		w.buf = append(w.buf, b...)
		return
	}
	w.refs = append(w.refs, ref{len(w.buf), b})
	w.refLen += len(b)
}

// Refs returns the number of referenced segments pending.
func (w *Writer) Refs() int { return len(w.refs) }

// A Mark is a position in a Writer's pending output, which Rewind returns
// to. It is valid until the next Flush or Reset.
type Mark struct{ buf, refs, refLen int }

// Mark returns the current end of the pending output.
func (w *Writer) Mark() Mark { return Mark{len(w.buf), len(w.refs), w.refLen} }

// Rewind drops the output written since m, referenced segments included,
// to undo a reply half written.
func (w *Writer) Rewind(m Mark) {
	w.buf = w.buf[:m.buf]
	clear(w.refs[m.refs:])
	w.refs = w.refs[:m.refs]
	w.refLen = m.refLen
}

// Len returns the number of bytes pending, copied and referenced, which
// the next Flush writes.
func (w *Writer) Len() int { return len(w.buf) + w.refLen }

// Bytes returns the copied output pending: all of it unless referenced
// segments are pending too. It aliases the Writer's buffer and is valid
// until the next call that writes, flushes or resets.
func (w *Writer) Bytes() []byte { return w.buf }

// Reset drops the pending output, referenced segments included, and keeps
// the buffer for reuse.
func (w *Writer) Reset() { w.Rewind(Mark{}) }

// Flush writes the pending output to dst and returns the number of bytes
// written, with dst's error. Copied bytes alone go in one Write; with
// referenced segments, the pieces go in order through net.Buffers, which
// is one writev on TCP and unix sockets (and a Write per piece on other
// writers). Once Flush returns, whatever its error, the output is dropped
// and the Writer holds no reference to any segment given to AppendRef,
// so the caller may release them. A buffer grown past 1 MiB is dropped
// too, so that an idle connection does not pin it. In the steady state
// Flush allocates nothing.
func (w *Writer) Flush(dst io.Writer) (n int64, err error) {
	switch {
	case len(w.refs) > 0:
		n, err = w.flushRefs(dst)
	case len(w.buf) > 0:
		var m int
		m, err = dst.Write(w.buf)
		n = int64(m)
	default:
		return 0, nil
	}
	if cap(w.buf) > maxKeptBuf {
		w.buf = nil
	} else {
		w.buf = w.buf[:0]
	}
	return n, err
}

// flushRefs writes the copied bytes and the referenced segments in order,
// then forgets the segments.
func (w *Writer) flushRefs(dst io.Writer) (int64, error) {
	iov := w.iov[:0]
	at := 0
	for _, r := range w.refs {
		if r.at > at {
			iov = append(iov, w.buf[at:r.at])
		}
		iov = append(iov, r.b)
		at = r.at
	}
	if at < len(w.buf) {
		iov = append(iov, w.buf[at:])
	}
	w.bufs = iov
	n, err := w.bufs.WriteTo(dst)
	clear(iov) // WriteTo drops the pieces it wrote; an error leaves the rest
	w.iov, w.bufs = iov[:0], nil
	clear(w.refs)
	w.refs, w.refLen = w.refs[:0], 0
	return n, err
}

// AppendFloat appends f, of the given bit size (32 or 64), in Go's
// shortest round-trip form for that size, with the non-finite values
// spelled as Redis spells them: inf, -inf and nan.
func AppendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// sanitizeErr replaces newlines, which would break the frame, as Redis's
// addReplyErrorFormat does.
func sanitizeErr(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] == '\r' || b[j] == '\n' {
					b[j] = ' '
				}
			}
			return string(b)
		}
	}
	return s
}

// Cap returns the bytes the Writer's buffer holds, used or not (referenced
// segments are the caller's memory, not counted).
func (w *Writer) Cap() int { return cap(w.buf) }
