package memtree

import (
	"strings"
	"sync"
	"unsafe"
)

// makeNoZero returns a buffer of length 0 and capacity c whose memory is
// not cleared. Clearing a fresh chunk that is about to be overwritten cost
// a third of Append's time; strings.Builder is the standard library's only
// way to reach the runtime's uncleared allocation. Callers must write every
// byte before they extend the length over it, and do. Nothing is written
// here: a fresh chunk's memory must stay untouched until adviseHuge has
// run, or its first page would be faulted in as a small one.
func makeNoZero(c int) []byte {
	if c == 0 {
		return nil
	}
	var sb strings.Builder
	sb.Grow(c)
	// String of an empty Builder still points at the buffer it grew.
	p := unsafe.StringData(sb.String())
	if p == nil {
		sb.WriteByte(0)
		p = unsafe.StringData(sb.String())
	}
	b := unsafe.Slice(p, c)[:0]
	adviseHuge(b)
	return b
}

// Recycled chunk buffers. Rewriting a leaf frees a buffer of about the
// size the next rewrite needs; handing it back through a pool instead of
// the garbage collector cut the allocation rate, and with it the GC work
// that dominated inserts into small trees. sync.Pool drops its contents
// over two collections, so a pool never pins memory for long.
var chunkPools [32]sync.Pool

type spare struct{ b []byte }

func poolIndex(c int) int {
	k := c / allocUnit
	if c%allocUnit != 0 || k <= 0 || k >= len(chunkPools) {
		return -1
	}
	return k
}

// getChunk returns a buffer of length 0 and capacity c.
func getChunk(c int) []byte {
	if k := poolIndex(c); k >= 0 {
		if s, _ := chunkPools[k].Get().(*spare); s != nil && cap(s.b) == c {
			return s.b[:0]
		}
	}
	return makeNoZero(c)
}

// putChunk recycles b, which nothing may reference any more: only buffers
// of leaves that the tree owns and is dropping qualify.
func putChunk(b []byte) {
	if k := poolIndex(cap(b)); k >= 0 {
		chunkPools[k].Put(&spare{b[:0]})
	}
}
