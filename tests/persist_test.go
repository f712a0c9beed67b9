package tests

// Persistence with the real binary: round trips of every dtype, shutdown by
// signal and by SHUTDOWN, kill -9 during saves in a loop, the point in time a
// BGSAVE captures, a full disk, damaged files, LOADING, the --save rules and
// INFO persistence. Every process is stopped by PID; nothing relies on a
// timing assertion: waits poll with generous deadlines.

import (
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

	"numkv/shardlock"
	"numkv/snapshotio"
)

var crashSeed = flag.Uint64("crash.seed", 0, "seed of TestPersistCrashLoop's kill timing (0: from the clock)")

var ctx = context.Background()

const dumpName = "dump.numkv"

// ---------- processes ----------

// startProc runs the binary on a free loopback port like mustStart, but
// returns as soon as it listens or has exited, without waiting for it to
// answer: for loads meant to be watched in progress and start-ups meant to
// fail. Like mustStart it tries another port when its port was taken. The
// process is killed by PID when the test ends.
func startProc(t testing.TB, dir string, flags ...string) *proc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := launch(t, dir, flags...)
		waitFor(t, "the server to listen or exit", func() bool {
			c, err := net.DialTimeout("tcp", p.addr(), time.Second)
			if err == nil {
				c.Close()
			}
			return err == nil || !p.running()
		})
		if p.running() || !strings.Contains(p.log.String(), "address already in use") || attempt == 5 {
			return p
		}
	}
}

// mustExit waits for p to exit by itself and returns its exit code. p.log
// may be read once it returns.
func mustExit(t testing.TB, p *proc) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		t.Fatalf("numkv did not exit")
	}
	return -1
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

// client returns a go-redis client of database db over RESP2 that never
// retries, so that an acknowledged reply means exactly one execution.
func client(p *proc, db int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: p.addr(), DB: db, Protocol: 2, MaxRetries: -1,
		DialTimeout: 5 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second})
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

// info returns one field of INFO persistence.
func info(t testing.TB, rdb *redis.Client, field string) string {
	t.Helper()
	s, err := rdb.Info(ctx, "persistence").Result()
	if err != nil {
		t.Fatalf("INFO persistence: %v", err)
	}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			return v
		}
	}
	t.Fatalf("INFO persistence has no %s:\n%s", field, s)
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

// waitBgsave waits until no background save runs.
func waitBgsave(t testing.TB, rdb *redis.Client) {
	t.Helper()
	waitFor(t, "the background save", func() bool { return info(t, rdb, "rdb_bgsave_in_progress") == "0" })
}

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
		rdb := client(p, db)
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

// ---------- data ----------

// randBytes returns n reproducible pseudo-random bytes for seed.
func randBytes(seed uint64, n int) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// allDtypes are the contract's dtypes, two V<n> among them, with their
// scalar sizes.
var allDtypes = []struct {
	name string
	size int
}{
	{"i8", 1}, {"u8", 1}, {"i16", 2}, {"u16", 2}, {"i32", 4}, {"u32", 4}, {"i64", 8}, {"u64", 8},
	{"f16", 2}, {"bf16", 2}, {"f32", 4}, {"f64", 8}, {"c64", 8}, {"c128", 16}, {"bool", 1},
	{"V12", 12}, {"V3", 3},
}

// fillRoundTrip writes the round trip's dataset: every dtype with and
// without a shape, empty variables, binary keys, several databases,
// expiries, and values spanning many snapshot blocks. It returns the
// absolute expiry it set on "exp:pxat" and "v:f32" and the one, soon, of
// "exp:soon".
func fillRoundTrip(t testing.TB, p *proc) (far, soon int64) {
	t.Helper()
	shapes := [][]string{nil, {"3"}, {"2", "3"}, {"1"}, {"4", "1", "2"}}
	db0 := client(p, 0)
	defer db0.Close()
	for i, dt := range allDtypes {
		shape := shapes[i%len(shapes)]
		elem := dt.size
		for _, d := range shape {
			n, _ := strconv.Atoi(d)
			elem *= n
		}
		key := "v:" + dt.name
		args := []any{"NUM.CREATE", key, dt.name}
		if shape != nil {
			args = append(args, "SHAPE")
			for _, d := range shape {
				args = append(args, d)
			}
		}
		mustDo(t, db0, args...)
		// Any bytes are a valid element: NaN payloads, non-0/1 bools and
		// all, and must come back as they were.
		mustDo(t, db0, "NUM.APPEND", key, randBytes(uint64(i), elem*(1+7*i)))
		mustDo(t, db0, "NUM.CREATE", "empty:"+dt.name, dt.name, "SHAPE", "4")
	}
	mustDo(t, db0, "SET", "empty:string", "")

	db1 := client(p, 1)
	defer db1.Close()
	for i, k := range []string{"", "\x00", "\xff\xfe\r\n *?[", strings.Repeat("k\x00", 500)} {
		mustDo(t, db1, "SET", k, randBytes(uint64(100+i), 10*i))
	}

	db2 := client(p, 2)
	defer db2.Close()
	far = time.Now().Add(time.Hour).UnixMilli() + 123
	soon = time.Now().Add(1500 * time.Millisecond).UnixMilli()
	mustDo(t, db2, "SET", "exp:pxat", "x", "PXAT", far)
	mustDo(t, db2, "SET", "exp:ex", "y", "EX", 3600)
	mustDo(t, db2, "SET", "exp:soon", "z", "PXAT", soon)
	mustDo(t, db0, "PEXPIREAT", "v:f32", far)

	db5 := client(p, 5)
	defer db5.Close()
	// 6 MiB of noise that no codec shrinks, a sparse value that they do,
	// and an f64 variable grown by many appends.
	mustDo(t, db5, "SET", "big:rand", randBytes(500, 6<<20+123))
	mustDo(t, db5, "SETRANGE", "big:sparse", 5<<20, "tail")
	for _, n := range []int{64<<10 - 1, 64 << 10, 64<<10 + 1, 128 << 10, 128<<10 + 1} {
		mustDo(t, db5, "SET", fmt.Sprintf("edge:%d", n), randBytes(uint64(n), n))
	}
	mustDo(t, db5, "NUM.CREATE", "big:f64", "f64", "SHAPE", "8")
	for i := 0; i < 48; i++ {
		mustDo(t, db5, "NUM.APPEND", "big:f64", randBytes(uint64(600+i), 64<<10))
	}

	db15 := client(p, 15)
	defer db15.Close()
	mustDo(t, db15, "SET", "last", "db 15")
	return far, soon
}

// TestPersistRoundTrip saves every dtype, shape, database and expiry, with
// each codec, restarts on the file and compares every byte, then saves the
// loaded data again and compares the files record by record.
func TestPersistRoundTrip(t *testing.T) {
	t.Parallel()
	for _, codec := range []string{"none", "s2", "zstd"} {
		t.Run(codec, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			flags := []string{"--save", "", "--snapshot-compression", codec}
			p := mustStart(t, dir, flags...)
			far, soon := fillRoundTrip(t, p)
			want := mustDump(t, p, nil)
			rdb := client(p, 0)
			if v := mustDo(t, rdb, "SAVE"); v != "OK" {
				t.Fatalf("SAVE = %v", v)
			}
			rdb.Close()
			p.kill()
			mustOnlySnapshot(t, dir)
			mustCheckOK(t, filepath.Join(dir, dumpName))
			saved := mustReadSnapshot(t, filepath.Join(dir, dumpName))
			if r, ok := recByKey(saved, 2, "exp:pxat"); !ok || r.ExpireAtMs != far {
				t.Fatalf("exp:pxat saved as %+v, want expiry %d", r, far)
			}
			if r, ok := recByKey(saved, 0, "v:f32"); !ok || r.ExpireAtMs != far {
				t.Fatalf("v:f32 saved as %+v, want expiry %d", r, far)
			}

			// Restart once exp:soon has expired: it is in the file but must
			// not come back.
			for time.Now().UnixMilli() <= soon {
				time.Sleep(time.Duration(soon-time.Now().UnixMilli()+5) * time.Millisecond)
			}
			delete(want, dsKey(2, "exp:soon"))
			p = mustStart(t, dir, flags...)
			mustEqualDataset(t, mustDump(t, p, nil), want)
			rdb0, rdb2 := client(p, 0), client(p, 2)
			defer rdb0.Close()
			defer rdb2.Close()
			for _, c := range []struct {
				rdb *redis.Client
				key string
			}{{rdb2, "exp:pxat"}, {rdb0, "v:f32"}} {
				if at := mustDo(t, c.rdb, "PEXPIRETIME", c.key); at != far {
					t.Fatalf("PEXPIRETIME %s = %v after the restart, want %d", c.key, at, far)
				}
			}
			if ttl := mustDo(t, rdb0, "TTL", "v:i8"); ttl != int64(-1) {
				t.Fatalf("TTL v:i8 = %v, want -1", ttl)
			}
			if n, x := infoInt(t, rdb0, "rdb_last_load_keys_loaded"), infoInt(t, rdb0, "rdb_last_load_keys_expired"); n != int64(len(saved)-1) || x != 1 {
				t.Fatalf("rdb_last_load_keys_loaded:%d rdb_last_load_keys_expired:%d, want %d and 1", n, x, len(saved)-1)
			}

			// Saving what was loaded writes the same records, expiries
			// included (exp:ex's stays the absolute time it was).
			if v := mustDo(t, rdb0, "SAVE"); v != "OK" {
				t.Fatalf("SAVE = %v", v)
			}
			var wantRecs []fileRec
			for _, r := range saved {
				if r.Key != "exp:soon" {
					wantRecs = append(wantRecs, r)
				}
			}
			if got := mustReadSnapshot(t, filepath.Join(dir, dumpName)); !slices.Equal(got, wantRecs) {
				t.Fatalf("the second save differs:\n got %+v\nwant %+v", got, wantRecs)
			}
		})
	}
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
	rdb := client(p, 0)
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
	rdb := client(p, 0)
	defer rdb.Close()
	n, err := rdb.Get(ctx, key).Int64()
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	return n
}

// ---------- shutdown ----------

func isWriterKey(k string) bool { return strings.HasPrefix(k, "w:") }

// fillSmall writes a few variables, one of 2 MiB, in databases 0 and 3.
func fillSmall(t testing.TB, p *proc, tag string) {
	t.Helper()
	db0, db3 := client(p, 0), client(p, 3)
	defer db0.Close()
	defer db3.Close()
	mustDo(t, db0, "SET", "tag", tag)
	mustDo(t, db0, "SET", "noise", randBytes(7, 2<<20))
	mustDo(t, db3, "NUM.CREATE", "vec", "c64", "SHAPE", "2")
	mustDo(t, db3, "NUM.APPEND", "vec", randBytes(8, 16*100))
	mustDo(t, db3, "SET", "tag:"+tag, tag)
}

// shutdownByCommand sends SHUTDOWN with args, which closes the connection
// instead of replying when it works.
func shutdownByCommand(t testing.TB, p *proc, args ...any) {
	t.Helper()
	rdb := client(p, 0)
	defer rdb.Close()
	err := rdb.Do(ctx, append([]any{"SHUTDOWN"}, args...)...).Err()
	var rerr redis.Error
	if errors.As(err, &rerr) {
		t.Fatalf("SHUTDOWN %v: %v", args, err)
	}
}

// TestPersistShutdown: SIGTERM, SIGINT, SHUTDOWN and SHUTDOWN SAVE save
// everything acknowledged, even with a writer busy until the end; SHUTDOWN
// NOSAVE does not save.
func TestPersistShutdown(t *testing.T) {
	t.Parallel()
	stops := []struct {
		name string
		stop func(t *testing.T, p *proc)
	}{
		{"SIGTERM", func(t *testing.T, p *proc) { syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM) }},
		{"SIGINT", func(t *testing.T, p *proc) { syscall.Kill(p.cmd.Process.Pid, syscall.SIGINT) }},
		{"SHUTDOWN", func(t *testing.T, p *proc) { shutdownByCommand(t, p) }},
		{"SHUTDOWN SAVE", func(t *testing.T, p *proc) { shutdownByCommand(t, p, "SAVE") }},
	}
	for _, s := range stops {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// --save "" turns off only the periodic saves: a shutdown
			// still saves (the contract; Redis would not).
			p := mustStart(t, dir, "--save", "")
			fillSmall(t, p, s.name)
			want := mustDump(t, p, isWriterKey)
			w := startCounterWriter(p, "w:counter", 1, func(rdb *redis.Client, n int64) error {
				return rdb.SetRange(ctx, "w:data", (n%64)*1024, string(randBytes(uint64(n), 1024))).Err()
			})
			waitFor(t, "the writer to start", func() bool { return w.acked.Load() >= 100 })
			s.stop(t, p)
			if code := mustExit(t, p); code != 0 {
				t.Fatalf("exit code %d\n%s", code, p.log)
			}
			w.wait(t)
			mustOnlySnapshot(t, dir)
			p = mustStart(t, dir, "--save", "")
			mustEqualDataset(t, mustDump(t, p, isWriterKey), want)
			// Every write the server acknowledged before it exited is in
			// the file.
			if n := mustCounter(t, p, "w:counter"); n < w.acked.Load() || n > w.sent.Load() {
				t.Fatalf("w:counter = %d after the restart; %d was acknowledged, %d sent", n, w.acked.Load(), w.sent.Load())
			}
		})
	}

	t.Run("SHUTDOWN NOSAVE", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		p := mustStart(t, dir, "--save", "")
		fillSmall(t, p, "A")
		want := mustDump(t, p, nil)
		rdb := client(p, 0)
		mustDo(t, rdb, "SAVE")
		mustDo(t, rdb, "SET", "tag", "B")
		mustDo(t, rdb, "SET", "new", "B")
		mustDo(t, rdb, "DEL", "noise")
		rdb.Close()
		shutdownByCommand(t, p, "NOSAVE")
		if code := mustExit(t, p); code != 0 {
			t.Fatalf("exit code %d\n%s", code, p.log)
		}
		p = mustStart(t, dir, "--save", "")
		mustEqualDataset(t, mustDump(t, p, nil), want)
	})
}

// startLogged starts numkv on a snapshot directory of its own, logging to
// a file, with no save rules.
func startLogged(t testing.TB) (p *proc, dir, logf string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logf = filepath.Join(t.TempDir(), "numkv.log")
	return mustStart(t, dir, "--save", "", "--logfile", logf), dir, logf
}

// hideDir puts a file where the snapshot directory dir was, so that every
// save fails, and returns the function that puts the directory back.
func hideDir(t testing.TB, dir string) (restore func()) {
	t.Helper()
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dir+".away", dir); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPersistShutdownSaveFails makes the final save fail (the snapshot
// directory replaced by a file): SHUTDOWN answers Redis's error and SIGTERM
// is ignored, the server serving on, until the directory is back.
func TestPersistShutdownSaveFails(t *testing.T) {
	t.Parallel()
	p, dir, logf := startLogged(t)
	fillSmall(t, p, "A")
	want := mustDump(t, p, nil)
	restore := hideDir(t, dir)
	rdb := client(p, 0)
	defer rdb.Close()
	mustErrText(t, rdb, "ERR Errors trying to SHUTDOWN. Check logs.", "SHUTDOWN")
	mustErrText(t, rdb, "ERR Errors trying to SHUTDOWN. Check logs.", "SHUTDOWN", "SAVE")
	if v := mustDo(t, rdb, "PING"); v != "PONG" || !p.running() {
		t.Fatalf("PING after a failed SHUTDOWN: %v", v)
	}
	refusals := func() int {
		b, _ := os.ReadFile(logf)
		return strings.Count(string(b), "Error trying to save the DB, can't exit.")
	}
	before := refusals()
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
	waitFor(t, "the server to refuse to exit on SIGTERM", func() bool { return refusals() > before })
	if v := mustDo(t, rdb, "PING"); v != "PONG" || !p.running() {
		t.Fatalf("PING after a failed SIGTERM: %v", v)
	}

	// With the directory back, SHUTDOWN works and saves.
	restore()
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("the failed saves left %q", names)
	}
	shutdownByCommand(t, p)
	if code := mustExit(t, p); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	p = mustStart(t, dir, "--save", "")
	mustEqualDataset(t, mustDump(t, p, nil), want)
}

// TestPersistShutdownForce: SHUTDOWN FORCE exits even though its save
// fails, as in Redis, and the snapshot saved before stays as it was.
func TestPersistShutdownForce(t *testing.T) {
	t.Parallel()
	p, dir, logf := startLogged(t)
	fillSmall(t, p, "A")
	want := mustDump(t, p, nil)
	rdb := client(p, 0)
	defer rdb.Close()
	if v := mustDo(t, rdb, "SAVE"); v != "OK" {
		t.Fatalf("SAVE = %v", v)
	}
	mustDo(t, rdb, "SET", "tag", "B") // after the save: lost by the forced exit
	restore := hideDir(t, dir)
	shutdownByCommand(t, p, "FORCE")
	if code := mustExit(t, p); code != 0 {
		t.Fatalf("exit code %d\n%s", code, p.log)
	}
	if b, _ := os.ReadFile(logf); !strings.Contains(string(b), "Error trying to save the DB. Exit anyway.") {
		t.Fatalf("the log does not say the save failed:\n%s", b)
	}
	restore()
	p = mustStart(t, dir, "--save", "")
	mustEqualDataset(t, mustDump(t, p, nil), want)
}

// ---------- kill -9 during saves ----------

const (
	crashChunk  = 64 << 10
	crashChunks = 128 // 8 MiB in all, so that saves take a while
)

// TestPersistCrashLoop kills the server with SIGKILL at random moments while
// a writer writes and a SAVE or BGSAVE runs, and restarts it, in a loop.
// Every restart must load a complete snapshot, at least as new as the last
// acknowledged SAVE, and exactly one point in time of the writer's sequence;
// the temporary files of killed saves must be gone after the restart.
//
// The writer's value n rewrites chunk n%crashChunks of "big" with data
// derived from n, then sets the counter to n. A snapshot with counter c thus
// holds, in chunk j, the data of the last m <= c with m%crashChunks == j,
// except that chunk (c+1)%crashChunks may already hold c+1's. The counter
// lives in a slot far from big's, with 30,000 small keys in between, so
// that a cut that took the slots one at a time, not all at once, would let
// the writer in between and be caught.
func TestPersistCrashLoop(t *testing.T) {
	t.Parallel()
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("kill timing seed %d (rerun with -crash.seed %d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	flags := []string{"--save", ""}

	counterKey, dist := "", 0
	for i := 0; i < 1000; i++ {
		k := fmt.Sprintf("counter-%d", i)
		if d := abs(shardlock.HashSlot([]byte(k)) - shardlock.HashSlot([]byte("big"))); d > dist {
			counterKey, dist = k, d
		}
	}
	chunkData := func(n int64) []byte { return randBytes(uint64(n)<<8|1, crashChunk) }
	writeChunk := func(rdb *redis.Client, n int64) error {
		return rdb.SetRange(ctx, "big", (n%crashChunks)*crashChunk, string(chunkData(n))).Err()
	}
	// verify checks the invariant and returns the counter.
	verify := func(p *proc) int64 {
		t.Helper()
		c := mustCounter(t, p, counterKey)
		rdb := client(p, 0)
		defer rdb.Close()
		big, err := rdb.Get(ctx, "big").Bytes()
		if err != nil || len(big) != crashChunk*crashChunks {
			t.Fatalf("GET big: %d bytes, %v", len(big), err)
		}
		for j := int64(0); j < crashChunks; j++ {
			got := big[j*crashChunk : (j+1)*crashChunk]
			m := c - ((c-j)%crashChunks+crashChunks)%crashChunks
			if bytes.Equal(got, chunkData(m)) {
				continue
			}
			if j == (c+1)%crashChunks && bytes.Equal(got, chunkData(c+1)) {
				continue
			}
			t.Fatalf("counter %d, but chunk %d holds neither value %d's data nor a later one's: not one point in time", c, j, m)
		}
		return c
	}

	p := mustStart(t, dir, flags...)
	rdb := client(p, 0)
	for n := int64(1); n <= crashChunks; n++ {
		mustNoErr(t, writeChunk(rdb, n))
	}
	mustDo(t, rdb, "SET", counterKey, crashChunks)
	for i := 0; i < 30000; i += 1000 {
		args := []any{"MSET"}
		for j := i; j < i+1000; j++ {
			args = append(args, fmt.Sprintf("f:%d", j), j)
		}
		mustDo(t, rdb, args...)
	}
	mustDo(t, rdb, "SAVE")
	rdb.Close()
	p.kill()
	durable := int64(crashChunks) // the counter at the last acknowledged SAVE

	const iterations = 20
	start := time.Now()
	var midSave, saves, saveAcks int
	for it := 0; it < iterations; it++ {
		if time.Since(start) > 40*time.Second {
			t.Logf("stopping after %d iterations, %v", it, time.Since(start))
			break
		}
		p := mustStart(t, dir, flags...) // fails if the file is refused
		mustOnlySnapshot(t, dir)
		c := verify(p)
		if c < durable {
			t.Fatalf("iteration %d: counter %d after the restart, but a SAVE acknowledged %d", it, c, durable)
		}
		w := startCounterWriter(p, counterKey, c+1, writeChunk)
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)

		// 0: SAVE, killed at a random moment, often during the write;
		// 1: SAVE, killed just after its reply; 2: BGSAVE, killed at a
		// random moment; 3: no save, a plain crash.
		mode := rng.IntN(4)
		before := w.acked.Load()
		res := make(chan error, 1)
		if mode < 3 {
			saves++
			cmd := [...]string{"SAVE", "SAVE", "BGSAVE"}[mode]
			sc := client(p, 0)
			go func() {
				defer sc.Close()
				res <- sc.Do(ctx, cmd).Err()
			}()
			if mode == 1 {
				if err := <-res; err != nil {
					t.Fatalf("iteration %d: SAVE: %v", it, err)
				}
				res <- nil
				time.Sleep(time.Duration(rng.IntN(10)) * time.Millisecond)
			} else {
				time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
			}
		} else {
			res <- errors.New("no save")
		}
		p.kill()
		if err := <-res; mode < 2 && err == nil {
			saveAcks++
			durable = max(durable, before)
		}
		w.wait(t)
		if len(dirNames(t, dir)) > 1 {
			midSave++ // the kill interrupted a save: its temp file remains
		}
	}
	p = mustStart(t, dir, flags...)
	mustOnlySnapshot(t, dir)
	if c := verify(p); c < durable {
		t.Fatalf("counter %d after the last restart, but a SAVE acknowledged %d", c, durable)
	}
	t.Logf("%d saves, %d SAVEs acknowledged, %d kills interrupted a save's file, in %v", saves, saveAcks, midSave, time.Since(start))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestPersistStaleTempFiles: at start-up the server removes the temporary
// snapshots of numkv processes that died, and nothing else.
func TestPersistStaleTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.Process.Pid
	if err := syscall.Kill(deadPID, 0); err != syscall.ESRCH {
		t.Fatalf("pid %d of an exited process: kill 0 = %v", deadPID, err)
	}
	stale := fmt.Sprintf("temp-%d-123456.numkv", deadPID)
	keep := []string{
		fmt.Sprintf("temp-%d-42.numkv", os.Getpid()), // a live process's save
		"temp-x-1.numkv", "temp-1-2.rdb", "temp-1.numkv", "notes.txt",
	}
	for _, name := range append([]string{stale}, keep...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A directory with a temp name is not a file to remove.
	keepDir := fmt.Sprintf("temp-%d-7.numkv", deadPID)
	if err := os.Mkdir(filepath.Join(dir, keepDir), 0o755); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, keepDir)
	p := mustStart(t, dir, "--save", "")
	slices.Sort(keep)
	if got := dirNames(t, dir); !slices.Equal(got, keep) {
		t.Fatalf("after start-up %s holds %q, want %q", dir, got, keep)
	}
	p.kill()
	// With persistence off the directory is not touched.
	if err := os.WriteFile(filepath.Join(dir, stale), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustStart(t, dir, "--dbfilename", "")
	if got := dirNames(t, dir); !slices.Contains(got, stale) {
		t.Fatalf("--dbfilename \"\" removed %s", stale)
	}
}

// ---------- point in time ----------

// TestPersistPointInTime checks that a BGSAVE of 200 MiB holds exactly the
// state at its cut while writes change that state during the save.
func TestPersistPointInTime(t *testing.T) {
	t.Parallel()
	const piece, pieces = 4 << 20, 50
	dir := t.TempDir()
	flags := []string{"--save", ""}
	p := mustStart(t, dir, flags...)
	rdb := client(p, 0)
	h := sha256.New()
	for i := 0; i < pieces; i++ {
		b := randBytes(uint64(1000+i), piece)
		h.Write(b)
		mustDo(t, rdb, "APPEND", "big", b)
	}
	wantBig := h.Sum(nil)
	mustDo(t, rdb, "SET", "marker", "A")
	mustDo(t, rdb, "SET", "gone", "still here")
	mustDo(t, rdb, "NUM.CREATE", "vec", "f32")
	mustDo(t, rdb, "NUM.APPEND", "vec", "VALUES", 1, 2, 3)

	// One connection runs commands in order: everything after BGSAVE comes
	// after its cut, and 200 MiB take far longer to write than the few
	// commands that follow take to run.
	pipe := rdb.Pipeline()
	bg := pipe.Do(ctx, "BGSAVE")
	inProgress := pipe.Info(ctx, "persistence")
	bg2 := pipe.Do(ctx, "BGSAVE")
	save := pipe.Do(ctx, "SAVE")
	pipe.Set(ctx, "marker", "B", 0)
	pipe.SetRange(ctx, "big", 0, strings.Repeat("B", 1<<20))
	pipe.SetRange(ctx, "big", 150<<20, strings.Repeat("B", 1<<20))
	pipe.Append(ctx, "big", "more")
	pipe.Del(ctx, "gone")
	pipe.Set(ctx, "new", "after the cut", 0)
	pipe.Do(ctx, "NUM.WRITE", "vec", 0, "VALUES", 9)
	pipe.Exec(ctx)
	if v, err := bg.Text(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE = %q, %v", v, err)
	}
	if s := inProgress.Val(); !strings.Contains(s, "rdb_bgsave_in_progress:1\r\n") {
		t.Fatalf("INFO right after BGSAVE:\n%s", s)
	}
	// Redis's errors for a save while one runs.
	for _, c := range []*redis.Cmd{bg2, save} {
		if err := c.Err(); err == nil || err.Error() != "ERR Background save already in progress" {
			t.Fatalf("%v while a BGSAVE runs: %v", c.Args(), err)
		}
	}
	if v := mustDo(t, rdb, "GET", "marker"); v != "B" {
		t.Fatalf("marker = %v", v)
	}
	waitBgsave(t, rdb)
	if s := info(t, rdb, "rdb_last_bgsave_status"); s != "ok" {
		t.Fatalf("rdb_last_bgsave_status:%s", s)
	}
	rdb.Close()
	p.kill()

	p = mustStart(t, dir, flags...)
	rdb = client(p, 0)
	defer rdb.Close()
	if v := mustDo(t, rdb, "GET", "marker"); v != "A" {
		t.Fatalf("marker = %v after the restart, want the cut's A", v)
	}
	if v := mustDo(t, rdb, "GET", "gone"); v != "still here" {
		t.Fatalf("gone = %v", v)
	}
	if n := mustDo(t, rdb, "EXISTS", "new"); n != int64(0) {
		t.Fatalf("EXISTS new = %v", n)
	}
	if v := fmt.Sprint(mustDo(t, rdb, "NUM.READ", "vec", ":", "VALUES")); v != "[1 2 3]" {
		t.Fatalf("vec = %v", v)
	}
	if n := mustDo(t, rdb, "STRLEN", "big"); n != int64(piece*pieces) {
		t.Fatalf("STRLEN big = %v", n)
	}
	h.Reset()
	for off := 0; off < piece*pieces; off += 8 << 20 {
		b, err := rdb.GetRange(ctx, "big", int64(off), int64(off+8<<20-1)).Bytes()
		mustNoErr(t, err)
		h.Write(b)
	}
	if !bytes.Equal(h.Sum(nil), wantBig) {
		t.Fatal("big differs from its state at the cut")
	}

	// BGSAVE SCHEDULE while one runs queues one more save.
	pipe = rdb.Pipeline()
	bg = pipe.Do(ctx, "BGSAVE")
	sched := pipe.Do(ctx, "BGSAVE", "SCHEDULE")
	pipe.Exec(ctx)
	if v, err := sched.Text(); err != nil || v != "Background saving scheduled" {
		t.Fatalf("BGSAVE SCHEDULE = %q, %v (BGSAVE %v)", v, err, bg.Val())
	}
	waitFor(t, "the scheduled save", func() bool {
		return infoInt(t, rdb, "rdb_saves") == 2 && info(t, rdb, "rdb_bgsave_in_progress") == "0"
	})
}

// ---------- full disk ----------

// TestPersistFullDisk saves onto a 2 MiB tmpfs: a save that does not fit
// fails cleanly, leaves the previous snapshot whole and no temporary file,
// and the server serves on.
func TestPersistFullDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		t.Fatalf("mount a 2 MiB tmpfs on %s: %v (this test needs root, as in CI: run make test as root)", dir, err)
	}
	t.Cleanup(func() {
		for i := 0; ; i++ {
			err := syscall.Unmount(dir, 0)
			if err == nil {
				return
			}
			if i == 100 {
				t.Errorf("unmount %s: %v", dir, err)
				syscall.Unmount(dir, syscall.MNT_DETACH)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	flags := []string{"--save", ""}
	p := mustStart(t, dir, flags...)
	rdb := client(p, 0)
	defer rdb.Close()
	for i := 0; i < 10; i++ {
		mustDo(t, rdb, "SET", fmt.Sprintf("small:%d", i), randBytes(uint64(i), 10<<10))
	}
	want := mustDump(t, p, nil)
	mustDo(t, rdb, "SAVE")
	path := filepath.Join(dir, dumpName)
	wantRecs := mustReadSnapshot(t, path)
	lastSave := mustDo(t, rdb, "LASTSAVE")

	mustDo(t, rdb, "SET", "big", randBytes(99, 3<<20))
	mustErrText(t, rdb, "ERR", "SAVE") // Redis's reply to a failed SAVE
	mustOnlySnapshot(t, dir)
	if v := mustDo(t, rdb, "LASTSAVE"); v != lastSave {
		t.Fatalf("LASTSAVE moved to %v after a failed save", v)
	}
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 1 {
		t.Fatalf("rdb_changes_since_last_save:%d after a failed save, want 1", n)
	}
	if v, err := rdb.Do(ctx, "BGSAVE").Text(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE = %q, %v", v, err)
	}
	waitBgsave(t, rdb)
	if s := info(t, rdb, "rdb_last_bgsave_status"); s != "err" {
		t.Fatalf("rdb_last_bgsave_status:%s after a failed BGSAVE", s)
	}
	mustOnlySnapshot(t, dir)
	if v := mustDo(t, rdb, "PING"); v != "PONG" {
		t.Fatalf("PING = %v", v)
	}
	if n := mustDo(t, rdb, "STRLEN", "big"); n != int64(3<<20) {
		t.Fatalf("STRLEN big = %v", n)
	}
	mustCheckOK(t, path)
	if got := mustReadSnapshot(t, path); !slices.Equal(got, wantRecs) {
		t.Fatal("the failed saves changed the snapshot")
	}

	// Had save rules been set, as they are by default, writes would now
	// fail with MISCONF until a save works, as in Redis.
	mustDo(t, rdb, "CONFIG", "SET", "save", "3600 1")
	if err := rdb.Do(ctx, "DEL", "big").Err(); err == nil || !strings.HasPrefix(err.Error(), "MISCONF ") {
		t.Fatalf("DEL after a failed BGSAVE, with a save rule: %v, want MISCONF", err)
	}
	mustDo(t, rdb, "CONFIG", "SET", "save", "")

	// Once there is room again, saving works and resets the status, as in
	// Redis.
	mustDo(t, rdb, "DEL", "big")
	if v := mustDo(t, rdb, "SAVE"); v != "OK" {
		t.Fatalf("SAVE = %v", v)
	}
	if s := info(t, rdb, "rdb_last_bgsave_status"); s != "ok" {
		t.Fatalf("rdb_last_bgsave_status:%s after a successful SAVE", s)
	}
	p.kill()
	p = mustStart(t, dir, flags...)
	mustEqualDataset(t, mustDump(t, p, nil), want)
}

// ---------- damaged files ----------

// TestPersistDamagedFile: a truncated snapshot or one with a flipped byte
// stops start-up with a non-zero exit and a message naming the file and an
// offset, and leaves the file alone; numkv check tells good files from bad.
func TestPersistDamagedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := mustStart(t, dir, "--save", "")
	fillSmall(t, p, "good")
	rdb := client(p, 0)
	mustDo(t, rdb, "SET", "blocks", randBytes(77, 2<<20+5))
	mustDo(t, rdb, "SAVE")
	rdb.Close()
	p.kill()
	good, err := os.ReadFile(filepath.Join(dir, dumpName))
	if err != nil {
		t.Fatal(err)
	}
	out := mustCheckOK(t, filepath.Join(dir, dumpName))
	if !strings.Contains(out, "5 records") {
		t.Fatalf("numkv check summary:\n%s", out)
	}

	type variant struct {
		name string
		data []byte
	}
	var variants []variant
	n := len(good)
	for _, cut := range []int{0, 1, 7, 8, 19, 20, 28, 40, n / 3, n / 2, n - 30, n - 5, n - 1} {
		variants = append(variants, variant{fmt.Sprintf("truncated to %d", cut), good[:cut]})
	}
	flips := []int{0, 7, 8, 12, 16, 19, 20, 21, 25, 29, 35, 50, n - 30, n - 25, n - 10, n - 1}
	for i := 1; i < 24; i++ {
		flips = append(flips, i*n/24)
	}
	for _, off := range flips {
		b := slices.Clone(good)
		b[off] ^= 0x10
		variants = append(variants, variant{fmt.Sprintf("byte %d flipped", off), b})
	}
	variants = append(variants, variant{"garbage after the trailer", append(slices.Clone(good), 0)})

	for _, v := range variants {
		vdir := t.TempDir()
		path := filepath.Join(vdir, dumpName)
		if err := os.WriteFile(path, v.data, 0o644); err != nil {
			t.Fatal(err)
		}
		p := startProc(t, vdir, "--save", "")
		code := mustExit(t, p)
		msg := p.log.String()
		if code == 0 || !strings.Contains(msg, path) || !strings.Contains(msg, "offset ") {
			t.Fatalf("%s: exit code %d, output:\n%s", v.name, code, msg)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, v.data) {
			t.Fatalf("%s: the refused file changed (%v)", v.name, err)
		}
		if code, out := runCheck(t, path); code != 1 || !strings.Contains(out, path) || !strings.Contains(out, "FAILED") {
			t.Fatalf("%s: numkv check exit %d:\n%s", v.name, code, out)
		}
	}
	if code, _ := runCheck(t, filepath.Join(dir, "missing.numkv")); code != 1 {
		t.Fatalf("numkv check of a missing file: exit %d", code)
	}
}

// ---------- LOADING ----------

// loadingSnapshot is a snapshot made by the test, with a 4 MiB variable so
// that it spans several blocks.
func loadingSnapshot(t testing.TB) []byte {
	big := randBytes(31, 4<<20)
	return snapshotBytes(t, []snapshotio.Record{
		{DB: 0, Key: []byte("greeting"), Dtype: "u8", Itemsize: 1, Length: 5},
		{DB: 3, Key: []byte("vec"), Dtype: "f32", Itemsize: 4, Shape: []int64{2}, Length: 16},
		{DB: 0, Key: []byte("big"), Dtype: "u8", Itemsize: 1, Length: int64(len(big))},
	}, [][]byte{[]byte("hello"), make([]byte, 16), big})
}

// startOnFIFO starts the server on a snapshot that is a named pipe: it
// listens, then stays loading until the test writes the file, which makes
// LOADING deterministic whatever the machine's speed.
func startOnFIFO(t testing.TB, flags ...string) (p *proc, fifo string) {
	t.Helper()
	dir := t.TempDir()
	fifo = filepath.Join(dir, dumpName)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p = startProc(t, dir, append([]string{"--save", ""}, flags...)...)
	if !p.running() {
		t.Fatalf("numkv exited:\n%s", p.log)
	}
	return p, fifo
}

// openFIFO opens the pipe for writing, which lets the server's open return.
func openFIFO(t testing.TB, fifo string) *os.File {
	t.Helper()
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustStillFIFO(t testing.TB, fifo string) {
	t.Helper()
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s was replaced (%v, %v): a save during loading overwrote the snapshot", fifo, st.Mode(), err)
	}
}

const msgLoading = "LOADING Redis is loading the dataset in memory"

// TestPersistLoading: clients connecting while the snapshot loads get
// LOADING, commands flagged loading (INFO, LASTSAVE) answer, progress is
// logged, and the data are there once loading ends.
func TestPersistLoading(t *testing.T) {
	t.Parallel()
	logf := filepath.Join(t.TempDir(), "numkv.log")
	p, fifo := startOnFIFO(t, "--logfile", logf)
	rdb := client(p, 0)
	defer rdb.Close()
	mustErrText(t, rdb, msgLoading, "PING")
	mustErrText(t, rdb, msgLoading, "GET", "greeting")
	mustErrText(t, rdb, msgLoading, "SAVE")
	mustErrText(t, rdb, msgLoading, "BGSAVE")
	if s := info(t, rdb, "loading"); s != "1" {
		t.Fatalf("INFO loading:%s while loading", s)
	}
	mustDo(t, rdb, "LASTSAVE")

	snap := loadingSnapshot(t)
	f := openFIFO(t, fifo)
	if _, err := f.Write(snap[:len(snap)/2]); err != nil {
		t.Fatal(err)
	}
	mustErrText(t, rdb, msgLoading, "PING") // half a file is not loaded
	// Progress is logged about once a second.
	time.Sleep(1500 * time.Millisecond)
	if _, err := f.Write(snap[len(snap)/2:]); err != nil {
		t.Fatal(err)
	}
	mustErrText(t, rdb, msgLoading, "PING") // nor a file without its end
	f.Close()
	waitFor(t, "the load to finish", func() bool { return rdb.Ping(ctx).Err() == nil })
	if v := mustDo(t, rdb, "GET", "greeting"); v != "hello" {
		t.Fatalf("GET greeting = %v", v)
	}
	if n := mustDo(t, rdb, "STRLEN", "big"); n != int64(4<<20) {
		t.Fatalf("STRLEN big = %v", n)
	}
	db3 := client(p, 3)
	defer db3.Close()
	if v := fmt.Sprint(mustDo(t, db3, "NUM.READ", "vec", ":", "VALUES")); v != "[0 0 0 0]" {
		t.Fatalf("vec = %v", v)
	}
	if s := info(t, rdb, "loading"); s != "0" {
		t.Fatalf("INFO loading:%s after loading", s)
	}
	log, _ := os.ReadFile(logf)
	if !strings.Contains(string(log), "Loading: ") || !strings.Contains(string(log), "DB loaded from disk: 3 keys") {
		t.Fatalf("log:\n%s", log)
	}
}

// TestPersistStopWhileLoading: SHUTDOWN and SIGTERM during loading exit
// without saving, as Redis does, so that a half-loaded dataset never
// replaces the snapshot.
func TestPersistStopWhileLoading(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"SHUTDOWN", "SHUTDOWN SAVE", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			logf := filepath.Join(t.TempDir(), "numkv.log")
			p, fifo := startOnFIFO(t, "--logfile", logf)
			rdb := client(p, 0)
			defer rdb.Close()
			mustErrText(t, rdb, msgLoading, "PING")
			snap := loadingSnapshot(t)
			f := openFIFO(t, fifo)
			if _, err := f.Write(snap[:len(snap)/2]); err != nil {
				t.Fatal(err)
			}
			if how == "SIGTERM" {
				syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
				// Signals arrive asynchronously: wait until the server
				// has taken this one, or it could finish loading first
				// and then save, which would be right but not tested.
				waitFor(t, "the server to take the signal", func() bool {
					b, _ := os.ReadFile(logf)
					return strings.Contains(string(b), "Shutdown requested while loading")
				})
			} else {
				var args []any
				for _, a := range strings.Fields(how)[1:] {
					args = append(args, a)
				}
				shutdownByCommand(t, p, args...)
				mustStillFIFO(t, fifo)
			}
			f.Write(snap[len(snap)/2:]) // the server may have stopped reading
			f.Close()
			if code := mustExit(t, p); code != 0 {
				t.Fatalf("exit code %d\n%s", code, p.log)
			}
			mustStillFIFO(t, fifo)
		})
	}
}

// ---------- --save rules and --dbfilename "" ----------

// TestPersistSaveRules: --save "1 1" saves soon after one write; --save ""
// never saves by itself; --dbfilename "" never writes a file at all.
func TestPersistSaveRules(t *testing.T) {
	t.Parallel()
	dirRule, dirNone, dirOff := t.TempDir(), t.TempDir(), t.TempDir()
	rule := mustStart(t, dirRule, "--save", "1 1")
	none := mustStart(t, dirNone, "--save", "")
	off := mustStart(t, dirOff, "--dbfilename", "")
	for _, p := range []*proc{rule, none, off} {
		rdb := client(p, 0)
		mustDo(t, rdb, "SET", "k", "v")
		rdb.Close()
	}
	rdb := client(rule, 0)
	defer rdb.Close()
	waitFor(t, `a save by the rule "1 1"`, func() bool { return infoInt(t, rdb, "rdb_saves") >= 1 })
	mustOnlySnapshot(t, dirRule)
	if recs := mustReadSnapshot(t, filepath.Join(dirRule, dumpName)); len(recs) != 1 || recs[0].Key != "k" {
		t.Fatalf("the rule's snapshot holds %+v", recs)
	}
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 0 {
		t.Fatalf("rdb_changes_since_last_save:%d after the rule's save", n)
	}
	// The other two had their write as long ago, and a second more.
	time.Sleep(time.Second)
	rnone, roff := client(none, 0), client(off, 0)
	defer rnone.Close()
	defer roff.Close()
	if names := dirNames(t, dirNone); len(names) != 0 || infoInt(t, rnone, "rdb_saves") != 0 || infoInt(t, rnone, "rdb_changes_since_last_save") != 1 {
		t.Fatalf(`--save "" saved: %q`, names)
	}

	const msgOff = `ERR persistence is off (--dbfilename "")`
	mustErrText(t, roff, msgOff, "SAVE")
	mustErrText(t, roff, msgOff, "BGSAVE")
	shutdownByCommand(t, off)
	if code := mustExit(t, off); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if names := dirNames(t, dirOff); len(names) != 0 {
		t.Fatalf(`--dbfilename "" wrote %q`, names)
	}
}

// ---------- INFO persistence ----------

// TestPersistInfo follows INFO persistence through writes, SAVE and BGSAVE,
// and compares the change counter with redis-server's for the same
// commands.
func TestPersistInfo(t *testing.T) {
	t.Parallel()
	before := time.Now().Unix()
	p := mustStart(t, "", "--save", "")
	after := time.Now().Unix()
	rdb := client(p, 0)
	defer rdb.Close()
	lastsave := func() int64 { return mustDo(t, rdb, "LASTSAVE").(int64) }
	// As in Redis, start-up counts as a save.
	if ls := lastsave(); ls < before || ls > after || infoInt(t, rdb, "rdb_last_save_time") != ls {
		t.Fatalf("LASTSAVE %d at a start between %d and %d, rdb_last_save_time:%s", ls, before, after, info(t, rdb, "rdb_last_save_time"))
	}
	for field, want := range map[string]string{"loading": "0", "rdb_changes_since_last_save": "0",
		"rdb_bgsave_in_progress": "0", "rdb_last_bgsave_status": "ok", "rdb_saves": "0"} {
		if got := info(t, rdb, field); got != want {
			t.Fatalf("%s:%s at start, want %s", field, got, want)
		}
	}

	redisPort := startRedis(t)
	rr := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(redisPort), Protocol: 2, MaxRetries: -1})
	defer rr.Close()
	// Redis's fields, in its order and, at start, with its values but for
	// the clock's; numkv adds rdb_last_cut_pause_usec.
	if got, want := infoSection(t, rdb, "rdb_last_cut_pause_usec", "rdb_last_save_time"), infoSection(t, rr, "rdb_last_save_time"); !slices.Equal(got, want) {
		t.Fatalf("INFO persistence at start:\n%s\nredis-server:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The change counter, compared with Redis's for the same commands.
	for _, cmd := range [][]any{
		{"SET", "a", "1"}, {"SET", "a", "2", "NX"}, {"APPEND", "a", "x"}, {"DEL", "nokey"},
		{"MSET", "b", "1", "c", "2"}, {"SETRANGE", "a", 0, "z"}, {"GET", "a"}, {"DEL", "b", "c"},
		{"SET", "t", "1", "EX", 100}, {"PERSIST", "t"},
	} {
		if err := rdb.Do(ctx, cmd...).Err(); err != nil && err != redis.Nil {
			t.Fatalf("%v: %v", cmd, err)
		}
		if err := rr.Do(ctx, cmd...).Err(); err != nil && err != redis.Nil {
			t.Fatalf("redis-server %v: %v", cmd, err)
		}
		got, want := infoInt(t, rdb, "rdb_changes_since_last_save"), infoInt(t, rr, "rdb_changes_since_last_save")
		if got != want {
			t.Fatalf("after %v: rdb_changes_since_last_save:%d, redis-server says %d", cmd, got, want)
		}
	}

	ls := lastsave()
	if v := mustDo(t, rdb, "SAVE"); v != "OK" {
		t.Fatalf("SAVE = %v", v)
	}
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 0 {
		t.Fatalf("rdb_changes_since_last_save:%d after SAVE", n)
	}
	if n := infoInt(t, rdb, "rdb_saves"); n != 1 {
		t.Fatalf("rdb_saves:%d after SAVE", n)
	}
	if now := lastsave(); now < ls || infoInt(t, rdb, "rdb_last_save_time") != now {
		t.Fatalf("LASTSAVE %d (was %d), rdb_last_save_time:%s", now, ls, info(t, rdb, "rdb_last_save_time"))
	}

	// A write after BGSAVE's reply is after its cut: it is still a change
	// once the save is done.
	if v, err := rdb.Do(ctx, "BGSAVE").Text(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE = %q, %v", v, err)
	}
	mustDo(t, rdb, "SET", "after", "cut")
	waitBgsave(t, rdb)
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 1 {
		t.Fatalf("rdb_changes_since_last_save:%d after a BGSAVE and one write after its cut", n)
	}
	if n, s := infoInt(t, rdb, "rdb_saves"), info(t, rdb, "rdb_last_bgsave_status"); n != 2 || s != "ok" {
		t.Fatalf("rdb_saves:%d rdb_last_bgsave_status:%s after BGSAVE", n, s)
	}
	if n := infoInt(t, rdb, "rdb_last_bgsave_time_sec"); n < 0 {
		t.Fatalf("rdb_last_bgsave_time_sec:%d after a BGSAVE", n)
	}
	if n, k := infoInt(t, rdb, "current_save_keys_processed"), infoInt(t, rdb, "current_save_keys_total"); n != 0 || k != 0 {
		t.Fatalf("current_save_keys_processed:%d current_save_keys_total:%d with no save running", n, k)
	}
	if infoInt(t, rdb, "rdb_last_save_time") != lastsave() {
		t.Fatal("rdb_last_save_time differs from LASTSAVE")
	}
}

// infoSection returns INFO persistence's lines, in order, without the
// named fields.
func infoSection(t testing.TB, rdb *redis.Client, skip ...string) []string {
	t.Helper()
	text, err := rdb.Info(ctx, "persistence").Result()
	if err != nil {
		t.Fatalf("INFO persistence: %v", err)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\r\n") {
		if k, _, _ := strings.Cut(line, ":"); !slices.Contains(skip, k) {
			lines = append(lines, line)
		}
	}
	return lines
}

// startRedis runs redis-server without persistence on a free loopback port,
// killed by PID when the test ends.
func startRedis(t testing.TB) int {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is missing: run the README's test command (make test), which installs it")
	}
	port := freePort(t)
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	rr := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	defer rr.Close()
	waitFor(t, "redis-server", func() bool {
		select {
		case <-done:
			t.Fatalf("redis-server exited:\n%s", out.String())
		default:
		}
		return rr.Ping(ctx).Err() == nil
	})
	return port
}
