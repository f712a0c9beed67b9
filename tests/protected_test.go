package tests

// Protected mode, for real: numkv and redis-server run inside a network
// namespace the test creates, with a veth pair on 10.77.x.0/24 in it, and
// clients connect from 10.77.x.2 (a stranger), from 127.0.0.1 and through
// a unix socket. Nothing leaves the namespace: both ends of the veth pair
// are in it, and it is deleted when the test ends.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// deniedText is redis-server 7.0.15's reply to a client protected mode
// refuses (networking.c, clientAcceptHandler), typo included.
const deniedText = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
	"In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you " +
	"may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the " +
	"loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible " +
	"from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode " +
	"by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you " +
	"started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password " +
	"for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from " +
	"the outside.\r\n"

// netns is a network namespace made by a test: a veth pair, v0 with
// addr(1) and v1 with addr(2), and lo, all up.
type netns struct {
	name   string
	subnet string // "10.77.x"
}

var netnsSeq atomic.Int64

// mustNetns creates a namespace with a name no other run uses, and deletes
// it when the test ends, after the servers in it are killed (cleanups run
// last-registered first).
func mustNetns(t *testing.T) *netns {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("the protected-mode test needs iproute2's ip (apt-get install iproute2)")
	}
	seq := netnsSeq.Add(1)
	n := &netns{name: fmt.Sprintf("numkv-test-%d-%d", os.Getpid(), seq),
		subnet: fmt.Sprintf("10.77.%d", (os.Getpid()+int(seq))%250+1)}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("netns", "add", n.name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", n.name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", n.name, err, out)
		}
	})
	in := func(args ...string) { t.Helper(); run(append([]string{"netns", "exec", n.name, "ip"}, args...)...) }
	in("link", "add", "v0", "type", "veth", "peer", "name", "v1")
	in("addr", "add", n.addr(1)+"/24", "dev", "v0")
	in("addr", "add", n.addr(2)+"/24", "dev", "v1")
	in("link", "set", "v0", "up")
	in("link", "set", "v1", "up")
	in("link", "set", "lo", "up")
	return n
}

// addr is the namespace's address host on its subnet.
func (n *netns) addr(host int) string { return n.subnet + "." + strconv.Itoa(host) }

// dial connects to addr from inside the namespace, from the address from
// when it is not "". The socket is made on a thread that joined the
// namespace and is never given back to the runtime, so nothing else runs
// there; the connection itself works from any thread.
func (n *netns) dial(network, from, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with this goroutine
		f, err := os.Open("/var/run/netns/" + n.name)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			ch <- result{nil, fmt.Errorf("setns %s: %w", n.name, err)}
			return
		}
		d := net.Dialer{Timeout: 5 * time.Second}
		if from != "" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
		}
		c, err := d.Dial(network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// startIn starts bin (numkv or redis-server) in n, listening on the
// namespace's address 1 and on loopback, and waits until it answers PING
// on loopback.
func startIn(t *testing.T, n *netns, bin string, flags ...string) *proc {
	t.Helper()
	if bin == "redis-server" {
		needRedis(t)
		flags = append([]string{"--save", "", "--appendonly", "no"}, flags...)
	} else {
		flags = append([]string{"--save", ""}, flags...)
	}
	p := launchWith(t, where{bind: n.addr(1) + " 127.0.0.1", ns: n}, bin, t.TempDir(), flags...)
	return mustReady(t, p)
}

// visit connects to p from the address from (in p's namespace), to the
// address p listens on there (the namespace's address 1, or 127.0.0.1 when
// from is a loopback address), sends each command in turn and reads one
// reply line to each, then reads whatever else comes until the server
// closes or 300 ms pass. It returns the reply lines, what came after, and
// whether the server closed the connection.
func visit(t *testing.T, n *netns, p *proc, from string, cmds ...string) (replies []string, rest string, closed bool) {
	t.Helper()
	to := n.addr(1)
	if strings.HasPrefix(from, "127.") {
		to = "127.0.0.1"
	}
	c, err := n.dial("tcp", from, net.JoinHostPort(to, strconv.Itoa(p.port)))
	if err != nil {
		t.Fatalf("connecting from %s to %s: %v", from, to, err)
	}
	defer c.Close()
	return converse(t, c, cmds...)
}

// converse is visit's exchange, on a connection made.
func converse(t *testing.T, c net.Conn, cmds ...string) (replies []string, rest string, closed bool) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for _, cmd := range cmds {
		fmt.Fprintf(c, "%s\r\n", cmd)
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: %v after %q", cmd, err, line)
		}
		replies = append(replies, line)
	}
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	b, err := io.ReadAll(br)
	return replies, string(b), err == nil // ReadAll returns nil at EOF
}

// mustDenied checks that a client from from gets exactly Redis's DENIED
// text before sending anything, and then a closed connection.
func mustDenied(t *testing.T, n *netns, p *proc, from string) {
	t.Helper()
	_, got, closed := visit(t, n, p, from)
	if got != deniedText || !closed {
		t.Fatalf("%s from %s: got %q (closed: %v), want Redis's DENIED text and a close", filepath.Base(p.cmd.Args[4]), from, got, closed)
	}
}

// mustServed checks that a client from from gets want to each command and
// a connection left open.
func mustServed(t *testing.T, n *netns, p *proc, from string, cmds []string, want ...string) {
	t.Helper()
	got, rest, closed := visit(t, n, p, from, cmds...)
	if strings.Join(got, "") != strings.Join(want, "") || rest != "" || closed {
		t.Fatalf("%s from %s: %q then %q (closed: %v), want %q", strings.Join(cmds, "; "), from, got, rest, closed, want)
	}
}

// statsOf returns INFO stats's connection counters, asked from loopback.
func statsOf(t *testing.T, n *netns, p *proc) (total, rejected int64) {
	t.Helper()
	c, err := n.dial("tcp", "", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(c, "INFO stats\r\n")
	br := bufio.NewReader(c)
	head, err := br.ReadString('\n')
	size, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
	if err != nil || !strings.HasPrefix(head, "$") || size <= 0 {
		t.Fatalf("INFO stats: %q, %v", head, err)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "total_connections_received":
			total, _ = strconv.ParseInt(v, 10, 64)
		case "rejected_connections":
			rejected, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return total, rejected
}

// TestProtectedMode runs the same scenario against redis-server and numkv
// in one namespace: strangers are refused with Redis's exact text and a
// closed connection, counted as Redis counts them, until protected mode
// is turned off or a password is set; loopback and unix-socket clients
// are always served.
func TestProtectedMode(t *testing.T) {
	n := mustNetns(t)
	stranger, self := n.addr(2), n.addr(1)
	for _, bin := range []string{"redis-server", binPath} {
		name := filepath.Base(bin)
		sock := filepath.Join(t.TempDir(), "s.sock")
		p := startIn(t, n, bin, "--unixsocket", sock)
		total0, rejected0 := statsOf(t, n, p)

		mustDenied(t, n, p, stranger)
		mustDenied(t, n, p, self) // this host, but not the loopback interface
		mustServed(t, n, p, "127.0.0.1", []string{"PING"}, "+PONG\r\n")
		uc, err := net.DialTimeout("unix", sock, 5*time.Second) // a path: no namespace
		if err != nil {
			t.Fatal(err)
		}
		if got, rest, closed := converse(t, uc, "PING"); got[0] != "+PONG\r\n" || rest != "" || closed {
			t.Fatalf("%s over the unix socket: %q, %q, closed %v", name, got, rest, closed)
		}
		uc.Close()
		// Refused clients count in rejected_connections, not in
		// total_connections_received: loopback, the socket and the first
		// INFO's own connection do.
		total, rejected := statsOf(t, n, p)
		if rejected-rejected0 != 2 || total-total0 != 3 {
			t.Fatalf("%s: %d refused and %d connections counted, want 2 and 3", name, rejected-rejected0, total-total0)
		}

		// redis-cli from inside the namespace sees the text too.
		out, _ := exec.Command("ip", "netns", "exec", n.name, "redis-cli", "-h", self, "-p", strconv.Itoa(p.port), "PING").CombinedOutput()
		if !strings.Contains(string(out), "DENIED Redis is running in protected mode") {
			t.Fatalf("%s: redis-cli from %s: %q", name, self, out)
		}

		// CONFIG SET from loopback opens the door, and closes it again.
		ok := []string{"+OK\r\n"}
		mustServed(t, n, p, "127.0.0.1", []string{"CONFIG SET protected-mode no"}, ok...)
		mustServed(t, n, p, stranger, []string{"PING"}, "+PONG\r\n")
		mustServed(t, n, p, "127.0.0.1", []string{"CONFIG SET protected-mode yes"}, ok...)
		mustDenied(t, n, p, stranger)

		// A password lets strangers in, to AUTH.
		mustServed(t, n, p, "127.0.0.1", []string{"CONFIG SET requirepass pw"}, ok...)
		mustServed(t, n, p, stranger, []string{"PING", "AUTH pw", "PING"},
			"-NOAUTH Authentication required.\r\n", "+OK\r\n", "+PONG\r\n")
		mustServed(t, n, p, "127.0.0.1", []string{"AUTH pw", "CONFIG SET requirepass \"\""}, "+OK\r\n", "+OK\r\n")
		mustDenied(t, n, p, stranger)
	}
}

// TestProtectedModeFlags starts numkv in a namespace with each flag that
// lets strangers in: --protected-mode no, and --requirepass.
func TestProtectedModeFlags(t *testing.T) {
	n := mustNetns(t)
	stranger := n.addr(2)
	p := startIn(t, n, binPath, "--protected-mode", "no")
	mustServed(t, n, p, stranger, []string{"PING"}, "+PONG\r\n")

	p = launchWith(t, where{bind: n.addr(1) + " 127.0.0.1", ns: n}, binPath, t.TempDir(), "--save", "", "--requirepass", "pw")
	waitFor(t, "numkv to listen in the namespace", func() bool {
		c, err := p.connect("tcp", p.addr())
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	mustServed(t, n, p, stranger, []string{"PING", "AUTH pw", "PING"},
		"-NOAUTH Authentication required.\r\n", "+OK\r\n", "+PONG\r\n")

	// And the default refuses them.
	p = startIn(t, n, binPath)
	mustDenied(t, n, p, stranger)
}
