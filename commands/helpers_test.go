package commands

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mustRedis starts redis-server on a free port and stops it (by PID) when
// the test ends. A missing redis-server fails the test: the comparison is
// the point. extra arguments follow the defaults, which they override.
func mustRedis(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed, and the differential test needs it: run `make test` (see README.md), which installs Debian's redis-server, or `apt-get install redis-server`")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--logfile", "")
	cmd.Args = append(cmd.Args, extra...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if nc, err := net.Dial("tcp", addr); err == nil {
			nc.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			nc.SetReadDeadline(time.Now().Add(time.Second))
			_, err := io.ReadFull(nc, buf)
			nc.Close()
			if err == nil && string(buf) == "+PONG\r\n" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on %s:\n%s", addr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	v := mustDial(t, addr).do("INFO", "server")
	if !strings.Contains(v, "redis_version:7.0.") {
		t.Logf("warning: the reference is not Redis 7.0 (%s); replies may differ", regexp.MustCompile(`redis_version:[^\r]*`).FindString(v))
	}
	return addr
}

// mustServer returns a server that is not yet listening, configured for
// tests: an ephemeral port, a temporary directory to save into (so SAVE
// and BGSAVE behave as in Redis), no save rules, warnings only. set, if
// given, changes that configuration. The server is closed when the test
// ends.
func mustServer(t testing.TB, set ...func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Port = 0
	cfg.Dir = t.TempDir()
	cfg.Save = ""
	cfg.LogLevel = "warning"
	for _, f := range set {
		f(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// mustNumkv starts mustServer's server listening on 127.0.0.1 and returns
// it with its address.
func mustNumkv(t *testing.T, set ...func(*Config)) (*Server, string) {
	t.Helper()
	s := mustServer(t, set...)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	s.Serve()
	return s, s.Addr().String()
}

// noPersistence is a mustServer option: --dbfilename "".
func noPersistence(cfg *Config) { cfg.DBFilename = "" }

// mustLocal returns a server that does not listen, without persistence,
// and a client of it that is not connected: commands go straight to
// dispatch and the replies stay in the client's output buffer.
func mustLocal(t testing.TB) (*Server, *client) {
	t.Helper()
	s := mustServer(t, noPersistence)
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return s, newClient(s, a, 1)
}

// run dispatches one command and returns its raw reply.
func (c *client) run(args ...string) string {
	tick() // as the connection loop does for each batch
	c.w.Reset()
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	c.s.call(c, argv)
	var out bytes.Buffer
	c.w.Flush(&out) // referenced segments too
	c.releaseHeld()
	return out.String()
}

// mustConn starts mustNumkv's server and returns a raw RESP connection to
// it.
func mustConn(t *testing.T) *rconn {
	t.Helper()
	_, addr := mustNumkv(t)
	return mustDial(t, addr)
}

// mustNumVar stores a variable of n elements of type t with bytes i%251 at
// key in db 0 of a server that is not listening, and returns a client for
// calling handlers directly.
func mustNumVar(t testing.TB, key string, typ elemType, n int) (*Server, *client) {
	t.Helper()
	s := mustServer(t, noPersistence)
	tid, _ := internType(&typ)
	r, v := newRecord([]byte(key), tid, -1)
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i % 251)
	}
	for left := n * typ.size; left > 0; left -= len(chunk) {
		v.tree().Append(chunk[:min(left, len(chunk))])
	}
	s.store(nil, 0, []byte(key), r)
	return s, &client{s: s}
}

// rconn is a raw RESP connection.
type rconn struct {
	t  *testing.T
	nc net.Conn
	rd *bufio.Reader
}

func mustDial(t *testing.T, addr string) *rconn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rconn{t: t, nc: nc, rd: bufio.NewReader(nc)}
}

// do sends one command and returns its raw reply.
func (c *rconn) do(args ...string) string {
	c.t.Helper()
	r, err := c.pipeline([][]string{args})
	if err != nil {
		c.t.Fatalf("%q: %v", args, err)
	}
	return r[0]
}

// pipeline sends every command at once, then reads one reply for each.
func (c *rconn) pipeline(cmds [][]string) ([]string, error) {
	var b []byte
	for _, a := range cmds {
		b = encodeCommand(b, a)
	}
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		return nil, err
	}
	out := make([]string, len(cmds))
	for i := range cmds {
		var buf bytes.Buffer
		if err := readReply(c.rd, &buf); err != nil {
			return nil, fmt.Errorf("reading reply %d: %w (so far %q)", i, err, buf.String())
		}
		out[i] = buf.String()
	}
	return out, nil
}

func encodeCommand(b []byte, args []string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// readReply copies one RESP2 or RESP3 reply, nested frames included.
func readReply(rd *bufio.Reader, out *bytes.Buffer) error {
	line, err := rd.ReadString('\n')
	if err != nil {
		return err
	}
	out.WriteString(line)
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return fmt.Errorf("bad reply line %q", line)
	}
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return err
		}
		out.Write(buf)
	case '*', '~', '>':
		for i := 0; i < n; i++ {
			if err := readReply(rd, out); err != nil {
				return err
			}
		}
	case '%', '|':
		for i := 0; i < 2*n; i++ {
			if err := readReply(rd, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseReply decodes a raw reply into nested Go values, for the loose
// comparisons: strings for bulk and simple strings, int64, nil, []any.
func parseReply(raw string) any {
	v, _ := parseReplyAt(raw, 0)
	return v
}

func parseReplyAt(raw string, p int) (any, int) {
	end := strings.Index(raw[p:], "\r\n") + p
	line := raw[p:end]
	p = end + 2
	n, _ := strconv.Atoi(line[1:])
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return nil, p
		}
		return raw[p : p+n], p + n + 2
	case ':':
		x, _ := strconv.ParseInt(line[1:], 10, 64)
		return x, p
	case '_':
		return nil, p
	case '+':
		return line[1:], p
	case '*', '~', '>', '%', '|':
		if n < 0 {
			return nil, p
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			var v any
			v, p = parseReplyAt(raw, p)
			out = append(out, v)
		}
		return out, p
	}
	return line, p
}

// argv is a command's arguments as dispatch receives them.
func argv(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

// splitArgs splits a test command on spaces; a field in double quotes is a Go
// string literal, for empty and binary arguments.
func splitArgs(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, `"`) {
			u, err := strconv.Unquote(f)
			if err != nil {
				t.Fatalf("bad literal %s in %q", f, s)
			}
			f = u
		}
		out = append(out, f)
	}
	return out
}

// exchange is one command, written as splitArgs reads it, and its raw
// reply.
type exchange struct{ cmd, want string }

// runExchanges sends each command on c and checks its reply.
func runExchanges(t *testing.T, c *rconn, steps []exchange) {
	t.Helper()
	for _, st := range steps {
		if got := c.do(splitArgs(t, st.cmd)...); got != st.want {
			t.Errorf("%s\n got %q\nwant %q", st.cmd, got, st.want)
		}
	}
}

// bulks is the RESP2 array of bulk strings.
func bulks(items ...string) string {
	s := fmt.Sprintf("*%d\r\n", len(items))
	for _, it := range items {
		s += fmt.Sprintf("$%d\r\n%s\r\n", len(it), it)
	}
	return s
}

func errReply(s string) string { return "-" + s + "\r\n" }

const (
	okReply   = "+OK\r\n"
	nullBulk  = "$-1\r\n"
	nullArray = "*-1\r\n"
)

func intReply(n int) string { return fmt.Sprintf(":%d\r\n", n) }

var seedFlag = flag.Uint64("seed", 0, "seed of the randomized tests (0: from the clock)")

// testRand is the randomized tests' one source of randomness: seeded by
// -seed, or by the clock, and logged so that a failure can be replayed with
// -seed. Each test draws its own stream, so one test's draws never shift
// another's.
func testRand(t testing.TB) *rand.Rand {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -seed %d -run '^%s$')", seed, seed, t.Name())
	h := fnv.New64a()
	h.Write([]byte(t.Name()))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// waitUntil polls cond every 5 ms until it holds, failing after a generous
// deadline: a wait, never a timing assertion.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
