package memtree

import (
	"bytes"
	"runtime"
	"testing"
)

// CloneTo behaves as Clone: both sides keep their own contents after
// writes, and the target may be reused for a second clone.
func TestCloneTo(t *testing.T) {
	src := New()
	src.Append(bytes.Repeat([]byte("abcdefgh"), 100_000))
	want := allBytes(src)
	clones := make([]Tree, 2)
	src.CloneTo(&clones[0])
	if err := src.WriteAt([]byte("XYZ"), 5000); err != nil {
		t.Fatal(err)
	}
	if err := clones[0].Insert(0, []byte("head")); err != nil {
		t.Fatal(err)
	}
	if got := allBytes(&clones[0]); !bytes.Equal(got[4:], want) || string(got[:4]) != "head" {
		t.Fatal("the clone saw the original's write, or lost its own")
	}
	if got := allBytes(src); string(got[5000:5003]) != "XYZ" || !bytes.Equal(got[:5000], want[:5000]) {
		t.Fatal("the original lost its write")
	}
	src.CloneTo(&clones[0]) // reuse: what it held is dropped
	if !bytes.Equal(allBytes(&clones[0]), allBytes(src)) {
		t.Fatal("a reused target does not hold the new clone")
	}
	for _, tr := range []*Tree{src, &clones[0]} {
		if err := tr.check(); err != nil {
			t.Fatal(err)
		}
	}
}

func allBytes(t *Tree) []byte {
	b, _ := t.AppendRange(nil, 0, t.Len())
	return b
}

// MoveTo hands the contents over, leaves the source empty, and the target
// keeps writing in place.
func TestMoveTo(t *testing.T) {
	var b Builder
	b.Write(bytes.Repeat([]byte("0123456789"), 50_000))
	built := b.Tree()
	var dst Tree
	built.MoveTo(&dst)
	if built.Len() != 0 || dst.Len() != 500_000 {
		t.Fatalf("after MoveTo: source %d bytes, target %d", built.Len(), dst.Len())
	}
	if err := dst.Insert(250_000, []byte("mid")); err != nil {
		t.Fatal(err)
	}
	got := allBytes(&dst)
	if string(got[250_000:250_003]) != "mid" || string(got[:10]) != "0123456789" {
		t.Fatal("target does not hold the moved contents")
	}
	for _, tr := range []*Tree{built, &dst} {
		if err := tr.check(); err != nil {
			t.Fatal(err)
		}
	}
}

// After Reclaim the source writes in place again: a 4 KiB write into a
// leaf it shared with the dropped clone allocates nothing. Without it,
// the same write copies the leaf and the inner nodes above it. A second
// clone taken meanwhile makes Reclaim refuse.
func TestReclaim(t *testing.T) {
	src := New()
	src.Append(bytes.Repeat([]byte("abcdefgh"), 1<<20)) // 8 MiB, two levels
	page := bytes.Repeat([]byte("p"), 4096)
	write := func(off int) uint64 { // allocations made by one write
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := src.WriteAt(page, off); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	var clone Tree
	lease := src.CloneTo(&clone)
	if a := write(0); a == 0 {
		t.Fatal("a write after CloneTo did not copy the shared leaf")
	}
	clone = Tree{} // gone
	if !src.Reclaim(lease) {
		t.Fatal("Reclaim refused, with no clone since")
	}
	if a := write(4 << 20); a != 0 {
		t.Fatalf("a write after Reclaim made %d allocations, want 0", a)
	}
	if src.Reclaim(lease) {
		t.Fatal("a lease was reclaimed twice")
	}

	lease = src.CloneTo(&clone)
	other := src.Clone()
	want := allBytes(other)
	if src.Reclaim(lease) {
		t.Fatal("Reclaim accepted although the tree was cloned since")
	}
	write(6 << 20)
	if !bytes.Equal(allBytes(other), want) {
		t.Fatal("a later clone saw the source's write")
	}
	for _, tr := range []*Tree{src, other} {
		if err := tr.check(); err != nil {
			t.Fatal(err)
		}
	}
}
