package commands

import (
	"net"
	"strings"
	"testing"
	"time"
)

// Every write path preserves a slot before changing it while a save is in
// progress, so the file holds exactly the state at the cut: dispatch (SET,
// APPEND, DEL, NUM.INSERT, new keys), EXEC, a slot walker (FLUSHDB), SWAPDB
// and a database first used after the cut.
func TestSaveIsPointInTime(t *testing.T) {
	dir := t.TempDir()
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = dir, "pit.numkv"
	c.run("SET", "a", "before")
	c.run("SET", "b", "before")
	c.run("SET", "gone", "before")
	c.run("NUM.CREATE", "v", "i32")
	c.run("NUM.APPEND", "v", "VALUES", "1", "2", "3")
	c.run("SELECT", "1")
	c.run("SET", "x", "db1")
	c.run("SELECT", "0")

	snap, dirty, _ := s.cut()
	for _, cmd := range [][]string{
		{"SET", "a", "after"},
		{"APPEND", "b", "-more"},
		{"DEL", "gone"},
		{"SET", "new", "after"},
		{"NUM.INSERT", "v", "0", "VALUES", "9"},
		{"MULTI"}, {"SET", "a", "in-exec"}, {"SET", "c", "in-exec"}, {"EXEC"},
		{"SELECT", "1"}, {"FLUSHDB"},
		{"SELECT", "7"}, {"SET", "late", "db7"},
		{"SWAPDB", "0", "7"},
	} {
		if got := c.run(cmd...); got[0] == '-' {
			t.Fatalf("%v: %q", cmd, got)
		}
	}
	if err := s.finishSave(snap, false, dirty, 0, false); err != nil {
		t.Fatal(err)
	}

	s2, c2 := mustLocal(t)
	s2.cfg.Dir, s2.cfg.DBFilename = dir, "pit.numkv"
	if err := s2.load(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ db, cmd, reply string }{
		{"0", "GET a", "$6\r\nbefore\r\n"},
		{"0", "GET b", "$6\r\nbefore\r\n"},
		{"0", "GET gone", "$6\r\nbefore\r\n"},
		{"0", "EXISTS new c", ":0\r\n"},
		{"0", "NUM.LEN v", ":3\r\n"},
		{"0", "DBSIZE", ":4\r\n"},
		{"1", "GET x", "$3\r\ndb1\r\n"},
		{"7", "DBSIZE", ":0\r\n"},
	} {
		c2.run("SELECT", want.db)
		if got := c2.run(strings.Fields(want.cmd)...); got != want.reply {
			t.Errorf("db %s: %s = %q, want %q", want.db, want.cmd, got, want.reply)
		}
	}
	if s.snap.Load() != nil {
		t.Error("the save left its marker behind")
	}
}

// TestBgsaveInExec: a BGSAVE queued in a transaction cuts the save at its
// place in the queue, as Redis's fork does, while the transaction stays
// atomic: another client never sees the state between its commands, and
// writes after the BGSAVE are not in the file.
func TestBgsaveInExec(t *testing.T) {
	dir := t.TempDir()
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = dir, "exec.numkv"
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	other := newClient(s, a, 2)
	c.run("SET", "k", "0")
	stop, seen := make(chan struct{}), make(chan string, 1)
	go func() {
		defer close(seen)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if v := other.run("GET", "k"); v != "$1\r\n0\r\n" {
				seen <- v
				return
			}
		}
	}()
	const want = "*4\r\n+OK\r\n+Background saving started\r\n+OK\r\n+OK\r\n"
	for i := 0; i < 50; i++ {
		for _, cmd := range []string{"MULTI", "SET k 1", "BGSAVE", "SET k 0", "SET after 1"} {
			if got := c.run(strings.Fields(cmd)...); got[0] == '-' {
				t.Fatalf("%s: %q", cmd, got)
			}
		}
		if got := c.run("EXEC"); got != want {
			t.Fatalf("EXEC = %q, want %q", got, want)
		}
		for s.persist.inProgress.Load() {
			time.Sleep(time.Millisecond)
		}
		c.run("DEL", "after")
	}
	close(stop)
	if v, ok := <-seen; ok {
		t.Errorf("another client saw k = %q in the middle of a transaction", v)
	}
	if st := s.persist.lastBgFailed.Load(); st {
		t.Fatal("a background save failed")
	}

	s2, c2 := mustLocal(t)
	s2.cfg.Dir, s2.cfg.DBFilename = dir, "exec.numkv"
	if err := s2.load(); err != nil {
		t.Fatal(err)
	}
	if got := c2.run("GET", "k"); got != "$1\r\n1\r\n" {
		t.Errorf("the file holds k = %q, want the value at the BGSAVE, 1", got)
	}
	if got := c2.run("EXISTS", "after"); got != ":0\r\n" {
		t.Errorf("the file holds a key written after the BGSAVE: EXISTS = %q", got)
	}

	// A SAVE running elsewhere holds s.saveMu: BGSAVE inside EXEC must not
	// wait for it while it holds every slot, which the SAVE's writer needs.
	s.saveMu.Lock()
	c.run("MULTI")
	c.run("BGSAVE")
	got := c.run("EXEC")
	s.saveMu.Unlock()
	if got != "*1\r\n-"+msgBgsaveInProgress+"\r\n" {
		t.Errorf("BGSAVE in EXEC while a SAVE runs: %q", got)
	}
}
