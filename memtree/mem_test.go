package memtree

import (
	"math/rand"
	"runtime"
	"testing"
)

func heapInuse() int {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int(ms.HeapInuse)
}

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

// TestMemory checks that, after random inserts and removes, the heap holds
// at most 5% more than the bytes stored, and that a clone which is dropped
// leaves nothing behind. Other tests must not run in parallel with it.
func TestMemory(t *testing.T) {
	size, moved := 16<<20, 8<<20
	if testing.Short() {
		size, moved = 4<<20, 2<<20
	}
	seed := testSeed(t)
	r := rand.New(rand.NewSource(seed))
	base := heapInuse()

	var b Builder
	chunk := pattern(100 << 10)
	for b.n < size {
		b.Write(chunk[:1+r.Intn(len(chunk))])
	}
	tr := b.Tree()
	built := heapInuse() - base
	t.Logf("built %d bytes: heap grew %d (%.4fx)", tr.Len(), built, float64(built)/float64(tr.Len()))

	churn(tr, r, moved)
	if err := tr.check(); err != nil {
		t.Fatal(err)
	}
	grown := heapInuse() - base
	ratio := float64(grown) / float64(tr.Len())
	t.Logf("after moving %d bytes by random inserts and removes: %d bytes stored, heap grew %d (%.4fx)",
		moved, tr.Len(), grown, ratio)
	if ratio > 1.05 {
		t.Errorf("heap grew %.4fx the bytes stored, want at most 1.05x", ratio)
	}

	// A clone that both sides write, then is dropped, leaves nothing.
	func() {
		c := tr.Clone()
		churn(c, r, moved/4)
		churn(tr, r, moved/4)
		if err := c.check(); err != nil {
			t.Fatal(err)
		}
	}()
	after := heapInuse() - base
	ratio = float64(after) / float64(tr.Len())
	t.Logf("after a dropped clone: %d bytes stored, heap grew %d (%.4fx)", tr.Len(), after, ratio)
	if ratio > 1.05 {
		t.Errorf("after dropping a clone the heap is %.4fx the bytes stored, want at most 1.05x", ratio)
	}
	runtime.KeepAlive(tr)
}
