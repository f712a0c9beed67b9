package commands

import (
	"strings"
	"testing"
)

func TestParseSetOptions(t *testing.T) {
	for _, c := range []struct {
		args string
		get  bool // GETEX
		want setArgs
		msg  string
	}{
		{args: "SET k v", want: setArgs{}},
		{args: "SET k v nx", want: setArgs{nx: true}},
		{args: "SET k v NX NX", want: setArgs{nx: true}}, // repeating is allowed
		{args: "SET k v NX XX", msg: msgSyntax},
		{args: "SET k v XX NX", msg: msgSyntax},
		{args: "SET k v GET XX", want: setArgs{get: true, xx: true}},
		{args: "SET k v EX 10", want: setArgs{unit: "ex", expire: []byte("10")}},
		{args: "SET k v ex 10 EX 20", want: setArgs{unit: "ex", expire: []byte("20")}},
		{args: "SET k v EX 10 PX 20", msg: msgSyntax},
		{args: "SET k v PXAT 10 EXAT 20", msg: msgSyntax},
		{args: "SET k v EX", msg: msgSyntax}, // EX needs its argument
		{args: "SET k v KEEPTTL", want: setArgs{keepTTL: true}},
		{args: "SET k v KEEPTTL EX 1", msg: msgSyntax},
		{args: "SET k v EX 1 KEEPTTL", msg: msgSyntax},
		{args: "SET k v PERSIST", msg: msgSyntax},
		{args: "SET k v EX abc", want: setArgs{unit: "ex", expire: []byte("abc")}}, // checked later
		{args: "SET k v FOO", msg: msgSyntax},
		{args: "GETEX k", get: true, want: setArgs{}},
		{args: "GETEX k PERSIST", get: true, want: setArgs{persist: true}},
		{args: "GETEX k PERSIST EX 1", get: true, msg: msgSyntax},
		{args: "GETEX k PXAT 5", get: true, want: setArgs{unit: "pxat", expire: []byte("5")}},
		{args: "GETEX k KEEPTTL", get: true, msg: msgSyntax},
		{args: "GETEX k NX", get: true, msg: msgSyntax},
		{args: "GETEX k GET", get: true, msg: msgSyntax},
	} {
		got, msg := parseSetOptions(argv(strings.Fields(c.args)...), c.get)
		if msg != c.msg {
			t.Errorf("%s: error %q, want %q", c.args, msg, c.msg)
			continue
		}
		if msg == "" && (got.nx != c.want.nx || got.xx != c.want.xx || got.get != c.want.get || got.keepTTL != c.want.keepTTL ||
			got.persist != c.want.persist || got.unit != c.want.unit || string(got.expire) != string(c.want.expire)) {
			t.Errorf("%s: %+v, want %+v", c.args, got, c.want)
		}
	}
}

func TestParseExpire(t *testing.T) {
	const now = 1_700_000_000_000
	for _, c := range []struct {
		arg, unit string
		want      int64
		msg       string
	}{
		{"10", "ex", now + 10_000, ""},
		{"10", "px", now + 10, ""},
		{"10", "exat", 10_000, ""},
		{"10", "pxat", 10, ""},
		{"0", "ex", 0, "ERR invalid expire time in 'set' command"},
		{"-1", "pxat", 0, "ERR invalid expire time in 'set' command"},
		{"+1", "ex", 0, msgNotInt},
		{"01", "ex", 0, msgNotInt},
		{"9223372036854776", "ex", 0, "ERR invalid expire time in 'set' command"},    // * 1000 overflows
		{"9223372036854775", "exat", 9223372036854775000, ""},                        // fits
		{"9223372036854775807", "px", 0, "ERR invalid expire time in 'set' command"}, // + now overflows
		{"9223372036854775807", "pxat", 9223372036854775807, ""},
	} {
		got, msg := parseExpire([]byte(c.arg), c.unit, now, "set")
		if got != c.want || msg != c.msg {
			t.Errorf("%s %s: %d %q, want %d %q", c.unit, c.arg, got, msg, c.want, c.msg)
		}
	}
}

func TestIncrFloatMissingKey(t *testing.T) {
	if got, msg := incrFloat(nil, false, []byte("1.5")); got != "1.5" || msg != "" {
		t.Errorf("missing key + 1.5 = %q %q", got, msg)
	}
	if _, msg := incrFloat([]byte(""), true, []byte("1")); msg != msgNotFloat {
		t.Errorf("empty string + 1: %q", msg)
	}
}

// TestObjectEncoding follows Redis's rules for what a write leaves.
func TestObjectEncoding(t *testing.T) {
	_, c := mustLocal(t)
	for _, s := range []struct{ cmd, want string }{
		{"SET k 123", "int"}, {"SET k -5", "int"}, {"SET k 01", "embstr"}, {"SET k 9223372036854775808", "embstr"},
		{"SET k " + strings.Repeat("x", 44), "embstr"}, {"SET k " + strings.Repeat("x", 45), "raw"},
		{"SET k 1", "int"}, {"APPEND k 2", "raw"}, {"INCR k", "int"}, {"INCRBYFLOAT k 1", "embstr"},
		{"SETRANGE k 0 9", "raw"}, {"GETSET k 7", "int"}, {"SETBIT k 0 0", "raw"},
		{"DEL k", ""}, {"SETRANGE k 0 1", "raw"}, {"DEL k", ""}, {"APPEND k 1", "int"},
	} {
		c.run(strings.Fields(s.cmd)...)
		if s.want == "" {
			continue
		}
		if got := c.run("OBJECT", "ENCODING", "k"); got != "$"+string(rune('0'+len(s.want)))+"\r\n"+s.want+"\r\n" {
			t.Errorf("after %s: %q, want %s", s.cmd, got, s.want)
		}
	}
	c.run("SET", "k", "5")
	c.run("COPY", "k", "j")
	if got, want := c.run("OBJECT", "REFCOUNT", "k")+c.run("OBJECT", "REFCOUNT", "j"), ":2147483647\r\n:1\r\n"; got != want {
		t.Errorf("shared integer and its copy: %q, want %q", got, want)
	}
}
