// Package tests runs the real numkv binary and talks to it with real
// clients: go-redis over RESP2 and RESP3, redis-cli and redis-py.
package tests

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "numkv-bin-")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "numkv")
	build := exec.Command("go", "build", "-o", binPath, "..")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building numkv:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a numkv process started by a test.
type proc struct {
	cmd  *exec.Cmd
	port int
	dir  string
	log  *bytes.Buffer
	done chan error
}

func (p *proc) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// mustStart runs the binary on a free loopback port with extra flags, in
// dir (a fresh temp dir when empty), and waits until it answers PING. The
// process is killed by PID when the test ends.
//
// A port that freePort found free can be taken before the server binds it
// (by a client's ephemeral port, when tests run in parallel): then it starts
// again on another port.
func mustStart(t testing.TB, dir string, flags ...string) *proc {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	for attempt := 1; ; attempt++ {
		p, clash := start(t, dir, flags...)
		if !clash {
			return p
		}
		if attempt == 5 {
			t.Fatalf("numkv could not bind a free port 5 times:\n%s", p.log)
		}
	}
}

// start is one attempt of mustStart. It reports a port clash instead of
// failing.
func start(t testing.TB, dir string, flags ...string) (p *proc, portClash bool) {
	t.Helper()
	p = launch(t, dir, flags...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.addr(), time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if line == "+PONG\r\n" {
				return p, false
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			if strings.Contains(p.log.String(), "address already in use") {
				return p, true
			}
			t.Fatalf("numkv exited before it was ready: %v\n%s", err, p.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("numkv did not answer PING on %s\n%s", p.addr(), p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// launch runs the binary on a free loopback port with flags after the
// common ones, and has it killed by PID when the test ends.
func launch(t testing.TB, dir string, flags ...string) *proc {
	t.Helper()
	p := &proc{port: freePort(t), dir: dir, log: &bytes.Buffer{}, done: make(chan error, 1)}
	args := append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(p.port), "--dir", dir}, flags...)
	p.cmd = exec.Command(binPath, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	return p
}

// kill stops the process with SIGKILL by PID and waits for it.
func (p *proc) kill() {
	if p.cmd.Process == nil {
		return
	}
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(10 * time.Second):
	}
}

// stop sends sig and waits for the exit, returning the exit code.
func (p *proc) stop(t testing.TB, sig syscall.Signal) int {
	t.Helper()
	syscall.Kill(p.cmd.Process.Pid, sig)
	select {
	case err := <-p.done:
		p.done <- err
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		t.Fatalf("numkv did not exit after %v\n%s", sig, p.log)
	}
	return -1
}

func newClient(p *proc, protocol int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: protocol, DialTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
}

func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGoRedisStrings drives the string and keyspace basics through go-redis
// over both protocols, plainly, pipelined and from concurrent clients.
func TestGoRedisStrings(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rdb := newClient(p, proto)
			defer rdb.Close()
			mustNoErr(t, rdb.FlushAll(ctx).Err())
			mustNoErr(t, rdb.Set(ctx, "k", "hello", 0).Err())
			if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "hello" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if _, err := rdb.Get(ctx, "missing").Result(); err != redis.Nil {
				t.Fatalf("GET missing: %v", err)
			}
			if n, _ := rdb.Append(ctx, "k", " world").Result(); n != 11 {
				t.Fatalf("APPEND = %d", n)
			}
			if v, _ := rdb.GetRange(ctx, "k", -5, -1).Result(); v != "world" {
				t.Fatalf("GETRANGE = %q", v)
			}
			if n, _ := rdb.SetRange(ctx, "k", 12, "!").Result(); n != 13 {
				t.Fatalf("SETRANGE = %d", n)
			}
			if v, _ := rdb.Get(ctx, "k").Result(); v != "hello world\x00!" {
				t.Fatalf("GET after SETRANGE = %q", v)
			}
			ok, err := rdb.SetNX(ctx, "k", "x", 0).Result()
			if err != nil || ok {
				t.Fatalf("SET NX on existing = %v, %v", ok, err)
			}
			mustNoErr(t, rdb.MSet(ctx, "a", "1", "b", "2").Err())
			vals, _ := rdb.MGet(ctx, "a", "nope", "b").Result()
			if fmt.Sprint(vals) != "[1 <nil> 2]" {
				t.Fatalf("MGET = %v", vals)
			}
			if n, _ := rdb.Exists(ctx, "a", "b", "nope").Result(); n != 2 {
				t.Fatalf("EXISTS = %d", n)
			}
			if n, _ := rdb.Del(ctx, "a", "nope").Result(); n != 1 {
				t.Fatalf("DEL = %d", n)
			}
			if v, _ := rdb.Type(ctx, "k").Result(); v != "string" {
				t.Fatalf("TYPE = %q", v)
			}
			if n, _ := rdb.DBSize(ctx).Result(); n != 2 {
				t.Fatalf("DBSIZE = %d", n)
			}

			// A pipeline of 1000 commands comes back in order.
			pipe := rdb.Pipeline()
			for i := 0; i < 1000; i++ {
				pipe.Set(ctx, fmt.Sprintf("p:%d", i), i, 0)
				pipe.Get(ctx, fmt.Sprintf("p:%d", i))
			}
			cmds, err := pipe.Exec(ctx)
			mustNoErr(t, err)
			for i := 0; i < 1000; i++ {
				if v := cmds[2*i+1].(*redis.StringCmd).Val(); v != strconv.Itoa(i) {
					t.Fatalf("pipelined GET p:%d = %q", i, v)
				}
			}
			if err := rdb.Do(ctx, "NOSUCHCMD", "a").Err(); err == nil ||
				err.Error() != "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' " {
				t.Fatalf("unknown command error = %v", err)
			}
		})
	}
}

// TestConcurrentClients has several clients write and read disjoint and
// shared keys at once; every acknowledged write must be readable.
func TestConcurrentClients(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	ctx := context.Background()
	const clients, ops = 8, 300
	errs := make(chan error, clients)
	for w := 0; w < clients; w++ {
		go func(w int) {
			rdb := newClient(p, 2+w%2)
			defer rdb.Close()
			for i := 0; i < ops; i++ {
				key := fmt.Sprintf("c%d:%d", w, i%17)
				val := fmt.Sprintf("%d-%d", w, i)
				if err := rdb.Set(ctx, key, val, 0).Err(); err != nil {
					errs <- err
					return
				}
				if got, err := rdb.Get(ctx, key).Result(); err != nil || got != val {
					errs <- fmt.Errorf("client %d: GET %s = %q, %v; want %q", w, key, got, err, val)
					return
				}
				if err := rdb.Append(ctx, "shared", "x").Err(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < clients; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rdb := newClient(p, 2)
	defer rdb.Close()
	if n, _ := rdb.StrLen(ctx, "shared").Result(); n != clients*ops {
		t.Fatalf("STRLEN shared = %d, want %d", n, clients*ops)
	}
}

// redisCLI runs redis-cli against p with args and optional stdin.
func redisCLI(t testing.TB, p *proc, stdin []byte, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli is missing: run the README's test command (make test), which installs redis-tools")
	}
	cmd := exec.Command("redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.port)}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestRedisCLIBasics(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	if out := redisCLI(t, p, nil, "SET", "greeting", "hi there"); out != "OK\n" {
		t.Fatalf("SET: %q", out)
	}
	if out := redisCLI(t, p, nil, "GET", "greeting"); out != "hi there\n" {
		t.Fatalf("GET: %q", out)
	}
	if out := redisCLI(t, p, []byte("abc"), "-x", "APPEND", "greeting"); out != "11\n" {
		t.Fatalf("APPEND -x: %q", out)
	}
	// COMMAND DOCS and COMMAND must parse in redis-cli (it fetches them for
	// its hints).
	if out := redisCLI(t, p, nil, "COMMAND", "DOCS", "get"); !strings.Contains(out, "summary") {
		t.Fatalf("COMMAND DOCS: %q", out)
	}
	if out := redisCLI(t, p, nil, "COMMAND", "COUNT"); strings.TrimSpace(out) == "0" {
		t.Fatalf("COMMAND COUNT: %q", out)
	}
	// The interactive mode with its hints, fed from a pipe.
	cmd := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(p.port))
	cmd.Stdin = strings.NewReader("SET k v\nGET k\nCOMMAND INFO get\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") || !strings.Contains(string(out), "v") {
		t.Fatalf("interactive redis-cli: %v\n%s", err, out)
	}
}

// TestRedisCLISlices is the README's ad hoc session: slices with VALUES and
// raw bytes appended from a file with -x.
func TestRedisCLISlices(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	if out := redisCLI(t, p, nil, "NUM.CREATE", "temps", "f32"); out != "OK\n" {
		t.Fatalf("NUM.CREATE: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.APPEND", "temps", "VALUES", "20.5", "21", "21.5", "22", "22.5", "23"); out != "6\n" {
		t.Fatalf("NUM.APPEND VALUES: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "0:10", "VALUES"); out != "20.5\n21\n21.5\n22\n22.5\n23\n" {
		t.Fatalf("NUM.READ 0:10 VALUES: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "::-2", "VALUES"); out != "23\n22\n21\n" {
		t.Fatalf("NUM.READ ::-2 VALUES: %q", out)
	}
	// Four more float32 from a file of raw little-endian bytes.
	raw := []byte{0, 0, 0xc0, 0x3f, 0, 0, 0x20, 0x40, 0, 0, 0, 0, 0, 0, 0x80, 0xbf} // 1.5 2.5 0 -1
	if out := redisCLI(t, p, raw, "-x", "NUM.APPEND", "temps"); out != "10\n" {
		t.Fatalf("NUM.APPEND -x: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "-4:", "VALUES"); out != "1.5\n2.5\n0\n-1\n" {
		t.Fatalf("NUM.READ -4: VALUES: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "1:x"); strings.TrimSpace(out) != "ERR invalid slice '1:x'" {
		t.Fatalf("bad slice: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.LEN", "temps"); out != "10\n" {
		t.Fatalf("NUM.LEN: %q", out)
	}
}
