package commands

import (
	"math"
	"strconv"

	"github.com/tidwall/redcon"
)

// Reply encoding. RESP2 frames come from redcon's append helpers; RESP3's
// extra types (null, map, set, double, big number, boolean) are written
// here, since redcon only speaks RESP2. Every method appends to the
// client's output buffer, which the connection loop flushes once per
// pipeline batch.

func (c *client) ok()              { c.out = append(c.out, "+OK\r\n"...) }
func (c *client) simple(s string)  { c.out = redcon.AppendString(c.out, s) }
func (c *client) err(s string)     { c.out = redcon.AppendError(c.out, sanitizeErr(s)); c.errs++ }
func (c *client) int(n int64)      { c.out = redcon.AppendInt(c.out, n) }
func (c *client) bulk(b []byte)    { c.out = redcon.AppendBulk(c.out, b) }
func (c *client) bulkStr(s string) { c.out = redcon.AppendBulkString(c.out, s) }
func (c *client) array(n int)      { c.out = redcon.AppendArray(c.out, n) }
func (c *client) bulkInt(n int64)  { c.out = redcon.AppendBulkInt(c.out, n) }
func (c *client) queued()          { c.out = append(c.out, "+QUEUED\r\n"...) }
func (c *client) emptyArray()      { c.out = append(c.out, "*0\r\n"...) }
func (c *client) emptyMapOrArray() { c.mapHeader(0) }
func (c *client) resp3() bool      { return c.proto == 3 }
func (c *client) bulkOrNull(b []byte, ok bool) {
	if ok {
		c.bulk(b)
	} else {
		c.null()
	}
}

// verbatim is RESP3's verbatim text ("=", with Redis's "txt" format), or a
// RESP2 bulk string: Redis's addReplyVerbatim, for INFO and CLIENT INFO|LIST.
func (c *client) verbatim(s string) {
	if !c.resp3() {
		c.bulkStr(s)
		return
	}
	c.header('=', len(s)+4)
	c.out = append(c.out, "txt:"...)
	c.out = append(c.out, s...)
	c.out = append(c.out, '\r', '\n')
}

// null is RESP2's null bulk string or RESP3's null.
func (c *client) null() {
	if c.resp3() {
		c.out = append(c.out, "_\r\n"...)
	} else {
		c.out = append(c.out, "$-1\r\n"...)
	}
}

// nullArray is RESP2's null array or RESP3's null.
func (c *client) nullArray() {
	if c.resp3() {
		c.out = append(c.out, "_\r\n"...)
	} else {
		c.out = append(c.out, "*-1\r\n"...)
	}
}

func (c *client) header(kind byte, n int) {
	c.out = append(c.out, kind)
	c.out = strconv.AppendInt(c.out, int64(n), 10)
	c.out = append(c.out, '\r', '\n')
}

// mapHeader starts a map of n pairs: RESP3 '%', or a flat RESP2 array.
func (c *client) mapHeader(n int) {
	if c.resp3() {
		c.header('%', n)
	} else {
		c.header('*', 2*n)
	}
}

// setHeader starts a set: RESP3 '~', or a RESP2 array.
func (c *client) setHeader(n int) {
	if c.resp3() {
		c.header('~', n)
	} else {
		c.header('*', n)
	}
}

// boolean is RESP3's boolean, or RESP2's integer 1/0.
func (c *client) boolean(b bool) {
	switch {
	case c.resp3() && b:
		c.out = append(c.out, "#t\r\n"...)
	case c.resp3():
		c.out = append(c.out, "#f\r\n"...)
	case b:
		c.int(1)
	default:
		c.int(0)
	}
}

// double writes a float as RESP3's double or, in RESP2, a bulk string, both
// spelled by format (inf, -inf and nan as Redis spells them).
func (c *client) double(f float64, bits int) {
	if c.resp3() {
		c.out = append(c.out, ',')
		c.out = appendFloat(c.out, f, bits)
		c.out = append(c.out, '\r', '\n')
		return
	}
	var tmp [32]byte
	c.bulk(appendFloat(tmp[:0], f, bits))
}

// appendFloat spells f in Go's shortest round-trip form for its width, with
// non-finite values spelled as Redis does.
func appendFloat(b []byte, f float64, bits int) []byte {
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

// uint64 writes an unsigned integer: a RESP3 big number above MaxInt64, an
// integer otherwise (RESP2 callers use bulk text instead).
func (c *client) uint64(u uint64) {
	if u > math.MaxInt64 {
		c.out = append(c.out, '(')
		c.out = strconv.AppendUint(c.out, u, 10)
		c.out = append(c.out, '\r', '\n')
		return
	}
	c.int(int64(u))
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
