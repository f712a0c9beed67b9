package commands

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"numkv/resp"
)

// appendBulkRange writes bytes [off, off+n) of v as one bulk reply. The
// output buffer is grown once to its final size, and the bytes are copied
// once, straight from the tree's chunks.
func (c *client) appendBulkRange(v *variable, off, n int) {
	if n >= refMin && v.isTree() {
		c.w.BulkHeader(n)
		t := c.hold(v.tree())
		t.Chunks(off, n, func(b []byte) bool {
			c.w.AppendRef(b)
			return true
		})
		c.w.CRLF()
		return
	}
	c.w.Grow(n + 24)
	c.w.BulkHeader(n)
	c.w.AppendWith(func(dst []byte) ([]byte, error) { return v.AppendRange(dst, off, n) })
	c.w.CRLF()
}

func cmdGet(s *Server, c *client, args [][]byte) {
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.null()
		return
	}
	c.appendBulkRange(v, 0, v.Len())
}

// checkLen refuses a byte length over proto-max-bulk-len, as Redis does for
// SETRANGE and APPEND; a negative n is an int64 overflow of offset+length.
func (s *Server) checkLen(c *client, n int64) bool {
	if n < 0 || n > s.maxBulkLen() {
		c.err(msgStringTooLong)
		return false
	}
	return true
}

// checkElem refuses a byte length that is not a whole number of elements.
func checkElem(c *client, v *variable, n int64) bool {
	if v.typ().size > 1 && n%int64(v.typ().size) != 0 {
		c.err(fmt.Sprintf(msgElemMultiple, v.typ().size))
		return false
	}
	return true
}

// setArgs is SET's (and GETEX's) parsed options.
type setArgs struct {
	nx, xx, get, keepTTL, persist bool
	unit                          string // "ex", "px", "exat" or "pxat"; "" for none
	expire                        []byte // the time argument of unit
}

// parseSetOptions is Redis 7.0's parseExtendedStringArgumentsOrReply for
// SET (get false: options from args[3]) and GETEX (get true: from args[2]).
// An option may repeat; NX/XX, and the expiry options with each other and
// with KEEPTTL/PERSIST, exclude each other; an expiry option needs its
// argument. Anything else is a syntax error.
func parseSetOptions(args [][]byte, get bool) (setArgs, string) {
	var a setArgs
	j := 3
	if get {
		j = 2
	}
	for ; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		noExpiry := a.unit == ""
		switch {
		case equalFold(opt, "nx") && !a.xx && !get:
			a.nx = true
		case equalFold(opt, "xx") && !a.nx && !get:
			a.xx = true
		case equalFold(opt, "get") && !get:
			a.get = true
		case equalFold(opt, "keepttl") && !a.persist && noExpiry && !get:
			a.keepTTL = true
		case equalFold(opt, "persist") && get && noExpiry && !a.keepTTL:
			a.persist = true
		case (equalFold(opt, "ex") || equalFold(opt, "px") || equalFold(opt, "exat") || equalFold(opt, "pxat")) &&
			!a.keepTTL && !a.persist && (noExpiry || equalFold(opt, a.unit)) && hasNext:
			a.unit = strings.ToLower(string(opt))
			a.expire = args[j+1]
			j++
		default:
			return a, msgSyntax
		}
	}
	return a, ""
}

// parseExpire is getExpireMillisecondsOrReply: an EX/PX/EXAT/PXAT argument
// as unix milliseconds, with Redis's errors for a non-integer, a value <= 0
// and overflow; cmd names the command in the error.
func parseExpire(b []byte, unit string, now int64, cmd string) (int64, string) {
	n, ok := resp.ParseInt(b)
	if !ok {
		return 0, msgNotInt
	}
	invalid := fmt.Sprintf(msgInvalidExpire, cmd)
	seconds := unit == "ex" || unit == "exat"
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		return 0, invalid
	}
	if seconds {
		n *= 1000
	}
	if unit == "ex" || unit == "px" {
		if n > math.MaxInt64-now {
			return 0, invalid // C's signed overflow wraps below zero
		}
		n += now
	}
	return n, ""
}

func cmdSet(s *Server, c *client, args [][]byte) {
	a, msg := parseSetOptions(args, false)
	if msg != "" {
		c.err(msg)
		return
	}
	s.setGeneric(c, a, args[1], args[2], "set", nil, nil)
}

// setGeneric is Redis's setGenericCommand, behind SET, SETNX, SETEX and
// PSETEX: ok and abort are the replies after a set and after NX/XX stopped
// it (nil for +OK and null).
func (s *Server) setGeneric(c *client, a setArgs, key, val []byte, cmd string, ok, abort func()) {
	now := nowMs()
	var at int64
	if a.unit != "" {
		var msg string
		if at, msg = parseExpire(a.expire, a.unit, now, cmd); msg != "" {
			c.err(msg)
			return
		}
	}
	old := s.lookup(c, c.db, key, true)
	if a.get {
		if old == nil {
			c.null()
		} else {
			c.appendBulkRange(old, 0, old.Len())
		}
	}
	if (a.nx && old != nil) || (a.xx && old == nil) {
		if a.get {
			return
		}
		if abort != nil {
			abort()
		} else {
			c.null()
		}
		return
	}
	exp := at
	if a.keepTTL && old != nil {
		exp = old.expireAt
	}
	v := s.setString(c, c.db, key, old, val, exp)
	s.modified(c.db, key, 1)
	if v.expireAt != 0 && v.expireAt <= now {
		s.removeKey(c, c.db, key) // already past: free it now rather than later
	}
	if a.get {
		return
	}
	if ok != nil {
		ok()
	} else {
		c.ok()
	}
}

func cmdSetnx(s *Server, c *client, args [][]byte) {
	s.setGeneric(c, setArgs{nx: true}, args[1], args[2], "setnx", func() { c.integer(1) }, func() { c.integer(0) })
}

func cmdSetex(s *Server, c *client, args [][]byte) {
	s.setGeneric(c, setArgs{unit: "ex", expire: args[2]}, args[1], args[3], "setex", nil, nil)
}

func cmdPsetex(s *Server, c *client, args [][]byte) {
	s.setGeneric(c, setArgs{unit: "px", expire: args[2]}, args[1], args[3], "psetex", nil, nil)
}

func cmdGetset(s *Server, c *client, args [][]byte) {
	s.setGeneric(c, setArgs{get: true}, args[1], args[2], "getset", nil, nil)
}

func cmdGetdel(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[1], true)
	if v == nil {
		c.null()
		return
	}
	c.appendBulkRange(v, 0, v.Len())
	s.removeKey(c, c.db, args[1])
	s.persist.dirty.Add(1)
}

// cmdGetex follows Redis 7.0's order: options, then the key (a missing key
// replies null even when the time is invalid), then the time.
func cmdGetex(s *Server, c *client, args [][]byte) {
	a, msg := parseSetOptions(args, true)
	if msg != "" {
		c.err(msg)
		return
	}
	v := s.lookup(c, c.db, args[1], true)
	if v == nil {
		c.null()
		return
	}
	now := nowMs()
	var at int64
	if a.unit != "" {
		if at, msg = parseExpire(a.expire, a.unit, now, "getex"); msg != "" {
			c.err(msg)
			return
		}
	}
	c.appendBulkRange(v, 0, v.Len())
	switch {
	case (a.unit == "exat" || a.unit == "pxat") && at <= now:
		s.removeKey(c, c.db, args[1])
		s.persist.dirty.Add(1)
	case a.unit != "":
		s.setExpire(c, c.db, args[1], v, at)
		s.modified(c.db, args[1], 1)
	case a.persist && v.expireAt != 0:
		s.setExpire(c, c.db, args[1], v, 0)
		s.modified(c.db, args[1], 1)
	}
}

func cmdMget(s *Server, c *client, args [][]byte) {
	c.array(len(args) - 1)
	for _, k := range args[1:] {
		if v := s.lookupRead(c, k); v != nil {
			c.appendBulkRange(v, 0, v.Len())
		} else {
			c.null()
		}
	}
}

func cmdMset(s *Server, c *client, args [][]byte) {
	if len(args)%2 != 1 {
		c.err(fmt.Sprintf(msgWrongArgs, "mset"))
		return
	}
	s.storePairs(c, c.db, args[1:])
	c.ok()
}

func cmdAppend(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[1], true)
	if v == nil {
		s.putString(c, c.db, args[1], args[2])
		s.modified(c.db, args[1], 1)
		c.integer(int64(len(args[2])))
		return
	}
	n := int64(v.Len()) + int64(len(args[2]))
	if !s.checkLen(c, n) || !checkElem(c, v, n) {
		return
	}
	// Redis unshares the value (now "raw") and signals the key even for an
	// empty append.
	v.mut().Append(args[2])
	v.setEnc(encRaw)
	s.modified(c.db, args[1], 1)
	c.integer(n)
}

func cmdStrlen(s *Server, c *client, args [][]byte) {
	if v := s.lookupRead(c, args[1]); v != nil {
		c.integer(int64(v.Len()))
		return
	}
	c.integer(0)
}

// clampRange applies Redis's rule for a range of a string of length n, as
// GETRANGE and BITCOUNT share it: negative indexes count from the end, then
// both are clamped into the string. The range is empty if start > end.
func clampRange(start, end, n int64) (int64, int64) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	return start, end
}

// cmdGetrange follows Redis 7.0's index rules: negative indexes count from
// the end, both clamp to the string, and start > end is empty.
func cmdGetrange(s *Server, c *client, args [][]byte) {
	start, ok1 := resp.ParseInt(args[2])
	end, ok2 := resp.ParseInt(args[3])
	if !ok1 || !ok2 {
		c.err(msgNotInt)
		return
	}
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.bulkStr("")
		return
	}
	n := int64(v.Len())
	if start < 0 && end < 0 && start > end {
		c.bulkStr("")
		return
	}
	start, end = clampRange(start, end, n)
	if start > end || n == 0 {
		c.bulkStr("")
		return
	}
	c.appendBulkRange(v, int(start), int(end-start+1))
}

func cmdSetrange(s *Server, c *client, args [][]byte) {
	off, ok := intArg(c, args[2])
	if !ok {
		return
	}
	if off < 0 {
		c.err(msgOffsetRange)
		return
	}
	val := args[3]
	v := s.lookup(c, c.db, args[1], true)
	if v == nil {
		if len(val) == 0 {
			c.integer(0)
			return
		}
		if !s.checkLen(c, off+int64(len(val))) {
			return
		}
		r, v := newRecord(args[1], 0, -1)
		v.tree().WriteAt(val, int(off))
		v.setEnc(encRaw)
		s.store(c, c.db, args[1], r)
		s.modified(c.db, args[1], 1)
		c.integer(int64(v.Len()))
		return
	}
	if len(val) == 0 {
		c.integer(int64(v.Len()))
		return
	}
	if !s.checkLen(c, off+int64(len(val))) {
		return
	}
	if n := max(int64(v.Len()), off+int64(len(val))); !checkElem(c, v, n) {
		return
	}
	v.mut().WriteAt(val, int(off))
	v.setEnc(encRaw)
	s.modified(c.db, args[1], 1)
	c.integer(int64(v.Len()))
}

// isString reports whether v is a plain Redis string: u8 with no shape.
// Only those hold the numbers INCR and INCRBYFLOAT read.
func isString(v *variable) bool { return v.tid == 0 }

// content returns v's bytes, appended to buf, or false when v is longer
// than limit. A caller with a small limit passes a buffer on its stack.
func content(v *variable, limit int, buf []byte) ([]byte, bool) {
	if v.Len() > limit {
		return nil, false
	}
	b, _ := v.AppendRange(buf, 0, v.Len())
	return b, true
}

// replaceString stores b at key as a new u8 variable that keeps old's
// expiry, as Redis's dbOverwrite does for INCR and INCRBYFLOAT.
func (s *Server) replaceString(c *client, db int, key []byte, old *variable, b []byte, enc encoding) {
	var exp int64
	if old != nil {
		exp = old.expireAt
	}
	s.setString(c, db, key, old, b, exp).setEnc(enc)
	s.modified(db, key, 1)
}

// incrBy is incrDecrCommand. A variable that is not a plain u8 string gets
// the error of a string that is not an integer.
func (s *Server) incrBy(c *client, key []byte, by int64) {
	v := s.lookup(c, c.db, key, true)
	var cur int64
	if v != nil {
		var tmp [20]byte
		b, ok := content(v, 20, tmp[:0])
		if ok && isString(v) {
			cur, ok = resp.ParseInt(b)
		}
		if !ok || !isString(v) {
			c.err(msgNotInt)
			return
		}
	}
	if (by < 0 && cur < 0 && by < math.MinInt64-cur) || (by > 0 && cur > 0 && by > math.MaxInt64-cur) {
		c.err(msgOverflow)
		return
	}
	cur += by
	var buf [24]byte
	s.replaceString(c, c.db, key, v, strconv.AppendInt(buf[:0], cur, 10), encAuto)
	c.integer(cur)
}

func cmdIncr(s *Server, c *client, args [][]byte) { s.incrBy(c, args[1], 1) }
func cmdDecr(s *Server, c *client, args [][]byte) { s.incrBy(c, args[1], -1) }

func cmdIncrby(s *Server, c *client, args [][]byte) {
	if by, ok := intArg(c, args[2]); ok {
		s.incrBy(c, args[1], by)
	}
}

func cmdDecrby(s *Server, c *client, args [][]byte) {
	by, ok := intArg(c, args[2])
	if !ok {
		return
	}
	if by == math.MinInt64 {
		c.err(msgDecrOverflow)
		return
	}
	s.incrBy(c, args[1], -by)
}

// incrFloat is INCRBYFLOAT's arithmetic: the stored text (exists false for
// a missing key, read as 0) plus the increment, in C's long double, spelled
// as Redis spells it; or the error to reply.
func incrFloat(cur []byte, exists bool, incr []byte) (string, string) {
	a := new(big.Float).SetPrec(ldPrec)
	if exists {
		var ok bool
		if a, ok = parseLongDouble(cur); !ok {
			return "", msgNotFloat
		}
	}
	b, ok := parseLongDouble(incr)
	if !ok {
		return "", msgNotFloat
	}
	sum, ok := addLD(a, b)
	if !ok {
		return "", msgIncrNaN
	}
	return formatLD(sum), ""
}

func cmdIncrbyfloat(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[1], true)
	var cur []byte
	if v != nil {
		var ok bool
		if cur, ok = content(v, ldMaxLen+1, nil); !ok || !isString(v) {
			c.err(msgNotFloat)
			return
		}
	}
	sum, msg := incrFloat(cur, v != nil, args[2])
	if msg != "" {
		c.err(msg)
		return
	}
	// Redis stores the text as a plain string object: embstr when short,
	// never int, even when it reads "3".
	enc := encEmbstr
	if len(sum) > embstrMax {
		enc = encRaw
	}
	s.replaceString(c, c.db, args[1], v, []byte(sum), enc)
	c.bulkStr(sum)
}

// storePairs stores each key, value pair of kv as a plain string, for
// MSET and MSETNX.
func (s *Server) storePairs(c *client, db int, kv [][]byte) {
	for i := 0; i < len(kv); i += 2 {
		s.putString(c, db, kv[i], kv[i+1])
		s.modified(db, kv[i], 1)
	}
}

func cmdMsetnx(s *Server, c *client, args [][]byte) {
	if len(args)%2 != 1 {
		c.err(fmt.Sprintf(msgWrongArgs, "msetnx"))
		return
	}
	for i := 1; i < len(args); i += 2 {
		if s.lookup(c, c.db, args[i], true) != nil {
			c.integer(0)
			return
		}
	}
	s.storePairs(c, c.db, args[1:])
	c.integer(1)
}

// lcsArgs is LCS's options.
type lcsArgs struct {
	getLen, getIdx, withMatchLen bool
	minMatchLen                  int64
}

func parseLCS(c *client, args [][]byte) (lcsArgs, bool) {
	var a lcsArgs
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case equalFold(args[j], "idx"):
			a.getIdx = true
		case equalFold(args[j], "len"):
			a.getLen = true
		case equalFold(args[j], "withmatchlen"):
			a.withMatchLen = true
		case equalFold(args[j], "minmatchlen") && more > 0:
			n, ok := intArg(c, args[j+1])
			if !ok {
				return a, false
			}
			a.minMatchLen = max(n, 0)
			j++
		default:
			c.err(msgSyntax)
			return a, false
		}
	}
	if a.getLen && a.getIdx {
		c.err(msgLCSLenIdx)
		return a, false
	}
	return a, true
}

// cmdLcs is Redis 7.0's lcsCommand: the dynamic-programming table, its
// memory bounded by proto-max-bulk-len, and the same walk back through it,
// so that IDX reports the same ranges in the same order.
func cmdLcs(s *Server, c *client, args [][]byte) {
	var a, b []byte
	if v := s.lookupRead(c, args[1]); v != nil {
		a, _ = content(v, v.Len(), nil)
	}
	if v := s.lookupRead(c, args[2]); v != nil {
		b, _ = content(v, v.Len(), nil)
	}
	opt, ok := parseLCS(c, args)
	if !ok {
		return
	}
	if int64(len(a)) >= math.MaxUint32-1 || int64(len(b)) >= math.MaxUint32-1 {
		c.err(msgLCSTooLong)
		return
	}
	alen, blen := len(a), len(b)
	cells := int64(alen+1) * int64(blen+1)
	if cells*4 > s.maxBulkLen() {
		c.err(msgLCSMemory)
		return
	}
	lcs := make([]uint32, cells)
	at := func(i, j int) *uint32 { return &lcs[j+i*(blen+1)] }
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				*at(i, j) = *at(i-1, j-1) + 1
			} else {
				*at(i, j) = max(*at(i-1, j), *at(i, j-1))
			}
		}
	}
	idx := int(*at(alen, blen))
	computeLCS := opt.getIdx || !opt.getLen
	var result []byte
	if computeLCS {
		result = make([]byte, idx)
	}
	type match struct{ a0, a1, b0, b1 int }
	var matches []match
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0 // aStart == alen: no range
	for i, j := alen, blen; computeLCS && i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if *at(i-1, j) > *at(i, j-1) {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			if n := int64(aEnd - aStart + 1); opt.minMatchLen == 0 || n >= opt.minMatchLen {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = alen
		}
	}
	switch {
	case opt.getIdx:
		c.mapHeader(2)
		c.bulkStr("matches")
		c.array(len(matches))
		for _, m := range matches {
			if opt.withMatchLen {
				c.array(3)
			} else {
				c.array(2)
			}
			c.array(2)
			c.integer(int64(m.a0))
			c.integer(int64(m.a1))
			c.array(2)
			c.integer(int64(m.b0))
			c.integer(int64(m.b1))
			if opt.withMatchLen {
				c.integer(int64(m.a1 - m.a0 + 1))
			}
		}
		c.bulkStr("len")
		c.integer(int64(*at(alen, blen)))
	case opt.getLen:
		c.integer(int64(*at(alen, blen)))
	default:
		c.bulk(result)
	}
}
