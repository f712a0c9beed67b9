package tests

// Abuse: the real binary on loopback, under what clients should not do
// but will. Connections by the thousand, opened and closed or held idle;
// commands cut off in the middle; random bytes; huge bulks announced and
// then trickled by a hundred clients; a bulk over the limit. Meanwhile one
// client GETs a key in a loop and must always get its value back, the
// server's RSS and used_memory must stay bounded, and afterwards the
// server must answer, with its goroutines and client buffers back where
// they started. GET latency is logged, not asserted (no timing
// assertions); BENCHMARKS.md records it.

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The loads, bounded in count and in time.
const (
	abuseChurn       = 10000 // connections opened and closed
	abuseConcurrency = 200   // connections in flight at once while churning
	abuseIdle        = 1000  // connections held idle throughout
	abuseHalfEach    = 150   // connections per half-sent shape
	abuseJunk        = 1000  // connections sending random bytes
	abuseTricklers   = 100   // clients trickling a huge announced bulk
	abuseAnnounced   = 400_000_000
	abuseTrickled    = 512 << 10 // what each trickler actually sends
	abuseRSSSlack    = 200 << 20 // RSS and used_memory may exceed their start by this much
)

// halfSent are requests cut off before their end: in a count, in a bulk's
// header, in a bulk, between bulks, inside MULTI, after a complete
// command, in an inline line. None may change the probe key.
var halfSent = []string{
	"*",
	"*3",
	"*3\r",
	"*3\r\n",
	"*3\r\n$",
	"*3\r\n$3",
	"*3\r\n$3\r\nSE",
	"*3\r\n$3\r\nSET\r\n",
	"*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$1",
	"*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$4\r\nga",
	"*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$4\r\ngarb\r",
	"*2\r\n$3\r\nGET\r\n$5\r\nprobe\r\n*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$4\r\ngar",
	"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$4\r\ngarb\r\n",
	"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$4\r\ngarb\r\n*1\r\n$4\r\nEXE",
	"*2\r\n$4\r\nECHO\r\n$1048576\r\n" + strings.Repeat("e", 3000),
	"SET probe garbage",
	"SET probe \"garb",
	"PING\r\nSET probe",
}

// probe is the key the latency client reads throughout.
var probeValue = bytes.Repeat([]byte("0123456789abcdef"), 4)

// abuseRedis, set by NUMKV_ABUSE_AGAINST=redis, runs the same phases
// against redis-server, to measure it beside numkv (BENCHMARKS.md): its
// latencies and RSS are logged, and numkv's own checks (its INFO fields,
// used_memory counting only what arrived) are not made.
var abuseRedis = os.Getenv("NUMKV_ABUSE_AGAINST") == "redis"

func TestAbuse(t *testing.T) {
	seed := testSeed(t)
	var p *proc
	if abuseRedis {
		p = startRedis(t)
	} else {
		p = mustStart(t, "", "--save", "")
	}
	pid := p.cmd.Process.Pid
	admin := newClient(p, 0, 2)
	defer admin.Close()
	mustDo(t, admin, "SET", "probe", probeValue)
	base := serverState(t, admin, pid)
	t.Logf("at start: %+v", base)

	// Watchers: the GET loop, and RSS and used_memory sampled throughout.
	stop := make(chan struct{})
	var watchers sync.WaitGroup
	getter := startGetLoop(t, p)
	var maxRSS, maxUsed, maxClients atomic.Int64 // over the whole run
	var phaseMax atomic.Pointer[peaks]           // over the current phase
	phaseMax.Store(new(peaks))
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		rdb := newClient(p, 0, 2)
		defer rdb.Close()
		for {
			pk := phaseMax.Load()
			if r, err := vmRSS(pid); err == nil {
				maxRSS.Store(max(maxRSS.Load(), r))
				pk.rss.Store(max(pk.rss.Load(), r))
			}
			if s, err := rdb.Info(ctx, "memory").Result(); err == nil {
				maxUsed.Store(max(maxUsed.Load(), infoField(s, "used_memory")))
				maxClients.Store(max(maxClients.Load(), infoField(s, "used_memory_clients")))
				pk.used.Store(max(pk.used.Load(), infoField(s, "used_memory")))
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	phases := []string{"start"}
	phase := func(name string, f func() error) {
		t.Helper()
		t0 := time.Now()
		getter.phase(t, name)
		phases = append(phases, name)
		if err := f(); err != nil {
			close(stop)
			watchers.Wait()
			t.Fatalf("%s: %v", name, err)
		}
		pk := phaseMax.Swap(new(peaks))
		t.Logf("%s: %v; %s", name, time.Since(t0).Round(time.Millisecond), pk)
	}

	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	phase(fmt.Sprintf("%d idle connections opened", abuseIdle), func() error {
		for range abuseIdle {
			c, err := net.DialTimeout("tcp", p.addr(), 10*time.Second)
			if err != nil {
				return err
			}
			idle = append(idle, c)
		}
		return nil
	})
	phase(fmt.Sprintf("%d connections opened and closed, %d half-sent requests, %d of random bytes", abuseChurn, abuseHalfEach*len(halfSent), abuseJunk), func() error {
		var errs [3]error
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); errs[0] = churn(p) }()
		go func() { defer wg.Done(); errs[1] = halfSends(p) }()
		go func() { defer wg.Done(); errs[2] = junk(p, seed) }()
		wg.Wait()
		return errors.Join(errs[:]...)
	})
	var trickleUsed int64
	phase(fmt.Sprintf("%d clients trickling %d KiB of announced %d-byte bulks", abuseTricklers, abuseTrickled>>10, abuseAnnounced), func() error {
		var err error
		trickleUsed, err = trickle(p, admin)
		return err
	})
	phase("a bulk over proto-max-bulk-len", func() error {
		got, err := overLimit(p.addr())
		if err != nil {
			return err
		}
		want, err := overLimit(startRedis(t).addr())
		if err != nil {
			return fmt.Errorf("redis-server: %w", err)
		}
		if got != want {
			return fmt.Errorf("numkv replied %q and closed, redis-server %q", got, want)
		}
		return nil
	})
	phase("every idle connection still answers", func() error {
		for _, c := range idle {
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, "PING\r\n"); err != nil {
				return err
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || line != "+PONG\r\n" {
				return fmt.Errorf("idle connection: %q, %v", line, err)
			}
			c.Close()
		}
		idle = nil
		return nil
	})
	close(stop)
	watchers.Wait()
	elapsed := time.Since(start)

	byPhase := getter.wait(t)
	var lat []time.Duration
	for _, name := range phases {
		if l := byPhase[name]; len(l) > 0 {
			p50, p99 := percentiles(l)
			t.Logf("GET latency during %q: %d GETs, p50 %v, p99 %v, max %v", name, len(l), p50, p99, l[len(l)-1])
			lat = append(lat, l...)
		}
	}
	if len(lat) == 0 {
		t.Fatal("the GET loop measured nothing")
	}
	p50, p99 := percentiles(lat)
	t.Logf("GET latency over the whole %v: %d GETs, p50 %v, p99 %v, p99.9 %v, max %v", elapsed.Round(time.Second), len(lat),
		p50, p99, lat[min(len(lat)-1, len(lat)*999/1000)], lat[len(lat)-1])
	t.Logf("RSS: %d MiB at start, %d MiB at most; used_memory: %d MiB at start, %d MiB at most (%d MiB while %d bulks of %d MB were announced); used_memory_clients at most %d MiB",
		base.rss>>20, maxRSS.Load()>>20, base.used>>20, maxUsed.Load()>>20, trickleUsed>>20, abuseTricklers, abuseAnnounced/1_000_000, maxClients.Load()>>20)
	if maxRSS.Load() > base.rss+abuseRSSSlack {
		t.Errorf("RSS reached %d MiB, from %d MiB at start", maxRSS.Load()>>20, base.rss>>20)
	}
	if maxUsed.Load() > base.used+abuseRSSSlack && !abuseRedis {
		t.Errorf("used_memory reached %d MiB, from %d MiB at start", maxUsed.Load()>>20, base.used>>20)
	}

	// Afterwards: the server answers, and what the abuse took is back.
	if v, err := admin.Get(ctx, "probe").Bytes(); err != nil || !bytes.Equal(v, probeValue) {
		t.Fatalf("GET probe afterwards: %q, %v", v, err)
	}
	mustDo(t, admin, "PING")
	var end state
	waitFor(t, "goroutines, clients and client buffers to come back", func() bool {
		end = serverState(t, admin, pid)
		return end.clients <= base.clients && end.goroutines <= base.goroutines+2 && end.clientMem <= base.clientMem+64<<10
	})
	t.Logf("at end: %+v", end)
	if dbs := mustDo(t, admin, "DBSIZE"); dbs != int64(1) {
		t.Errorf("DBSIZE %v after the abuse, want 1 (the probe)", dbs)
	}
}

// peaks are the highest RSS and used_memory seen.
type peaks struct{ rss, used atomic.Int64 }

func (pk *peaks) String() string {
	if pk.rss.Load() == 0 {
		return "not sampled"
	}
	return fmt.Sprintf("RSS up to %d MiB, used_memory up to %d MiB", pk.rss.Load()>>20, pk.used.Load()>>20)
}

// percentiles sorts lat and returns its p50 and p99.
func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	return at(0.50), at(0.99)
}

// state is what the test compares before and after the abuse.
type state struct {
	rss, used, clientMem int64
	goroutines, clients  int64
}

func serverState(t *testing.T, rdb *redis.Client, pid int) state {
	t.Helper()
	s, err := rdb.Info(ctx, "server", "clients", "memory").Result()
	if err != nil {
		t.Fatalf("INFO: %v", err)
	}
	r, err := vmRSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	st := state{rss: r, used: infoField(s, "used_memory"), clientMem: infoField(s, "used_memory_clients"),
		goroutines: infoField(s, "go_goroutines"), clients: infoField(s, "connected_clients")}
	if !abuseRedis && (st.goroutines <= 0 || st.clients <= 0) {
		t.Fatalf("INFO lacks go_goroutines or connected_clients:\n%s", s)
	}
	return st
}

// infoField returns an integer field of an INFO reply, -1 when missing.
func infoField(info, name string) int64 {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// vmRSS is VmRSS of /proc/pid/status, in bytes.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// getLoop is get_latency.py, GETting the probe key in a process of its
// own: the test's own goroutines, thousands of them, would otherwise delay
// its reads in the Go scheduler and be measured as the server's latency.
type getLoop struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   bytes.Buffer
}

func startGetLoop(t *testing.T, p *proc) *getLoop {
	t.Helper()
	g := &getLoop{cmd: exec.Command(debianPython, "get_latency.py", p.addr(), "probe", hex.EncodeToString(probeValue))}
	g.cmd.Stdout, g.cmd.Stderr = &g.out, &g.out
	var err error
	if g.stdin, err = g.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.cmd.Process.Kill(); g.cmd.Wait() })
	return g
}

// phase tells the loop a phase begins.
func (g *getLoop) phase(t *testing.T, name string) {
	t.Helper()
	if _, err := fmt.Fprintln(g.stdin, name); err != nil {
		t.Fatalf("the GET loop stopped: %v", err)
	}
}

// wait ends the loop and returns its latencies by phase, sorted. A GET
// that failed or returned a wrong value fails the test.
func (g *getLoop) wait(t *testing.T) map[string][]time.Duration {
	t.Helper()
	g.stdin.Close()
	if err := g.cmd.Wait(); err != nil {
		t.Fatalf("the GET loop: %v\n%s", err, g.out.String())
	}
	by := map[string][]time.Duration{}
	var cur string
	for _, line := range strings.Split(strings.TrimSpace(g.out.String()), "\n") {
		if name, ok := strings.CutPrefix(line, "phase "); ok {
			cur = name
			continue
		}
		us, err := strconv.ParseFloat(line, 64)
		if err != nil {
			t.Fatalf("the GET loop printed %q", line)
		}
		by[cur] = append(by[cur], time.Duration(us*1e3))
	}
	for _, l := range by {
		slices.Sort(l)
	}
	return by
}

// inParallel runs f(0..n-1) on at most abuseConcurrency goroutines and
// returns the first error.
func inParallel(n int, f func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, abuseConcurrency)
	for w := range abuseConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || errs[w] != nil {
					return
				}
				errs[w] = f(i)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// churn opens and closes abuseChurn connections: a third close at once,
// a third after a PING, a third with a reset (SO_LINGER 0).
func churn(p *proc) error {
	return inParallel(abuseChurn, func(i int) error {
		c, err := net.DialTimeout("tcp", p.addr(), 10*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		switch i % 3 {
		case 1:
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, "PING\r\n")
			if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "+PONG\r\n" {
				return fmt.Errorf("PING on connection %d: %q, %v", i, line, err)
			}
		case 2:
			c.(*net.TCPConn).SetLinger(0)
		}
		return nil
	})
}

// halfSends sends each half-sent request on abuseHalfEach connections,
// waits a moment for the server to take it in, and disconnects.
func halfSends(p *proc) error {
	return inParallel(abuseHalfEach*len(halfSent), func(i int) error {
		c, err := net.DialTimeout("tcp", p.addr(), 10*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, halfSent[i%len(halfSent)]); err != nil {
			return err
		}
		// Read what comes (the complete commands' replies) for a moment.
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		io.Copy(io.Discard, c)
		if i%2 == 1 {
			c.(*net.TCPConn).SetLinger(0)
		}
		return nil
	})
}

// junk sends random bytes, 1 byte to 64 KiB, on abuseJunk connections;
// half of them start as a multibulk would. The server may reply, close,
// or wait for more; the client reads for a moment and disconnects.
func junk(p *proc, seed uint64) error {
	return inParallel(abuseJunk, func(i int) error {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		b := randBytes(seed+uint64(i), 1+rng.IntN(64<<10))
		if i%2 == 0 {
			b[0] = '*'
		}
		c, err := net.DialTimeout("tcp", p.addr(), 10*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write(b) // the server may close first
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		io.Copy(io.Discard, c)
		return nil
	})
}

// trickle has abuseTricklers clients each announce a SET of an
// abuseAnnounced-byte value and send abuseTrickled bytes of it, 16 KiB at
// a time, slowly, all at once; then they disconnect. It returns the
// server's used_memory once every trickler has sent its last piece.
func trickle(p *proc, admin *redis.Client) (int64, error) {
	conns := make([]net.Conn, abuseTricklers)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	head := fmt.Sprintf("*3\r\n$3\r\nSET\r\n$8\r\nabuse:%02d\r\n$%d\r\n", 0, abuseAnnounced)
	for i := range conns {
		c, err := net.DialTimeout("tcp", p.addr(), 10*time.Second)
		if err != nil {
			return 0, err
		}
		conns[i] = c
		c.SetDeadline(time.Now().Add(60 * time.Second))
		if _, err := io.WriteString(c, strings.Replace(head, "abuse:00", fmt.Sprintf("abuse:%02d", i), 1)); err != nil {
			return 0, err
		}
	}
	piece := bytes.Repeat([]byte("t"), 16<<10)
	const pieces = abuseTrickled / (16 << 10)
	for range pieces {
		for _, c := range conns {
			if _, err := c.Write(piece); err != nil {
				return 0, fmt.Errorf("trickling: %w", err)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Wait, with a generous deadline, until the server holds every byte.
	for deadline := time.Now().Add(60 * time.Second); ; {
		s, err := admin.Info(ctx, "memory").Result()
		if err != nil {
			return 0, err
		}
		held := infoField(s, "used_memory_clients")
		if abuseRedis {
			held = infoField(s, "mem_clients_normal")
		}
		if held >= abuseTricklers*abuseTrickled {
			return infoField(s, "used_memory"), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the server holds %d client buffer bytes, want at least the %d trickled",
				infoField(s, "used_memory_clients"), abuseTricklers*abuseTrickled)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// overLimit sends a SET whose bulk is one byte over the default
// proto-max-bulk-len (512 MB) and returns everything the server sends
// before it closes the connection.
func overLimit(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n", 512<<20+1); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}
