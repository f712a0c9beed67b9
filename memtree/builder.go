package memtree

// Builder builds a tree from a stream of bytes in O(n): it fills whole
// leaves, then builds the inner levels bottom up, with no rebalancing along
// the way. Snapshot loading uses it. The zero value is ready to use; a
// Builder is not safe for concurrent use.
type Builder struct {
	leaves []*node
	cur    []byte
	n      int
}

// Write appends a copy of p to the tree being built. It never fails.
func (b *Builder) Write(p []byte) (int, error) {
	n := len(p)
	b.Fill(n, func(q []byte) { p = p[copy(q, p):] })
	return n, nil
}

// Fill appends n bytes that fn writes in place: fn is called with
// successive pieces of the tree's own chunks, which together cover the n
// bytes in order, and must write every byte of each (their old contents
// are garbage). A piece is valid only during its call. It saves the copy
// that Write makes of a stream computed into a buffer first (BITOP).
func (b *Builder) Fill(n int, fn func(p []byte)) {
	for n > 0 {
		if fillRoom(b.cur) == 0 {
			// The first leaf grows like Append's, so that a small tree
			// does not cost a whole leaf; later leaves start full size.
			old := b.cur
			b.cur = append(getChunk(appendCap(len(old), n, b.n)), old...)
			putChunk(old)
		}
		k := min(n, fillRoom(b.cur))
		l := len(b.cur)
		b.cur = b.cur[:l+k]
		fn(b.cur[l : l+k : l+k])
		n -= k
		b.n += k
		if len(b.cur) == leafFill() {
			b.leaves = append(b.leaves, newLeaf(b.cur))
			b.cur = nil
		}
	}
}

// Discard frees what was written and resets b to empty, for a build that
// is abandoned (a snapshot that turns out damaged).
func (b *Builder) Discard() {
	for _, l := range b.leaves {
		release(l)
	}
	putChunk(b.cur)
	*b = Builder{}
}

// Tree returns the tree built so far and resets b to empty.
func (b *Builder) Tree() *Tree {
	t := &Tree{}
	b.BuildTo(t)
	return t
}

// BuildTo makes dst, which must be empty, the tree built so far, and
// resets b to empty.
func (b *Builder) BuildTo(dst *Tree) {
	t := dst
	*t = Tree{n: b.n}
	if c := b.cur; len(c) > 0 {
		if cap(c) != allocSize(len(c)) {
			b.cur = concat(c)
			putChunk(c)
		}
		b.leaves = append(b.leaves, newLeaf(b.cur))
	} else {
		putChunk(c)
	}
	leaves := b.leaves
	*b = Builder{}
	if len(leaves) == 0 {
		return
	}
	// Only the last leaf can be short; share with its full neighbour so
	// both are at least half full.
	if k := len(leaves); k >= 2 && len(leaves[k-1].data) < leafMin() {
		s := segs{leaves[k-2].data, leaves[k-1].data}
		T := len(s[0]) + len(s[1])
		a := max(leafMin(), T/2/allocUnit*allocUnit)
		x, y := s.chunk(0, a), s.chunk(a, T-a)
		leaves[k-2].setData(x)
		leaves[k-1].setData(y)
	}
	level := leaves
	for len(level) > 1 {
		// Spread kids evenly so that every node is at least half full.
		g := (len(level) + nodeMax - 1) / nodeMax
		next := make([]*node, g)
		for j := range next {
			next[j] = newInner(level[j*len(level)/g : (j+1)*len(level)/g])
		}
		level = next
		t.height++
	}
	t.root = level[0]
}
