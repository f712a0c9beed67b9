package commands

import "testing"

func TestMemtoull(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"100", 100, true}, {"1k", 1000, true}, {"1kb", 1024, true}, {"1KB", 1024, true},
		{"2m", 2_000_000, true}, {"2mb", 2 << 20, true}, {"1g", 1_000_000_000, true}, {"1gb", 1 << 30, true},
		{"5b", 5, true}, {"", 0, true}, {"-1", 0, false}, {"1.5mb", 0, false}, {"1tb", 0, false}, {"abc", 0, false},
		{"99999999999999999999", 1<<64 - 1, true}, // strtoull saturates
	} {
		got, ok := memtoull(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("memtoull(%q) = %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestConfigNumbers(t *testing.T) {
	if _, msg := intConfig("-1", 1, 4294967295, true); msg != "argument must be between 1 and 4294967295 inclusive" {
		t.Errorf("maxclients -1: %q", msg)
	}
	if _, msg := intConfig("1.5", 0, 2147483647, false); msg != "argument couldn't be parsed into an integer" {
		t.Errorf("timeout 1.5: %q", msg)
	}
	if n, msg := intConfig("30", 0, 2147483647, false); n != 30 || msg != "" {
		t.Errorf("timeout 30: %d %q", n, msg)
	}
	if _, msg := memoryConfig("1k", false); msg != "argument must be between 1048576 and 9223372036854775807 inclusive" {
		t.Errorf("proto-max-bulk-len 1k: %q", msg)
	}
	if _, msg := memoryConfig("18446744073709551615", false); msg == "" {
		t.Error("proto-max-bulk-len above LONG_MAX accepted")
	}
	if n, msg := memoryConfig("2mb", true); n != 2<<20 || msg != "" {
		t.Errorf("client-query-buffer-limit 2mb: %d %q", n, msg)
	}
}

func TestSetSave(t *testing.T) {
	for _, c := range []struct{ in, want, msg string }{
		{"", "", ""},
		{"3600 1 300 100", "3600 1 300 100", ""},
		{"10 ", "10 0", ""}, // an empty field reads as 0, as C's strtoll
		{"+10 007", "10 7", ""},
		{"10  1", "", "Invalid save parameters"}, // three fields
		{"0 1", "", "Invalid save parameters"},
		{"1 -1", "", "Invalid save parameters"},
		{"1", "", "Invalid save parameters"},
		{"x 1", "", "Invalid save parameters"},
		{"1 4294967297", "1 1", ""}, // changes is a C int
	} {
		s := &Server{}
		apply, msg := setSave(s, c.in)
		if msg != c.msg {
			t.Errorf("save %q: error %q, want %q", c.in, msg, c.msg)
			continue
		}
		if msg == "" {
			apply()
			if s.cfg.Save != c.want {
				t.Errorf("save %q stored %q, want %q", c.in, s.cfg.Save, c.want)
			}
		}
	}
}

// TestConfigSetApplies checks that the settings take effect where they are
// read, and that a failed CONFIG SET changes nothing.
func TestConfigSetApplies(t *testing.T) {
	s, c := mustLocal(t)
	if got := c.run("CONFIG", "SET", "timeout", "7", "maxclients", "0"); got[0] != '-' {
		t.Fatalf("invalid pair accepted: %q", got)
	}
	if s.live.timeout.Load() != 0 {
		t.Error("a failed CONFIG SET applied its first value")
	}
	for _, kv := range [][2]string{{"timeout", "7"}, {"maxclients", "50"}, {"maxmemory", "1gb"}, {"proto-max-bulk-len", "2mb"},
		{"client-query-buffer-limit", "3mb"}, {"loglevel", "debug"}, {"save", "60 1"}, {"requirepass", "pw"}} {
		if got := c.run("CONFIG", "SET", kv[0], kv[1]); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET %s %s: %q", kv[0], kv[1], got)
		}
	}
	if s.live.timeout.Load() != 7 || s.live.maxClients.Load() != 50 || s.maxMemory() != 1<<30 || s.maxBulkLen() != 2<<20 ||
		s.live.maxQuery.Load() != 3<<20 || s.log.levelName() != "debug" || s.saveRules() != "60 1" || s.requirePass() != "pw" {
		t.Error("a setting was not applied")
	}
	if got := c.run("CONFIG", "GET", "maxmemory"); got != "*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n" {
		t.Errorf("CONFIG GET maxmemory: %q", got)
	}
	_, other := mustLocal(t)
	other.s = s
	other.authed = s.requirePass() == ""
	if got := other.run("GET", "a"); got != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("new client after requirepass: %q", got)
	}
}
