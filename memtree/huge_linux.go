package memtree

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Transparent huge pages for chunk memory.
//
// Most Linux distributions ship THP in "madvise" mode: a 2 MiB page is used
// only where the program asked for it, and the Go runtime does not ask for
// its heap. Faulting in fresh chunk memory 4 KiB at a time then dominates
// loading a snapshot (0.41 s per GiB on the development VM, where loading
// the rest takes about 0.2 s) and costs appends too. So when a chunk comes
// from fresh heap memory, the 2 MiB-aligned regions around it are marked
// MADV_HUGEPAGE before the chunk is first written: the first write to each
// region faults in a single huge page. Regions are aligned inside the Go
// runtime's 64 MiB heap arenas, so they only ever cover Go heap memory;
// other objects in them merely get huge pages too.
//
// The cost is one madvise per 2 MiB region first used for a chunk (a small
// table skips regions already advised), and memory is then handed out by
// the kernel 2 MiB at a time, which is what the runtime's heap growth does
// anyway. SetHugePages(false) turns it off.

const hugePage = 2 << 20

// hugeMinChunk is the smallest chunk that is advised: above 32 KiB the Go
// allocator gives each object its own pages; smaller chunks share spans
// with other small objects and come from memory already in use.
const hugeMinChunk = 32<<10 + 1

var hugeOff atomic.Bool

// advised remembers recently advised regions (by region number), so that
// a run of chunks in one region costs one system call.
var advised [256]atomic.Uintptr

// SetHugePages turns the advice on (the default) or off for chunks
// allocated afterwards. It is safe to call at any time.
func SetHugePages(on bool) { hugeOff.Store(!on) }

// adviseHuge marks the 2 MiB regions covering b's capacity for huge pages.
func adviseHuge(b []byte) {
	if hugeOff.Load() || cap(b) < hugeMinChunk {
		return
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := p &^ (hugePage - 1)
	hi := (p + uintptr(cap(b)) + hugePage - 1) &^ (hugePage - 1)
	for r := lo; r < hi; r += hugePage {
		slot := &advised[(r/hugePage)%uintptr(len(advised))]
		if slot.Load() == r/hugePage {
			continue
		}
		// The region is Go heap memory, mapped or reserved; an error
		// (no THP in the kernel, or part not mapped yet) only means no
		// huge page, so it is ignored. The address stays a uintptr: it
		// lies outside b, where a Go pointer may not point.
		syscall.Syscall(syscall.SYS_MADVISE, r, hugePage, syscall.MADV_HUGEPAGE)
		slot.Store(r / hugePage)
	}
}
