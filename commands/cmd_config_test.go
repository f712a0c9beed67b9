package commands

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
		apply, msg := lookupConfig("save").configSet(s, c.in)
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
		{"client-query-buffer-limit", "3mb"}, {"loglevel", "debug"}, {"save", "60 1"}, {"requirepass", "pw"}, {"protected-mode", "no"}} {
		if got := c.run("CONFIG", "SET", kv[0], kv[1]); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET %s %s: %q", kv[0], kv[1], got)
		}
	}
	if s.live.timeout.Load() != 7 || s.live.maxClients.Load() != 50 || s.maxMemory() != 1<<30 || s.maxBulkLen() != 2<<20 ||
		s.live.maxQuery.Load() != 3<<20 || s.log.levelName() != "debug" || s.saveRules() != "60 1" || s.requirePass() != "pw" ||
		s.live.protectedMode.Load() {
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

// TestFlagsAreConfigParams checks the settings table from both ends: every
// flag is a CONFIG GET parameter, and every parameter is a flag except the
// Redis settings numkv answers for clients that probe them.
func TestFlagsAreConfigParams(t *testing.T) {
	_, c := mustLocal(t)
	reply := c.run("CONFIG", "GET", "*")
	params := map[string]bool{}
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	for i := 2; i < len(lines); i += 4 { // *N, then $len name $len value
		params[lines[i]] = true
	}
	cfg := DefaultConfig()
	flags := map[string]bool{}
	for _, f := range Flags(&cfg) {
		flags[f.Name()] = true
		if !params[f.Name()] {
			t.Errorf("flag --%s is not a CONFIG GET parameter", f.Name())
		}
	}
	probeOnly := map[string]bool{"appendonly": true, "daemonize": true}
	for p := range params {
		if !flags[p] && !probeOnly[p] {
			t.Errorf("CONFIG GET parameter %s is no flag", p)
		}
	}
	for p := range probeOnly {
		if !params[p] {
			t.Errorf("probe-only parameter %s missing from CONFIG GET", p)
		}
	}
	if len(params) != len(flags)+len(probeOnly) {
		t.Errorf("%d parameters, %d flags", len(params), len(flags))
	}
}

// TestDefaultsParse checks that every default goes through its parser and
// reads back as itself, and that NewServer refuses what a flag refuses.
func TestDefaultsParse(t *testing.T) {
	def := DefaultConfig()
	if got, err := def.checked(); err != nil || got != def {
		t.Fatalf("defaults do not read back: %v\n%+v\n%+v", err, got, def)
	}
	for _, c := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.ProtoMaxBulkLen = 1000 }, `invalid --proto-max-bulk-len "1000": argument must be between 1048576 and 9223372036854775807 inclusive`},
		{func(c *Config) { c.ClientQueryBufferLimit = -1 }, `invalid --client-query-buffer-limit "-1": argument must be a memory value`},
		{func(c *Config) { c.Databases = 0 }, `invalid --databases "0": argument must be between 1 and 2147483647 inclusive`},
		{func(c *Config) { c.Save = "1" }, `invalid --save "1": Invalid save parameters`},
		{func(c *Config) { c.LogLevel = "nothing" }, `invalid --loglevel "nothing": argument(s) must be one of the following: debug, verbose, notice, warning`},
		{func(c *Config) { c.DBFilename = "a/b" }, `invalid --dbfilename "a/b": dbfilename can't be a path, just a filename`},
		{func(c *Config) { c.Dir = "/nonexistent" }, `invalid --dir "/nonexistent": No such file or directory`},
		{func(c *Config) { c.Compression = "lz4" }, `invalid --snapshot-compression "lz4": argument must be one of the following: none, s2, zstd`},
	} {
		cfg := DefaultConfig()
		c.set(&cfg)
		_, err := NewServer(cfg)
		var se *SettingError
		if !errors.As(err, &se) || err.Error() != c.want {
			t.Errorf("NewServer: %v, want %s", err, c.want)
		}
	}
}

// TestFlagSet checks the flags' parsing beyond the parsers: normalized
// text, repeated --save, and the Go spellings of --hugepages.
func TestFlagSet(t *testing.T) {
	cfg := DefaultConfig()
	flags := map[string]*Flag{}
	for _, f := range Flags(&cfg) {
		flags[f.Name()] = f
	}
	set := func(name, v string) error {
		t.Helper()
		return flags[name].Set(v)
	}
	if flags["proto-max-bulk-len"].String() != "512mb" {
		t.Errorf("default shown as %q", flags["proto-max-bulk-len"].String())
	}
	for _, kv := range [][2]string{{"save", "3600  1"}, {"save", "60 10"}, {"loglevel", "WARNING"}, {"bind", " 127.0.0.1   ::1 "},
		{"hugepages", "false"}, {"maxmemory", "1KB"}, {"stop-writes-on-bgsave-error", "No"}} {
		if err := set(kv[0], kv[1]); err != nil {
			t.Fatalf("--%s %q: %v", kv[0], kv[1], err)
		}
	}
	if cfg.Save != "3600 1 60 10" || cfg.LogLevel != "warning" || cfg.Bind != "127.0.0.1 ::1" || cfg.HugePages ||
		cfg.MaxMemory != 1024 || cfg.StopWritesOnBgsaveError {
		t.Errorf("parsed %+v", cfg)
	}
	if set("save", ""); cfg.Save != "" {
		t.Errorf(`--save "" left %q`, cfg.Save)
	}
	if set("save", "10 1"); cfg.Save != "10 1" {
		t.Errorf(`--save after --save "": %q`, cfg.Save)
	}
	if err := set("save", "10"); err == nil || cfg.Save != "10 1" {
		t.Errorf("--save 10: %v, rules %q", err, cfg.Save)
	}
	if err := set("hugepages", "maybe"); err == nil {
		t.Error("--hugepages maybe accepted")
	}
	if err := set("hugepages", "yes"); err != nil || !cfg.HugePages {
		t.Errorf("--hugepages yes: %v", err)
	}
	err := set("port", "0x10")
	if want := `invalid --port "0x10": argument couldn't be parsed into an integer`; err == nil || err.Error() != want {
		t.Errorf("--port 0x10: %v", err)
	}
}

// TestConfigNumkvSettings covers the two settings Redis does not have:
// start-up only, so CONFIG SET refuses any value but the current one
// (TestConfigSetFixed).
func TestConfigNumkvSettings(t *testing.T) {
	_, c := mustLocal(t)
	for _, x := range [][3]string{{"snapshot-compression", "s2", "zstd"}, {"hugepages", "yes", "no"}} {
		want := fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(x[0]), x[0], len(x[1]), x[1])
		if got := c.run("CONFIG", "GET", x[0]); got != want {
			t.Errorf("CONFIG GET %s: %q", x[0], got)
		}
		want = fmt.Sprintf("-ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable config\r\n", x[0])
		if got := c.run("CONFIG", "SET", x[0], x[2]); got != want {
			t.Errorf("CONFIG SET %s %s: %q", x[0], x[2], got)
		}
	}
}

func TestSaveEntryPoints(t *testing.T) {
	for _, c := range []struct {
		in           string
		startup, set string // the rules read, or "!" for refused
	}{
		{"", "", ""},
		{"   ", "", "!"},
		{"3600  1", "3600 1", "!"},
		{"3600 1", "3600 1", "3600 1"},
		{"\t3600 1\t", "3600 1", "!"},
		{"10 ", "!", "10 0"},
		{"20000000000000000000 1", "9223372036854775807 1", "9223372036854775807 1"},
	} {
		for _, e := range []struct {
			parse func(string) ([]saveRule, string)
			want  string
		}{{parseSaveRules, c.startup}, {parseSaveConfigSet, c.set}} {
			var cfg Config
			got := "!"
			if storeSave(&cfg, c.in, e.parse) == "" {
				got = cfg.Save
			}
			if got != e.want {
				t.Errorf("save %q: %q, want %q", c.in, got, e.want)
			}
		}
	}
}

// freePort returns a loopback TCP port nothing listens on.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestConfigSetPort: CONFIG SET port moves the listener, keeping open
// connections; a port already taken is refused with Redis's error, and
// the settings applied before it in the same CONFIG SET are put back, as
// Redis's "CONFIG SET rollback on apply error" test wants.
func TestConfigSetPort(t *testing.T) {
	_, addr := mustNumkv(t)
	c := mustDial(t, addr)
	p := freePort(t)
	if got := c.do("CONFIG", "SET", "port", strconv.Itoa(p)); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET port: %q", got)
	}
	if got := c.do("PING"); got != "+PONG\r\n" {
		t.Errorf("the open connection after the move: %q", got)
	}
	moved := mustDial(t, fmt.Sprintf("127.0.0.1:%d", p))
	if got := moved.do("CONFIG", "GET", "port"); got != fmt.Sprintf("*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n", len(strconv.Itoa(p)), p) {
		t.Errorf("CONFIG GET port: %q", got)
	}
	if !strings.Contains(moved.do("INFO", "server"), fmt.Sprintf("tcp_port:%d\r\n", p)) {
		t.Errorf("INFO's tcp_port is not %d", p)
	}
	if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		nc.Close()
		t.Errorf("the old port %s still accepts", addr)
	}

	// A taken port: nothing changes, the earlier settings come back.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	q := taken.Addr().(*net.TCPAddr).Port
	before := moved.do("CONFIG", "GET", "maxmemory")
	got := moved.do("CONFIG", "SET", "maxmemory", "10000001", "port", strconv.Itoa(q), "timeout", "7")
	if want := errReply(fmt.Sprintf(msgConfigSetFailed, "port", "Unable to listen on this port")); got != want {
		t.Errorf("a taken port: %q, want %q", got, want)
	}
	if after := moved.do("CONFIG", "GET", "maxmemory"); after != before {
		t.Errorf("maxmemory not rolled back: %q, was %q", after, before)
	}
	if got := moved.do("CONFIG", "GET", "timeout"); got != "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n" {
		t.Errorf("timeout set though the port failed: %q", got)
	}
	if got := mustDial(t, fmt.Sprintf("127.0.0.1:%d", p)).do("PING"); got != "+PONG\r\n" {
		t.Errorf("port %d after the failed move: %q", p, got)
	}
}
