package commands

import (
	"strings"
	"testing"
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
