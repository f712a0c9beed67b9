// Package tests runs the real numkv binary, built once by TestMain, and
// talks to it with real clients: go-redis over RESP2 and RESP3, redis-cli,
// and redis-py with numpy as the oracle of slice semantics. Where Redis
// sets the expected answer, redis-server 7.0.15 runs beside it.
//
// Each file holds one concern (persist_*_test.go are persistence's);
// helpers_test.go holds what they share: starting numkv and redis-server,
// the go-redis client, waits, datasets, snapshot files and the seed.
//
// Every server listens on loopback only and is killed by PID when its test
// ends. No test asserts on timing: waits poll with generous deadlines.
// Randomized tests take their seed from -seed, or from the clock when it is
// 0, and log it with the command that reruns them with it.
package tests

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"numkv/snapshotio"
)

// binPath is the numkv binary that TestMain builds for the whole package.
var binPath string

func TestMain(m *testing.M) {
	flag.Parse()
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

var ctx = context.Background()

// dumpName is numkv's default --dbfilename.
const dumpName = "dump.numkv"

// ---------- the seed ----------

var seedFlag = flag.Uint64("seed", 0, "seed of the randomized tests (0: a new one from the clock)")

// testSeed returns the seed for t's random choices, -seed or else one from
// the clock, and logs it with the command that reruns t with it.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	var run []string
	for _, part := range strings.Split(t.Name(), "/") {
		run = append(run, "^"+part+"$")
	}
	t.Logf("seed %d (rerun with: go test ./tests -run '%s' -seed %d)", seed, strings.Join(run, "/"), seed)
	return seed
}

// ---------- processes ----------

// proc is a server process started by a test: numkv or redis-server.
type proc struct {
	cmd  *exec.Cmd
	port int
	dir  string
	log  *bytes.Buffer // stdout and stderr; read it only once it has exited
	done chan error    // holds Wait's result once it has exited
	// dial connects to an address as seen from where the process runs:
	// nil for this machine's network, or a namespace's (netns.dial).
	dial func(network, addr string) (net.Conn, error)
}

// connect dials addr where p runs.
func (p *proc) connect(network, addr string) (net.Conn, error) {
	if p.dial != nil {
		return p.dial(network, addr)
	}
	return net.DialTimeout(network, addr, time.Second)
}

func (p *proc) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

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

// launch runs bin (numkv or redis-server) on a free loopback port with
// flags after the common ones, in dir, and has it killed by PID when the
// test ends. It does not wait for anything.
func launch(t testing.TB, bin, dir string, flags ...string) *proc {
	t.Helper()
	return launchWith(t, where{}, bin, dir, flags...)
}

// where says where launchWith runs a server: the zero value is on this
// machine, bound to 127.0.0.1.
type where struct {
	bind string // --bind's value; "" for 127.0.0.1
	ns   *netns // the network namespace to run in, nil for this machine's
	// prep, when not nil, adjusts the command before it starts: its
	// credentials, or a wrapper that execs bin (so the PID stays bin's).
	prep func(cmd *exec.Cmd)
}

// launchWith is launch, in w.
func launchWith(t testing.TB, w where, bin, dir string, flags ...string) *proc {
	t.Helper()
	p := &proc{port: freePort(t), dir: dir, log: &bytes.Buffer{}, done: make(chan error, 1)}
	bind := w.bind
	if bind == "" {
		bind = "127.0.0.1"
	}
	args := append([]string{"--bind", bind, "--port", strconv.Itoa(p.port), "--dir", dir}, flags...)
	if w.ns != nil {
		// ip netns exec execs bin itself, so the PID is bin's.
		args = append([]string{"netns", "exec", w.ns.name, bin}, args...)
		bin = "ip"
		p.dial = func(network, addr string) (net.Conn, error) { return w.ns.dial(network, "", addr) }
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if w.prep != nil {
		w.prep(p.cmd)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	return p
}

// launchListening launches bin and waits until it listens or has exited.
// A port that freePort found free can be taken before the server binds it,
// by a client's ephemeral port or by another server (tests run in
// parallel, and other test binaries may run on the machine): then the
// server exits, and launchListening launches it again on another port, up
// to 5 times.
func launchListening(t testing.TB, bin, dir string, flags ...string) *proc {
	t.Helper()
	return launchListeningWith(t, where{}, bin, dir, flags...)
}

// launchListeningWith is launchListening, in w.
func launchListeningWith(t testing.TB, w where, bin, dir string, flags ...string) *proc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := launchWith(t, w, bin, dir, flags...)
		waitFor(t, filepath.Base(bin)+" to listen or exit", func() bool {
			c, err := net.DialTimeout("tcp", p.addr(), time.Second)
			if err == nil {
				c.Close()
			}
			return err == nil || !p.running()
		})
		if p.running() {
			pid, known := serverPID(p.addr())
			if !known || pid == p.cmd.Process.Pid {
				return p
			}
			mustExit(t, p) // another server answered: this one cannot bind
		}
		if !strings.Contains(strings.ToLower(p.log.String()), "address already in use") {
			return p // it exited for a reason of its own
		}
		if attempt == 5 {
			t.Fatalf("%s could not bind a free port 5 times:\n%s", bin, p.log)
		}
	}
}

// serverPID returns the process_id of INFO server from the server at addr,
// numkv or redis-server, and false when it does not say (it refuses INFO
// before AUTH, for one).
func serverPID(addr string) (pid int, known bool) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "INFO server\r\n")
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	n, perr := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
	if err != nil || !strings.HasPrefix(head, "$") || perr != nil || n < 0 {
		return 0, false
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(body), "\r\n") {
		if v, ok := strings.CutPrefix(line, "process_id:"); ok {
			pid, err := strconv.Atoi(v)
			return pid, err == nil
		}
	}
	return 0, false
}

// startProc starts numkv with flags in dir and returns as soon as it
// listens or has exited, without waiting for it to answer: for loads meant
// to be watched in progress and start-ups meant to fail.
func startProc(t testing.TB, dir string, flags ...string) *proc {
	t.Helper()
	return launchListening(t, binPath, dir, flags...)
}

// mustStart starts numkv with flags in dir (a fresh temporary directory
// when empty) and waits until it answers PING, which it does once its
// snapshot is loaded.
func mustStart(t testing.TB, dir string, flags ...string) *proc {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return mustReady(t, launchListening(t, binPath, dir, flags...))
}

// startRedis starts redis-server without persistence, with flags after
// that, and waits until it answers PING.
func startRedis(t testing.TB, flags ...string) *proc {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is missing: run the README's test command (make test), which installs it")
	}
	flags = append([]string{"--save", "", "--appendonly", "no"}, flags...)
	return mustReady(t, launchListening(t, "redis-server", t.TempDir(), flags...))
}

// mustReady waits until p answers PING with PONG, and fails if it exits.
func mustReady(t testing.TB, p *proc) *proc {
	t.Helper()
	waitFor(t, p.cmd.Path+" to answer PING", func() bool {
		if !p.running() {
			t.Fatalf("%s exited before it was ready:\n%s", p.cmd.Path, p.log)
		}
		c, err := p.connect("tcp", p.addr())
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(c, "PING\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		return line == "+PONG\r\n"
	})
	return p
}

// running reports whether p has not exited yet.
func (p *proc) running() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return false
	default:
		return true
	}
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

// mustExit waits for p to exit and returns its exit code. p.log may be
// read once it returns.
func mustExit(t testing.TB, p *proc) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not exit", p.cmd.Path)
	}
	return -1
}

// ---------- clients ----------

// newClient returns a go-redis client of database db of p over RESP
// protocol (2 or 3) that never retries, so that an acknowledged reply means
// exactly one execution.
func newClient(p *proc, db, protocol int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: p.addr(), DB: db, Protocol: protocol, MaxRetries: -1,
		DialTimeout: 5 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second})
}

func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustDo(t testing.TB, rdb *redis.Client, args ...any) any {
	t.Helper()
	v, err := rdb.Do(ctx, args...).Result()
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// mustErrText runs a command that must fail with exactly want.
func mustErrText(t testing.TB, rdb *redis.Client, want string, args ...any) {
	t.Helper()
	err := rdb.Do(ctx, args...).Err()
	if err == nil || err.Error() != want {
		t.Fatalf("%v: error %v, want %q", args, err, want)
	}
}

// shutdownByCommand sends SHUTDOWN with args, which closes the connection
// instead of replying when it works.
func shutdownByCommand(t testing.TB, p *proc, args ...any) {
	t.Helper()
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	err := rdb.Do(ctx, append([]any{"SHUTDOWN"}, args...)...).Err()
	var rerr redis.Error
	if errors.As(err, &rerr) {
		t.Fatalf("SHUTDOWN %v: %v", args, err)
	}
}

// ---------- waits and INFO ----------

// waitFor polls cond every 10 ms until it holds, failing after a generous
// deadline: a wait, never a timing assertion.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// info returns one field of INFO's default sections.
func info(t testing.TB, rdb *redis.Client, field string) string {
	t.Helper()
	s, err := rdb.Info(ctx).Result()
	if err != nil {
		t.Fatalf("INFO: %v", err)
	}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			return v
		}
	}
	t.Fatalf("INFO has no %s:\n%s", field, s)
	return ""
}

func infoInt(t testing.TB, rdb *redis.Client, field string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(info(t, rdb, field), 10, 64)
	if err != nil {
		t.Fatalf("INFO %s: %v", field, err)
	}
	return n
}

// waitBgsave waits until no background save runs.
func waitBgsave(t testing.TB, rdb *redis.Client) {
	t.Helper()
	waitFor(t, "the background save", func() bool { return info(t, rdb, "rdb_bgsave_in_progress") == "0" })
}

// ---------- data ----------

// randBytes returns n reproducible pseudo-random bytes for seed.
func randBytes(seed uint64, n int) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// fillSmall writes a few variables, one of 2 MiB, in databases 0 and 3.
func fillSmall(t testing.TB, p *proc, tag string) {
	t.Helper()
	db0, db3 := newClient(p, 0, 2), newClient(p, 3, 2)
	defer db0.Close()
	defer db3.Close()
	mustDo(t, db0, "SET", "tag", tag)
	mustDo(t, db0, "SET", "noise", randBytes(7, 2<<20))
	mustDo(t, db3, "NUM.CREATE", "vec", "c64", "SHAPE", "2")
	mustDo(t, db3, "NUM.APPEND", "vec", randBytes(8, 16*100))
	mustDo(t, db3, "SET", "tag:"+tag, tag)
}

// ---------- datasets, as clients see them ----------

// varState is one variable as a client sees it: NUM.INFO's reply and its
// bytes.
type varState struct {
	info string
	n    int
	sum  [32]byte
}

type dataset map[string]varState // by "db key", the key quoted

func dsKey(db int, key string) string { return fmt.Sprintf("%d %q", db, key) }

// mustDump reads every variable of every database, except keys for which
// skip is true.
func mustDump(t testing.TB, p *proc, skip func(key string) bool) dataset {
	t.Helper()
	ds := dataset{}
	for db := 0; db < 16; db++ {
		rdb := newClient(p, db, 2)
		keys, err := rdb.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatalf("KEYS in db %d: %v", db, err)
		}
		for _, k := range keys {
			if skip != nil && skip(k) {
				continue
			}
			in := mustDo(t, rdb, "NUM.INFO", k)
			b, err := rdb.Get(ctx, k).Bytes()
			if err != nil {
				t.Fatalf("GET %q in db %d: %v", k, db, err)
			}
			ds[dsKey(db, k)] = varState{info: fmt.Sprint(in), n: len(b), sum: sha256.Sum256(b)}
		}
		rdb.Close()
	}
	return ds
}

func mustEqualDataset(t testing.TB, got, want dataset) {
	t.Helper()
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+k)
		case g.info != w.info:
			diffs = append(diffs, fmt.Sprintf("%s: NUM.INFO %s, want %s", k, g.info, w.info))
		case g.n != w.n || g.sum != w.sum:
			diffs = append(diffs, fmt.Sprintf("%s: %d bytes differ from the %d saved", k, g.n, w.n))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, "unexpected "+k)
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		t.Fatalf("%d differences after the restart (of %d variables):\n%s", len(diffs), len(want), strings.Join(diffs[:min(len(diffs), 20)], "\n"))
	}
}

// ---------- snapshot files ----------

// dirNames lists dir, sorted.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func mustOnlySnapshot(t testing.TB, dir string) {
	t.Helper()
	if names := dirNames(t, dir); !slices.Equal(names, []string{dumpName}) {
		t.Fatalf("%s holds %q, want only %s", dir, names, dumpName)
	}
}

// runCheck runs `numkv check path` and returns its exit code and output.
func runCheck(t testing.TB, path string) (int, string) {
	t.Helper()
	out, err := exec.Command(binPath, "check", path).CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("numkv check: %v", err)
	}
	if ee != nil {
		return ee.ExitCode(), string(out)
	}
	return 0, string(out)
}

func mustCheckOK(t testing.TB, path string) string {
	t.Helper()
	code, out := runCheck(t, path)
	if code != 0 || !strings.Contains(out, ": OK\n") || !strings.Contains(out, " records") {
		t.Fatalf("numkv check %s: exit %d\n%s", path, code, out)
	}
	return out
}

// fileRec is a snapshot record with a digest of its data.
type fileRec struct {
	DB         int
	Key        string
	Dtype      string
	Itemsize   int
	Shape      string
	ExpireAtMs int64
	Length     int64
	Sum        [32]byte
}

// mustReadSnapshot decodes every record of the snapshot at path, sorted by
// database and key.
func mustReadSnapshot(t testing.TB, path string) []fileRec {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := snapshotio.NewReader(f, snapshotio.ReaderOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var recs []fileRec
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := rd.WriteTo(h); err != nil {
			t.Fatal(err)
		}
		fr := fileRec{DB: rec.DB, Key: string(rec.Key), Dtype: rec.Dtype, Itemsize: rec.Itemsize,
			Shape: fmt.Sprint(rec.Shape), ExpireAtMs: rec.ExpireAtMs, Length: rec.Length}
		h.Sum(fr.Sum[:0])
		recs = append(recs, fr)
	}
	slices.SortFunc(recs, func(a, b fileRec) int {
		if a.DB != b.DB {
			return a.DB - b.DB
		}
		return strings.Compare(a.Key, b.Key)
	})
	return recs
}

func recByKey(recs []fileRec, db int, key string) (fileRec, bool) {
	for _, r := range recs {
		if r.DB == db && r.Key == key {
			return r, true
		}
	}
	return fileRec{}, false
}

// snapshotBytes encodes items into a snapshot in memory, with the format's
// own Writer, for tests that feed the server a file of their making.
func snapshotBytes(t testing.TB, recs []snapshotio.Record, data [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := snapshotio.NewWriter(&buf, snapshotio.Options{})
	for i := range recs {
		if err := w.BeginRecord(&recs[i]); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data[i]); err != nil {
			t.Fatal(err)
		}
		if err := w.EndRecord(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ---------- a writer that counts ----------

// counterWriter sets a counter key to 1, 2, 3... one acknowledged command at
// a time until the server stops answering. Before each value n it calls
// before(n), which writes whatever else belongs to n. acked is the last n
// whose SET was acknowledged.
type counterWriter struct {
	acked, sent atomic.Int64
	done        chan struct{}
}

func startCounterWriter(p *proc, key string, from int64, before func(rdb *redis.Client, n int64) error) *counterWriter {
	w := &counterWriter{done: make(chan struct{})}
	w.acked.Store(from - 1)
	w.sent.Store(from - 1)
	rdb := newClient(p, 0, 2)
	go func() {
		defer close(w.done)
		defer rdb.Close()
		for n := from; ; n++ {
			w.sent.Store(n)
			if before != nil {
				if err := before(rdb, n); err != nil {
					return
				}
			}
			if err := rdb.Set(ctx, key, n, 0).Err(); err != nil {
				return
			}
			w.acked.Store(n)
		}
	}()
	return w
}

// wait waits for the writer to stop, which it does when its server is gone.
func (w *counterWriter) wait(t testing.TB) {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the writer did not stop")
	}
}

func mustCounter(t testing.TB, p *proc, key string) int64 {
	t.Helper()
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	n, err := rdb.Get(ctx, key).Int64()
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	return n
}

// debianPython is Debian's interpreter, which python3-redis and
// python3-numpy install into (a pyenv python3 on PATH has neither).
const debianPython = "/usr/bin/python3"

// mustPython checks that Debian's python3 has numpy and redis-py: missing
// modules fail the test (no test may be skipped; `make test` installs them).
func mustPython(t testing.TB) {
	t.Helper()
	probe := exec.Command(debianPython, "-c", "import redis, numpy")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("the Python tests need Debian's python3-redis and python3-numpy in %s: "+
			"run `make test`, which installs them.\n%v: %s", debianPython, err, strings.TrimSpace(string(out)))
	}
}

// runPython runs cmd with a deadline, logs its output and fails t if it
// fails.
func runPython(t testing.TB, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s:\n%s", name, strings.Join(args, " "), strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), err)
	}
	return string(out)
}
