package commands

import (
	"strings"
	"testing"
)

// errorTexts are replies of redis-server 7.0.15, in this order, on an
// empty database: the error texts byte for byte, and the replies around
// them.
var errorTexts = []struct {
	args []string
	want string
}{
	{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
	{[]string{"SET", "k", "v", "NX", "XX"}, "-ERR syntax error\r\n"},
	{[]string{"SET", "k", "v", "EX", "0"}, "-ERR invalid expire time in 'set' command\r\n"},
	{[]string{"SET", "k", "v", "EX", "abc"}, "-ERR value is not an integer or out of range\r\n"},
	{[]string{"SET", "k", "v", "PX", "9223372036854775807"}, "-ERR invalid expire time in 'set' command\r\n"},
	{[]string{"SETEX", "k", "-1", "v"}, "-ERR invalid expire time in 'setex' command\r\n"},
	{[]string{"PSETEX", "k", "0", "v"}, "-ERR invalid expire time in 'psetex' command\r\n"},
	{[]string{"GETEX", "k", "PERSIST", "EX", "1"}, "-ERR syntax error\r\n"},
	{[]string{"INCRBY", "k", "x"}, "-ERR value is not an integer or out of range\r\n"},
	{[]string{"DECRBY", "k", "-9223372036854775808"}, "-ERR decrement would overflow\r\n"},
	{[]string{"INCRBYFLOAT", "k", "x"}, "-ERR value is not a valid float\r\n"},
	{[]string{"SETRANGE", "k", "-1", "v"}, "-ERR offset is out of range\r\n"},
	{[]string{"SETRANGE", "k", "536870911", "vv"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
	{[]string{"GETBIT", "k", "-1"}, "-ERR bit offset is not an integer or out of range\r\n"},
	{[]string{"SETBIT", "k", "1", "2"}, "-ERR bit is not an integer or out of range\r\n"},
	{[]string{"BITCOUNT", "k", "1"}, ":0\r\n"},
	{[]string{"BITPOS", "k", "2"}, "-ERR The bit argument must be 1 or 0.\r\n"},
	{[]string{"BITPOS", "k", "x"}, "-ERR value is not an integer or out of range\r\n"},
	{[]string{"BITOP", "NOT", "d", "a", "b"}, "-ERR BITOP NOT must be called with a single source key.\r\n"},
	{[]string{"BITOP", "FOO", "d", "a"}, "-ERR syntax error\r\n"},
	{[]string{"BITFIELD", "k", "GET", "u64", "0"}, "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"},
	{[]string{"BITFIELD", "k", "OVERFLOW", "x"}, "-ERR Invalid OVERFLOW type specified\r\n"},
	{[]string{"BITFIELD_RO", "k", "SET", "u8", "0", "1"}, "-ERR BITFIELD_RO only supports the GET subcommand\r\n"},
	{[]string{"BITFIELD", "k", "GET", "u8", "-1"}, "-ERR bit offset is not an integer or out of range\r\n"},
	{[]string{"BITFIELD", "k", "SET", "u8", "0", "x"}, "-ERR value is not an integer or out of range\r\n"},
	{[]string{"EXPIRE", "k", "1", "FOO"}, "-ERR Unsupported option FOO\r\n"},
	{[]string{"EXPIRE", "k", "1", "NX", "XX"}, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"},
	{[]string{"EXPIRE", "k", "1", "GT", "LT"}, "-ERR GT and LT options at the same time are not compatible\r\n"},
	{[]string{"EXPIRE", "k", "9223372036854775807"}, "-ERR invalid expire time in 'expire' command\r\n"},
	{[]string{"PEXPIREAT", "k", "9223372036854775807"}, ":0\r\n"},
	{[]string{"RENAME", "nokey", "x"}, "-ERR no such key\r\n"},
	{[]string{"MOVE", "k", "1"}, ":0\r\n"},
	{[]string{"MOVE", "k", "0"}, "-ERR source and destination objects are the same\r\n"},
	{[]string{"MOVE", "k", "16"}, "-ERR DB index is out of range\r\n"},
	{[]string{"MOVE", "k", "99999999999"}, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
	{[]string{"COPY", "k", "k"}, "-ERR source and destination objects are the same\r\n"},
	{[]string{"COPY", "k", "j", "DB", "x"}, "-ERR value is not an integer or out of range\r\n"},
	{[]string{"SWAPDB", "x", "1"}, "-ERR invalid first DB index\r\n"},
	{[]string{"SWAPDB", "1", "x"}, "-ERR invalid second DB index\r\n"},
	{[]string{"SWAPDB", "1", "16"}, "-ERR DB index is out of range\r\n"},
	{[]string{"SELECT", "x"}, "-ERR value is not an integer or out of range\r\n"},
	{[]string{"SCAN", "x"}, "-ERR invalid cursor\r\n"},
	{[]string{"SCAN", "0", "COUNT", "0"}, "-ERR syntax error\r\n"},
	{[]string{"SCAN", "0", "COUNT", "x"}, "-ERR value is not an integer or out of range\r\n"},
	{[]string{"SCAN", "0", "FOO"}, "-ERR syntax error\r\n"},
	{[]string{"OBJECT", "FOO", "k"}, "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n"},
	{[]string{"OBJECT", "ENCODING"}, "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
	{[]string{"CONFIG", "SET", "foo", "1"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"},
	{[]string{"CONFIG", "SET", "databases", "1"}, "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"},
	{[]string{"CONFIG", "SET", "dir", "/"}, "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"},
	{[]string{"CONFIG", "SET", "timeout", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n"},
	{[]string{"CONFIG", "SET", "maxmemory", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"},
	{[]string{"CONFIG", "SET", "maxclients", "0"}, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive\r\n"},
	{[]string{"CONFIG", "SET", "loglevel", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning\r\n"},
	{[]string{"CONFIG", "SET", "save", "1"}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
	{[]string{"CONFIG", "SET", "timeout", "1", "timeout", "2"}, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter\r\n"},
	{[]string{"CONFIG", "REWRITE"}, "-ERR The server is running without a config file\r\n"},
	{[]string{"CONFIG", "SET", "timeout"}, "-ERR wrong number of arguments for 'config|set' command\r\n"},
	{[]string{"LCS", "a", "b", "LEN", "IDX"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
	{[]string{"EXEC"}, "-ERR EXEC without MULTI\r\n"},
	{[]string{"DISCARD"}, "-ERR DISCARD without MULTI\r\n"},
	{[]string{"FOO", "a", "b"}, "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"},
	{[]string{"MSETNX", "a"}, "-ERR wrong number of arguments for 'msetnx' command\r\n"},
	{[]string{"MSET", "a", "b", "c"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
	{[]string{"MEMORY", "USAGE", "k", "SAMPLES", "-1"}, "-ERR syntax error\r\n"},
	{[]string{"SET", "k", "1"}, "+OK\r\n"},
	{[]string{"OBJECT", "FREQ", "k"}, "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"},
	{[]string{"INCR", "k"}, ":2\r\n"},
	{[]string{"INCRBYFLOAT", "k", "inf"}, "-ERR increment would produce NaN or Infinity\r\n"},
	{[]string{"SET", "k", "9223372036854775807"}, "+OK\r\n"},
	{[]string{"INCR", "k"}, "-ERR increment or decrement would overflow\r\n"},
}

func TestErrorTexts(t *testing.T) {
	_, c := mustLocal(t)
	for _, e := range errorTexts {
		if got := c.run(e.args...); got != e.want {
			t.Errorf("%q:\n got %q\nwant %q", e.args, got, e.want)
		}
	}
}

func TestUnknownCommandText(t *testing.T) {
	long := make([]byte, 200)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"foo"}, "ERR unknown command 'foo', with args beginning with: "},
		{[]string{"foo", "a", "b"}, "ERR unknown command 'foo', with args beginning with: 'a' 'b' "},
		// The name is cut at 128 bytes, each argument at what is left of
		// 128, and arguments stop once 128 bytes are used.
		{[]string{string(long)}, "ERR unknown command '" + string(long[:128]) + "', with args beginning with: "},
		{[]string{"x", string(long), "next"}, "ERR unknown command 'x', with args beginning with: '" + string(long[:128]) + "' "},
		{[]string{"x", string(long[:100]), string(long)}, "ERR unknown command 'x', with args beginning with: '" + string(long[:100]) + "' '" + string(long[:25]) + "' "},
		// C's %s stops at a NUL; Go's precision counts runes, not bytes.
		{[]string{"f\x00oo", "a\x00b"}, "ERR unknown command 'f', with args beginning with: 'a' "},
		{[]string{"x", string([]rune{'é'}) + string(long)}, "ERR unknown command 'x', with args beginning with: '" + ("é" + string(long))[:128] + "' "},
	} {
		argv := make([][]byte, len(c.args))
		for i, a := range c.args {
			argv[i] = []byte(a)
		}
		if got := unknownCommandText(argv); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.args, got, c.want)
		}
	}
}

// Command names match in any ASCII case, and only in that.
func TestLookupCommandCase(t *testing.T) {
	for name, want := range map[string]string{
		"get": "get", "GET": "get", "gEt": "get", "NUM.READ": "num.read", "num.read": "num.read",
		"num\x0eread": "", "gex": "", "": "", "g\x25t": "", strings.Repeat("x", 100): "",
	} {
		got := ""
		if c := lookupCommand([]byte(name)); c != nil {
			got = c.name
		}
		if got != want {
			t.Errorf("lookupCommand(%q) = %q, want %q", name, got, want)
		}
	}
}
