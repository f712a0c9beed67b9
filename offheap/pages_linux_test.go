//go:build linux && !race

package offheap

import (
	"syscall"
	"testing"
	"unsafe"
)

// resident counts the arena's pages the system holds memory for.
func resident(t *testing.T) int64 {
	t.Helper()
	pages.mu.Lock()
	end := int(pages.next) << pageShift
	pages.mu.Unlock()
	vec := make([]byte, end/4096)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(base), uintptr(end), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	var n int64
	for _, v := range vec {
		n += int64(v & 1)
	}
	return n * 4096
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
	if slack := int64(retainMax) * PageSize; got > base0+slack {
		t.Fatalf("%d bytes resident after freeing everything, %d before (retaining up to %d)", got, base0, slack)
	}
	st := ReadStats()
	if st.Retained > int64(retainMax)*PageSize {
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
	a := Alloc(Table, 2*PageSize)
	b := Alloc(Table, 2*PageSize)
	c := Alloc(Table, 2*PageSize)
	Free(Table, a)
	Free(Table, b)
	Free(Table, c)
	DrainQuarantine()
	TrimRetained(0)               // given back, the runs are filed clean, and merge
	d := Alloc(Table, 6*PageSize) // fits only if the three runs merged
	if &d[0] != &a[0] {
		t.Errorf("a 6-page allocation did not reuse the three freed 2-page runs")
	}
	Free(Table, d)
}
