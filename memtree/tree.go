package memtree

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"numkv/offheap"
)

// ErrRange is returned, wrapped with detail, when an offset, length,
// element size or element index falls outside the tree. Test with
// errors.Is.
var ErrRange = errors.New("memtree: out of range")

// Sizes. They are variables only so that tests can shrink them to exercise
// many leaves and levels; production code never changes them.
var (
	// leafMax is the largest chunk. 128 KiB was chosen by benchmark and by
	// the memory goal: a chunk wastes up to an allocation unit (8 KiB),
	// and the average waste must stay under 5% of an average chunk; 64 KiB
	// chunks measured 5.2-5.5%, 128 KiB 3-3.5%. See BENCHMARKS.md.
	leafMax = 128 << 10
	// allocUnit is the granularity of the buffers of leaves at least half
	// full: offheap's size classes from 64 KiB to 128 KiB step by 8 KiB.
	allocUnit = 8 << 10
	// nodeMax is the most children an inner node holds. A 1 GiB tree of
	// 128 KiB chunks is three levels deep.
	nodeMax = 64
)

func leafMin() int { return leafMax / 2 }
func nodeMin() int { return nodeMax / 2 }

// leafFill is how full Append and Builder fill a leaf: a cache line short
// of leafMax. Were every leaf exactly 128 KiB, element k of an array with
// 4 KiB rows would sit at the same offset of every page, so a column's
// elements would all fall into the few cache sets that one page offset
// selects (a 2 MiB L2 holds 512 of them instead of 32768), and gathering
// neighbouring columns in turn would miss every time. One line less per
// leaf moves each leaf's rows one line further along, which spreads them
// over every set. See BENCHMARKS.md, "Gather".
func leafFill() int { return leafMax - max(1, leafMax/2048) }

// fillRoom is how many more bytes Append or Builder may put into chunk b.
func fillRoom(b []byte) int { return max(0, min(cap(b), leafFill())-len(b)) }

// Tree is a byte sequence stored as a B+tree of chunks. The zero value is
// an empty tree ready to use, as is New(). A Tree holds a reference to its
// root: it must not be copied as a value except by Clone, CloneTo or
// MoveTo, and must be Released when dropped, or its memory stays held.
// The struct itself holds no memory of its own and no Go heap pointers, so
// it may live anywhere, off the Go heap included.
type Tree struct {
	root   *node
	height int // levels above the leaves; 0 when root is a leaf
	n      int
}

// node is a leaf or an inner node. Nodes live off the Go heap (package
// offheap), so the collector never scans them: a leaf's chunk is an
// offheap block, and an inner node's kids and sums are arrays in the same
// block as the node, nodeMax+1 long (one over, for the moment before a
// split). Nothing here may grow those slices past their capacity, which
// would put Go heap memory where the collector cannot see it.
type node struct {
	// rc counts the parents and trees that hold this node. A node is
	// written in place only by a tree that reached it through nodes that
	// all have rc 1; any other node is copied first (copy on write).
	rc   atomic.Int32
	gen  uint32  // the chunk's allocation generation (invariants builds)
	data []byte  // leaf chunk; nil kids marks a leaf
	kids []*node // inner node children
	sums []int   // sums[i] is the byte count of kids[0..i]
}

const nodeHeader = int(unsafe.Sizeof(node{}))

func (n *node) size() int {
	if n.kids == nil {
		return len(n.data)
	}
	return n.sums[len(n.sums)-1]
}

// base returns the offset of kid i within n.
func (n *node) base(i int) int {
	if i == 0 {
		return 0
	}
	return n.sums[i-1]
}

// find returns the kid holding byte rel of n, for 0 <= rel < n.size().
func (n *node) find(rel int) int {
	lo, hi := 0, len(n.sums)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.sums[m] > rel {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// findInsert is find, except that rel == n.size() selects the last kid.
func (n *node) findInsert(rel int) int {
	if rel >= n.size() {
		return len(n.kids) - 1
	}
	return n.find(rel)
}

// fixSums recomputes the prefix sums from kid i on.
func (n *node) fixSums(i int) {
	if i < 0 {
		i = 0
	}
	k := len(n.kids)
	mustFit(k, cap(n.sums))
	n.sums = n.sums[:k]
	s := n.base(i)
	for ; i < len(n.kids); i++ {
		s += n.kids[i].size()
		n.sums[i] = s
	}
}

// mustFit guards the off-heap arrays: growing one past its capacity would
// make append move it to the Go heap.
func mustFit(n, c int) {
	if n > c {
		panic(fmt.Sprintf("memtree: internal error: %d entries in an array of %d", n, c))
	}
}

// newLeaf returns a leaf holding chunk d (an offheap Chunk block), with one
// reference.
func newLeaf(d []byte) *node {
	b := offheap.Alloc(offheap.Node, nodeHeader)
	n := (*node)(unsafe.Pointer(unsafe.SliceData(b)))
	*n = node{data: d}
	n.rc.Store(1)
	if offheap.Invariants && cap(d) > 0 {
		n.gen = offheap.Gen(unsafe.Pointer(unsafe.SliceData(d)))
	}
	return n
}

// newInner returns an inner node holding kids, whose references it takes
// over, with one reference of its own.
func newInner(kids []*node) *node {
	c := nodeMax + 1
	b := offheap.Alloc(offheap.Node, nodeHeader+16*c)
	n := (*node)(unsafe.Pointer(unsafe.SliceData(b)))
	*n = node{
		kids: unsafe.Slice((**node)(unsafe.Pointer(&b[nodeHeader])), c)[:0],
		sums: unsafe.Slice((*int)(unsafe.Pointer(&b[nodeHeader+8*c])), c)[:0],
	}
	n.rc.Store(1)
	mustFit(len(kids), c)
	n.kids = append(n.kids, kids...)
	n.fixSums(0)
	return n
}

// chunk returns n's chunk, checking in invariants builds that it was not
// freed since n took it.
func (n *node) chunk() []byte {
	if offheap.Invariants && cap(n.data) > 0 {
		offheap.CheckGen(unsafe.Pointer(unsafe.SliceData(n.data)), n.gen)
	}
	return n.data
}

// setData gives the leaf n a new chunk, freeing the old one.
func (n *node) setData(d []byte) {
	putChunk(n.data)
	n.data = d
	if offheap.Invariants && cap(d) > 0 {
		n.gen = offheap.Gen(unsafe.Pointer(unsafe.SliceData(d)))
	}
}

// release drops one reference to n, and frees n, with its chunk or its
// references to its kids, when it was the last.
func release(n *node) {
	if n == nil {
		return
	}
	switch r := n.rc.Add(-1); {
	case r > 0:
		return
	case r < 0:
		panic("memtree: internal error: node released more often than held")
	}
	if n.kids == nil {
		putChunk(n.chunk())
	} else {
		for _, k := range n.kids {
			release(k)
		}
	}
	freeNode(n)
}

// freeNode frees n's block alone: its chunk or its kids' references must
// have gone elsewhere.
func freeNode(n *node) {
	*n = node{}
	offheap.Free(offheap.Node, unsafe.Slice((*byte)(unsafe.Pointer(n)), nodeHeader))
}

// dropShell removes n, whose kids' references the caller has just copied
// into another node: when n was the only holder they move there, else
// each kid gains the reference and n loses one.
func dropShell(n *node) {
	if n.rc.Load() == 1 {
		freeNode(n)
		return
	}
	for _, k := range n.kids {
		k.rc.Add(1)
	}
	release(n)
}

func (n *node) insertKid(i int, k *node) {
	mustFit(len(n.kids)+1, cap(n.kids))
	n.kids = append(n.kids, nil)
	copy(n.kids[i+1:], n.kids[i:])
	n.kids[i] = k
	n.sums = n.sums[:len(n.kids)]
}

func (n *node) removeKid(i int) {
	copy(n.kids[i:], n.kids[i+1:])
	n.kids[len(n.kids)-1] = nil
	n.kids = n.kids[:len(n.kids)-1]
	n.sums = n.sums[:len(n.kids)]
}

// allocSize is the buffer capacity for a chunk of n bytes. Below half a
// leaf it is n's offheap size class, so a small tree wastes under an
// eighth; from there up it is n rounded up to whole allocUnits (which are
// size classes too, at the production sizes), so that a leaf rewrite can
// put the bytes beyond whole units into its neighbour's spare room.
func allocSize(n int) int {
	if n < leafMin() {
		return offheap.SizeOf(n)
	}
	return (n + allocUnit - 1) / allocUnit * allocUnit
}

// newChunk returns a buffer of length n and capacity allocSize(n).
func newChunk(n int) []byte {
	return getChunk(allocSize(n))[:n]
}

// getChunk returns a chunk of length 0 and capacity c, which must be an
// allocSize; its memory is not cleared. Callers write every byte before
// they extend the length over it.
func getChunk(c int) []byte {
	if c == 0 {
		return nil
	}
	return offheap.Alloc(offheap.Chunk, c)[:0:c]
}

// putChunk frees a chunk nothing references any more.
func putChunk(b []byte) { offheap.Free(offheap.Chunk, b) }

// concat returns a fresh chunk holding the concatenation of parts.
func concat(parts ...[]byte) []byte {
	t := 0
	for _, p := range parts {
		t += len(p)
	}
	b := newChunk(t)
	w := 0
	for _, p := range parts {
		w += copy(b[w:], p)
	}
	return b
}

// New returns an empty tree.
func New() *Tree { return &Tree{} }

// Len returns the number of bytes stored.
func (t *Tree) Len() int { return t.n }

// Clone returns a tree with the same contents in O(1). Both trees share
// every node until one of them writes, which copies only the path it
// touches. Clone may be called concurrently with reads of t and with
// other Clones, but not with a mutation of t. The clone must be Released.
func (t *Tree) Clone() *Tree {
	c := &Tree{}
	t.CloneTo(c)
	return c
}

// CloneTo makes dst a clone of t, as Clone does, without allocating: a
// caller cloning many trees at once (the snapshot cut) can keep the clones
// in one slice. dst must be empty (zero, or Released).
func (t *Tree) CloneTo(dst *Tree) {
	if t.root != nil {
		t.root.rc.Add(1)
	}
	*dst = Tree{root: t.root, height: t.height, n: t.n}
}

// Release drops t's reference to its contents, frees whatever no other
// tree shares, and leaves t empty. A tree released while a clone of it is
// read elsewhere leaves the clone intact. The cost is one visit per node
// freed: a 1 GiB tree nobody shares takes a few hundred microseconds,
// which callers holding a lock should spend after releasing it.
func (t *Tree) Release() {
	r := t.root
	*t = Tree{}
	release(r)
}

// MoveTo hands t's contents to dst, which must be empty, and leaves t
// empty: no reference changes hands but the one t held.
func (t *Tree) MoveTo(dst *Tree) {
	*dst = *t
	*t = Tree{}
}

// mut returns n if this tree may write it in place, otherwise a copy that
// it may. The caller reached n through nodes it owns, and stores the result
// in the parent (or the root) in place of n, whose reference it drops.
func (t *Tree) mut(n *node) *node {
	if n.rc.Load() == 1 {
		return n
	}
	var c *node
	if n.kids == nil {
		c = newLeaf(concat(n.chunk()))
	} else {
		c = newInner(n.kids)
		for _, k := range n.kids {
			k.rc.Add(1)
		}
	}
	release(n)
	return c
}

// check verifies every invariant of the tree and returns the first one
// broken. Tests call it after every step.
func (t *Tree) check() error {
	if t.root == nil {
		if t.n != 0 || t.height != 0 {
			return fmt.Errorf("memtree: check: empty root with len %d height %d", t.n, t.height)
		}
		return nil
	}
	if t.root.size() != t.n {
		return fmt.Errorf("memtree: check: root holds %d bytes, Len is %d", t.root.size(), t.n)
	}
	if t.root.rc.Load() < 1 {
		return fmt.Errorf("memtree: check: root held %d times", t.root.rc.Load())
	}
	if t.height == 0 {
		if t.root.kids != nil {
			return errors.New("memtree: check: height 0 but root is inner")
		}
		if len(t.root.data) == 0 {
			return errors.New("memtree: check: empty root leaf")
		}
		if len(t.root.data) > leafMax {
			return fmt.Errorf("memtree: check: root leaf of %d bytes", len(t.root.data))
		}
		return nil
	}
	total := 0
	last := false
	var walk func(n *node, h int, root, rightmost bool) (int, error)
	walk = func(n *node, h int, root, rightmost bool) (int, error) {
		if n.rc.Load() < 1 {
			return 0, fmt.Errorf("memtree: check: node held %d times", n.rc.Load())
		}
		if h == 0 {
			if n.kids != nil {
				return 0, errors.New("memtree: check: inner node at leaf depth")
			}
			l := len(n.chunk())
			if l > leafMax || l == 0 {
				return 0, fmt.Errorf("memtree: check: leaf of %d bytes", l)
			}
			if l < leafMin() && !rightmost {
				return 0, fmt.Errorf("memtree: check: leaf of %d bytes below half of %d", l, leafMax)
			}
			if cap(n.data) > max(leafMax, allocSize(l)) {
				return 0, fmt.Errorf("memtree: check: leaf buffer of %d bytes", cap(n.data))
			}
			last = rightmost
			total += l
			return l, nil
		}
		if n.kids == nil {
			return 0, fmt.Errorf("memtree: check: leaf at height %d", h)
		}
		k := len(n.kids)
		if k > nodeMax || (!root && k < nodeMin()) || (root && k < 2) {
			return 0, fmt.Errorf("memtree: check: inner node with %d kids", k)
		}
		if len(n.sums) != k || cap(n.kids) != nodeMax+1 || cap(n.sums) != nodeMax+1 {
			return 0, fmt.Errorf("memtree: check: %d sums for %d kids, arrays of %d and %d", len(n.sums), k, cap(n.kids), cap(n.sums))
		}
		s := 0
		for i, c := range n.kids {
			cs, err := walk(c, h-1, false, rightmost && i == k-1)
			if err != nil {
				return 0, err
			}
			s += cs
			if n.sums[i] != s {
				return 0, fmt.Errorf("memtree: check: prefix sum %d is %d, want %d", i, n.sums[i], s)
			}
		}
		return s, nil
	}
	s, err := walk(t.root, t.height, true, true)
	if err != nil {
		return err
	}
	if s != t.n || total != t.n {
		return fmt.Errorf("memtree: check: chunks hold %d bytes, Len is %d", total, t.n)
	}
	if !last {
		return errors.New("memtree: check: walk did not end at the rightmost leaf")
	}
	return nil
}

// SmallFootprint is what Footprint reports for a tree that one Append of
// n bytes, at most 64 KiB, made from an empty one: a leaf node and a chunk
// of exactly n's size class. Callers use it to decide whether a small
// value is worth a tree at all.
func SmallFootprint(n int) int {
	return offheap.SizeOf(nodeHeader) + offheap.SizeOf(n)
}

// Footprint returns the memory t's nodes and chunks take, as the allocator
// counts them, shared nodes included in full. It visits every node: O(Len
// / leaf), for diagnostics such as MEMORY USAGE.
func (t *Tree) Footprint() int {
	var walk func(n *node) int
	walk = func(n *node) int {
		if n.kids == nil {
			return offheap.SizeOf(nodeHeader) + offheap.SizeOf(cap(n.data))
		}
		sum := offheap.SizeOf(nodeHeader + 16*cap(n.kids))
		for _, k := range n.kids {
			sum += walk(k)
		}
		return sum
	}
	if t.root == nil {
		return 0
	}
	return walk(t.root)
}
