package commands

import (
	"strings"
	"testing"
)

func TestParseExpireFlags(t *testing.T) {
	for _, c := range []struct {
		args string
		want expireFlags
		msg  string
	}{
		{"EXPIRE k 1", expireFlags{}, ""},
		{"EXPIRE k 1 nx", expireFlags{nx: true}, ""},
		{"EXPIRE k 1 XX GT", expireFlags{xx: true, gt: true}, ""},
		{"EXPIRE k 1 XX LT lt", expireFlags{xx: true, lt: true}, ""},
		{"EXPIRE k 1 NX XX", expireFlags{}, msgExpireNXConflict},
		{"EXPIRE k 1 NX GT", expireFlags{}, msgExpireNXConflict},
		{"EXPIRE k 1 LT NX", expireFlags{}, msgExpireNXConflict},
		{"EXPIRE k 1 GT LT", expireFlags{}, msgExpireGTLT},
		{"EXPIRE k 1 NX foo", expireFlags{}, "ERR Unsupported option foo"},
		{"EXPIRE k 1 GT LT foo", expireFlags{}, "ERR Unsupported option foo"}, // options are read first
	} {
		got, msg := parseExpireFlags(argv(strings.Fields(c.args)...))
		if msg != c.msg || (msg == "" && got != c.want) {
			t.Errorf("%s: %+v %q, want %+v %q", c.args, got, msg, c.want, c.msg)
		}
	}
}

func TestExpireWhen(t *testing.T) {
	const now = 1_700_000_000_000
	inv := "ERR invalid expire time in 'expire' command"
	for _, c := range []struct {
		arg     string
		base    int64
		seconds bool
		want    int64
		msg     string
	}{
		{"10", now, true, now + 10_000, ""},
		{"-10", now, true, now - 10_000, ""}, // negative: the key goes at once
		{"10", 0, false, 10, ""},
		{"abc", now, true, 0, msgNotInt},
		{"9223372036854776", now, true, 0, inv},
		{"-9223372036854776", now, true, 0, inv},
		{"9223372036854775807", now, false, 0, inv},
		{"9223372036854775807", 0, false, 9223372036854775807, ""},
		{"-9223372036854775808", 0, false, -9223372036854775808, ""},
	} {
		got, msg := expireWhen([]byte(c.arg), c.base, c.seconds, []byte("expire"))
		if got != c.want || msg != c.msg {
			t.Errorf("%s (base %d, seconds %v): %d %q, want %d %q", c.arg, c.base, c.seconds, got, msg, c.want, c.msg)
		}
	}
}
