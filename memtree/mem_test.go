package memtree

import (
	"fmt"
	"math/rand"
	"testing"

	"numkv/offheap"
)

func heapModeTest() bool { return offheap.ReadStats().HeapMode }

// churn applies random inserts and removes of 1 byte to 8 KiB at random
// offsets, moving about total bytes, and keeps the length near its start.
func churn(tr *Tree, r *rand.Rand, total int) {
	buf := pattern(8 << 10)
	target := tr.Len()
	for moved := 0; moved < total; {
		n := 1 + r.Intn(len(buf))
		if tr.Len() > target || (tr.Len() >= n && r.Intn(2) == 0) {
			off := r.Intn(tr.Len() - n + 1)
			tr.Remove(off, n)
		} else {
			tr.Insert(r.Intn(tr.Len()+1), buf[:n])
		}
		moved += n
	}
}

// held is what the allocator holds: the bytes of live blocks, and the
// pages of the spans holding them (what they keep resident at most).
func held() (live, pages int64) {
	offheap.DrainQuarantine()
	st := offheap.ReadStats()
	return st.Total, st.Pages
}

// TestMemory checks that, after random inserts and removes, the blocks
// held are at most 5% more than the bytes stored, and the pages under them
// too, but for one page per size class in use: each class keeps a span
// partly full, and inserts and removes spread leaves over the nine classes
// from 64 KiB to 128 KiB. (At 16 MiB that allowance is most of the pages;
// at 1 GiB it is 2%.) A clone which is dropped leaves nothing behind.
// Other tests must not run in parallel with it.
func TestMemory(t *testing.T) {
	size, moved := 16<<20, 8<<20
	if testing.Short() {
		size, moved = 4<<20, 2<<20
	}
	seed := testSeed(t)
	r := rand.New(rand.NewSource(seed))
	live0, pages0 := held()
	var tr *Tree
	check := func(what string) {
		t.Helper()
		live, pages := held()
		lr, pr := float64(live-live0)/float64(tr.Len()), float64(pages-pages0)/float64(tr.Len())
		t.Logf("%s: %d bytes stored, blocks %d (%.4fx), pages %d (%.4fx)", what, tr.Len(), live-live0, lr, pages-pages0, pr)
		if lr > 1.05 {
			t.Errorf("%s: blocks hold %.4fx the bytes stored, want at most 1.05x", what, lr)
		}
		slack := int64(len(offheap.ClassUses())) * offheap.PageSize
		if !heapModeTest() && float64(pages-pages0-slack) > 1.05*float64(tr.Len()) {
			t.Errorf("%s: pages hold %.4fx the bytes stored, more than 1.05x and a page per class", what, pr)
		}
	}

	var b Builder
	chunk := pattern(100 << 10)
	for b.n < size {
		b.Write(chunk[:1+r.Intn(len(chunk))])
	}
	tr = b.Tree()
	defer tr.Release()
	check("built")

	churn(tr, r, moved)
	if err := tr.check(); err != nil {
		t.Fatal(err)
	}
	check(fmt.Sprintf("after moving %d bytes by random inserts and removes", moved))

	// A clone that both sides write, then is dropped, leaves nothing.
	c := tr.Clone()
	churn(c, r, moved/4)
	churn(tr, r, moved/4)
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	c.Release()
	check("after a dropped clone")
}
