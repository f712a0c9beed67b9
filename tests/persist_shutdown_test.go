package tests

// Shutdown by signal and by SHUTDOWN: what is saved, and what happens when
// the final save fails.

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// isWriterKey tells the keys of the counter writer, which a test leaves out
// of the datasets it compares.
func isWriterKey(k string) bool { return strings.HasPrefix(k, "w:") }

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
		rdb := newClient(p, 0, 2)
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
	rdb := newClient(p, 0, 2)
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
	rdb := newClient(p, 0, 2)
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
