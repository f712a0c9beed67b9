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
	for len(p) > 0 {
		if fillRoom(b.cur) == 0 {
			// The first leaf grows like Append's, so that a small tree
			// does not cost a whole leaf; later leaves start full size.
			old := b.cur
			b.cur = append(getChunk(appendCap(len(old), len(p), b.n)), old...)
			putChunk(old)
		}
		k := min(len(p), fillRoom(b.cur))
		b.cur = append(b.cur, p[:k]...)
		p = p[k:]
		b.n += k
		if len(b.cur) == leafFill() {
			b.leaves = append(b.leaves, newLeaf(b.cur))
			b.cur = nil
		}
	}
	return n, nil
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
