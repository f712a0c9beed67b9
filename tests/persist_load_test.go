package tests

// Loading at start-up: damaged files refused, LOADING while the snapshot
// loads, and stopping before it has.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"numkv/snapshotio"
)

// ---------- damaged files ----------

// TestPersistDamagedFile: a truncated snapshot or one with a flipped byte
// stops start-up with a non-zero exit and a message naming the file and an
// offset, and leaves the file alone; numkv check tells good files from bad.
func TestPersistDamagedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := mustStart(t, dir, "--save", "")
	fillSmall(t, p, "good")
	rdb := newClient(p, 0, 2)
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
	rdb := newClient(p, 0, 2)
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
	db3 := newClient(p, 3, 2)
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
			rdb := newClient(p, 0, 2)
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
