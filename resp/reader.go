package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sync/atomic"

	"numkv/offheap"
)

// Limits Redis applies while parsing, independent of configuration.
const (
	inlineMax     = 64 * 1024 // PROTO_INLINE_MAX_SIZE: an inline line, or a count line
	maxPreArgs    = 1024      // never trust a multibulk count for preallocation
	unauthMBulk   = 10        // before AUTH, as Redis: at most 10 arguments...
	unauthBulkLen = 16384     // ...of at most 16 KiB each
)

// ProtocolError is a request Redis refuses as malformed. Its Error text is
// Redis's wire text, exactly, without the leading '-': the server replies
// it and then closes the connection, as Redis does.
type ProtocolError struct{ msg string }

// Error returns Redis's text for the error, to be replied as it is.
func (e *ProtocolError) Error() string { return e.msg }

// ErrQueryLimit means the client's pending request exceeded
// client-query-buffer-limit; Redis closes such a client without a reply.
var ErrQueryLimit = errors.New("resp: client query buffer limit reached")

// Reader parses RESP multibulk and inline commands from a connection. The
// arguments Next returns, and the slice holding them, alias the Reader's
// memory and are valid only until the next call to Next; callers copy what
// they keep.
type Reader struct {
	rd    io.Reader
	buf   []byte
	big   bool // buf is offheap memory (bigBuf bytes or more), freed when drained
	r, w  int  // unparsed data is buf[r:w]
	batch int  // where buf[r:w] began at the last Fill: Buffered's start
	args  [][]byte
	authd func() bool // reports whether the client may send large requests

	maxBulk  *atomic.Int64 // proto-max-bulk-len, which CONFIG SET may change
	maxQuery *atomic.Int64 // client-query-buffer-limit, likewise
	need     int           // the pending command's size when known (its last bulk's header is in), a cap on buf's growth
}

// NewReader returns a Reader of rd. maxBulk (proto-max-bulk-len) and
// maxQuery (client-query-buffer-limit) are read at each use, so that CONFIG
// SET takes effect on open connections. authd reports whether the client
// may send requests beyond Redis's limits for unauthenticated clients (10
// arguments of at most 16 KiB).
func NewReader(rd io.Reader, maxBulk, maxQuery *atomic.Int64, authd func() bool) *Reader {
	return &Reader{rd: rd, buf: make([]byte, 16*1024), maxBulk: maxBulk, maxQuery: maxQuery, authd: authd}
}

// Next returns the next complete command from the buffer, or (nil, nil) if
// the buffer does not hold one yet; it never reads. An empty command (a
// blank inline line or a multibulk of count <= 0) is skipped. A malformed
// request returns a *ProtocolError, and so does every later call: the
// Reader does not skip the bad bytes, the connection is to be closed.
func (r *Reader) Next() ([][]byte, error) {
	for {
		if r.r == r.w {
			return nil, nil
		}
		var args [][]byte
		var n int
		var err error
		r.need = 0 // set again if this command's size is known and not all in
		if r.buf[r.r] == '*' {
			args, n, err = r.parseMultibulk(r.buf[r.r:r.w])
		} else {
			args, n, err = r.parseInline(r.buf[r.r:r.w])
		}
		if err != nil || n == 0 {
			return nil, err
		}
		r.r += n
		if len(args) > 0 {
			return args, nil
		}
	}
}

// Fill reads once from the connection and returns the number of bytes
// read. It grows the buffer as bytes arrive: when it is full, to twice its
// size (or to bigBuf, once 64 KiB of a large request are in), never past
// what the pending command is known to need. So an announced bulk costs
// memory only as it comes (a client may announce 512 MB and send nothing),
// at O(n) copying in all. It gives back a buffer grown past 1 MiB once
// everything in it is parsed. It returns ErrQueryLimit
// when the unparsed bytes reach client-query-buffer-limit,
// io.ErrNoProgress when the connection returns nothing and no error, and
// otherwise the connection's error, only when no byte was read.
func (r *Reader) Fill() (int, error) {
	if r.r == r.w {
		r.r, r.w, r.need = 0, 0, 0
		if cap(r.buf) > 1<<20 { // give back the memory of a huge request
			r.setBuf(make([]byte, 16*1024), false)
		}
	}
	if int64(r.w-r.r) >= r.maxQuery.Load() {
		return 0, ErrQueryLimit
	}
	pending := r.w - r.r
	if want := pending + 4096; want > len(r.buf)-r.r { // room for a read
		if want <= len(r.buf) {
			r.w = copy(r.buf, r.buf[r.r:r.w])
			r.r = 0
		} else {
			n := max(want, 2*len(r.buf))
			if r.need > 0 {
				if pending >= bigBuf/16 {
					// A large request is arriving: go straight to an
					// offheap buffer rather than through heap ones the
					// collector must take back, for each large request.
					n = max(n, bigBuf)
				}
				n = min(n, max(r.need, want))
			}
			var nb []byte
			if n >= bigBuf {
				nb = offheap.Alloc(offheap.Buffer, n)
				nb = nb[:cap(nb)]
			} else {
				nb = make([]byte, n)
			}
			r.w = copy(nb, r.buf[r.r:r.w])
			r.r = 0
			r.setBuf(nb, n >= bigBuf)
		}
	}
	n, err := r.rd.Read(r.buf[r.w:])
	r.w += n
	r.batch = r.r
	if n > 0 {
		return n, nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return 0, err
}

// ParseInt parses a RESP count, or an integer argument, as Redis's
// string2ll does: an optional '-', no '+', no leading zeros, no spaces,
// within int64. It reports false for anything else.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] == '0' {
		return 0, len(b) == 1 && !neg
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// line returns the bytes before the first '\r' in b and the offset just past
// "\r\n", or ok=false when no complete line is buffered yet.
func line(b []byte) (ln []byte, next int, ok bool) {
	i := bytes.IndexByte(b, '\r')
	if i < 0 || i+1 >= len(b) {
		return nil, 0, false
	}
	return b[:i], i + 2, true
}

func (r *Reader) parseMultibulk(b []byte) ([][]byte, int, error) {
	ln, pos, ok := line(b)
	if !ok {
		if len(b) > inlineMax {
			return nil, 0, &ProtocolError{msgProtoBigMBulkCount}
		}
		return nil, 0, nil
	}
	count, ok := ParseInt(ln[1:])
	if !ok || count > math.MaxInt32 {
		return nil, 0, &ProtocolError{msgProtoInvalidMBulk}
	}
	if count > unauthMBulk && !r.authd() {
		return nil, 0, &ProtocolError{msgProtoUnauthMBulk}
	}
	if count <= 0 {
		return r.args[:0], pos, nil
	}
	args := r.args[:0]
	if cap(args) < int(min(count, maxPreArgs)) {
		args = make([][]byte, 0, min(count, maxPreArgs))
	}
	for i := int64(0); i < count; i++ {
		rest := b[pos:]
		if len(rest) == 0 {
			r.need = 0
			return nil, 0, nil
		}
		if rest[0] != '$' {
			// Redis reports the byte only once the whole line is in.
			if _, _, ok := line(rest); !ok {
				if len(rest) > inlineMax {
					return nil, 0, &ProtocolError{msgProtoBigBulkCount}
				}
				return nil, 0, nil
			}
			return nil, 0, &ProtocolError{fmt.Sprintf(msgProtoExpectedBulk, rest[0])}
		}
		ln, n, ok := line(rest)
		if !ok {
			if len(rest) > inlineMax {
				return nil, 0, &ProtocolError{msgProtoBigBulkCount}
			}
			return nil, 0, nil
		}
		size, ok := ParseInt(ln[1:])
		if !ok || size < 0 || size > r.maxBulk.Load() {
			return nil, 0, &ProtocolError{msgProtoInvalidBulk}
		}
		if size > unauthBulkLen && !r.authd() {
			return nil, 0, &ProtocolError{msgProtoUnauthBulk}
		}
		if int64(len(rest)-n) < size+2 {
			if i == count-1 {
				// The command's whole size is known: Fill grows the
				// buffer toward it, no further. (Capped at an earlier
				// bulk's end, a command of many bulks would grow by
				// one bulk at a time, at quadratic copying.)
				r.need = int(int64(pos+n)+size+2) + 1024
			}
			return nil, 0, nil
		}
		args = append(args, rest[n:n+int(size)])
		pos += n + int(size) + 2 // like Redis, the two bytes after a bulk are not checked
	}
	r.args = args
	r.need = 0
	return args, pos, nil
}

func (r *Reader) parseInline(b []byte) ([][]byte, int, error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(b) > inlineMax {
			return nil, 0, &ProtocolError{msgProtoBigInline}
		}
		return nil, 0, nil
	}
	ln := b[:i]
	if len(ln) > 0 && ln[len(ln)-1] == '\r' {
		ln = ln[:len(ln)-1]
	}
	args, ok := SplitArgs(ln, r.args[:0])
	if !ok {
		return nil, 0, &ProtocolError{msgProtoUnbalanced}
	}
	r.args = args
	return args, i + 1, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// SplitArgs appends to args the arguments of line, split the way Redis's
// sdssplitargs splits inline commands and configuration file lines: blanks
// separate arguments (any of isspace's between them, but only space, \t,
// \r and \n end a word); "double quotes" understand \n \r \t \b \a \\ \"
// and \xHH; 'single quotes' understand only \'; a quote inside a word
// starts a quoted part; a closing quote must be followed by a blank or the
// end of the line, else ok is false, as for a quote left open. Quoted
// arguments are new allocations; plain ones alias line.
func SplitArgs(line []byte, args [][]byte) ([][]byte, bool) {
	p := 0
	for {
		for p < len(line) && isBlank(line[p]) {
			p++
		}
		if p >= len(line) {
			return args, true
		}
		if line[p] != '"' && line[p] != '\'' {
			s := p
			for p < len(line) && !endsWord(line[p]) && line[p] != '"' && line[p] != '\'' {
				p++
			}
			if p < len(line) && (line[p] == '"' || line[p] == '\'') {
				// A quote inside a word starts a quoted part, as in Redis.
				cur := append([]byte(nil), line[s:p]...)
				var ok bool
				cur, p, ok = quotedTail(line, p, cur)
				if !ok {
					return nil, false
				}
				args = append(args, cur)
				continue
			}
			args = append(args, line[s:p])
			continue
		}
		cur, np, ok := quotedTail(line, p, []byte{})
		if !ok {
			return nil, false
		}
		p = np
		args = append(args, cur)
	}
}

// quotedTail continues an argument at line[p], which opens a quote, and
// returns it with the position after the argument.
func quotedTail(line []byte, p int, cur []byte) ([]byte, int, bool) {
	for p < len(line) {
		c := line[p]
		switch {
		case c == '"':
			p++
			for {
				if p >= len(line) {
					return nil, 0, false
				}
				if line[p] == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]) {
					cur = append(cur, hexVal(line[p+2])<<4|hexVal(line[p+3]))
					p += 4
				} else if line[p] == '\\' && p+1 < len(line) {
					e := line[p+1]
					switch e {
					case 'n':
						e = '\n'
					case 'r':
						e = '\r'
					case 't':
						e = '\t'
					case 'b':
						e = '\b'
					case 'a':
						e = '\a'
					}
					cur = append(cur, e)
					p += 2
				} else if line[p] == '"' {
					p++
					if p < len(line) && !isBlank(line[p]) {
						return nil, 0, false
					}
					return cur, p, true
				} else {
					cur = append(cur, line[p])
					p++
				}
			}
		case c == '\'':
			p++
			for {
				if p >= len(line) {
					return nil, 0, false
				}
				if line[p] == '\\' && p+1 < len(line) && line[p+1] == '\'' {
					cur = append(cur, '\'')
					p += 2
				} else if line[p] == '\'' {
					p++
					if p < len(line) && !isBlank(line[p]) {
						return nil, 0, false
					}
					return cur, p, true
				} else {
					cur = append(cur, line[p])
					p++
				}
			}
		default:
			cur = append(cur, c)
			p++
		}
	}
	return cur, p, true
}

// endsWord reports whether c ends an unquoted word: sdssplitargs's
// separators, which unlike isspace leave out \v and \f.
func endsWord(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func isBlank(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

// Buffered returns the bytes of the query buffer as Redis's CLIENT LIST
// counts them while a command runs (qbuf, qbuf-free): those read since
// the last Fill began, the commands already parsed from them included
// (Redis trims its buffer after the batch), and the room left.
func (r *Reader) Buffered() (used, free int) { return r.w - r.batch, len(r.buf) - r.w }

// Size returns the bytes of the Reader's buffer, wherever it lives.
func (r *Reader) Size() int { return len(r.buf) }

// Cap returns the bytes of the Reader's buffer when it is Go heap memory,
// and 0 when it is offheap, which the allocator counts itself: what the
// connection costs in memory for its requests, besides that.
func (r *Reader) Cap() int {
	if r.big {
		return 0
	}
	return cap(r.buf)
}

// bigBuf is the size from which a request buffer is offheap memory rather
// than Go heap: a connection sending large values (a 4 MiB SET each time)
// would otherwise make a fresh buffer of garbage per request, which the
// collector frees only later and the heap goal lets pile up. Offheap, it
// is freed the moment the request is parsed and run, and counted in
// used_memory.
const bigBuf = 1 << 20

// setBuf replaces the buffer, freeing an offheap one.
func (r *Reader) setBuf(b []byte, big bool) {
	if r.big {
		offheap.Free(offheap.Buffer, r.buf)
	}
	r.buf, r.big = b, big
}

// Release frees the Reader's buffer when it is offheap memory. The
// connection calls it when it closes; the Reader must not be used after.
func (r *Reader) Release() { r.setBuf(nil, false) }
