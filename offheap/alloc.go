package offheap

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Purpose says what a block holds, so that Live can report each kind.
type Purpose uint8

const (
	Chunk   Purpose = iota // array bytes: the chunks of memtree's leaves
	Node                   // memtree's nodes
	Record                 // keyspace records: key, metadata, small value
	Table                  // keyspace hash tables
	Buffer                 // connections' large request buffers
	Scratch                // anything else numkv holds for a while
	NumPurposes
)

var purposeNames = [NumPurposes]string{"chunk", "node", "record", "table", "buffer", "scratch"}

func (p Purpose) String() string {
	if p < NumPurposes {
		return purposeNames[p]
	}
	return fmt.Sprintf("purpose(%d)", p)
}

// Ref names a block without a Go pointer: its offset from the base of the
// reservation (or, on the Go heap, a handle). The zero Ref is no block.
type Ref uint64

// MaxRef bounds every Ref, so that a Ref fits in 44 bits.
const MaxRef = 1 << 44

// Reservation sizes: the largest range tried first, halving down to the
// smallest. 16 TiB of address space costs nothing but page tables for what
// is used; MaxRef must cover it.
const (
	maxReserve = 1 << 44
	minReserve = 1 << 30
	dirBits    = 11 // pages per directory chunk: 2^11
)

var (
	initOnce sync.Once
	heapMode bool   // blocks come from the Go heap (heap.go)
	arena    []byte // the reservation, PageSize-aligned
	base     unsafe.Pointer
	hugeOff  atomic.Bool
	live     [NumPurposes]atomic.Int64
	allocs   [NumPurposes]atomic.Int64

	// forceHeap makes setup choose the Go heap; tests of heap mode set it
	// before the first allocation.
	forceHeap bool
)

func ensure() { initOnce.Do(setup) }

func setup() {
	if raceEnabled || !mmapSupported || forceHeap {
		heapMode = true
		return
	}
	for size := maxReserve; size >= minReserve; size /= 2 {
		b, err := reserve(size + PageSize)
		if err != nil {
			continue
		}
		adj := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b)))) & (PageSize - 1)
		arena = b[adj : adj+size : adj+size]
		base = unsafe.Pointer(unsafe.SliceData(arena))
		break
	}
	if arena == nil {
		heapMode = true
		return
	}
	setupPools(int32(len(arena) >> pageShift))
	// Advice on each pool once: ranges committed later inherit it.
	adviseHuge(pools[hugePool].span(), !hugeOff.Load())
	adviseHuge(pools[smallPool].span(), false)
	dir[0].Store(new([1 << dirBits]span))
	go scavengeLoop()
}

// SetHugePages asks the system for transparent huge pages for all memory
// from here (the default), or asks it not to use them. It may be called at
// any time; memory already faulted in keeps the pages it has.
func SetHugePages(on bool) {
	hugeOff.Store(!on)
	ensure()
	if arena != nil {
		adviseHuge(pools[hugePool].span(), on)
	}
}

// span is one page's metadata. A page is free, the whole of a span of one
// size class, or the first of a large allocation.
type span struct {
	class  int16  // size class of the span; 0 when not a span
	listed bool   // an entry of the class's heap stands for this span
	large  int32  // pages of the large allocation starting here, else 0
	used   uint32 // blocks handed out and not freed
	bump   uint32 // blocks [0, bump) were handed out at least once
	free   uint32 // head of the free list: block index + 1, 0 if empty
	serial uint32 // which span this page holds, for the heap's entries
	nlist  uint32 // blocks on the free list
	// The scavenger's state (scavenge.go): the system pages of the span
	// given back, how many, and nlist when it last looked at the span.
	nrel uint32
	scan uint32
	rel  [relWords]uint64
	// tail says the span's pages past its bump index were given back, or
	// never held memory: a span made on a page kept resident for reuse
	// holds the bytes of the page's last use until then.
	tail bool
	// seen is when a look at a huge-pool span found pages to give back
	// once they have stayed free for scavengeAge, and cand those pages; 0
	// and empty when none.
	seen int64
	cand [relWords]uint64
}

// dir maps a page number to its span in chunks of 2^dirBits pages, made as
// pages are first committed. Chunks are never freed.
var dir [maxReserve / PageSize >> dirBits]atomic.Pointer[[1 << dirBits]span]

func spanOf(pg int32) *span { return &dir[pg>>dirBits].Load()[pg&(1<<dirBits-1)] }

// classState is one size class: its lock and a heap of the spans that
// have room, lowest address first. Filling the lowest spans first lets the
// others empty out and go back to the system, which keeps memory close to
// the bytes held under churn; handing out from the span freed into last
// instead kept up to 1.25x.
//
// An entry is a span's page in the high 32 bits and its serial in the low
// ones. Entries are removed lazily: one whose span filled up, emptied, or
// was given back (its serial no longer matches) is dropped when it reaches
// the top.
type classState struct {
	mu     sync.Mutex
	avail  []uint64
	serial uint32
	_      [24]byte // one cache line per class
}

func (cs *classState) push(pg int32, s *span) {
	s.listed = true
	cs.avail = append(cs.avail, uint64(pg)<<32|uint64(s.serial))
	h := cs.avail
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (cs *classState) pop() {
	h := cs.avail
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && h[l] < h[m] {
			m = l
		}
		if r < n && h[r] < h[m] {
			m = r
		}
		if m == i {
			break
		}
		h[m], h[i] = h[i], h[m]
		i = m
	}
	cs.avail = h
}

// top returns the lowest span with room of class c, dropping stale
// entries on the way, or -1.
func (cs *classState) top(c int) int32 {
	for len(cs.avail) > 0 {
		e := cs.avail[0]
		pg := int32(e >> 32)
		s := spanOf(pg)
		if int(s.class) == c && s.serial == uint32(e) && s.listed && s.used < classBlocks[c] {
			return pg
		}
		if int(s.class) == c && s.serial == uint32(e) {
			s.listed = false
		}
		cs.pop()
	}
	return -1
}

// classes holds each size class's state once per pool: a class has spans
// in both, for blocks of different purposes.
var classes [2][nClasses + 1]classState

func pagePtr(pg int32) unsafe.Pointer { return unsafe.Add(base, uintptr(pg)<<pageShift) }

// Alloc returns a block of at least n bytes as a slice of length n and
// capacity SizeOf(n). Its contents are undefined. Alloc(p, 0) returns nil.
// It panics if the address space is exhausted.
func Alloc(p Purpose, n int) []byte {
	if n <= 0 {
		return nil
	}
	ensure()
	var ptr unsafe.Pointer
	var size int
	if heapMode {
		ptr, size = heapAlloc(n)
	} else {
		ptr, size = allocMapped(p, n)
	}
	live[p].Add(int64(size))
	allocs[p].Add(1)
	return unsafe.Slice((*byte)(ptr), size)[:n]
}

// AllocZero is Alloc with the block's first n bytes cleared.
func AllocZero(p Purpose, n int) []byte {
	b := Alloc(p, n)
	clear(b)
	return b
}

// poolFor returns the pool whose spans serve blocks of class c for
// purpose p: array chunks, whatever their size, and blocks of 32 KiB up
// from the huge pool; the rest (records, nodes, small tables and buffers)
// from the small pool. A chunk is read and rewritten whole, and a chunk
// shrunk by edits to a few KiB on 4 KiB pages cost 20% more per edit
// than on huge ones.
//
// Connections' request buffers up to 1 MiB come from the small pool
// whatever their size: a buffer grown for a large request is filled only
// as its bytes arrive, and on huge pages a hundred clients trickling large
// bulks held 2 MiB each for the 512 KiB they had sent. Larger ones stay on
// huge pages: an 8 MB SET cost 50% more CPU on 4 KiB ones.
func poolFor(p Purpose, c int) int {
	switch {
	case p == Buffer:
		return smallPool
	case p == Chunk || classSize[c] >= smallSpanMax:
		return hugePool
	}
	return smallPool
}

func allocMapped(p Purpose, n int) (unsafe.Pointer, int) {
	if n > maxSmall {
		np := int32((n + PageSize - 1) >> pageShift)
		pg := getPages(&pools[hugePool], np)
		spanOf(pg).large = np
		ptr := pagePtr(pg)
		size := int(np) << pageShift
		if Invariants {
			dbgAlloc(ptr, size, false)
		}
		return ptr, size
	}
	c := sizeClass(n)
	size := int(classSize[c])
	ptr, reused := allocBlock(poolFor(p, c), c)
	if Invariants {
		dbgAlloc(ptr, size, reused)
	}
	return ptr, size
}

// allocBlock takes a block of class c from the first span with room in
// pool pool, or from a fresh span. reused says it came from a free list.
func allocBlock(pool, c int) (ptr unsafe.Pointer, reused bool) {
	cs := &classes[pool][c]
	size := uintptr(classSize[c])
	cs.mu.Lock()
	pg := cs.top(c)
	if pg < 0 {
		pg = getPages(&pools[pool], 1)
		cs.serial++
		s := spanOf(pg)
		*s = span{class: int16(c), serial: cs.serial}
		cs.push(pg, s)
	}
	s := spanOf(pg)
	if s.free == 0 && s.bump == classBlocks[c] {
		unrelease(pg, s, c) // the free blocks left are in pages given back
	}
	if s.free != 0 {
		idx := s.free - 1
		ptr = unsafe.Add(pagePtr(pg), uintptr(idx)*size)
		s.free = *(*uint32)(ptr)
		s.nlist--
		reused = true
	} else {
		ptr = unsafe.Add(pagePtr(pg), uintptr(s.bump)*size)
		s.bump++
	}
	s.used++
	cs.mu.Unlock()
	return ptr, reused
}

// Free returns a block that Alloc or AllocZero gave: b must start where
// the block starts (its length and capacity do not matter). Free(p, nil)
// does nothing. p must be the purpose it was allocated with. Freeing
// anything else is a bug; the invariants build panics on it.
func Free(p Purpose, b []byte) {
	if cap(b) == 0 {
		return
	}
	freePtr(p, unsafe.Pointer(unsafe.SliceData(b)))
}

func freePtr(p Purpose, ptr unsafe.Pointer) {
	if heapMode {
		live[p].Add(-int64(heapFree(ptr)))
		return
	}
	size := blockSize(ptr)
	live[p].Add(-int64(size))
	if Invariants && !dbgFree(ptr, size) {
		return // quarantined; dbgFree frees what leaves the quarantine
	}
	freeMapped(ptr)
}

// blockSize returns the size of the mapped block starting at ptr, and
// panics if ptr does not start a block in use.
func blockSize(ptr unsafe.Pointer) int {
	off := uintptr(ptr) - uintptr(base)
	if off >= uintptr(len(arena)) || off < PageSize {
		panic(fmt.Sprintf("offheap: free of %p, which is not in the arena", ptr))
	}
	s := spanOf(int32(off >> pageShift))
	in := off & (PageSize - 1)
	switch {
	case s.large > 0 && in == 0:
		return int(s.large) << pageShift
	case s.class > 0 && in%uintptr(classSize[s.class]) == 0:
		return int(classSize[s.class])
	}
	panic(fmt.Sprintf("offheap: free of %p, which does not start a block", ptr))
}

// freeMapped puts a mapped block back. A span left empty gives its page
// back at once; the page pool decides whether it stays resident.
func freeMapped(ptr unsafe.Pointer) {
	off := uintptr(ptr) - uintptr(base)
	pg := int32(off >> pageShift)
	s := spanOf(pg)
	if s.large > 0 {
		np := s.large
		s.large = 0
		putPages(pg, np)
		return
	}
	c := int(s.class)
	pool := poolIndex(pg)
	cs := &classes[pool][c]
	idx := uint32((off & (PageSize - 1)) / uintptr(classSize[c]))
	cs.mu.Lock()
	*(*uint32)(ptr) = s.free
	s.free = idx + 1
	s.nlist++
	s.used--
	if !s.listed {
		cs.push(pg, s) // it was full
	}
	if s.used == 0 {
		releasedPages.Add(-int64(s.nrel))
		*s = span{} // its heap entry goes stale

		cs.mu.Unlock()
		if Invariants {
			// Whatever writes here before the page is used again shows
			// in dbgAlloc's check of the blocks handed out from it.
			poison(unsafe.Slice((*byte)(pagePtr(pg)), PageSize))
		}
		putPages(pg, 1)
		return
	}
	cs.mu.Unlock()
	noteFreed(pool, c)
}

// AllocRef is Alloc for structures that keep no Go pointers: it names the
// block by a Ref as well.
func AllocRef(p Purpose, n int) (Ref, []byte) {
	b := Alloc(p, n)
	if b == nil {
		return 0, nil
	}
	if heapMode {
		return heapRef(b), b
	}
	return Ref(uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(base)), b
}

// FreeRef frees the block r names, as Free does.
func FreeRef(p Purpose, r Ref) {
	if r == 0 {
		return
	}
	if heapMode {
		ptr := heapUnref(r)
		live[p].Add(-int64(heapFree(ptr)))
		return
	}
	freePtr(p, unsafe.Add(base, uintptr(r)))
}

// Pointer returns the address of the block r names; nil for 0.
func (r Ref) Pointer() unsafe.Pointer {
	if r == 0 {
		return nil
	}
	if heapMode {
		return heapPointer(r)
	}
	return unsafe.Add(base, uintptr(r))
}

// Bytes returns the first n bytes of the block r names.
func (r Ref) Bytes(n int) []byte { return unsafe.Slice((*byte)(r.Pointer()), n) }

// The page pools. The reservation is split in two: the lower three
// quarters hold large allocations and the spans of array chunks and of
// blocks from smallSpanMax up, and ask for huge pages; the top quarter
// holds the spans of the other small blocks (records, tree nodes, small
// tables), and asks not to (poolFor). A huge page is faulted in whole at a
// span's first touch, and splits only when part of it is given back: 36
// classes of small values, each with a span touched here and there, held
// 72 MiB of huge pages for a few hundred KiB of data. Two ranges keep the
// advice to two mappings, however many spans there are.
//
// In each pool freed pages stay resident for reuse, up to retainMax of
// them, as dirty runs; beyond that they are given back to the system at
// once (MADV_DONTNEED), and kept as clean single pages or as clean runs,
// sorted by address so that neighbours merge. TrimRetained gives back the
// dirty ones that have waited long enough.
type pagePool struct {
	mu        sync.Mutex
	start     int32 // the pool's first page
	end       int32 // past its last page
	next      int32 // first page never handed out
	committed int32 // pages below are readable and writable
	dirty     []dirtyRun
	retained  int     // pages in dirty
	clean     []int32 // free single pages given back
	runs      []pageRun
	inUse     int64 // pages in spans and large allocations
}

const (
	hugePool  = 0
	smallPool = 1
	// smallSpanMax: spans of classes below this block size come from the
	// small pool, but for array chunks.
	smallSpanMax = 32 << 10
)

var pools [2]pagePool

// poolIndex returns the pool page pg belongs to.
func poolIndex(pg int32) int {
	if pg >= pools[smallPool].start {
		return smallPool
	}
	return hugePool
}

func poolOf(pg int32) *pagePool { return &pools[poolIndex(pg)] }

// setupPools splits the reservation of total pages between the pools.
func setupPools(total int32) {
	small := total / 4
	pools[hugePool] = pagePool{start: 1, end: total - small, next: 1, committed: 1} // page 0 is never used, so no block has Ref 0
	pools[smallPool] = pagePool{start: total - small, end: total, next: total - small, committed: total - small}
}

func (pp *pagePool) span() []byte {
	return arena[int(pp.start)<<pageShift : int(pp.end)<<pageShift]
}

type pageRun struct{ start, n int32 }

// dirtyRun is a free run still resident, and when it was freed.
type dirtyRun struct {
	pageRun
	at int64 // unix nanoseconds
}

// retainMax is how many free pages stay resident for reuse in each pool
// (16 MiB in the huge pool, 4 MiB in the small): what a span that empties
// and refills, a large value rewritten in place, or a connection's large
// request buffer freed and taken again would otherwise fault in again and
// again (with 8 MiB, a tree's edits faulted in chunks' pages at every
// turn and cleared pages took 11% of their time). The small pool's spans
// hold small blocks, and empty rarely.
var retainMax = [2]int{hugePool: 8, smallPool: 2}

// commitStep is how far a pool's readable range grows at a time (64 MiB).
const commitStep = 32

func getPages(pp *pagePool, n int32) int32 {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.inUse += int64(n)
	for i := len(pp.dirty) - 1; i >= 0; i-- { // most recently freed first
		if d := &pp.dirty[i]; d.n >= n {
			pg := d.start
			d.start, d.n = d.start+n, d.n-n
			pp.retained -= int(n)
			if d.n == 0 {
				pp.dirty = append(pp.dirty[:i], pp.dirty[i+1:]...)
			}
			return pg
		}
	}
	if k := len(pp.clean); n == 1 && k > 0 {
		pg := pp.clean[k-1]
		pp.clean = pp.clean[:k-1]
		return pg
	}
	for i, r := range pp.runs {
		if r.n >= n {
			if r.n == n {
				pp.runs = append(pp.runs[:i], pp.runs[i+1:]...)
			} else {
				pp.runs[i] = pageRun{r.start + n, r.n - n}
			}
			return r.start
		}
	}
	pg := pp.next
	if pg > pp.end-n {
		panic(fmt.Sprintf("offheap: out of address space: %d pages of %d in use", pp.inUse, pp.end-pp.start))
	}
	pp.next += n
	if pp.next > pp.committed {
		to := min(pp.end, max(pp.next, pp.committed+commitStep))
		if err := commit(arena[int(pp.committed)<<pageShift : int(to)<<pageShift]); err != nil {
			panic(fmt.Sprintf("offheap: committing memory: %v", err))
		}
		for c := pp.committed >> dirBits; c <= (to-1)>>dirBits; c++ {
			if dir[c].Load() == nil {
				dir[c].Store(new([1 << dirBits]span))
			}
		}
		pp.committed = to
	}
	return pg
}

func putPages(pg, n int32) {
	pp := poolOf(pg)
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.inUse -= int64(n)
	if pp.retained+int(n) <= retainMax[poolIndex(pg)] {
		pp.dirty = append(pp.dirty, dirtyRun{pageRun{pg, n}, time.Now().UnixNano()})
		pp.retained += int(n)
		return
	}
	pp.cleanPages(pg, n)
}

// cleanPages gives pages back to the system and files them as clean. The
// caller holds pp.mu.
func (pp *pagePool) cleanPages(pg, n int32) {
	release(arena[int(pg)<<pageShift : int(pg+n)<<pageShift])
	if n == 1 {
		pp.clean = append(pp.clean, pg)
		return
	}
	i := 0
	for i < len(pp.runs) && pp.runs[i].start < pg {
		i++
	}
	pp.runs = append(pp.runs, pageRun{})
	copy(pp.runs[i+1:], pp.runs[i:])
	pp.runs[i] = pageRun{pg, n}
	if i+1 < len(pp.runs) && pg+n == pp.runs[i+1].start {
		pp.runs[i].n += pp.runs[i+1].n
		pp.runs = append(pp.runs[:i+1], pp.runs[i+2:]...)
	}
	if i > 0 && pp.runs[i-1].start+pp.runs[i-1].n == pg {
		pp.runs[i-1].n += pp.runs[i].n
		pp.runs = append(pp.runs[:i], pp.runs[i+1:]...)
	}
}

// TrimRetained gives back to the system the free pages kept resident for
// reuse that have waited at least age, so that memory freed by a burst (a
// FLUSHALL, a churn of large values) leaves the process's RSS once the
// burst is over. numkv's cron calls it ten times a second, with an age of
// one second.
func TrimRetained(age time.Duration) {
	ensure()
	if heapMode {
		return
	}
	cut := time.Now().Add(-age).UnixNano()
	for i := range pools {
		pp := &pools[i]
		pp.mu.Lock()
		keep := pp.dirty[:0]
		for _, d := range pp.dirty {
			if d.at > cut {
				keep = append(keep, d)
				continue
			}
			pp.retained -= int(d.n)
			if d.n > 0 {
				pp.cleanPages(d.start, d.n)
			}
		}
		pp.dirty = keep
		pp.mu.Unlock()
	}
}

// Stats is a snapshot of what the allocator holds.
type Stats struct {
	// Live is the bytes of blocks handed out and not freed, per purpose,
	// each counted at its class size.
	Live [NumPurposes]int64
	// Total is the sum of Live.
	Total int64
	// Allocs counts the blocks ever handed out, per purpose.
	Allocs [NumPurposes]int64
	// Pages is the memory of the pages holding spans and large
	// allocations: an upper bound of what they keep resident.
	Pages int64
	// Retained is the memory of free pages kept resident for reuse.
	Retained int64
	// Released is the memory of the free pages inside spans that the
	// scavenger gave back to the system: Pages minus Released bounds what
	// spans and large allocations keep resident.
	Released int64
	// HeapMode says blocks come from the Go heap (race builds, or no
	// reservation could be made); Pages and Retained are then 0.
	HeapMode bool
}

// ReadStats returns the allocator's counters. Live and Total are exact at
// any instant; the page counts are read under the pool's lock.
func ReadStats() Stats {
	ensure()
	var st Stats
	for p := range st.Live {
		st.Live[p] = live[p].Load()
		st.Allocs[p] = allocs[p].Load()
		st.Total += st.Live[p]
	}
	st.HeapMode = heapMode
	st.Released = releasedPages.Load() << sysShift
	for i := range pools {
		pp := &pools[i]
		pp.mu.Lock()
		st.Pages += pp.inUse << pageShift
		st.Retained += int64(pp.retained) << pageShift
		pp.mu.Unlock()
	}
	return st
}

// LiveBytes returns Stats.Total without taking any lock.
func LiveBytes() int64 {
	var t int64
	for p := range live {
		t += live[p].Load()
	}
	return t
}

// ClassUse is one size class's spans, for diagnostics.
type ClassUse struct {
	Size   int   // block size
	Spans  int   // spans (pages) of the class
	Blocks int64 // blocks handed out
	// Released is the memory of the system pages inside the class's spans
	// that the scavenger gave back.
	Released int64
}

// ClassUses returns the classes that have spans. It walks every page, so
// it is for diagnostics, not for a hot path.
func ClassUses() []ClassUse {
	ensure()
	if heapMode {
		return nil
	}
	var ranges [len(pools)][2]int32
	for i := range pools {
		pools[i].mu.Lock()
		ranges[i] = [2]int32{pools[i].start, pools[i].next}
		pools[i].mu.Unlock()
	}
	var by [nClasses + 1]ClassUse
	for p := range classes {
		for c := range nClasses + 1 {
			classes[p][c].mu.Lock()
		}
	}
	for _, r := range ranges {
		for pg := r[0]; pg < r[1]; pg++ {
			if s := spanOf(pg); s.class > 0 {
				by[s.class].Spans++
				by[s.class].Blocks += int64(s.used)
				by[s.class].Released += int64(s.nrel) << sysShift
			}
		}
	}
	for p := range classes {
		for c := range nClasses + 1 {
			classes[p][c].mu.Unlock()
		}
	}
	var out []ClassUse
	for c := 1; c <= nClasses; c++ {
		if by[c].Spans > 0 {
			by[c].Size = int(classSize[c])
			out = append(out, by[c])
		}
	}
	return out
}
