package commands

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSplitConfigLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string // nil: refused
	}{
		{`a b  c`, []string{"a", "b", "c"}},
		{"a\tb\t", []string{"a", "b"}},
		{`  `, []string{}},
		{`"a b" c`, []string{"a b", "c"}},
		{`""`, []string{""}},
		{`"" ''`, []string{"", ""}},
		{`"a\nb\r\t\b\a"`, []string{"a\nb\r\t\b\a"}},
		{`"\x41\x4a\x4A\xff"`, []string{"AJJ\xff"}},
		{`"\x4"`, []string{"x4"}},   // not two hex digits: \x is x
		{`"\xZZ"`, []string{"xZZ"}}, // likewise
		{`"a\"b\\c\qd"`, []string{`a"b\cqd`}},
		{`'a\'b'`, []string{"a'b"}},
		{`'a\nb "c"'`, []string{`a\nb "c"`}},
		{`a"b c"`, []string{"ab c"}}, // a quote inside a word opens there
		{`a'b'c d`, nil},             // a closing quote must end the word
		{`"a"b`, nil},
		{`"abc`, nil},
		{`'abc`, nil},
		{`"abc\"`, nil},
		{"\"x\"\ty", []string{"x", "y"}},
		{"\"x\"\vy", []string{"x", "y"}}, // isspace ends the quote
		{"x\vy", []string{"x\vy"}},       // but not a bare word
		{"a\x00b", []string{"a"}},        // C stops at NUL
		{`port 6379 # x`, []string{"port", "6379", "#", "x"}},
	} {
		got, ok := splitConfigLine(c.line)
		if c.want == nil {
			if ok {
				t.Errorf("splitConfigLine(%q) = %q, want refused", c.line, got)
			}
			continue
		}
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("splitConfigLine(%q) = %q %v, want %q", c.line, got, ok, c.want)
		}
	}
}

// TestQuoteArgRoundTrip checks that quoteArg and plainArg write any string
// so that splitConfigLine reads it back whole.
func TestQuoteArgRoundTrip(t *testing.T) {
	r := testRand(t)
	if got := quoteArg("a\"b\\\n\x01\xe9 "); got != `"a\"b\\\n\x01\xe9 "` {
		t.Errorf("quoteArg: %s", got)
	}
	for _, s := range []string{"", "plain", "a b", "'", "x#", "\x00"} {
		if got, ok := splitConfigLine("k " + plainArg(s)); !ok || len(got) != 2 || got[1] != s {
			t.Errorf("plainArg(%q) = %s reads back as %q", s, plainArg(s), got)
		}
	}
	alphabet := []byte("ab \t\n\r\"'\\x#\x00\x01\x7f\xe9\xff")
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.IntN(12))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(b)
		for _, w := range []string{quoteArg(s), plainArg(s)} {
			got, ok := splitConfigLine("name " + w)
			if !ok || len(got) != 2 || got[1] != s {
				t.Fatalf("%q written as %s reads back as %q %v", s, w, got, ok)
			}
		}
	}
}

// mustConfFile writes text to name in dir and returns its path.
func mustConfFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustLoadConf loads text as a configuration file, with flags set to
// name=value pairs after it.
func mustLoadConf(t *testing.T, text string, flags ...string) Config {
	t.Helper()
	cfg, err := loadConf(t, text, flags...)
	if err != nil {
		t.Fatalf("loading %q: %v", text, err)
	}
	return cfg
}

func loadConf(t *testing.T, text string, flags ...string) (Config, error) {
	t.Helper()
	path := mustConfFile(t, t.TempDir(), "numkv.conf", text)
	cfg := DefaultConfig()
	fl := Flags(&cfg)
	for i := 0; i < len(flags); i += 2 {
		for _, f := range fl {
			if f.Name() == flags[i] {
				if err := f.Set(flags[i+1]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return LoadConfigFile(path, fl)
}

func TestLoadConfigFile(t *testing.T) {
	def := DefaultConfig()
	for _, c := range []struct {
		text  string
		flags []string // name value ...
		check func(c Config) bool
	}{
		{"", nil, func(c Config) bool { c.ConfigFile = ""; return c == def }},
		{"# comment\n\n   # indented comment\r\n\t\nport 7000\r\n", nil, func(c Config) bool { return c.Port == 7000 }},
		{"PORT 7000\nMaxMemory-Policy ALLKEYS-LRU", nil, func(c Config) bool { return c.Port == 7000 && c.MaxMemoryPolicy.String() == "allkeys-lru" }},
		{"timeout 1\ntimeout 2", nil, func(c Config) bool { return c.Timeout == 2 }},
		{`requirepass "a b\x21\n"`, nil, func(c Config) bool { return c.RequirePass == "a b!\n" }},
		{`requirepass 'it\'s'`, nil, func(c Config) bool { return c.RequirePass == "it's" }},
		{`requirepass ""`, nil, func(c Config) bool { return c.RequirePass == "" }},
		{"maxmemory 1GB\nmaxmemory-clients 10%", nil, func(c Config) bool { return c.MaxMemory == 1<<30 && c.MaxMemoryClients == -10 }},
		{"bind 127.0.0.1 ::1", nil, func(c Config) bool { return c.Bind == "127.0.0.1 ::1" }},
		{`bind "127.0.0.1  ::1"`, nil, func(c Config) bool { return c.Bind == "127.0.0.1 ::1" }},
		{`bind ""`, nil, func(c Config) bool { return c.Bind == "" }},
		// save: the first line replaces the defaults, each later one adds.
		{"port 1", nil, func(c Config) bool { return c.Save == def.Save }},
		{"save 100 10\nsave 200 20", nil, func(c Config) bool { return c.Save == "100 10 200 20" }},
		{"save 100 10 200 20\nsave \"300 30\"", nil, func(c Config) bool { return c.Save == "100 10 200 20 300 30" }},
		{"save 100 10\nsave \"\"\nsave 1 1", nil, func(c Config) bool { return c.Save == "1 1" }},
		{`save ""`, nil, func(c Config) bool { return c.Save == "" }},
		{"save", nil, func(c Config) bool { return c.Save == "" }},
		{"save 100 10\nsave", nil, func(c Config) bool { return c.Save == "100 10" }},
		// numkv's own settings, under their flags' names.
		{"hugepages no\nsnapshot-compression zstd\ncluster-node-id " + strings.Repeat("ab", 20), nil, func(c Config) bool {
			return !c.HugePages && c.Compression == "zstd" && c.ClusterNodeID == strings.Repeat("ab", 20)
		}},
		// The flags come after the file, wherever they were written.
		{"timeout 5\nport 7000", []string{"timeout", "7"}, func(c Config) bool { return c.Timeout == 7 && c.Port == 7000 }},
		{"save 100 10", []string{"save", "1 1"}, func(c Config) bool { return c.Save == "100 10 1 1" }},
		{"save 100 10", []string{"save", ""}, func(c Config) bool { return c.Save == "" }},
		{"save 100 10", []string{"save", "", "save", "2 2"}, func(c Config) bool { return c.Save == "2 2" }},
		{"port 1", []string{"save", "1 1"}, func(c Config) bool { return c.Save == "1 1" }},
	} {
		cfg := mustLoadConf(t, c.text, c.flags...)
		if !c.check(cfg) {
			t.Errorf("%q with flags %q loaded as %+v", c.text, c.flags, cfg)
		}
		if !filepath.IsAbs(cfg.ConfigFile) || filepath.Base(cfg.ConfigFile) != "numkv.conf" {
			t.Errorf("ConfigFile %q", cfg.ConfigFile)
		}
	}
}

func TestLoadConfigFileRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	mustConfFile(t, dir, "x.conf", "port 7001\n")
	cfg, err := LoadConfigFile("x.conf", nil)
	if err != nil || cfg.Port != 7001 || cfg.ConfigFile != filepath.Join(dir, "x.conf") {
		t.Errorf("got %v, port %d, file %q", err, cfg.Port, cfg.ConfigFile)
	}
}

func TestLoadConfigFileInclude(t *testing.T) {
	dir := t.TempDir()
	mustConfFile(t, dir, "a.conf", "timeout 11\nsave 1 1\n")
	mustConfFile(t, dir, "b.conf", "maxclients 22\n")
	os.Mkdir(filepath.Join(dir, "conf.d"), 0o755)
	mustConfFile(t, filepath.Join(dir, "conf.d"), "1.conf", "databases 3\nsave 2 2\n")
	mustConfFile(t, filepath.Join(dir, "conf.d"), "2.conf", "databases 4\n")

	cfg := mustLoadConf(t, "save 100 10\ninclude "+filepath.Join(dir, "a.conf")+"\ntimeout 12\n")
	if cfg.Timeout != 12 || cfg.Save != "100 10 1 1" {
		t.Errorf("absolute include: timeout %d save %q", cfg.Timeout, cfg.Save)
	}
	// A relative path is taken from dir, as Redis's chdir leaves it.
	cfg = mustLoadConf(t, "dir "+dir+"\nINCLUDE b.conf\n")
	if cfg.MaxClients != 22 {
		t.Errorf("relative include: maxclients %d", cfg.MaxClients)
	}
	// A glob reads its files in name order; no match is no error.
	cfg = mustLoadConf(t, "include "+filepath.Join(dir, "conf.d", "*.conf")+"\ninclude "+filepath.Join(dir, "none", "*.conf"))
	if cfg.Databases != 4 || cfg.Save != "2 2" {
		t.Errorf("glob include: databases %d save %q", cfg.Databases, cfg.Save)
	}

	// A dir whose name has glob characters leaves a plain include plain,
	// and a glob include matches inside it.
	odd := filepath.Join(dir, "a[1]*")
	os.Mkdir(odd, 0o755)
	mustConfFile(t, odd, "c.conf", "lfu-log-factor 33\n")
	mustConfFile(t, odd, "d.conf", "lfu-decay-time 44\n")
	cfg = mustLoadConf(t, "dir "+odd+"\ninclude c.conf\ninclude d.c?nf")
	if cfg.LFULogFactor != 33 || cfg.LFUDecayTime != 44 {
		t.Errorf("include in %s: %d %d", odd, cfg.LFULogFactor, cfg.LFUDecayTime)
	}

	// An error in an included file names that file and its line.
	bad := mustConfFile(t, dir, "bad.conf", "# one\n\ntimeout x\n")
	_, err := loadConf(t, "port 1\ninclude "+bad)
	mustConfErr(t, err, bad, 3, "timeout x", "argument couldn't be parsed into an integer")
	// A missing file is reported at its include line.
	_, err = loadConf(t, "port 1\ninclude /nonexistent/x.conf")
	var fe *ConfigFileError
	if !errors.As(err, &fe) || fe.Line != 2 || fe.Text != "include /nonexistent/x.conf" ||
		fe.Reason != "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory" {
		t.Errorf("missing include: %#v", err)
	}
	// A file that includes itself stops at the depth cap.
	loop := filepath.Join(dir, "loop.conf")
	mustConfFile(t, dir, "loop.conf", "port 1\ninclude "+loop+"\n")
	_, err = LoadConfigFile(loop, nil)
	mustConfErr(t, err, loop, 2, "include "+loop, fmt.Sprintf("include nested more than %d deep (does a file include itself?)", maxIncludeDepth))
	// Two files that include each other, likewise.
	mustConfFile(t, dir, "p.conf", "include "+filepath.Join(dir, "q.conf")+"\n")
	mustConfFile(t, dir, "q.conf", "include "+filepath.Join(dir, "p.conf")+"\n")
	if _, err = LoadConfigFile(filepath.Join(dir, "p.conf"), nil); !errors.As(err, &fe) || !strings.Contains(fe.Reason, "nested") {
		t.Errorf("include cycle: %v", err)
	}
}

// mustConfErr checks a *ConfigFileError's fields and its report.
func mustConfErr(t *testing.T, err error, file string, line int, text, reason string) {
	t.Helper()
	var fe *ConfigFileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v, want a *ConfigFileError", err)
	}
	if fe.File != file || fe.Line != line || fe.Text != text || fe.Reason != reason {
		t.Errorf("error %#v, want %s line %d %q: %s", fe, file, line, text, reason)
	}
	want := fmt.Sprintf("\n*** FATAL CONFIG FILE ERROR (numkv %s) ***\nReading the configuration file %s, at line %d\n>>> '%s'\n%s\n",
		Version, file, line, text, reason)
	if got := fe.Report(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	for _, c := range []struct {
		text   string
		line   int
		bad    string
		reason string
	}{
		{"port 1\nprot 6379\n", 2, "prot 6379", "Bad directive or wrong number of arguments"},
		{"\n\n  port 1 2  \n", 3, "port 1 2", "wrong number of arguments"},
		{"port", 1, "port", "wrong number of arguments"},
		{"timeout 1 # idle", 1, "timeout 1 # idle", "wrong number of arguments"},
		{"include", 1, "include", "Bad directive or wrong number of arguments"},
		{"include a b", 1, "include a b", "Bad directive or wrong number of arguments"},
		{"appendonly no", 1, "appendonly no", "Bad directive or wrong number of arguments"}, // probe-only: no directive
		{"port \"1", 1, "port \"1", "Unbalanced quotes in configuration line"},
		{"port \"1\"2", 1, "port \"1\"2", "Unbalanced quotes in configuration line"},
		{"port 65536", 1, "port 65536", "argument must be between 0 and 65535 inclusive"},
		{"maxmemory-policy lru", 1, "maxmemory-policy lru", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{"save 100", 1, "save 100", "Invalid save parameters"},
		{"save 100 10\nsave 0 1", 2, "save 0 1", "Invalid save parameters"},
		{"dbfilename a/b", 1, "dbfilename a/b", "dbfilename can't be a path, just a filename"},
		{"dir /nonexistent", 1, "dir /nonexistent", "No such file or directory"},
		{"protected-mode maybe", 1, "protected-mode maybe", "argument must be 'yes' or 'no'"},
	} {
		_, err := loadConf(t, c.text)
		var fe *ConfigFileError
		if !errors.As(err, &fe) {
			t.Errorf("%q: error %v", c.text, err)
			continue
		}
		mustConfErr(t, err, fe.File, c.line, c.bad, c.reason)
	}
	_, err := LoadConfigFile("/nonexistent/numkv.conf", nil)
	var fe *ConfigFileError
	if !errors.As(err, &fe) || fe.Line != 0 ||
		fe.Report() != fmt.Sprintf("\n*** FATAL CONFIG FILE ERROR (numkv %s) ***\nFatal error, can't open config file '/nonexistent/numkv.conf': No such file or directory\n", Version) {
		t.Errorf("missing file: %v", err)
	}
}

func TestRewriteConfigText(t *testing.T) {
	def := DefaultConfig()
	values := func(set func(c *Config)) func(st *setting) string {
		c := def
		c.Dir = "/data"
		set(&c)
		return func(st *setting) string { return st.text(&c) }
	}
	for _, c := range []struct {
		name string
		old  string
		set  func(c *Config)
		want string
	}{
		{"empty file: dir and save only, as Redis", "", func(c *Config) {},
			"# Generated by CONFIG REWRITE\ndir \"/data\"\nsave 3600 1\nsave 300 100\nsave 60 10000\n"},
		{"changed line in place, duplicates blanked, comments and order kept",
			"# top\nport 7000\n\n# timeouts\ntimeout 5\nTIMEOUT 6\nmaxclients 50\n",
			func(c *Config) { c.Port = 7000; c.Timeout = 9; c.MaxClients = 50; c.Save = "" },
			"# top\nport 7000\n\n# timeouts\ntimeout 9\n\nmaxclients 50\n\n# Generated by CONFIG REWRITE\ndir \"/data\"\nsave \"\"\n"},
		{"a line at the default keeps its place, as Redis",
			"dir /data\nsave \"\"\ntimeout 5\n", func(c *Config) { c.Save = "" },
			"dir \"/data\"\nsave \"\"\ntimeout 0\n\n"}, // the old file's last newline, as Redis
		{"bind at its default loses its lines; unset strings too",
			"bind 127.0.0.1\nrequirepass secret\nunixsocket /tmp/s\ndir /data\nsave \"\"\n", func(c *Config) { c.Save = "" },
			"\ndir \"/data\"\nsave \"\"\n\n"},
		{"save rules take the save lines in order, the rest appended",
			"save 1 1\n# mid\nsave 2 2\nsave 3 3\nsave 4 4\ndir /data\n", func(c *Config) { c.Save = "10 1 20 2" },
			"save 10 1\n# mid\nsave 20 2\n\ndir \"/data\"\n\n"},
		{"include lines and unknown lines",
			"include /etc/other.conf\nfoo bar\nport \"1\ndir /data\nsave \"\"\n", func(c *Config) { c.Save = "" },
			"include /etc/other.conf\n# ??? foo bar\n# ??? port \"1\ndir \"/data\"\nsave \"\"\n\n"},
		{"the signature is written once",
			"dir /data\nsave \"\"\n\n# Generated by CONFIG REWRITE\ntimeout 5\n", func(c *Config) { c.Save = ""; c.Timeout = 5; c.Port = 7000 },
			"dir \"/data\"\nsave \"\"\n\n# Generated by CONFIG REWRITE\ntimeout 5\n\nport 7000\n"},
		{"each form", "dir /data\nsave \"\"\n", func(c *Config) {
			c.Save = ""
			c.Bind = "127.0.0.1 ::1"
			c.MaxMemory = 3 << 30
			c.ProtoMaxBulkLen = 3<<20 + 1
			c.ClientQueryBufferLimit = 5 << 10 << 10
			c.MaxMemoryClients = -20
			c.RequirePass = "p \"w\"\n"
			c.DBFilename = "x.numkv"
			c.LogLevel = "debug"
			c.HugePages = false
			c.ClusterEnabled = true
		}, "dir \"/data\"\nsave \"\"\n\n# Generated by CONFIG REWRITE\nbind 127.0.0.1 ::1\ndbfilename \"x.numkv\"\n" +
			"requirepass \"p \\\"w\\\"\\n\"\nmaxmemory 3gb\nmaxmemory-clients 20%\nproto-max-bulk-len 3145729\n" +
			"client-query-buffer-limit 5mb\nloglevel debug\ncluster-enabled yes\nhugepages no\n"},
		{"bind to no address", "", func(c *Config) { c.Bind = ""; c.Save = "" },
			"# Generated by CONFIG REWRITE\nbind \"\"\ndir \"/data\"\nsave \"\"\n"},
	} {
		got := rewriteConfigText(c.old, values(c.set))
		if got != c.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.name, got, c.want)
		}
		// As Redis's, the old file's last newline reads as an empty last
		// line, so a file that does not end with an empty line gets one
		// at the next rewrite; from then on the file stays as it is.
		again := rewriteConfigText(got, values(c.set))
		if again != got && again != got+"\n" || rewriteConfigText(again, values(c.set)) != again {
			t.Errorf("%s: rewrites go on changing the file:\n%s\nthen:\n%s", c.name, got, again)
		}
	}
}

func TestMemoryText(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "1024": "1kb", "1048576": "1mb", "1073741824": "1gb", "1000": "1000",
		"3221225472": "3gb", "1049600": "1025kb", "20%": "20%", "18446744073709551615": "18446744073709551615"} {
		if got := memoryText(in); got != want {
			t.Errorf("memoryText(%s) = %s, want %s", in, got, want)
		}
	}
}

// randomSetting returns a random valid value for each setting, in a
// spelling its parser takes (not always its canonical text). dir is an
// existing directory.
var randomSetting = map[string]func(r *rand.Rand, dir string) string{
	"bind": func(r *rand.Rand, dir string) string {
		addrs := []string{"127.0.0.1", "::1", "localhost", "192.0.2.1", "-::1"}
		return strings.Join(addrs[:r.IntN(len(addrs)+1)], pickOne(r, " ", "  "))
	},
	"port": func(r *rand.Rand, dir string) string { return strconv.Itoa(r.IntN(65536)) },
	"unixsocket": func(r *rand.Rand, dir string) string {
		return pickOne(r, "", filepath.Join(dir, "s.sock"), randText(r))
	},
	"protected-mode": func(r *rand.Rand, dir string) string { return pickOne(r, "yes", "no", "YES") },
	"dir":            func(r *rand.Rand, dir string) string { return pickOne(r, ".", dir, filepath.Join(dir, `sub dir "q"`)) },
	"dbfilename": func(r *rand.Rand, dir string) string {
		return strings.NewReplacer("/", "", `\`, "").Replace(randText(r))
	},
	"save": func(r *rand.Rand, dir string) string {
		var f []string
		for n := r.IntN(4); n > 0; n-- {
			f = append(f, strconv.Itoa(1+r.IntN(100000)), strconv.Itoa(r.IntN(100000)))
		}
		return strings.Join(f, " ")
	},
	"stop-writes-on-bgsave-error": func(r *rand.Rand, dir string) string { return pickOne(r, "yes", "no") },
	"databases":                   func(r *rand.Rand, dir string) string { return strconv.Itoa(1 + r.IntN(1000)) },
	"requirepass":                 func(r *rand.Rand, dir string) string { return randText(r) },
	"maxmemory":                   func(r *rand.Rand, dir string) string { return randMemory(r, 0) },
	"maxmemory-clients": func(r *rand.Rand, dir string) string {
		return pickOne(r, randMemory(r, 0), strconv.Itoa(r.IntN(101))+"%")
	},
	"maxmemory-policy": func(r *rand.Rand, dir string) string { return policyNames[r.IntN(len(policyNames))] },
	"maxmemory-samples": func(r *rand.Rand, dir string) string {
		return strconv.Itoa(1 + r.IntN(64))
	},
	"maxmemory-eviction-tenacity": func(r *rand.Rand, dir string) string { return strconv.Itoa(r.IntN(101)) },
	"lfu-log-factor":              func(r *rand.Rand, dir string) string { return strconv.Itoa(r.IntN(100)) },
	"lfu-decay-time":              func(r *rand.Rand, dir string) string { return strconv.Itoa(r.IntN(100)) },
	"maxclients":                  func(r *rand.Rand, dir string) string { return strconv.Itoa(1 + r.IntN(100000)) },
	"timeout":                     func(r *rand.Rand, dir string) string { return strconv.Itoa(r.IntN(1000)) },
	"proto-max-bulk-len":          func(r *rand.Rand, dir string) string { return randMemory(r, 1<<20) },
	"client-query-buffer-limit":   func(r *rand.Rand, dir string) string { return randMemory(r, 1<<20) },
	"tls-port":                    func(r *rand.Rand, dir string) string { return strconv.Itoa(r.IntN(65536)) },
	"tls-cert-file":               func(r *rand.Rand, dir string) string { return randText(r) },
	"tls-key-file":                func(r *rand.Rand, dir string) string { return randText(r) },
	"loglevel": func(r *rand.Rand, dir string) string {
		return pickOne(r, "debug", "verbose", "notice", "warning", "WARNING")
	},
	"logfile":              func(r *rand.Rand, dir string) string { return pickOne(r, "", filepath.Join(dir, "numkv.log")) },
	"snapshot-compression": func(r *rand.Rand, dir string) string { return pickOne(r, "none", "s2", "zstd") },
	"cluster-enabled":      func(r *rand.Rand, dir string) string { return pickOne(r, "yes", "no") },
	"cluster-config-file":  func(r *rand.Rand, dir string) string { return randText(r) },
	"cluster-node-id": func(r *rand.Rand, dir string) string {
		return pickOne(r, "", fmt.Sprintf("%040x", r.Uint64()))
	},
	"hugepages": func(r *rand.Rand, dir string) string { return pickOne(r, "yes", "no", "false", "true") },
}

func pickOne(r *rand.Rand, choices ...string) string { return choices[r.IntN(len(choices))] }

// randText is a short string of any bytes, often empty.
func randText(r *rand.Rand) string {
	alphabet := []byte("abc /.-_ \t\n\"'\\#\x00\x01\xe9\xff")
	b := make([]byte, r.IntN(3)*r.IntN(8))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// randMemory is a memory value of at least lo bytes, with or without a
// unit.
func randMemory(r *rand.Rand, lo uint64) string {
	units := []struct {
		name string
		size uint64
	}{{"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1024}, {"MB", 1 << 20}, {"m", 1e6}, {"gb", 1 << 30}, {"G", 1e9}}
	u := units[r.IntN(len(units))]
	n := lo/u.size + 1 + uint64(r.IntN(5000))
	if u.size == 1 && r.IntN(2) == 0 {
		n = max(lo, uint64(r.IntN(4)))<<(10*r.IntN(4)) + uint64(r.IntN(2)) // exact kb, mb, gb, or one more
	}
	return strconv.FormatUint(n, 10) + u.name
}

// TestRewriteRoundTrip gives every setting random values, rewrites a
// configuration file with them (each time over the previous file, with
// lines added: comments, duplicates, other cases, an include), reads it
// back, and wants the same Config.
func TestRewriteRoundTrip(t *testing.T) {
	r := testRand(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, `sub dir "q"`), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := mustConfFile(t, dir, "empty.conf", "# nothing\n")
	for _, st := range settings {
		if _, ok := randomSetting[st.name]; !ok && !st.probeOnly {
			t.Fatalf("randomSetting has no values for %s", st.name)
		}
	}
	path := filepath.Join(dir, "numkv.conf")
	old := ""
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for round := 0; round < rounds; round++ {
		want := DefaultConfig()
		for _, st := range settings {
			if st.probeOnly || r.IntN(3) == 0 { // a third keep their defaults
				continue
			}
			v := randomSetting[st.name](r, dir)
			if msg := st.parse(&want, v); msg != "" {
				t.Fatalf("round %d: %s %q: %s", round, st.name, v, msg)
			}
		}
		// Lines the rewrite must deal with: comments, a duplicate, a
		// setting's name in capitals, an include.
		for _, extra := range []string{"# a comment", "", "TIMEOUT 12", "timeout 13", "include " + empty, "save 5 5", "bind ::1"} {
			if r.IntN(4) == 0 {
				lines := strings.Split(old, "\n")
				at := r.IntN(len(lines) + 1)
				old = strings.Join(slices.Insert(lines, at, extra), "\n")
			}
		}
		text := rewriteConfigText(old, func(st *setting) string { return st.text(&want) })
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := LoadConfigFile(path, nil)
		if err != nil {
			t.Fatalf("round %d: %v\nfile:\n%s", round, err, text)
		}
		want.ConfigFile = path
		if got != want {
			t.Fatalf("round %d: read back\n%+v\nwant\n%+v\nfile:\n%s", round, got, want, text)
		}
		old = text
	}
}

// TestConfigRewriteCommand runs CONFIG REWRITE on a server: the file it
// writes, and its errors.
func TestConfigRewriteCommand(t *testing.T) {
	_, c := mustLocal(t)
	if got := c.run("CONFIG", "REWRITE"); got != errReply(msgConfigNoFile) {
		t.Errorf("without a file: %q", got)
	}

	dir := t.TempDir()
	path := mustConfFile(t, dir, "numkv.conf", "# mine\ntimeout 5\nmaxclients 100\n")
	s := mustServer(t, noPersistence, func(cfg *Config) { cfg.ConfigFile = path; cfg.Timeout = 5; cfg.MaxClients = 100 })
	p1, p2 := net.Pipe()
	t.Cleanup(func() { p1.Close(); p2.Close() })
	a := newClient(s, p1, 1)
	for _, cmd := range [][]string{{"CONFIG", "SET", "timeout", "9"}, {"CONFIG", "SET", "maxmemory", "2mb"}, {"CONFIG", "REWRITE"}} {
		if got := a.run(cmd...); got != "+OK\r\n" {
			t.Fatalf("%q: %q", cmd, got)
		}
	}
	b, _ := os.ReadFile(path)
	want := fmt.Sprintf("# mine\ntimeout 9\nmaxclients 100\n\n# Generated by CONFIG REWRITE\nport 0\ndir %s\ndbfilename \"\"\nsave \"\"\nmaxmemory 2mb\nloglevel warning\n",
		quoteArg(s.cfg.Dir))
	if string(b) != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", b, want)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	// The old file's mode is kept: one kept private stays so.
	os.Chmod(path, 0o600)
	if got := a.run("CONFIG", "REWRITE"); got != "+OK\r\n" {
		t.Fatalf("CONFIG REWRITE: %q", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v, want 0600 kept", st.Mode(), err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 1 {
		t.Errorf("files left in the directory: %v", names)
	}

	// A file that is gone is written anew, with Redis's mode.
	os.Remove(path)
	if got := a.run("CONFIG", "REWRITE"); got != "+OK\r\n" {
		t.Errorf("file removed: %q", got)
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "# Generated by CONFIG REWRITE\n") {
		t.Errorf("file written anew:\n%s", b)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644&^umask() {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	// A path that is a directory: Redis's error, with strerror's text.
	os.Remove(path)
	os.Mkdir(path, 0o755)
	if got := a.run("CONFIG", "REWRITE"); got != errReply("ERR Rewriting config file: Is a directory") {
		t.Errorf("path is a directory: %q", got)
	}
	if names, _ := os.ReadDir(dir); len(names) != 1 {
		t.Errorf("files left in the directory: %v", names)
	}
}

// TestConfigSetFixed checks the settings Redis changes at run time and
// numkv does not: CONFIG SET takes their current value, and nothing else.
func TestConfigSetFixed(t *testing.T) {
	_, c := mustLocal(t)
	immutable := func(name string) string {
		return errReply(fmt.Sprintf(msgConfigSetFailed, name, "can't set immutable config"))
	}
	for _, x := range []struct{ name, value, want string }{
		{"bind", " 127.0.0.1 ", "+OK\r\n"},
		{"bind", "::1", immutable("bind")},
		{"hugepages", "yes", "+OK\r\n"},
		{"snapshot-compression", "s2", "+OK\r\n"},
		{"snapshot-compression", "zstd", immutable("snapshot-compression")},
		{"cluster-node-id", "", "+OK\r\n"},
		{"appendonly", "NO", "+OK\r\n"},
		{"appendonly", "yes", immutable("appendonly")},
		{"daemonize", "no", immutable("daemonize")}, // immutable in Redis too
		{"databases", "16", immutable("databases")},
	} {
		if got := c.run("CONFIG", "SET", x.name, x.value); got != x.want {
			t.Errorf("CONFIG SET %s %q: %q, want %q", x.name, x.value, got, x.want)
		}
	}
	// In a multi-pair SET, a fixed setting's current value goes with the
	// others; any other value refuses them all.
	if got := c.run("CONFIG", "SET", "timeout", "3", "bind", "127.0.0.1"); got != "+OK\r\n" {
		t.Errorf("with bind's value: %q", got)
	}
	if got := c.run("CONFIG", "SET", "timeout", "4", "bind", "::1"); got != immutable("bind") || c.s.live.timeout.Load() != 3 {
		t.Errorf("with another bind: %q, timeout %d", got, c.s.live.timeout.Load())
	}
}

// FuzzSplitConfigLine splits any line, and wants each argument it reads
// to come back whole through quoteArg, as CONFIG REWRITE writes values.
func FuzzSplitConfigLine(f *testing.F) {
	for _, s := range []string{`port 6379`, `requirepass "a b\x41\n"`, `x 'it\'s'`, `"a"b`, `'open`, "a\x00b", `"\x4" ""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, ok := splitConfigLine(line)
		if !ok {
			return
		}
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = quoteArg(a)
		}
		again, ok := splitConfigLine(strings.Join(quoted, " "))
		if !ok || !slices.Equal(again, args) {
			t.Fatalf("%q read as %q, written as %q, read back as %q %v", line, args, quoted, again, ok)
		}
	})
}
