package memtree

import (
	"bytes"
	"testing"
	"unsafe"

	"numkv/offheap"
)

// CloneTo behaves as Clone: both sides keep their own contents after
// writes, and the target may be reused for a second clone once released.
func TestCloneTo(t *testing.T) {
	src := New()
	defer src.Release()
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
	clones[0].Release()
	src.CloneTo(&clones[0])
	defer clones[0].Release()
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
	defer dst.Release()
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

// leafAt returns the address of the chunk holding byte off.
func leafAt(tr *Tree, off int) unsafe.Pointer {
	var c cursor
	c.init(tr, false)
	c.seek(off)
	return unsafe.Pointer(unsafe.SliceData(c.leaf))
}

// Once a clone is released, the tree it shared with writes in place
// again: a write into a leaf they shared keeps that leaf, where before the
// release it copied it. This is what keeps a snapshot's trees from being
// copied behind the saver.
func TestReleasedCloneWritesInPlace(t *testing.T) {
	src := New()
	defer src.Release()
	src.Append(bytes.Repeat([]byte("abcdefgh"), 1<<20)) // 8 MiB, two levels
	page := bytes.Repeat([]byte("p"), 4096)
	var clone Tree
	src.CloneTo(&clone)
	before := leafAt(src, 3<<20)
	src.WriteAt(page, 3<<20)
	if leafAt(src, 3<<20) == before {
		t.Fatal("a write into a leaf shared with a clone did not copy it")
	}
	if leafAt(&clone, 3<<20) != before {
		t.Fatal("the clone lost its leaf")
	}
	clone.Release()
	before = leafAt(src, 5<<20)
	src.WriteAt(page, 5<<20)
	if leafAt(src, 5<<20) != before {
		t.Fatal("a write after the clone was released copied the leaf")
	}
	if err := src.check(); err != nil {
		t.Fatal(err)
	}
}

// Releasing every tree, clones and all, gives back every byte: the live
// count of the allocator returns to where it was, whatever order the trees
// are dropped in.
func TestReleaseReturnsEverything(t *testing.T) {
	before := offheap.LiveBytes()
	src := New()
	src.Append(pattern(3 << 20))
	a, b := src.Clone(), src.Clone()
	src.Insert(1000, pattern(5000))
	a.Remove(2<<20, 300_000)
	b.Release()
	c := a.Clone()
	src.Release()
	c.WriteAt(pattern(10), 0)
	c.Release()
	a.Release()
	if got := offheap.LiveBytes(); got != before {
		t.Fatalf("%d bytes held after releasing everything, %d before", got, before)
	}
}
