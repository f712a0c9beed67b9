package commands

import (
	"math"
	"strings"

	"numkv/resp"
)

// Argument parsing shared by the handlers, with Redis's rules and replies.
// Integers are parsed as Redis's string2ll (resp.ParseInt): an
// optional '-', no '+', no leading zeros, no spaces, within int64, so that
// "+1", "01" and " 1" are refused as Redis refuses them.

// intArg is getLongLongFromObjectOrReply: the integer, or msgNotInt.
func intArg(c *client, b []byte) (int64, bool) {
	n, ok := resp.ParseInt(b)
	if !ok {
		c.err(msgNotInt)
	}
	return n, ok
}

// int32Arg is getIntFromObjectOrReply: a non-integer gets msg (msgNotInt
// when msg is ""), one outside int32 gets msg or Redis's range text.
func int32Arg(c *client, b []byte, msg string) (int, bool) {
	n, ok := resp.ParseInt(b)
	if !ok {
		c.err(orDefault(msg, msgNotInt))
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.err(orDefault(msg, msgInt32Range))
		return 0, false
	}
	return int(n), true
}

// dbArg parses a database index for SELECT, MOVE and COPY ... DB.
func (s *Server) dbArg(c *client, b []byte) (int, bool) {
	n, ok := int32Arg(c, b, "")
	if !ok {
		return 0, false
	}
	if n < 0 || n >= s.cfg.Databases {
		c.err(msgDBIndex)
		return 0, false
	}
	return n, true
}

// dbIndex parses a database index silently, for lock sets.
func (s *Server) dbIndex(b []byte) (int, bool) {
	n, ok := resp.ParseInt(b)
	return int(n), ok && n >= 0 && n < int64(s.cfg.Databases)
}

// orDefault returns msg, or def when msg is empty.
func orDefault(msg, def string) string {
	if msg != "" {
		return msg
	}
	return def
}

// upper is strings.ToUpper for error texts that quote a keyword.
func upper(b []byte) string { return strings.ToUpper(string(b)) }

// isBlank is C's isspace, which Redis's number parsers skip or refuse.
func isBlank(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}
