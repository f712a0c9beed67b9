package offheap

import (
	"fmt"
	"sync"
	"unsafe"
)

// The invariants build's checks. Every function here is called only when
// Invariants is true; the compiler drops the calls otherwise.

const (
	poisonByte  = 0xdd // freed memory
	garbageByte = 0xaa // fresh memory, in place of the zeros a reader might count on
	// quarantineBlocks and quarantineBytes bound the blocks freed but not
	// yet reusable: a use after free reads poison instead of a new owner's
	// bytes for at least that long.
	quarantineBlocks = 4096
	quarantineBytes  = 64 << 20
)

type quarantined struct {
	ptr  unsafe.Pointer
	size int
}

var dbg struct {
	mu    sync.Mutex
	gen   map[unsafe.Pointer]uint32 // odd: allocated; even: free
	q     []quarantined
	qHead int
	qSize int
}

func poison(b []byte) {
	for i := range b {
		b[i] = poisonByte
	}
}

// checkPoison panics unless b[from:] holds nothing but poison, or, when
// fresh is allowed, nothing but zeros (memory never used, or given back to
// the system).
func checkPoison(b []byte, from int, fresh bool) {
	if len(b) <= from {
		return
	}
	want := byte(poisonByte)
	if fresh && b[from] == 0 {
		want = 0
	}
	for i := from; i < len(b); i++ {
		if b[i] != want {
			panic(fmt.Sprintf("offheap: block %p of %d bytes was written after it was freed (byte %d is %#x)", &b[0], len(b), i, b[i]))
		}
	}
}

// dbgAlloc records a fresh generation for the block at ptr. A block reused
// from a free list must still hold the poison its free left, except the
// free list's link word; a block never handed out from its span must hold
// poison (its page was poisoned when an earlier span there emptied) or
// zeros: anything else means someone wrote to it after it was freed.
func dbgAlloc(ptr unsafe.Pointer, size int, reused bool) {
	b := unsafe.Slice((*byte)(ptr), size)
	if reused {
		checkPoison(b, 8, false)
	} else if !heapMode {
		checkPoison(b, 0, true)
	}
	for i := range b {
		b[i] = garbageByte
	}
	dbg.mu.Lock()
	if dbg.gen == nil {
		dbg.gen = map[unsafe.Pointer]uint32{}
	}
	g := dbg.gen[ptr]
	if g%2 == 1 {
		dbg.mu.Unlock()
		panic(fmt.Sprintf("offheap: block %p handed out twice", ptr))
	}
	dbg.gen[ptr] = g + 1
	dbg.mu.Unlock()
}

// dbgGenFree moves the block at ptr to its next, free, generation, and
// panics if it was not allocated.
func dbgGenFree(ptr unsafe.Pointer) {
	dbg.mu.Lock()
	defer dbg.mu.Unlock()
	g := dbg.gen[ptr]
	if g%2 == 0 {
		panic(fmt.Sprintf("offheap: double free of %p (or a pointer that was never allocated)", ptr))
	}
	dbg.gen[ptr] = g + 1
}

// dbgFree poisons a mapped block and puts it in quarantine, freeing for
// real whatever the quarantine pushes out. It returns false: the caller
// must not free the block itself.
func dbgFree(ptr unsafe.Pointer, size int) bool {
	dbgGenFree(ptr)
	poison(unsafe.Slice((*byte)(ptr), size))
	var out []quarantined
	dbg.mu.Lock()
	dbg.q = append(dbg.q, quarantined{ptr, size})
	dbg.qSize += size
	for len(dbg.q)-dbg.qHead > quarantineBlocks || dbg.qSize > quarantineBytes {
		e := dbg.q[dbg.qHead]
		dbg.q[dbg.qHead] = quarantined{}
		dbg.qHead++
		dbg.qSize -= e.size
		out = append(out, e)
	}
	if dbg.qHead > len(dbg.q)/2 {
		dbg.q = append(dbg.q[:0], dbg.q[dbg.qHead:]...)
		dbg.qHead = 0
	}
	dbg.mu.Unlock()
	for _, e := range out {
		dbgRelease(e)
	}
	return false
}

// dbgRelease frees a block leaving the quarantine, once its poison shows
// that nobody wrote to it meanwhile.
func dbgRelease(e quarantined) {
	checkPoison(unsafe.Slice((*byte)(e.ptr), e.size), 0, false)
	freeMapped(e.ptr)
}

// DrainQuarantine frees every quarantined block for real, so that a test
// of the pages given back sees what a build without invariants would. It
// does nothing without the invariants tag.
func DrainQuarantine() {
	if !Invariants {
		return
	}
	dbg.mu.Lock()
	out := append([]quarantined(nil), dbg.q[dbg.qHead:]...)
	dbg.q, dbg.qHead, dbg.qSize = nil, 0, 0
	dbg.mu.Unlock()
	for _, e := range out {
		dbgRelease(e)
	}
}

// Gen returns the generation of the block starting at ptr, for CheckGen.
// It is 0 without the invariants tag.
func Gen(ptr unsafe.Pointer) uint32 {
	if !Invariants {
		return 0
	}
	dbg.mu.Lock()
	defer dbg.mu.Unlock()
	return dbg.gen[ptr]
}

// CheckGen panics, in the invariants build, unless the block at ptr is
// still the allocation whose generation Gen returned: a reference kept past
// a Free, even one whose block was handed out again, is caught on its next
// use. Without the tag it does nothing.
func CheckGen(ptr unsafe.Pointer, gen uint32) {
	if !Invariants {
		return
	}
	if now := Gen(ptr); now != gen || gen%2 == 0 {
		panic(fmt.Sprintf("offheap: use of block %p after free: generation %d, now %d", ptr, gen, now))
	}
}
