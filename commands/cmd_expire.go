package commands

import (
	"fmt"
	"math"

	"numkv/resp"
)

// expireFlags is EXPIRE's NX, XX, GT and LT.
type expireFlags struct{ nx, xx, gt, lt bool }

// parseExpireFlags is parseExtendedExpireArgumentsOrReply: options from
// args[3] on, in any case and any number of times, then the combinations
// Redis 7.0 refuses.
func parseExpireFlags(args [][]byte) (expireFlags, string) {
	var f expireFlags
	for _, a := range args[3:] {
		switch {
		case equalFold(a, "nx"):
			f.nx = true
		case equalFold(a, "xx"):
			f.xx = true
		case equalFold(a, "gt"):
			f.gt = true
		case equalFold(a, "lt"):
			f.lt = true
		default:
			return f, fmt.Sprintf(msgExpireOption, a)
		}
	}
	if f.nx && (f.xx || f.gt || f.lt) {
		return f, msgExpireNXConflict
	}
	if f.gt && f.lt {
		return f, msgExpireGTLT
	}
	return f, ""
}

// expireWhen turns EXPIRE's time argument into unix milliseconds: base is
// now for the relative forms and 0 for the *AT ones. Negative times are
// allowed (they delete the key); only overflow is refused.
func expireWhen(b []byte, base int64, seconds bool, cmd []byte) (int64, string) {
	when, ok := resp.ParseInt(b)
	if !ok {
		return 0, msgNotInt
	}
	invalid := func() string { return fmt.Sprintf(msgInvalidExpire, lowerName(string(cmd))) }
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			return 0, invalid()
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		return 0, invalid()
	}
	return when + base, ""
}

// expireGeneric is Redis 7.0's expireGenericCommand.
func (s *Server) expireGeneric(c *client, args [][]byte, relative, seconds bool) {
	f, msg := parseExpireFlags(args)
	if msg != "" {
		c.err(msg)
		return
	}
	now := nowMs()
	base := int64(0)
	if relative {
		base = now
	}
	when, msg := expireWhen(args[2], base, seconds, args[0])
	if msg != "" {
		c.err(msg)
		return
	}
	v := s.lookup(c, c.db, args[1], true)
	if v == nil {
		c.integer(0)
		return
	}
	cur := v.expireAt // 0: none, Redis's -1
	switch {
	case f.nx && cur != 0,
		f.xx && cur == 0,
		f.gt && (cur == 0 || when <= cur),
		f.lt && cur != 0 && when >= cur:
		c.integer(0)
		return
	}
	if when <= now {
		s.removeKey(c, c.db, args[1])
		s.persist.dirty.Add(1)
		c.integer(1)
		return
	}
	s.setExpire(c, c.db, args[1], v, when)
	s.modified(c.db, args[1], 1)
	c.integer(1)
}

// lowerName lower-cases a command name for error texts, as Redis quotes the
// table's name rather than what the client typed.
func lowerName(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 32
		}
	}
	return string(b)
}

func cmdExpire(s *Server, c *client, args [][]byte)    { s.expireGeneric(c, args, true, true) }
func cmdPexpire(s *Server, c *client, args [][]byte)   { s.expireGeneric(c, args, true, false) }
func cmdExpireat(s *Server, c *client, args [][]byte)  { s.expireGeneric(c, args, false, true) }
func cmdPexpireat(s *Server, c *client, args [][]byte) { s.expireGeneric(c, args, false, false) }

// ttlGeneric is Redis's ttlGenericCommand: -2 for a missing key, -1 for no
// expiry, else the time left (or the expiry itself), seconds rounded.
func (s *Server) ttlGeneric(c *client, key []byte, ms, abs bool) {
	v := s.lookup(c, c.db, key, false)
	if v == nil {
		c.integer(-2)
		return
	}
	if v.expireAt == 0 {
		c.integer(-1)
		return
	}
	t := v.expireAt
	if !abs {
		t = max(t-nowMs(), 0)
	}
	if !ms {
		// Rounded in unsigned arithmetic: for an expiry near 2^63 ms the
		// sum overflows int64, and Redis's build answers as if it did not.
		t = int64((uint64(t) + 500) / 1000)
	}
	c.integer(t)
}

func cmdTTL(s *Server, c *client, args [][]byte)         { s.ttlGeneric(c, args[1], false, false) }
func cmdPTTL(s *Server, c *client, args [][]byte)        { s.ttlGeneric(c, args[1], true, false) }
func cmdExpiretime(s *Server, c *client, args [][]byte)  { s.ttlGeneric(c, args[1], false, true) }
func cmdPexpiretime(s *Server, c *client, args [][]byte) { s.ttlGeneric(c, args[1], true, true) }

func cmdPersist(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[1], true)
	if v == nil || v.expireAt == 0 {
		c.integer(0)
		return
	}
	s.setExpire(c, c.db, args[1], v, 0)
	s.modified(c.db, args[1], 1)
	c.integer(1)
}
