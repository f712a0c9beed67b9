package tests

// The configuration file with the real binary: start-up from a file, flags
// over it, refused lines, CONFIG REWRITE and a restart from what it wrote,
// include, rewrites that fail, and the example file the README shows.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// writeConf writes text to name in dir and returns its path.
func writeConf(t testing.TB, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustConfigGet returns CONFIG GET name's value.
func mustConfigGet(t testing.TB, rdb *redis.Client, name string) string {
	t.Helper()
	kv, ok := mustDo(t, rdb, "CONFIG", "GET", name).([]any)
	if !ok || len(kv) != 2 {
		t.Fatalf("CONFIG GET %s: %v", name, kv)
	}
	return fmt.Sprint(kv[1])
}

// mustConfigValues checks CONFIG GET's value of each name.
func mustConfigValues(t testing.TB, rdb *redis.Client, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if got := mustConfigGet(t, rdb, name); got != v {
			t.Errorf("CONFIG GET %s: %q, want %q", name, got, v)
		}
	}
}

func TestConfFileStartup(t *testing.T) {
	dir := t.TempDir()
	path := writeConf(t, dir, "numkv.conf", `# a test configuration
maxmemory 10mb
MAXMEMORY-POLICY allkeys-lru
timeout 30
save 100 10
save "200 20"
dbfilename 'my file.numkv'
requirepass "p w"
hugepages no
`)
	// The file comes after the flags launch writes, which override its
	// bind, port and dir: the first positional argument, wherever it is.
	p := startProc(t, dir, path)
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), Password: "p w", Protocol: 2, MaxRetries: -1})
	defer rdb.Close()
	waitFor(t, "numkv to answer PING with the file's password", func() bool {
		if !p.running() {
			t.Fatalf("numkv exited:\n%s", p.log)
		}
		return rdb.Ping(ctx).Err() == nil
	})
	mustConfigValues(t, rdb, map[string]string{
		"maxmemory": "10485760", "maxmemory-policy": "allkeys-lru", "timeout": "30", "save": "100 10 200 20",
		"dbfilename": "my file.numkv", "requirepass": "p w", "hugepages": "no", "port": strconv.Itoa(p.port), "dir": dir,
	})
	if got := info(t, rdb, "config_file"); got != path {
		t.Errorf("INFO config_file: %q, want %q", got, path)
	}

	// Without a file, config_file is empty and REWRITE refuses.
	q := mustStart(t, "", "--save", "")
	plain := newClient(q, 0, 2)
	defer plain.Close()
	if got := info(t, plain, "config_file"); got != "" {
		t.Errorf("INFO config_file without a file: %q", got)
	}
	mustErrText(t, plain, "ERR The server is running without a config file", "CONFIG", "REWRITE")
}

func TestConfFileFlagsOverride(t *testing.T) {
	dir := t.TempDir()
	path := writeConf(t, dir, "numkv.conf", "timeout 30\nmaxclients 50\nsave 100 10\n")
	// Flags before and after the file: both come after it.
	p := mustStart(t, dir, "--timeout", "5", path, "--save", "1 1")
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	mustConfigValues(t, rdb, map[string]string{"timeout": "5", "maxclients": "50", "save": "100 10 1 1"})

	q := mustStart(t, dir, path, "--save", "")
	rdb2 := newClient(q, 0, 2)
	defer rdb2.Close()
	mustConfigValues(t, rdb2, map[string]string{"save": ""})
}

func TestConfFileRefused(t *testing.T) {
	dir := t.TempDir()
	inc := writeConf(t, dir, "inc.conf", "# included\n\nmaxmemory lots\n")
	for _, c := range []struct {
		name, text string
		file       string // the file the report names; "" for the main one
		line       int
		bad        string
		reason     string
	}{
		{"unknown directive", "port 7000\nprot 6379\n", "", 2, "prot 6379", "Bad directive or wrong number of arguments"},
		{"too many arguments", "# one\ntimeout 1 2\n", "", 2, "timeout 1 2", "wrong number of arguments"},
		{"bad value", "maxclients 0\n", "", 1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive"},
		{"unbalanced quotes", "requirepass \"abc\n", "", 1, `requirepass "abc`, "Unbalanced quotes in configuration line"},
		{"in an include", "port 7000\ninclude " + inc + "\n", inc, 3, "maxmemory lots", "argument must be a memory value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeConf(t, t.TempDir(), "numkv.conf", c.text)
			p := startProc(t, dir, path)
			if code := mustExit(t, p); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			file := c.file
			if file == "" {
				file = path
			}
			want := fmt.Sprintf("\n*** FATAL CONFIG FILE ERROR (numkv %s) ***\nReading the configuration file %s, at line %d\n>>> '%s'\n%s\n",
				numkvVersion(t), file, c.line, c.bad, c.reason)
			if got := p.log.String(); got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	p := startProc(t, dir, filepath.Join(dir, "nosuch.conf"))
	if code := mustExit(t, p); code != 1 || !strings.Contains(p.log.String(), "Fatal error, can't open config file '"+filepath.Join(dir, "nosuch.conf")+"': No such file or directory") {
		t.Errorf("missing file: exit code %d:\n%s", code, p.log)
	}
}

// numkvVersion is the version numkv --help prints.
func numkvVersion(t testing.TB) string {
	t.Helper()
	out, _ := exec.Command(binPath, "--help").CombinedOutput()
	v, _, _ := strings.Cut(strings.TrimPrefix(string(out), "numkv "), ":")
	if v == "" {
		t.Fatalf("numkv --help: %s", out)
	}
	return v
}

func TestConfFileRewrite(t *testing.T) {
	dir := t.TempDir()
	original := `# numkv test configuration
# keep this comment

timeout 30
# the memory cap
maxmemory 10mb
maxmemory 20mb
save 100 10
`
	path := writeConf(t, dir, "numkv.conf", original)
	flags := []string{path, "--dbfilename", ""}
	p := mustStart(t, dir, flags...)
	rdb := newClient(p, 0, 2)
	mustDo(t, rdb, "CONFIG", "SET", "maxmemory", "64mb", "maxmemory-policy", "allkeys-lfu")
	mustDo(t, rdb, "CONFIG", "REWRITE")
	rdb.Close()
	got, err := os.ReadFile(path)
	mustNoErr(t, err)
	// Comments and order kept, the first maxmemory line changed in place
	// and the second blanked; then, after the marker, the settings that
	// had no line: launch's port, dir (always written), dbfilename, and
	// the new policy.
	want := fmt.Sprintf(`# numkv test configuration
# keep this comment

timeout 30
# the memory cap
maxmemory 64mb

save 100 10

# Generated by CONFIG REWRITE
port %d
dir "%s"
dbfilename ""
maxmemory-policy allkeys-lfu
`, p.port, dir)
	if string(got) != want {
		t.Fatalf("rewritten file:\n%s\nwant:\n%s", got, want)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"numkv.conf"}) {
		t.Errorf("files in the directory: %v", names)
	}

	// A restart from the rewritten file has the new values.
	p.kill()
	q := mustStart(t, dir, flags...)
	rdb = newClient(q, 0, 2)
	defer rdb.Close()
	mustConfigValues(t, rdb, map[string]string{"maxmemory": "67108864", "maxmemory-policy": "allkeys-lfu", "timeout": "30", "save": "100 10"})

	// Back at the default, a setting's line keeps its place with the
	// default value, as Redis's rewrite does; save "" is written.
	mustDo(t, rdb, "CONFIG", "SET", "maxmemory", "0", "save", "")
	mustDo(t, rdb, "CONFIG", "REWRITE")
	got, err = os.ReadFile(path)
	mustNoErr(t, err)
	if !strings.Contains(string(got), "# the memory cap\nmaxmemory 0\n") || !strings.Contains(string(got), "\nsave \"\"\n") ||
		strings.Contains(string(got), "save 100 10") {
		t.Errorf("after setting defaults:\n%s", got)
	}

	// As Redis's "CONFIG REWRITE sanity": every live setting changed,
	// rewritten, and after a restart CONFIG GET * answers as before
	// (but for the port, which launch gives anew).
	for _, kv := range [][2]string{{"protected-mode", "no"}, {"save", "10 1 20 2"}, {"stop-writes-on-bgsave-error", "no"},
		{"requirepass", ""}, {"maxmemory", "3gb"}, {"maxmemory-clients", "7%"}, {"maxmemory-samples", "7"},
		{"maxmemory-eviction-tenacity", "70"}, {"lfu-log-factor", "7"}, {"lfu-decay-time", "7"}, {"maxclients", "777"},
		{"timeout", "7"}, {"proto-max-bulk-len", "7mb"}, {"client-query-buffer-limit", "77mb"}, {"loglevel", "verbose"}} {
		mustDo(t, rdb, "CONFIG", "SET", kv[0], kv[1])
	}
	before := mustDo(t, rdb, "CONFIG", "GET", "*").([]any)
	mustDo(t, rdb, "CONFIG", "REWRITE")
	q.kill()
	q = mustStart(t, dir, flags...)
	rdb2 := newClient(q, 0, 2)
	defer rdb2.Close()
	after := mustDo(t, rdb2, "CONFIG", "GET", "*").([]any)
	if len(after) != len(before) {
		t.Fatalf("CONFIG GET *: %d items, then %d", len(before), len(after))
	}
	for i := 0; i < len(before); i += 2 {
		if before[i] != "port" && (before[i] != after[i] || before[i+1] != after[i+1]) {
			t.Errorf("after the restart %v %q, before %v %q", after[i], after[i+1], before[i], before[i+1])
		}
	}
}

func TestConfFileInclude(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf.d")
	mustNoErr(t, os.Mkdir(conf, 0o755))
	writeConf(t, conf, "a.conf", "maxclients 77\n")
	writeConf(t, conf, "b.conf", "timeout 88\n")
	other := writeConf(t, dir, "other.conf", "maxmemory-samples 9\nsave 1 1\n")
	path := writeConf(t, dir, "numkv.conf", fmt.Sprintf(`save 100 10
include %s
dir %s
# relative to dir, as in Redis
include conf.d/*.conf
`, other, dir))
	p := mustStart(t, dir, path)
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	mustConfigValues(t, rdb, map[string]string{"maxmemory-samples": "9", "maxclients": "77", "timeout": "88", "save": "100 10 1 1"})

	// REWRITE leaves the include lines, and writes the included
	// settings into the main file (it reads only that one, as Redis).
	mustDo(t, rdb, "CONFIG", "REWRITE")
	got, err := os.ReadFile(path)
	mustNoErr(t, err)
	for _, line := range []string{"include " + other, "include conf.d/*.conf", "maxclients 77", "timeout 88", "save 100 10", "save 1 1"} {
		if !slices.Contains(strings.Split(string(got), "\n"), line) {
			t.Errorf("no line %q in:\n%s", line, got)
		}
	}
	b, _ := os.ReadFile(other)
	if string(b) != "maxmemory-samples 9\nsave 1 1\n" {
		t.Errorf("the included file changed:\n%s", b)
	}
}

// TestConfFileRewriteFails makes CONFIG REWRITE fail three ways, and wants
// Redis's error with strerror's text, the old file as it was and no
// temporary file left.
func TestConfFileRewriteFails(t *testing.T) {
	// mustRewriteFail changes a setting and wants REWRITE's error.
	mustRewriteFail := func(t *testing.T, p *proc, reason string) {
		t.Helper()
		rdb := newClient(p, 0, 2)
		defer rdb.Close()
		mustDo(t, rdb, "CONFIG", "SET", "timeout", "31")
		mustErrText(t, rdb, "ERR Rewriting config file: "+reason, "CONFIG", "REWRITE")
	}
	// mustUntouched wants the file at path to hold text, alone in its
	// directory.
	mustUntouched := func(t *testing.T, path, text string) {
		t.Helper()
		if b, err := os.ReadFile(path); err != nil || string(b) != text {
			t.Errorf("the file changed (%v):\n%s", err, b)
		}
		if names := dirNames(t, filepath.Dir(path)); !slices.Equal(names, []string{filepath.Base(path)}) {
			t.Errorf("files in the directory: %v", names)
		}
	}
	const text = "# unchanged\ntimeout 30\n"

	t.Run("read-only directory", func(t *testing.T) {
		// Root's writes ignore permissions: as root, numkv runs as
		// nobody, in a directory root owns (mode 0755: read-only to
		// nobody). As anyone else, the directory is made read-only once
		// numkv has started.
		dir, err := os.MkdirTemp("", "numkv-conf-ro-")
		mustNoErr(t, err)
		t.Cleanup(func() { os.Chmod(dir, 0o755); os.RemoveAll(dir) })
		mustNoErr(t, os.Chmod(dir, 0o755))
		path := writeConf(t, dir, "numkv.conf", text)
		root := os.Geteuid() == 0
		var w where
		if root {
			// nobody must reach the binary too.
			mustNoErr(t, os.Chmod(filepath.Dir(binPath), 0o755))
			w.prep = func(cmd *exec.Cmd) {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			}
		}
		p := mustReady(t, launchListeningWith(t, w, binPath, dir, path, "--dbfilename", ""))
		if !root {
			mustNoErr(t, os.Chmod(dir, 0o555))
		}
		mustRewriteFail(t, p, "Permission denied")
		mustUntouched(t, path, text)
	})

	t.Run("path is a directory", func(t *testing.T) {
		// The file replaced by a directory after start-up: reading it
		// fails, as Redis's rewriteConfigReadOldFile does.
		dir := t.TempDir()
		sub := filepath.Join(dir, "etc")
		mustNoErr(t, os.Mkdir(sub, 0o755))
		path := writeConf(t, sub, "numkv.conf", text)
		p := mustStart(t, dir, path, "--dbfilename", "")
		mustNoErr(t, os.Remove(path))
		mustNoErr(t, os.Mkdir(path, 0o755))
		mustRewriteFail(t, p, "Is a directory")
		if names := dirNames(t, sub); !slices.Equal(names, []string{"numkv.conf"}) {
			t.Errorf("files in the directory: %v", names)
		}
		if names := dirNames(t, path); len(names) != 0 {
			t.Errorf("files in the directory in the file's place: %v", names)
		}
	})

	t.Run("file too large", func(t *testing.T) {
		// A file-size limit (RLIMIT_FSIZE, which binds root too) lets
		// the temporary file be created and fails its write; the old
		// file, already above the limit, must stay as it was.
		dir := t.TempDir()
		big := text + "# " + strings.Repeat("x", 4000) + "\n"
		path := writeConf(t, dir, "numkv.conf", big)
		w := where{prep: func(cmd *exec.Cmd) {
			// ulimit -f counts 512-byte blocks; sh execs numkv, which
			// keeps the PID. Go ignores SIGXFSZ, so write gets EFBIG.
			cmd.Args = append([]string{"sh", "-c", `ulimit -f 4 && exec "$0" "$@"`}, cmd.Args...)
			cmd.Path = "/bin/sh"
		}}
		p := mustReady(t, launchListeningWith(t, w, binPath, dir, path, "--dbfilename", ""))
		mustRewriteFail(t, p, "File too large")
		mustUntouched(t, path, big)
	})
}

// TestConfFileExample starts numkv with examples/numkv.conf, which the
// README shows whole: the two must be the same text, and it must load.
func TestConfFileExample(t *testing.T) {
	example, err := os.ReadFile("../examples/numkv.conf")
	mustNoErr(t, err)
	readme, err := os.ReadFile("../README.md")
	mustNoErr(t, err)
	if !strings.Contains(string(readme), "```conf\n"+string(example)+"```\n") {
		t.Errorf("README.md has no ```conf block with examples/numkv.conf's text, as it is now:\n%s", example)
	}
	abs, err := filepath.Abs("../examples/numkv.conf")
	mustNoErr(t, err)
	// launch's --port and --dir override the file's.
	p := mustStart(t, "", abs, "--dbfilename", "")
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	mustConfigValues(t, rdb, map[string]string{"bind": "127.0.0.1", "save": "3600 1 300 100 60 10000",
		"maxmemory": strconv.Itoa(4 << 30), "maxmemory-policy": "allkeys-lru", "requirepass": ""})
	if got := info(t, rdb, "config_file"); got != abs {
		t.Errorf("INFO config_file: %q", got)
	}
}
