package commands

import (
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"numkv/offheap"
)

// heldBytes is what the allocator holds once the lazy freer is done and,
// in the invariants build, the quarantine is emptied.
func heldBytes(s *Server) int64 {
	s.lazy.wait()
	return heldBytesNow()
}

func typesInUse() int {
	types.mu.Lock()
	defer types.mu.Unlock()
	return len(types.ids)
}

// TestFreedMemoryReturns checks that what the keyspace drops goes back to
// the allocator, counted exactly: a deleted key, an overwritten value, a
// dropped clone, a renamed and a moved key, a flushed database (both
// ways), an expired key and a save's clones. Each step ends where it
// started, and element types no variable uses any more are forgotten.
func TestFreedMemoryReturns(t *testing.T) {
	s, c := mustLocal(t)
	t.Cleanup(s.Close)
	big := strings.Repeat("0123456789abcdef", 3<<16) // 3 MiB: a tree freed lazily
	mid := strings.Repeat("m", 100<<10)              // a tree freed in place
	base := heldBytes(s)
	baseTypes := typesInUse()
	step := func(what string, cmds ...[]string) {
		t.Helper()
		for _, cmd := range cmds {
			if r := c.run(cmd...); strings.HasPrefix(r, "-") {
				t.Fatalf("%s: %v: %s", what, cmd, r)
			}
		}
		if got := heldBytes(s); got != base {
			t.Fatalf("%s: %d bytes held, %d before", what, got, base)
		}
		if n := typesInUse(); n != baseTypes {
			t.Fatalf("%s: %d element types in use, %d before", what, n, baseTypes)
		}
	}
	step("DEL",
		[]string{"SET", "big", big}, []string{"SET", "mid", mid}, []string{"SET", "small", "v"},
		[]string{"NUM.CREATE", "a", "f32", "SHAPE", "3"}, []string{"NUM.APPEND", "a", "VALUES", "1", "2", "3"},
		[]string{"DEL", "big", "mid", "small", "a"})
	step("overwrite",
		[]string{"SET", "k", big}, []string{"SET", "k", "small"}, []string{"APPEND", "k", mid},
		[]string{"SETRANGE", "k", "200000", "x"}, []string{"SET", "k", mid}, []string{"INCR", "n"}, []string{"INCR", "n"},
		[]string{"DEL", "k", "n"})
	step("dropped clone",
		[]string{"SET", "src", big}, []string{"COPY", "src", "dst"}, []string{"SETRANGE", "dst", "0", "y"},
		[]string{"SETRANGE", "src", "2000000", "z"}, []string{"DEL", "src"}, []string{"UNLINK", "dst"})
	step("rename and move",
		[]string{"SET", "r", big}, []string{"RENAME", "r", "r2"}, []string{"SET", "x", "1"}, []string{"RENAME", "x", "r2"},
		[]string{"MOVE", "r2", "3"}, []string{"SELECT", "3"}, []string{"DEL", "r2"}, []string{"SELECT", "0"})
	for _, mode := range []string{"SYNC", "ASYNC"} {
		var cmds [][]string
		for i := range 2000 {
			cmds = append(cmds, []string{"SET", "key:" + strconv.Itoa(i), strings.Repeat("v", i%700)})
		}
		cmds = append(cmds, []string{"SET", "big", big}, []string{"NUM.CREATE", "e", "i64", "SHAPE", "2", "2"},
			[]string{"SELECT", "5"}, []string{"SET", "other", mid}, []string{"EXPIRE", "other", "100"}, []string{"SELECT", "0"},
			[]string{"FLUSHALL", mode})
		step("FLUSHALL "+mode, cmds...)
	}
	c.run("SET", "e", mid, "PX", "1")
	c.run("SET", "f", "v", "PX", "1")
	c.run("SET", "g", big, "PX", "1")
	time.Sleep(5 * time.Millisecond)
	c.run("GET", "g") // a writer or the expiry cycle frees it, not a reader
	s.expireCycle()
	step("expired", []string{"SET", "f", "again"}, []string{"DEL", "f"})

	// A save's clones: the saved trees are written during the save, then
	// dropped.
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "mem.numkv"
	c.run("SET", "a", big)
	c.run("SET", "b", mid)
	c.run("SET", "c", "small")
	snap, dirty, _ := s.cut()
	c.run("SETRANGE", "a", "10", "w")
	c.run("DEL", "b")
	if err := s.finishSave(snap, false, dirty, 0, false); err != nil {
		t.Fatal(err)
	}
	step("save", []string{"DEL", "a", "c"})
}

// A slot's lock and its table share one cache line, and the shard array
// starts on a line, so that every shard does.
func TestShardIsOneCacheLine(t *testing.T) {
	if n := unsafe.Sizeof(shard{}); n != 64 {
		t.Fatalf("a shard is %d bytes, want 64", n)
	}
	s, _ := mustLocal(t)
	if p := uintptr(unsafe.Pointer(s.tab.Shard(0))); p%64 != 0 {
		t.Fatalf("the shard array starts at %#x, not on a cache line", p)
	}
}

// TestLargeFreesLeaveTheSlot: DEL, an overwrite, UNLINK and FLUSHALL of
// large values hand their trees to the lazy freer and return, so that the
// slot's lock is never held for a walk of a large tree. With the freer held
// back, the commands still complete, their memory still counts, and it goes
// once the freer runs.
func TestLargeFreesLeaveTheSlot(t *testing.T) {
	s := mustServer(t, noPersistence)
	s.lazy.close()
	s.lazy = lazyFreer{gate: make(chan struct{})}
	s.lazy.start()
	t.Cleanup(func() { close(s.lazy.gate) }) // before mustServer's Close: cleanups run last first
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	c := newClient(s, a, 1)
	big := strings.Repeat("b", 8<<20)
	base := heldBytesNow()
	for _, cmds := range [][][]string{
		{{"SET", "k", big}, {"DEL", "k"}},
		{{"SET", "k", big}, {"SET", "k", "small"}, {"DEL", "k"}},
		{{"SET", "k", big}, {"UNLINK", "k"}},
		{{"SET", "k", big}, {"SET", "j", big}, {"FLUSHALL"}},
		{{"SET", "k", big}, {"FLUSHALL", "ASYNC"}},
	} {
		for _, cmd := range cmds {
			if r := c.run(cmd...); strings.HasPrefix(r, "-") {
				t.Fatalf("%v: %s", cmd, r)
			}
		}
		if s.lazy.pending.Load() == 0 || heldBytesNow() < base+8<<20 {
			t.Fatalf("%v: freed in place, not by the lazy freer", cmds)
		}
		// The freer may take the queue in several rounds: open the gate
		// for as many as it asks.
		for s.lazy.pending.Load() > 0 {
			select {
			case s.lazy.gate <- struct{}{}:
			default:
				runtime.Gosched()
			}
		}
		if got := heldBytes(s); got != base {
			t.Fatalf("%v: %d bytes held after the lazy freer ran, %d before", cmds, got, base)
		}
	}
}

// heldBytesNow is heldBytes without waiting for the lazy freer.
func heldBytesNow() int64 {
	offheap.DrainQuarantine()
	return offheap.LiveBytes()
}

// TestInlineRuleTakesTheSmaller: for every value size up to embedMax, the
// record newValue makes is never larger than the other representation.
func TestInlineRuleTakesTheSmaller(t *testing.T) {
	defer func() { embedRule = 0 }()
	s, _ := mustLocal(t)
	key := []byte("key:12345")
	size := func(rule int8, b []byte) int {
		embedRule = rule
		r, v := newValue(key, 0, b)
		n := v.footprint()
		embedRule = 0
		s.freeRec(r)
		return n
	}
	buf := make([]byte, embedMax+1)
	for n := 0; n <= embedMax+1; n++ {
		got := size(0, buf[:n])
		in, tr := size(1, buf[:n]), size(-1, buf[:n])
		if n > embedMax {
			in = tr
		}
		if got != min(in, tr) {
			t.Fatalf("%d bytes: %d, but inline takes %d and a tree %d", n, got, in, tr)
		}
	}
}
