package commands

import (
	"strings"
	"testing"

	"numkv/offheap"
)

// chunkAllocs counts the array chunks ever allocated.
func chunkAllocs() int64 { return offheap.ReadStats().Allocs[offheap.Chunk] }

// After a save, the variables write in place again: a 4 KiB SETRANGE into
// a 1 MiB value allocates no chunk, where it would copy the 128 KiB leaf
// if the tree still shared its nodes with the snapshot's clones, both for
// a variable left alone during the save and for one written during it. A
// variable COPYed during the save keeps its copy intact.
func TestSaveReclaims(t *testing.T) {
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "reclaim.numkv"
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	for _, k := range []string{"idle", "busy", "src"} {
		c.run("SET", k, big)
	}
	page := strings.Repeat("p", 4096)
	snap, dirty, _ := s.cut()
	before := chunkAllocs()
	c.run("SETRANGE", "busy", "4096", page)
	if chunkAllocs() == before {
		t.Fatal("a write during the save did not copy the leaf it shares with the snapshot")
	}
	c.run("COPY", "src", "dst")
	if err := s.finishSave(snap, false, dirty, 0, false); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"idle", "busy"} {
		before := chunkAllocs()
		c.run("SETRANGE", k, "600000", page)
		if n := chunkAllocs() - before; n != 0 {
			t.Errorf("SETRANGE on %q after the save allocated %d chunks: its leaf was copied", k, n)
		}
	}
	c.run("SETRANGE", "src", "600000", page)
	if got := c.run("GET", "dst"); got != "$1048576\r\n"+big+"\r\n" {
		t.Fatal("a write to the source of a COPY made during the save changed the copy")
	}
}
