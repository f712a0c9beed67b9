package tests

// The settings differential test: redis-server 7.0.15 and numkv side by
// side, for every setting both have, with valid, invalid and edge values.
// At start-up (command-line --name value) numkv must accept exactly what
// redis-server accepts; at CONFIG SET it must answer as Redis does, error
// text included, and CONFIG GET must agree after every successful SET.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startupValues are the values each setting is started with. Placeholders
// are filled per start: {port} a free port, {dir} a directory, {file} a
// regular file, {sock} a unix socket path, {log} a log file path.
//
// Left out, with their reason:
//   - bind "", "*", "0.0.0.0": Redis would listen beyond loopback;
//   - databases 2147483647: accepted by both, but redis-server allocates
//     every database at start-up and runs out of memory;
//   - tls-port with certificates: the test has none to give (without them
//     both refuse to start).
var startupValues = []struct {
	name   string
	values []string
}{
	{"bind", []string{"127.0.0.1", "localhost", " 127.0.0.1 ", "127.0.0.1 ::1", "-::1 127.0.0.1", "192.0.2.1",
		strings.TrimSpace(strings.Repeat("127.0.0.1 ", 17))}},
	{"port", []string{"{port}", "0", "-1", "65536", "abc", "", "0x10", "+1", " 1", "99999999999999999999"}},
	{"unixsocket", []string{"{sock}", "", "{dir}/no/such/dir/s.sock"}},
	{"dir", []string{"{dir}", "{dir}/nosuch", "", "{file}"}},
	{"dbfilename", []string{"x.rdb", "", "a/b", `a\b`, "UPPER.bin"}},
	{"save", []string{"", "3600 1", "3600  1", " 3600 1 ", "1", "0 1", "1 -1", "x 1", "3600 1 300", "1 4294967297",
		"+1 1", "20000000000000000000 1", "   ", "1 0", "1.5 1"}},
	{"stop-writes-on-bgsave-error", []string{"yes", "no", "YES", "No", "maybe", "", "1", "true"}},
	{"protected-mode", []string{"yes", "no", "YES", "No", "maybe", "", "1", "true"}},
	{"databases", []string{"1", "16", "0", "-1", "100000", "2147483648", "abc", "", "1e3"}},
	{"requirepass", []string{"pw", "", "a b"}},
	{"maxmemory", []string{"0", "1gb", "1GB", "1Gb", "1g", "1.5gb", "-1", "1tb", "99999999999999999999", "", "1mb-1", "1k", "100b", "b", "kb", " 1"}},
	{"maxmemory-clients", []string{"0", "1mb", "10%", "100%", "101%", "0%", "-1%", "%", "1.5%", "x%", "-1", "1k", "2gb", "99999999999999999999", "18446744073709551615", "18446744073709551516", "", " 1"}},
	{"maxmemory-policy", []string{"noeviction", "allkeys-lru", "ALLKEYS-LFU", "volatile-ttl", "volatile-random", "lru", "", "allkeys_lru"}},
	{"maxmemory-samples", []string{"5", "1", "0", "64", "65", "-1", "2147483647", "2147483648", "x", ""}},
	{"maxmemory-eviction-tenacity", []string{"10", "0", "100", "101", "-1", "x", ""}},
	{"lfu-log-factor", []string{"10", "0", "-1", "2147483647", "2147483648", "1.5", ""}},
	{"lfu-decay-time", []string{"1", "0", "-1", "2147483647", "2147483648", "x", ""}},
	{"maxclients", []string{"1", "10000", "0", "-1", "4294967295", "4294967296", "abc", ""}},
	{"timeout", []string{"0", "100", "-1", "2147483647", "2147483648", "1.5", "", "007"}},
	{"proto-max-bulk-len", []string{"1000", "1mb", "1MB", "1048575", "1048576", "512mb", "0", "-1", "9223372036854775807",
		"9223372036854775808", "18446744073709551615", "", "2gb", "1024kb", "1000k"}},
	{"client-query-buffer-limit", []string{"1mb", "1048575", "1k", "1gb", "9223372036854775807", "9223372036854775808",
		"18446744073709551615", "", "abc"}},
	{"tls-port", []string{"0", "-1", "65536", "abc", "{port}"}},
	{"tls-cert-file", []string{"", "{dir}/nosuch.pem"}},
	{"tls-key-file", []string{"", "{dir}/nosuch.pem"}},
	{"loglevel", []string{"debug", "verbose", "notice", "warning", "WARNING", "Notice", "nothing", "", "loud"}},
	{"logfile", []string{"{log}", "", "{dir}/no/such/dir/x.log"}},
}

// Start-ups with more than one setting.
var startupCombos = [][]string{
	{"--port", "0", "--unixsocket", "{sock}"},
	{"--port", "0"},
	{"--save", "3600 1", "--save", "60 10"},
	{"--save", "3600 1", "--save", ""},
	{"--save", "3600 1", "--save", "1"},
}

func TestSettingsStartupLikeRedis(t *testing.T) {
	needRedis(t)
	var cases [][]string
	for _, s := range startupValues {
		for _, v := range s.values {
			cases = append(cases, []string{"--" + s.name, v})
		}
	}
	cases = append(cases, startupCombos...)
	for _, args := range cases {
		t.Run(fmt.Sprintf("%q", args), func(t *testing.T) {
			t.Parallel()
			for attempt := 1; ; attempt++ {
				n, r := startBoth(t, args)
				if n.clash || r.clash {
					if attempt < 5 {
						continue
					}
					t.Fatalf("a port was taken 5 times\nnumkv:\n%s\nredis-server:\n%s", n.log, r.log)
				}
				if n.up != r.up {
					t.Fatalf("redis-server %s, numkv %s\nnumkv:\n%s\nredis-server:\n%s", upText(r.up), upText(n.up), n.log, r.log)
				}
				if !n.up && (n.code != 1 || !strings.HasPrefix(n.log, "numkv: ")) {
					t.Fatalf("numkv refused with exit code %d, want 1 and a message:\n%s", n.code, n.log)
				}
				return
			}
		})
	}
}

func upText(up bool) string {
	if up {
		return "starts"
	}
	return "refuses to start"
}

func needRedis(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is missing: run the README's test command (make test), which installs it")
	}
}

// startOutcome is how a start-up went.
type startOutcome struct {
	up    bool // it answered PING
	clash bool // a port it was given was taken meanwhile
	code  int  // the exit code when it did not come up
	log   string
}

// startBoth starts numkv and redis-server at once with the same settings
// after the common ones, fills args' placeholders, and waits until each
// answers PING or exits. Both are killed by PID when the test ends.
func startBoth(t *testing.T, args []string) (numkv, rds startOutcome) {
	var wg sync.WaitGroup
	wg.Add(2)
	for _, redisSide := range []bool{false, true} {
		dir := t.TempDir()
		argv, target := fillArgs(t, dir, args)
		var p *proc
		if redisSide {
			p = launchRedis(t, dir, argv...)
		} else {
			p = launch(t, binPath, dir, append([]string{"--save", ""}, argv...)...)
		}
		if target == "" {
			target = p.addr()
		}
		out := &numkv
		if redisSide {
			out = &rds
		}
		go func() {
			defer wg.Done()
			*out = awaitStart(p, target)
			p.kill() // and then its log may be read
			out.log = p.log.String()
		}()
	}
	wg.Wait()
	return numkv, rds
}

// fillArgs fills the placeholders of args and returns where the server
// will answer: "" for the common port, else a TCP address or a unix path.
func fillArgs(t *testing.T, dir string, args []string) (argv []string, target string) {
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(freePort(t))
	r := strings.NewReplacer("{port}", port, "{dir}", dir, "{file}", file,
		"{sock}", filepath.Join(dir, "s.sock"), "{log}", filepath.Join(dir, "server.log"))
	var sock string
	for i, a := range args {
		a = r.Replace(a)
		argv = append(argv, a)
		if i > 0 && args[i-1] == "--port" {
			target = "127.0.0.1:" + a
		}
		if i > 0 && args[i-1] == "--unixsocket" {
			sock = a
		}
	}
	if target == "127.0.0.1:0" && sock != "" {
		target = sock
	}
	return argv, target
}

// launchRedis is launch for redis-server, without persistence.
func launchRedis(t testing.TB, dir string, flags ...string) *proc {
	t.Helper()
	return launch(t, "redis-server", dir, append([]string{"--save", "", "--appendonly", "no"}, flags...)...)
}

// awaitStart waits until p answers PING (or asks for AUTH) at target (a TCP address, or a
// unix socket path) or exits.
func awaitStart(p *proc, target string) startOutcome {
	network := "tcp"
	if strings.HasPrefix(target, "/") {
		network = "unix"
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout(network, target, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprint(c, "PING\r\nINFO server\r\n")
			rd := bufio.NewReader(c)
			line, _ := rd.ReadString('\n')
			info, _ := readBulk(rd)
			c.Close()
			// The answer must be p's: tests run in parallel, and another
			// server may listen on the port p failed to take.
			ours := strings.Contains(info, fmt.Sprintf("process_id:%d\r\n", p.cmd.Process.Pid))
			if (line == "+PONG\r\n" && ours) || (strings.HasPrefix(line, "-NOAUTH ") && p.running()) { // with requirepass
				return startOutcome{up: true}
			}
		}
		if !p.running() {
			log := p.log.String() // complete: Wait has returned
			return startOutcome{code: p.cmd.ProcessState.ExitCode(), log: log,
				clash: strings.Contains(strings.ToLower(log), "address already in use")}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return startOutcome{code: -1, log: "neither answered PING nor exited within 60 s\n"}
}

// readBulk reads one RESP bulk string, or returns "" for anything else.
func readBulk(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "$") {
		return "", err
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 0 {
		return "", err
	}
	b := make([]byte, n+2)
	_, err = io.ReadFull(rd, b)
	return string(b[:n]), err
}

// configSetValues are the values CONFIG SET is tried with, on both
// servers.
var configSetValues = []struct {
	name   string
	values []string
}{
	{"save", []string{"", "3600 1", "3600  1", "10 ", " 10 1", "1", "0 1", "1 -1", "x 1", "+10 007", "1 4294967297", "   ",
		"20000000000000000000 1", "3600 1 300", "1.5 1"}},
	{"stop-writes-on-bgsave-error", []string{"no", "yes", "YES", "No", "maybe", "", "1"}},
	{"protected-mode", []string{"no", "yes", "NO", "Yes", "maybe", "", "1", "yes"}},
	{"databases", []string{"16", "4", "abc"}},
	// A valid port would move the listener (TestConfigSetPort in commands/
	// moves one); the refusals are compared here.
	{"port", []string{"abc", "-1", "65536", "", "0x10"}},
	{"requirepass", []string{"pw", "a b", ""}},
	{"maxmemory", []string{"1gb", "1GB", "1g", "1.5gb", "-1", "1tb", "99999999999999999999", "", "1mb-1", "1k", "100b", "b", " 1", "0"}},
	{"maxmemory-clients", []string{"1mb", "10%", "100%", "101%", "0%", "-1%", "%", "x%", "-1", "1k", "18446744073709551516", "99999999999999999999", "", "0"}},
	{"maxmemory-policy", []string{"allkeys-lru", "ALLKEYS-LFU", "volatile-ttl", "lru", "", "noeviction"}},
	{"maxmemory-samples", []string{"1", "0", "64", "65", "-1", "2147483648", "x", "5"}},
	{"maxmemory-eviction-tenacity", []string{"0", "100", "101", "-1", "x", "10"}},
	{"lfu-log-factor", []string{"0", "-1", "2147483647", "2147483648", "", "10"}},
	{"lfu-decay-time", []string{"0", "-1", "2147483648", "x", "1"}},
	{"maxclients", []string{"1", "50", "0", "-1", "4294967296", "abc", "", "10000"}},
	{"timeout", []string{"100", "-1", "2147483647", "2147483648", "1.5", "", "007", "0"}},
	{"proto-max-bulk-len", []string{"1000", "1mb", "1MB", "1048575", "1048576", "0", "-1", "9223372036854775807",
		"9223372036854775808", "18446744073709551615", "", "2gb", "1000k", "512mb"}},
	{"client-query-buffer-limit", []string{"1mb", "1048575", "1k", "9223372036854775807", "9223372036854775808",
		"18446744073709551615", "", "abc", "1gb"}},
	{"loglevel", []string{"debug", "verbose", "WARNING", "Notice", "nothing", "", "loud", "notice"}},
	{"logfile", []string{"x.log", ""}},
	{"unixsocket", []string{"x.sock", ""}},
	{"dir", []string{"/tmp", ""}},
	{"dbfilename", []string{"x.rdb", "a/b"}},
}

// configSetNumkvOnly are the allowed differences at CONFIG SET, all
// documented in redis-compat.md: numkv refuses these as immutable, and
// the test sends them to numkv only.
//   - bind, tls-port, tls-cert-file, tls-key-file: numkv opens these
//     listeners once, at start-up; Redis rebinds (and would listen beyond
//     loopback for some values). Their current value is accepted, and
//     changes nothing, as Redis's set of an unchanged value;
//   - maxclients above the file-descriptor limit: Redis raises the limit
//     or refuses with a message that depends on the machine, numkv does
//     not reserve descriptors.
var configSetNumkvOnly = []struct {
	name   string
	values []string
	want   string // the error, "" for OK
}{
	{"bind", []string{"0.0.0.0", "::1"}, "ERR CONFIG SET failed (possibly related to argument 'bind') - can't set immutable config"},
	{"bind", []string{"127.0.0.1", " 127.0.0.1 "}, ""},
	{"tls-port", []string{"6391", "-1"}, "ERR CONFIG SET failed (possibly related to argument 'tls-port') - can't set immutable config"},
	{"tls-port", []string{"0"}, ""},
	{"tls-cert-file", []string{"x.pem"}, "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - can't set immutable config"},
	{"tls-key-file", []string{"x.pem"}, "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - can't set immutable config"},
	{"tls-cert-file", []string{""}, ""},
	{"tls-key-file", []string{""}, ""},
	{"maxclients", []string{"4294967295"}, ""},
}

func TestSettingsConfigSetLikeRedis(t *testing.T) {
	needRedis(t)
	var n, r *redis.Conn
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); n = mustSingleConn(t, false) }()
	go func() { defer wg.Done(); r = mustSingleConn(t, true) }()
	wg.Wait()
	if n == nil || r == nil {
		t.FailNow()
	}
	reply := func(c *redis.Conn, args ...any) string {
		v, err := c.Do(ctx, args...).Result()
		if err != nil {
			return "-" + err.Error()
		}
		return fmt.Sprint(v)
	}
	for _, s := range configSetValues {
		// Each server gets its own start value back afterwards.
		nBefore, rBefore := configGet(t, n, s.name), configGet(t, r, s.name)
		for _, v := range s.values {
			want, got := reply(r, "CONFIG", "SET", s.name, v), reply(n, "CONFIG", "SET", s.name, v)
			if got != want {
				t.Errorf("CONFIG SET %s %q: numkv %q, redis-server %q", s.name, v, got, want)
				continue
			}
			if got == "OK" {
				if want, got := configGet(t, r, s.name), configGet(t, n, s.name); got != want {
					t.Errorf("CONFIG GET %s after SET %q: numkv %q, redis-server %q", s.name, v, got, want)
				}
			}
		}
		reply(n, "CONFIG", "SET", s.name, nBefore)
		reply(r, "CONFIG", "SET", s.name, rBefore)
	}
	for _, s := range configSetNumkvOnly {
		before := configGet(t, n, s.name)
		for _, v := range s.values {
			want := "OK"
			if s.want != "" {
				want = "-" + s.want
			}
			if got := reply(n, "CONFIG", "SET", s.name, v); got != want {
				t.Errorf("numkv CONFIG SET %s %q: %q, want %q", s.name, v, got, want)
			}
		}
		reply(n, "CONFIG", "SET", s.name, before)
	}
}

// settingsNotCompared are numkv's CONFIG GET parameters the two tests
// above leave out, with their reason.
var settingsNotCompared = map[string]string{
	"snapshot-compression": "numkv's own (commands tests it)",
	"hugepages":            "numkv's own (commands tests it)",
	"appendonly":           "a fixed value for clients that probe it",
	"daemonize":            "as appendonly",
	"cluster-enabled":      "cluster mode: tests/cluster_test.go starts nodes with it, commands' TestCluster* check it",
	"cluster-config-file":  "as cluster-enabled",
	"cluster-node-id":      "numkv's own, as cluster-enabled",
}

// TestSettingsCovered keeps the two tests above complete: every parameter
// numkv's CONFIG GET * lists is compared at start-up and at CONFIG SET,
// unless settingsNotCompared says why not.
func TestSettingsCovered(t *testing.T) {
	p := mustStart(t, "", "--save", "")
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	kv, ok := mustDo(t, rdb, "CONFIG", "GET", "*").([]any)
	if !ok || len(kv)%2 != 0 {
		t.Fatalf("CONFIG GET *: %v", kv)
	}
	startup, set := map[string]bool{}, map[string]bool{}
	for _, s := range startupValues {
		startup[s.name] = true
	}
	for _, s := range configSetValues {
		set[s.name] = true
	}
	for _, s := range configSetNumkvOnly {
		set[s.name] = true
	}
	for i := 0; i < len(kv); i += 2 {
		name := fmt.Sprint(kv[i])
		if _, skip := settingsNotCompared[name]; skip {
			continue
		}
		if !startup[name] {
			t.Errorf("setting %s has no start-up values in startupValues", name)
		}
		if !set[name] {
			t.Errorf("setting %s has no CONFIG SET values in configSetValues or configSetNumkvOnly", name)
		}
	}
}

// mustSingleConn starts numkv or redis-server with the common settings and
// returns one connection to it, which stays authenticated through CONFIG
// SET requirepass. It reports failures with t.Error, for use from a
// goroutine, and then returns nil.
func mustSingleConn(t *testing.T, redisSide bool) *redis.Conn {
	for attempt := 1; attempt <= 5; attempt++ {
		dir := t.TempDir()
		var p *proc
		if redisSide {
			p = launchRedis(t, dir)
		} else {
			p = launch(t, binPath, dir, "--save", "")
		}
		o := awaitStart(p, p.addr())
		if o.clash {
			continue
		}
		if !o.up {
			t.Errorf("the server did not start:\n%s", o.log)
			return nil
		}
		rdb := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: 2, MaxRetries: -1, PoolSize: 1,
			DialTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
		c := rdb.Conn()
		t.Cleanup(func() { c.Close(); rdb.Close() })
		return c
	}
	t.Error("a port was taken 5 times")
	return nil
}

func configGet(t *testing.T, c *redis.Conn, name string) string {
	t.Helper()
	v, err := c.Do(ctx, "CONFIG", "GET", name).Result()
	if err != nil {
		t.Fatalf("CONFIG GET %s: %v", name, err)
	}
	kv, ok := v.([]any)
	if !ok || len(kv) != 2 {
		t.Fatalf("CONFIG GET %s: %v", name, v)
	}
	return fmt.Sprint(kv[1])
}
