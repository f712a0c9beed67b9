package memtree

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrRange is returned, wrapped with detail, when an offset, length,
// element size or element index falls outside the tree. Test with
// errors.Is.
var ErrRange = errors.New("memtree: out of range")

// Sizes. They are variables only so that tests can shrink them to exercise
// many leaves and levels; production code never changes them.
var (
	// leafMax is the largest chunk. 128 KiB was chosen by benchmark and by
	// the memory goal: a chunk wastes up to an allocation page (8 KiB),
	// and the average waste must stay under 5% of an average chunk; 64 KiB
	// chunks measured 5.2-5.5%, 128 KiB 3-3.5%. See BENCHMARKS.md.
	leafMax = 128 << 10
	// allocUnit is the granularity of chunk buffers: the Go allocator
	// rounds objects above 32 KiB to 8 KiB pages, so any finer size would
	// be wasted anyway.
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

// treeIDs hands out copy-on-write ids. newID never returns 0: a zero Tree
// uses 0 until its first Clone, and only nodes it created carry it.
var treeIDs atomic.Uint64

func newID() uint64 { return treeIDs.Add(1) }

// Tree is a byte sequence stored as a B+tree of chunks. The zero value is
// an empty tree ready to use (its nodes carry id 0 until its first Clone),
// as is New(). A Tree must not be copied.
type Tree struct {
	root   *node
	height int // levels above the leaves; 0 when root is a leaf
	n      int
	// cow is atomic only so that concurrent readers may Clone.
	cow atomic.Uint64
}

type node struct {
	cow  uint64  // id of the only tree allowed to mutate this node in place
	data []byte  // leaf chunk; nil kids marks a leaf
	kids []*node // inner node children
	sums []int   // sums[i] is the byte count of kids[0..i]
}

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
	if k := len(n.kids); cap(n.sums) >= k {
		n.sums = n.sums[:k]
	} else {
		n.sums = append(n.sums, make([]int, k-len(n.sums))...)
	}
	s := n.base(i)
	for ; i < len(n.kids); i++ {
		s += n.kids[i].size()
		n.sums[i] = s
	}
}

func newInner(id uint64, kids []*node) *node {
	n := &node{cow: id}
	n.kids = append(make([]*node, 0, nodeMax+1), kids...)
	n.sums = make([]int, len(kids), nodeMax+1)
	n.fixSums(0)
	return n
}

func (n *node) insertKid(i int, k *node) {
	n.kids = append(n.kids, nil)
	copy(n.kids[i+1:], n.kids[i:])
	n.kids[i] = k
	n.sums = append(n.sums, 0)
}

func (n *node) removeKid(i int) {
	copy(n.kids[i:], n.kids[i+1:])
	n.kids[len(n.kids)-1] = nil
	n.kids = n.kids[:len(n.kids)-1]
	n.sums = n.sums[:len(n.kids)]
}

// allocSize is the buffer capacity for a chunk of n bytes: whole pages, so
// the allocator wastes nothing beyond what we ask for. Below a page it is
// n itself, since tiny trees should not pay a page each.
func allocSize(n int) int {
	if n < allocUnit {
		return n
	}
	return (n + allocUnit - 1) / allocUnit * allocUnit
}

// newChunk returns a buffer of length n and capacity allocSize(n).
func newChunk(n int) []byte {
	return getChunk(allocSize(n))[:n]
}

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
func New() *Tree {
	t := &Tree{}
	t.cow.Store(newID())
	return t
}

// Len returns the number of bytes stored.
func (t *Tree) Len() int { return t.n }

// Clone returns a tree with the same contents in O(1). Both trees share
// every node until one of them writes, which copies only the path it
// touches. Clone may be called concurrently with reads of t, but not with
// a mutation of t.
func (t *Tree) Clone() *Tree {
	c := &Tree{root: t.root, height: t.height, n: t.n}
	c.cow.Store(newID())
	t.cow.Store(newID())
	return c
}

// CloneTo makes dst a clone of t, as Clone does, without allocating: a
// caller cloning many trees at once (the snapshot cut) can keep the clones
// in one slice. dst must be a Tree nothing else uses; what it held is
// dropped. The Lease it returns lets t take back, with Reclaim, the nodes
// it shares with dst once dst is gone.
func (t *Tree) CloneTo(dst *Tree) Lease {
	id := treeIDs.Add(2) // one atomic step for both fresh ids
	dst.root, dst.height, dst.n = t.root, t.height, t.n
	dst.cow.Store(id - 1)
	return Lease{prev: t.cow.Swap(id), cur: id}
}

// A Lease records one CloneTo: the id its source tree had before and the
// one it was given.
type Lease struct{ prev, cur uint64 }

// Reclaim is for a clone that is gone: the caller promises that the clone
// CloneTo made with l will never be used again, and was never itself
// cloned. If t has not been cloned since (it still has the id CloneTo gave
// it), t takes back the id it had before, and the nodes it wrote since the
// clone are relabelled to it, so that t writes in place again everything
// it shared with that clone instead of copying each node on its first
// write. This is what keeps a snapshot's trees from being copied behind
// the saver. It returns whether it did.
//
// The cost is the number of nodes t wrote since the clone: they form the
// top of the tree (a write copies the whole path down to it), which the
// walk covers and stops at. Reclaim may run concurrently with reads of t
// and with Clone, but not with a mutation. A Clone racing with it either
// comes first, and Reclaim does nothing, or after, and gives t a fresh id
// as usual, under which the relabelled nodes are shared like any others.
func (t *Tree) Reclaim(l Lease) bool {
	if l.cur == 0 || !t.cow.CompareAndSwap(l.cur, l.prev) {
		return false
	}
	relabel(t.root, l.cur, l.prev)
	return true
}

// relabel gives the nodes carrying id from, which hang together from n
// down, the id to.
func relabel(n *node, from, to uint64) {
	if n == nil || n.cow != from {
		return
	}
	n.cow = to
	for _, k := range n.kids {
		relabel(k, from, to)
	}
}

// MoveTo hands t's contents to dst, which must be a Tree nothing else uses,
// and leaves t empty. Unlike CloneTo it keeps t's id, so dst goes on writing
// the nodes in place: a tree built elsewhere (by a Builder) can become a
// field of a larger struct at no cost.
func (t *Tree) MoveTo(dst *Tree) {
	dst.root, dst.height, dst.n = t.root, t.height, t.n
	dst.cow.Store(t.cow.Load())
	t.root, t.height, t.n = nil, 0, 0
	t.cow.Store(newID())
}

// mut returns n if this tree may write it in place, otherwise a copy that
// it may. The caller stores the result in the parent.
func (t *Tree) mut(n *node) *node {
	id := t.cow.Load()
	if n.cow == id {
		return n
	}
	c := &node{cow: id}
	if n.kids == nil {
		c.data = concat(n.data)
	} else {
		c.kids = append(make([]*node, 0, nodeMax+1), n.kids...)
		c.sums = append(make([]int, 0, nodeMax+1), n.sums...)
	}
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
		if h == 0 {
			if n.kids != nil {
				return 0, errors.New("memtree: check: inner node at leaf depth")
			}
			l := len(n.data)
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
		if len(n.sums) != k {
			return 0, fmt.Errorf("memtree: check: %d sums for %d kids", len(n.sums), k)
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
