package commands

import (
	"runtime"
	"strings"
	"testing"
)

// After a save, the variables write in place again: a 4 KiB SETRANGE into
// a 1 MiB value allocates far less than the 128 KiB leaf it would copy if
// the tree still counted its nodes as shared with the snapshot's clones,
// both for a variable left alone during the save and for one written
// during it. A variable COPYed during the save keeps its copy intact.
func TestSaveReclaims(t *testing.T) {
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "reclaim.numkv"
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	for _, k := range []string{"idle", "busy", "src"} {
		c.run("SET", k, big)
	}
	page := strings.Repeat("p", 4096)
	snap, dirty, _ := s.cut()
	c.run("SETRANGE", "busy", "4096", page)
	c.run("COPY", "src", "dst")
	if err := s.finishSave(snap, false, dirty, 0, false); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"idle", "busy"} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c.run("SETRANGE", k, "600000", page)
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 32<<10 {
			t.Errorf("SETRANGE on %q after the save allocated %d bytes: its leaf was copied", k, n)
		}
	}
	c.run("SETRANGE", "src", "600000", page)
	if got := c.run("GET", "dst"); got != "$1048576\r\n"+big+"\r\n" {
		t.Fatal("a write to the source of a COPY made during the save changed the copy")
	}
}
