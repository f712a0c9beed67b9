//go:build linux && !race

package offheap

import (
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// residentIn counts the bytes of b the system holds memory for (mincore).
func residentIn(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	vec := make([]byte, (len(b)+4095)/4096)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		panic(e)
	}
	var n int64
	for _, v := range vec {
		n += int64(v & 1)
	}
	return n * 4096
}

// resident counts the arena's pages the system holds memory for.
func resident(t *testing.T) int64 {
	t.Helper()
	var n int64
	for i := range pools {
		pp := &pools[i]
		pp.mu.Lock()
		n += residentIn(arena[int(pp.start)<<pageShift : int(pp.next)<<pageShift])
		pp.mu.Unlock()
	}
	return n
}

// TestPagesReturned fills 256 MiB with chunks and small records, frees
// them, and checks that the memory went back to the system but for the few
// pages the pool keeps for reuse; and that large allocations give back
// theirs at once.
func TestPagesReturned(t *testing.T) {
	DrainQuarantine()
	base0 := resident(t)
	var held [][]byte
	for i := 0; i < 2048; i++ {
		b := Alloc(Chunk, 128<<10-64)
		fill(b, byte(i))
		held = append(held, b)
	}
	for i := 0; i < 100000; i++ {
		b := Alloc(Record, 64)
		fill(b, byte(i))
		held = append(held, b)
	}
	big := Alloc(Table, 3*PageSize)
	fill(big, 1)
	if got := resident(t) - base0; got < 250<<20 {
		t.Fatalf("only %d bytes resident after filling 256 MiB", got)
	}
	for _, b := range held {
		Free(Chunk, b)
	}
	Free(Table, big)
	DrainQuarantine()
	got := resident(t)
	if slack := int64((retainMax[0] + retainMax[1])) * PageSize; got > base0+slack {
		t.Fatalf("%d bytes resident after freeing everything, %d before (retaining up to %d)", got, base0, slack)
	}
	st := ReadStats()
	if st.Retained > int64((retainMax[0]+retainMax[1]))*PageSize {
		t.Fatalf("retained %d", st.Retained)
	}
	// Trimming gives back what was retained too.
	TrimRetained(0)
	if got := resident(t); got > base0 {
		t.Fatalf("%d bytes resident after trimming, %d before", got, base0)
	}
	if st := ReadStats(); st.Retained != 0 {
		t.Fatalf("%d bytes retained after trimming", st.Retained)
	}
}

// TestLargeRunsMerge checks that freed neighbouring runs merge into one.
func TestLargeRunsMerge(t *testing.T) {
	// Runs that earlier tests left in the pool may serve the first
	// requests from scattered places: take triples until one is three
	// neighbours (fresh address space always is).
	addr := func(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }
	var held [][]byte
	var a, b, c []byte
	for {
		a, b, c = Alloc(Table, 2*PageSize), Alloc(Table, 2*PageSize), Alloc(Table, 2*PageSize)
		if addr(b) == addr(a)+2*PageSize && addr(c) == addr(b)+2*PageSize {
			break
		}
		held = append(held, a, b, c)
	}
	for _, x := range held {
		Free(Table, x)
	}
	Free(Table, a)
	Free(Table, b)
	Free(Table, c)
	DrainQuarantine()
	TrimRetained(0) // given back, the runs are filed clean, and merge
	pg := int32((addr(a) - uintptr(base)) >> pageShift)
	pp := &pools[hugePool]
	pp.mu.Lock()
	merged := false
	for _, r := range pp.runs {
		merged = merged || (r.start <= pg && pg+6 <= r.start+r.n)
	}
	pp.mu.Unlock()
	if !merged {
		t.Errorf("the three freed 2-page runs did not merge into one clean run")
	}
}

// TestScavengeGivesBack fills 64 MiB with 1000-byte records, frees 90% of
// them at random, which leaves every span holding some, and checks that the
// scavenger gives back the system pages left empty (with four blocks to a
// page, about 0.9^4 of them), that the blocks held keep their bytes, and
// that the pages come back into use as blocks are taken again.
func TestScavengeGivesBack(t *testing.T) {
	r := mustSeed(t)
	DrainQuarantine()
	TrimRetained(0)
	var held []block
	for i := 0; i < 64<<10; i++ {
		bl := block{Alloc(Record, 1000), byte(r.Uint32()), Record}
		fill(bl.b, bl.pat)
		held = append(held, bl)
	}
	defer func(a time.Duration) { scavengeAge = a }(scavengeAge)
	scavengeAge = 0 // a page seen free at two looks goes
	// Frees wake the background scavenger: count from here.
	before, rel := resident(t), ReadStats().Released
	keep := held[:0]
	for _, bl := range held {
		if r.IntN(10) == 0 {
			keep = append(keep, bl)
		} else {
			Free(bl.p, bl.b)
		}
	}
	held = keep
	DrainQuarantine()
	TrimRetained(0)
	Scavenge(1 << 20)
	Scavenge(1 << 20)
	given := ReadStats().Released - rel
	after := resident(t)
	t.Logf("gave back %d MiB; resident %d -> %d MiB", given>>20, before>>20, after>>20)
	if given < 30<<20 {
		t.Errorf("gave back %d bytes, want over 30 MiB", given)
	}
	if !Invariants && before-after < given*9/10 { // the invariants build poisons them again
		t.Errorf("resident fell by %d bytes; %d were given back", before-after, given)
	}
	for _, bl := range held {
		if !intact(bl.b, bl.pat) {
			t.Fatal("a block held was overwritten")
		}
	}
	// Take as many blocks again: the free lists, then the pages given back.
	for i := 0; i < 60<<10; i++ {
		bl := block{Alloc(Record, 1000), byte(r.Uint32()), Record}
		fill(bl.b, bl.pat)
		held = append(held, bl)
	}
	if st := ReadStats(); st.Released-rel > given/4 {
		t.Errorf("%d bytes still given back after refilling", st.Released-rel)
	}
	for _, bl := range held {
		if !intact(bl.b, bl.pat) {
			t.Fatal("a block was overwritten")
		}
		Free(bl.p, bl.b)
	}
	DrainQuarantine()
}

// TestPoolsByClass checks that blocks under 32 KiB come from the small
// pool, which never asks for huge pages, but for array chunks; and larger
// ones and large allocations from the huge pool, but for request buffers
// up to 1 MiB.
func TestPoolsByClass(t *testing.T) {
	for _, p := range []Purpose{Chunk, Record, Scratch, Buffer} {
		for _, n := range []int{1, 1000, smallSpanMax - 1, smallSpanMax, 128 << 10, maxSmall, maxSmall + 1} {
			b := Alloc(p, n)
			pg := int32((uintptr(unsafe.Pointer(&b[0])) - uintptr(base)) >> pageShift)
			want := &pools[hugePool]
			if (SizeOf(n) < smallSpanMax && p != Chunk) || (p == Buffer && n <= maxSmall) {
				want = &pools[smallPool]
			}
			if got := poolOf(pg); got != want || pg < got.start || pg >= got.end {
				t.Errorf("a %v block of %d bytes is on page %d, in the wrong pool", p, n, pg)
			}
			Free(p, b)
		}
	}
}
