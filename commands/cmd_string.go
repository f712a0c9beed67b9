package commands

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/redcon"
)

// appendBulkRange writes bytes [off, off+n) of v as one bulk reply. The
// output buffer is grown once to its final size, and the bytes are copied
// once, straight from the tree's chunks.
func (c *client) appendBulkRange(v *variable, off, n int) {
	c.out = slices.Grow(c.out, n+24)
	c.out = append(c.out, '$')
	c.out = strconv.AppendInt(c.out, int64(n), 10)
	c.out = append(c.out, '\r', '\n')
	c.out, _ = v.tree.AppendRange(c.out, off, n)
	c.out = append(c.out, '\r', '\n')
}

func cmdGet(s *Server, c *client, args [][]byte) {
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.null()
		return
	}
	c.appendBulkRange(v, 0, v.tree.Len())
}

// checkLen refuses a byte length over proto-max-bulk-len, as Redis does for
// SETRANGE and APPEND.
func (s *Server) checkLen(c *client, n int64) bool {
	if n > s.maxBulk {
		c.err(msgStringTooLong)
		return false
	}
	return true
}

// checkElem refuses a byte length that is not a whole number of elements.
func checkElem(c *client, v *variable, n int64) bool {
	if v.typ.size > 1 && n%int64(v.typ.size) != 0 {
		c.err(fmt.Sprintf(msgElemMultiple, v.typ.size))
		return false
	}
	return true
}

// setArgs is SET's parsed options.
type setArgs struct {
	nx, xx, get, keepTTL bool
	expireAt             int64 // unix ms; 0 none
}

// parseSet parses SET's options the way Redis 7.0 does: each option at
// most once, NX and XX exclusive, one of EX PX EXAT PXAT KEEPTTL.
func parseSet(args [][]byte, now int64) (setArgs, string) {
	var a setArgs
	unit := ""
	var expire []byte
	for j := 3; j < len(args); j++ {
		opt := strings.ToLower(string(args[j]))
		hasNext := j+1 < len(args)
		switch {
		case opt == "nx" && !a.xx:
			a.nx = true
		case opt == "xx" && !a.nx:
			a.xx = true
		case opt == "get":
			a.get = true
		case opt == "keepttl" && unit == "":
			a.keepTTL = true
		case (opt == "ex" || opt == "px" || opt == "exat" || opt == "pxat") && !a.keepTTL && unit == "" && hasNext:
			unit = opt
			expire = args[j+1]
			j++
		default:
			return a, msgSyntax
		}
	}
	if unit != "" {
		at, msg := parseExpire(expire, unit, now, "set")
		if msg != "" {
			return a, msg
		}
		a.expireAt = at
	}
	return a, ""
}

// parseExpire turns an EX/PX/EXAT/PXAT argument into unix milliseconds,
// with Redis's errors for non-integers, non-positive values and overflow.
func parseExpire(b []byte, unit string, now int64, cmd string) (int64, string) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, msgNotInt
	}
	invalid := fmt.Sprintf(msgInvalidExpire, cmd)
	if n <= 0 {
		return 0, invalid
	}
	if unit == "ex" || unit == "exat" {
		if n > math.MaxInt64/1000 {
			return 0, invalid
		}
		n *= 1000
	}
	if unit == "ex" || unit == "px" {
		if n > math.MaxInt64-now {
			return 0, invalid
		}
		n += now
	}
	return n, ""
}

func cmdSet(s *Server, c *client, args [][]byte) {
	now := nowMs()
	a, msg := parseSet(args, now)
	if msg != "" {
		c.err(msg)
		return
	}
	old := s.lookup(c.db, args[1], true)
	if a.get {
		if old == nil {
			c.null()
		} else {
			c.appendBulkRange(old, 0, old.tree.Len())
		}
	}
	if (a.nx && old != nil) || (a.xx && old == nil) {
		if !a.get {
			c.null()
		}
		return
	}
	v := newVariable(u8Type)
	v.tree.Append(args[2])
	if a.keepTTL && old != nil {
		v.expireAt = old.expireAt
	} else {
		v.expireAt = a.expireAt
	}
	s.put(c.db, args[1], v)
	s.modified(c.db, args[1], 1)
	if v.expireAt != 0 && v.expireAt <= now {
		s.removeKey(c.db, args[1])
	}
	if !a.get {
		c.ok()
	}
}

func cmdMget(s *Server, c *client, args [][]byte) {
	c.array(len(args) - 1)
	for _, k := range args[1:] {
		if v := s.lookupRead(c, k); v != nil {
			c.appendBulkRange(v, 0, v.tree.Len())
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
	for i := 1; i < len(args); i += 2 {
		v := newVariable(u8Type)
		v.tree.Append(args[i+1])
		s.put(c.db, args[i], v)
		s.modified(c.db, args[i], 1)
	}
	c.ok()
}

func cmdAppend(s *Server, c *client, args [][]byte) {
	v := s.lookup(c.db, args[1], true)
	if v == nil {
		v = newVariable(u8Type)
		v.tree.Append(args[2])
		s.put(c.db, args[1], v)
		s.modified(c.db, args[1], 1)
		c.int(int64(len(args[2])))
		return
	}
	n := int64(v.tree.Len()) + int64(len(args[2]))
	if !s.checkLen(c, n) || !checkElem(c, v, n) {
		return
	}
	if len(args[2]) > 0 {
		v.tree.Append(args[2])
		s.modified(c.db, args[1], 1)
	}
	c.int(n)
}

func cmdStrlen(s *Server, c *client, args [][]byte) {
	if v := s.lookupRead(c, args[1]); v != nil {
		c.int(int64(v.tree.Len()))
		return
	}
	c.int(0)
}

// cmdGetrange follows Redis 7.0's index rules: negative indexes count from
// the end, both clamp to the string, and start > end is empty.
func cmdGetrange(s *Server, c *client, args [][]byte) {
	start, err1 := strconv.ParseInt(string(args[2]), 10, 64)
	end, err2 := strconv.ParseInt(string(args[3]), 10, 64)
	if err1 != nil || err2 != nil {
		c.err(msgNotInt)
		return
	}
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.bulkStr("")
		return
	}
	n := int64(v.tree.Len())
	if start < 0 && end < 0 && start > end {
		c.bulkStr("")
		return
	}
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
	if start > end || n == 0 {
		c.bulkStr("")
		return
	}
	c.appendBulkRange(v, int(start), int(end-start+1))
}

func cmdSetrange(s *Server, c *client, args [][]byte) {
	off, err := strconv.ParseInt(string(args[2]), 10, 64)
	if err != nil {
		c.err(msgNotInt)
		return
	}
	if off < 0 {
		c.err(msgOffsetRange)
		return
	}
	val := args[3]
	v := s.lookup(c.db, args[1], true)
	if v == nil {
		if len(val) == 0 {
			c.int(0)
			return
		}
		if !s.checkLen(c, off+int64(len(val))) {
			return
		}
		v = newVariable(u8Type)
		v.tree.WriteAt(val, int(off))
		s.put(c.db, args[1], v)
		s.modified(c.db, args[1], 1)
		c.int(int64(v.tree.Len()))
		return
	}
	if len(val) == 0 {
		c.int(int64(v.tree.Len()))
		return
	}
	if !s.checkLen(c, off+int64(len(val))) {
		return
	}
	if n := max(int64(v.tree.Len()), off+int64(len(val))); !checkElem(c, v, n) {
		return
	}
	v.tree.WriteAt(val, int(off))
	s.modified(c.db, args[1], 1)
	c.int(int64(v.tree.Len()))
}

var _ = redcon.AppendOK // RESP2 framing comes from redcon (see reply.go)
