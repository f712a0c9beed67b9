package commands

import (
	"strings"
	"testing"
)

func TestParseScanCursor(t *testing.T) {
	for _, c := range []struct {
		arg  string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"17", 17, true}, {"", 0, true}, {"007", 7, true}, {"+5", 5, true},
		{"-1", 1<<64 - 1, true}, {"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"0x1", 0, false},
		{"-", 0, false}, {"+", 0, false}, {"abc", 0, false},
	} {
		got, ok := parseScanCursor([]byte(c.arg))
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.arg, got, ok, c.want, c.ok)
		}
	}
}

func TestParseScan(t *testing.T) {
	for _, c := range []struct {
		args  string
		count int64
		match string
		typ   string
		msg   string
	}{
		{"SCAN 0", 10, "", "", ""},
		{"SCAN 0 COUNT 5 MATCH a* TYPE string", 5, "a*", "string", ""},
		{"SCAN 0 MATCH * COUNT 3", 3, "", "", ""}, // "*" is no filter
		{"SCAN 0 match a MATCH b", 10, "b", "", ""},
		{"SCAN 0 COUNT 0", 0, "", "", msgSyntax},
		{"SCAN 0 COUNT -1", 0, "", "", msgSyntax},
		{"SCAN 0 COUNT x", 0, "", "", msgNotInt},
		{"SCAN 0 COUNT", 0, "", "", msgSyntax},
		{"SCAN 0 FOO 1", 0, "", "", msgSyntax},
		{"SCAN x", 0, "", "", msgInvalidCursor},
	} {
		got, msg := parseScan(argv(strings.Fields(c.args)...))
		if msg != c.msg || (msg == "" && (got.count != c.count || string(got.match) != c.match || string(got.typ) != c.typ)) {
			t.Errorf("%s: %+v %q", c.args, got, msg)
		}
	}
}

// TestScanCursor checks that a full iteration with a small COUNT returns
// every key exactly once, and that keys sharing a hash tag come together.
func TestScanCursor(t *testing.T) {
	_, c := mustLocal(t)
	want := map[string]bool{}
	for i := 0; i < 300; i++ {
		k := "key:" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('0'+i%10)) + string(rune('A'+i/26))
		if i%5 == 0 {
			k = "{tag}" + k
		}
		want[k] = true
		c.run("SET", k, "1")
	}
	seen := map[string]int{}
	cursor, calls := "0", 0
	for {
		v := parseReply(c.run("SCAN", cursor, "COUNT", "7")).([]any)
		for _, k := range v[1].([]any) {
			seen[k.(string)]++
		}
		cursor, calls = v[0].(string), calls+1
		if cursor == "0" || calls > 20000 {
			break
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%d keys seen, want %d", len(seen), len(want))
	}
	for k, n := range seen {
		if !want[k] || n != 1 {
			t.Errorf("%q returned %d times", k, n)
		}
	}
	if got := c.run("SCAN", "16384"); got != "*2\r\n$1\r\n0\r\n*0\r\n" {
		t.Errorf("cursor past the last slot: %q", got)
	}
}

func TestKeysAndScanMatch(t *testing.T) {
	_, c := mustLocal(t)
	for _, k := range []string{"hello", "hallo", "hxllo", "", "h\xc3\xa9llo"} {
		c.run("SET", k, "1")
	}
	for pat, want := range map[string]int{"h?llo": 3, "h[ae]llo": 2, "h[^e]llo": 2, "*": 5, "h??llo": 1, "": 1} {
		v := parseReply(c.run("KEYS", pat)).([]any)
		s := parseReply(c.run("SCAN", "0", "MATCH", pat, "COUNT", "100000")).([]any)[1].([]any)
		if len(v) != want || len(s) != want {
			t.Errorf("KEYS/SCAN MATCH %q: %d and %d keys, want %d", pat, len(v), len(s), want)
		}
	}
}
