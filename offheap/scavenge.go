package offheap

import (
	"math/bits"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The scavenger gives back to the system the memory of free blocks inside
// spans that are still in use. A span returns its page only when its last
// block is freed; a cache that evicts keys at random (an LFU policy with
// even counts, or allkeys-random) leaves most spans with a few live blocks
// each and every page of them resident: measured, 134 MiB of spans and
// 108 MiB of RSS for 62 MiB of live data. The unit given back is the
// system's page (4 KiB on x86-64), not the span's 2 MiB.
//
// A span keeps a bitmap of its system pages that were given back. Every
// block overlapping such a page is free, and the free list holds exactly
// the free blocks that overlap none, so nothing ever writes a link into
// memory that was given back. When the free list and the never-used blocks
// run out, allocBlock takes the pages back one at a time, lowest first
// (unrelease), and lists the blocks they free; the system hands them back
// zeroed on first touch. Only pages whose blocks are all below the bump
// index are given back, so bump allocation never lands in one.

// relWords is the size of a span's bitmap of pages given back: one bit for
// each 4 KiB of the span (larger system pages use fewer).
const relWords = PageSize / 4096 / 64

// sysShift is log2 of the system's page size, at least 4 KiB.
var sysShift = max(12, bits.Len(uint(os.Getpagesize()))-1)

// scavengeMin is how much a span's free list must have grown, in bytes,
// since the scavenger last looked at it, before it looks again: scanning
// costs a walk of the list, so it is paid only for frees worth returning.
var scavengeMin int64 = 32 << 10

// scavengeAge is how long a page must have stayed free (seen free at two
// looks that far apart, at least) before it is given back: memory freed
// and taken again soon after, as a tree's chunks are when it is edited,
// would otherwise be given back and faulted in again on every edit.
var scavengeAge = time.Second

// releasedPages counts the system pages given back inside spans.
var releasedPages atomic.Int64

func (s *span) released(p int) bool { return s.rel[p>>6]&(1<<(p&63)) != 0 }

// pagesOf returns the system pages [lo, hi] that block b overlaps.
func pagesOf(b uint32, size uintptr) (lo, hi int) {
	start := uintptr(b) * size
	return int(start >> sysShift), int((start + size - 1) >> sysShift)
}

// blocksOf returns the blocks [lo, hi] of a span of class c that system
// page p overlaps; lo > hi when p holds only the span's unused tail.
func blocksOf(p int, c int) (lo, hi int) {
	size := uintptr(classSize[c])
	lo = int((uintptr(p) << sysShift) / size)
	hi = min(int(((uintptr(p+1)<<sysShift)-1)/size), int(classBlocks[c])-1)
	return lo, hi
}

// inReleased says whether block b overlaps a page given back.
func (s *span) inReleased(b uint32, size uintptr) bool {
	if s.nrel == 0 {
		return false
	}
	lo, hi := pagesOf(b, size)
	for p := lo; p <= hi; p++ {
		if s.released(p) {
			return true
		}
	}
	return false
}

func blockPtr(pg int32, b uint32, size uintptr) unsafe.Pointer {
	return unsafe.Add(pagePtr(pg), uintptr(b)*size)
}

// unrelease takes back the lowest pages given back, one at a time, until
// the free list of span s (page pg, class c) has a block. The caller holds
// the class's lock, and the span has a free block: used < classBlocks.
func unrelease(pg int32, s *span, c int) {
	size := uintptr(classSize[c])
	for s.free == 0 {
		if s.nrel == 0 {
			panic("offheap: a span with room has no free block")
		}
		p := 0
		for w := range s.rel {
			if s.rel[w] != 0 {
				p = w<<6 | bits.TrailingZeros64(s.rel[w])
				break
			}
		}
		s.rel[p>>6] &^= 1 << (p & 63)
		s.nrel--
		releasedPages.Add(-1)
		lo, hi := blocksOf(p, c)
		for b := hi; b >= lo; b-- { // pushed from the top: the list ascends
			if !s.inReleased(uint32(b), size) {
				*(*uint32)(blockPtr(pg, uint32(b), size)) = s.free
				s.free = uint32(b) + 1
				s.nlist++
			}
		}
	}
}

// scavengeSpan gives back the pages of span s (page pg, class c) that
// hold only free blocks now and did at its previous look (s.cand), and
// rebuilds its free list, in ascending order, from the free blocks that
// overlap no page given back. The pages free now but not then become the
// candidates for the next look. free is scratch for a bitmap of the
// span's blocks. The caller holds the class's lock. It returns how many
// pages it gave back.
func scavengeSpan(pg int32, s *span, c int, free []uint64, eager bool) int {
	size := uintptr(classSize[c])
	nb := s.bump
	free = free[:(nb+63)/64]
	clear(free)
	for i := s.free; i != 0; {
		b := i - 1
		free[b>>6] |= 1 << (b & 63)
		i = *(*uint32)(blockPtr(pg, b, size))
	}
	isFree := func(b int) bool { return free[b>>6]&(1<<(b&63)) != 0 }
	if s.nrel > 0 { // the blocks in pages given back are free too
		for p := 0; p < relWords*64; p++ {
			if s.released(p) {
				lo, hi := blocksOf(p, c)
				for b := lo; b <= hi; b++ {
					free[b>>6] |= 1 << (b & 63)
				}
			}
		}
	}
	given := 0
	runStart := -1
	flush := func(end int) {
		if runStart >= 0 {
			b := unsafe.Slice((*byte)(unsafe.Add(pagePtr(pg), runStart<<sysShift)), (end-runStart)<<sysShift)
			release(b)
			if Invariants {
				poison(b) // what a block taken back holds, as after a free
			}
			runStart = -1
		}
	}
	var cand [relWords]uint64
	p := 0
	for ; (p << sysShift) < int(nb)*int(size); p++ {
		lo, hi := blocksOf(p, c)
		ok := !s.released(p) && lo <= hi && hi < int(nb)
		for b := lo; ok && b <= hi; b++ {
			ok = isFree(b)
		}
		if ok && !eager && s.cand[p>>6]&(1<<(p&63)) == 0 {
			cand[p>>6] |= 1 << (p & 63) // free now: given back next time if still free
			ok = false
		}
		if !ok {
			flush(p)
			continue
		}
		s.rel[p>>6] |= 1 << (p & 63)
		s.nrel++
		given++
		if runStart < 0 {
			runStart = p
		}
	}
	flush(p)
	s.cand = cand
	releasedPages.Add(int64(given))
	s.free, s.nlist = 0, 0
	for b := int(nb) - 1; b >= 0; b-- {
		if isFree(b) && !s.inReleased(uint32(b), size) {
			*(*uint32)(blockPtr(pg, uint32(b), size)) = s.free
			s.free = uint32(b) + 1
			s.nlist++
		}
	}
	return given
}

// scavengeEvery is how many bytes freed into small spans still in use
// wake the background scavenger, which looks at the small pool only: the
// cron's pace alone falls behind a cache that evicts hundreds of megabytes
// a second, and is enough for the huge pool, whose pages wait for
// scavengeAge anyway.
var scavengeEvery int64 = 2 << 20

var (
	freedInSpans atomic.Int64
	scavKick     = make(chan struct{}, 1)
)

// noteFreed counts a block of class c freed into a span of pool pool that
// stays in use, and wakes the background scavenger when enough have been.
func noteFreed(pool, c int) {
	if pool != smallPool || freedInSpans.Add(int64(classSize[c])) < scavengeEvery {
		return
	}
	freedInSpans.Store(0)
	select {
	case scavKick <- struct{}{}:
	default: // already awake
	}
}

// scavengeLoop is the background scavenger, started with the reservation.
func scavengeLoop() {
	for range scavKick {
		scavenge(1<<20, true)
	}
}

// releaseTail gives back the pages of span s (page pg, class c) past its
// bump index, which no block handed out overlaps: bump allocation faults
// them in afresh as it reaches them. The caller holds the class's lock. It
// returns the bytes given back.
func releaseTail(pg int32, s *span, c int) int {
	s.tail = true
	from := (int(s.bump)*int(classSize[c]) + 1<<sysShift - 1) >> sysShift << sysShift
	if from >= PageSize {
		return 0
	}
	release(unsafe.Slice((*byte)(unsafe.Add(pagePtr(pg), from)), PageSize-from))
	if Invariants {
		// What dbgAlloc expects of a block never handed out: poison, from
		// the first such block on, as when the page's last span emptied.
		at := int(s.bump) * int(classSize[c])
		poison(unsafe.Slice((*byte)(unsafe.Add(pagePtr(pg), at)), PageSize-at))
	}
	return PageSize - from
}

var scav struct {
	mu   sync.Mutex
	free []uint64 // scratch: one bit per block of the smallest class
	next int      // the class to start from next time
}

// Scavenge gives back to the system the memory of free blocks inside
// spans still in use, looking at up to maxSpans spans. It holds one
// class's lock at a time. numkv's cron calls it ten times a second. It
// returns the bytes given back.
func Scavenge(maxSpans int) int64 { return scavenge(maxSpans, false) }

func scavenge(maxSpans int, smallOnly bool) int64 {
	ensure()
	if heapMode {
		return 0
	}
	scav.mu.Lock()
	defer scav.mu.Unlock()
	if scav.free == nil {
		scav.free = make([]uint64, PageSize/minAlign/64)
	}
	given := 0
	now := time.Now().UnixNano()
	for i := 0; i < 2*nClasses && maxSpans > 0; i++ {
		k := (scav.next + i) % (2 * nClasses)
		pool, c := k/nClasses, 1+k%nClasses
		if smallOnly && pool != smallPool {
			continue
		}
		cs := &classes[pool][c]
		cs.mu.Lock()
		for _, e := range cs.avail {
			pg := int32(e >> 32)
			s := spanOf(pg)
			if int(s.class) != c || s.serial != uint32(e) || !s.listed {
				continue
			}
			n, looked := look(pg, s, pool, c, now)
			given += n
			if looked {
				if maxSpans--; maxSpans == 0 {
					scav.next = k // this class again next time
					break
				}
			}
		}
		cs.mu.Unlock()
	}
	return int64(given) << sysShift
}

// look is the scavenger's visit to span s (page pg, pool pool, class c),
// under the class's lock: it gives back what it may of the span, and says whether
// it did any work.
//
// A page is free only when every block in it is: with a fraction f of a
// span's blocks free at random, about f^k of its pages are, k blocks to a
// page. Below half free (fewer blocks on the list than in use) a walk of
// the list finds next to nothing, and a cache at its limit, which frees
// only what it writes next, would pay for one on every pass; so the list
// is walked only when half the blocks are free and scavengeMin more
// bytes were freed since the last walk.
//
// A small-pool span's pages are 4 KiB, faulted in again at little cost: they
// are given back at the first look, and so is the span's tail. A huge-pool
// span's pages are parts of huge pages: giving one back splits the huge
// page, and the span's live blocks then cost a TLB entry per 4 KiB (a
// strided gather over a churned tree ran 60% slower) and every block freed
// and taken again soon after a fault per 4 KiB. So it is looked at only
// when three quarters empty, a page goes back only when it was free at two
// looks scavengeAge apart, and its tail never (it fills as the span does).
// With SetHugePages(false) the huge pool is scavenged as the small one.
func look(pg int32, s *span, pool, c int, now int64) (given int, looked bool) {
	s.scan = min(s.scan, s.nlist) // allocations took from the list
	grown := int64(s.nlist-s.scan)*int64(classSize[c]) >= scavengeMin && s.nlist >= s.used
	if pool == smallPool || hugeOff.Load() {
		if !s.tail {
			given += releaseTail(pg, s, c)
			looked = true
		}
		if grown {
			given += scavengeSpan(pg, s, c, scav.free, true)
			s.scan = s.nlist
			looked = true
		}
		return given, looked
	}
	s.tail = true
	grown = grown && 4*s.used <= classBlocks[c]
	if s.seen != 0 && now-s.seen < int64(scavengeAge) {
		return 0, false // its candidates have not aged yet
	}
	if !grown && s.seen == 0 {
		return 0, false
	}
	given = scavengeSpan(pg, s, c, scav.free, false)
	s.scan = s.nlist
	s.seen = 0
	if s.cand != ([relWords]uint64{}) {
		s.seen = now
	}
	return given, true
}
