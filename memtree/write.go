package memtree

import (
	"fmt"
	"math"
)

// zeros is read-only; WriteAt copies from it to fill gaps.
var zeros [8 << 10]byte

// segs is the concatenation of up to three byte slices, so that a leaf's
// new contents can be described without building them first.
type segs [3][]byte

// copyOut copies bytes [from, from+len(dst)) of the concatenation to dst.
func (s *segs) copyOut(dst []byte, from int) {
	for _, b := range s {
		if len(dst) == 0 {
			return
		}
		if from >= len(b) {
			from -= len(b)
			continue
		}
		k := copy(dst, b[from:])
		dst = dst[k:]
		from = 0
	}
}

// chunk returns a fresh chunk holding bytes [from, from+n).
func (s *segs) chunk(from, n int) []byte {
	d := newChunk(n)
	s.copyOut(d, from)
	return d
}

// WriteAt overwrites bytes from off on with p. Writing past the end
// extends the tree, and a gap between Len and off reads as zeros. It
// returns ErrRange if off is negative; an empty p changes nothing.
func (t *Tree) WriteAt(p []byte, off int) error {
	if off < 0 || off > math.MaxInt-len(p) {
		return fmt.Errorf("%w: write of %d bytes at offset %d", ErrRange, len(p), off)
	}
	if len(p) == 0 {
		return nil
	}
	for t.n < off {
		t.Append(zeros[:min(len(zeros), off-t.n)])
	}
	if k := min(len(p), t.n-off); k > 0 {
		var c cursor
		c.init(t, true)
		c.writeAt(p[:k], off)
		p = p[k:]
	}
	t.Append(p)
	return nil
}

// Scatter overwrites n elements of elem bytes, at element indexes start,
// start+step, ..., with the consecutive elements of p. It returns ErrRange,
// and changes nothing, unless len(p) == n*elem and every index lies in
// [0, Len/elem). Like Gather, it skips whole subtrees between elements.
func (t *Tree) Scatter(p []byte, elem, start, step, n int) error {
	if err := t.checkStrided("scatter", elem, start, step, n); err != nil {
		return err
	}
	if len(p) != n*elem {
		return fmt.Errorf("%w: scatter of %d bytes as %d elements of %d", ErrRange, len(p), n, elem)
	}
	var c cursor
	c.init(t, true)
	c.strided(p, elem, start*elem, step*elem)
	return nil
}

// Append adds p at the end. The rightmost chunk gets room to grow, so a
// run of appends copies each byte once.
func (t *Tree) Append(p []byte) {
	for len(p) > 0 {
		p = p[t.appendSome(p):]
	}
}

// appendCap is the buffer size for the rightmost chunk holding cur bytes
// that wants want more. Small trees grow geometrically, so that a tiny
// value does not pay for a whole chunk.
func appendCap(cur, want, total int) int {
	if total >= leafMax {
		return leafMax
	}
	return min(leafMax, allocSize(max(2*cur, cur+want)))
}

// appendSome appends a prefix of p that fits into one leaf and returns its
// length.
func (t *Tree) appendSome(p []byte) int {
	if t.root == nil {
		d := getChunk(appendCap(0, len(p), 0))
		d = append(d, p[:min(len(p), cap(d))]...)
		t.root = newLeaf(d)
		t.n = len(d)
		return len(d)
	}
	var buf [16]*node
	path := buf[:0]
	t.root = t.mut(t.root)
	n := t.root
	for h := t.height; h > 0; h-- {
		i := len(n.kids) - 1
		c := t.mut(n.kids[i])
		n.kids[i] = c
		path = append(path, n)
		n = c
	}
	if fillRoom(n.data) == 0 {
		if len(n.data) >= leafFill() {
			c := appendCap(0, len(p), t.n)
			k := min(len(p), c, leafFill())
			leaf := newLeaf(append(getChunk(c), p[:k]...))
			t.pushLeaf(leaf)
			t.n += k
			return k
		}
		c := appendCap(len(n.data), len(p), t.n)
		n.setData(append(getChunk(c), n.chunk()...))
	}
	k := min(len(p), fillRoom(n.data))
	n.data = append(n.data, p[:k]...)
	for _, a := range path {
		a.sums[len(a.sums)-1] += k
	}
	t.n += k
	return k
}

// pushLeaf adds leaf at the right end; the right spine is already owned.
func (t *Tree) pushLeaf(leaf *node) {
	if t.height == 0 {
		t.root = newInner([]*node{t.root, leaf})
		t.height = 1
		return
	}
	if r := t.pushRight(t.root, t.height, leaf); r != nil {
		t.root = newInner([]*node{t.root, r})
		t.height++
	}
}

func (t *Tree) pushRight(n *node, h int, leaf *node) *node {
	if h == 1 {
		n.insertKid(len(n.kids), leaf)
	} else {
		i := len(n.kids) - 1
		c := t.mut(n.kids[i])
		n.kids[i] = c
		if r := t.pushRight(c, h-1, leaf); r != nil {
			n.insertKid(len(n.kids), r)
		}
	}
	n.fixSums(len(n.kids) - 2)
	if len(n.kids) > nodeMax {
		return t.split(n)
	}
	return nil
}

// split moves the upper half of n's kids to a new right sibling.
func (t *Tree) split(n *node) *node {
	m := len(n.kids) / 2
	r := newInner(n.kids[m:])
	clear(n.kids[m:])
	n.kids = n.kids[:m]
	n.sums = n.sums[:m]
	return r
}

// Insert inserts p before byte off, 0 <= off <= Len, else ErrRange.
func (t *Tree) Insert(off int, p []byte) error {
	if off < 0 || off > t.n {
		return fmt.Errorf("%w: insert at offset %d, length %d", ErrRange, off, t.n)
	}
	if off == t.n {
		t.Append(p)
		return nil
	}
	// Pieces of half a leaf make every leaf rewrite produce at most two
	// leaves.
	step := max(1, leafMax/2)
	for len(p) > 0 {
		k := min(len(p), step)
		t.insertPiece(off, p[:k])
		off += k
		p = p[k:]
	}
	return nil
}

// asParent wraps a root leaf in a temporary inner node, so that the leaf
// operations, which work on a leaf within its parent, serve it too. The
// temporary node lives on the Go heap, which sees what it holds, and never
// becomes part of the tree: fromParent copies what it holds.
func (t *Tree) asParent() *node {
	// Room for the two kids a leaf operation may leave.
	p := &node{kids: make([]*node, 1, 3), sums: make([]int, 1, 3)}
	p.kids[0], p.sums[0] = t.root, t.n
	p.rc.Store(1)
	return p
}

// fromParent makes what is left of the temporary parent the root.
func (t *Tree) fromParent(p *node) {
	switch len(p.kids) {
	case 0:
		t.root, t.height = nil, 0
	case 1:
		t.root, t.height = p.kids[0], 0
	default:
		t.root, t.height = newInner(p.kids), 1
	}
}

func (t *Tree) insertPiece(off int, p []byte) {
	if t.height == 0 {
		P := t.asParent()
		t.leafInsert(P, 0, off, p)
		t.fromParent(P)
	} else {
		t.root = t.mut(t.root)
		if r := t.insertRec(t.root, t.height, off, p); r != nil {
			t.root = newInner([]*node{t.root, r})
			t.height++
		}
	}
	t.n += len(p)
}

// insertRec inserts p at offset off of the owned node n of height h >= 1
// and returns n's new right sibling if n had to split.
func (t *Tree) insertRec(n *node, h, off int, p []byte) *node {
	i := n.findInsert(off)
	rel := off - n.base(i)
	if h == 1 {
		t.leafInsert(n, i, rel, p)
	} else {
		c := t.mut(n.kids[i])
		n.kids[i] = c
		if r := t.insertRec(c, h-1, rel, p); r != nil {
			n.insertKid(i+1, r)
		}
		n.fixSums(i)
	}
	if len(n.kids) > nodeMax {
		return t.split(n)
	}
	return nil
}

// leafInsert inserts p (at most half a leaf) at offset x of leaf i of the
// owned parent P: into the leaf's spare room if it has enough, else into
// the left neighbour's spare room too (which keeps memory tight), else
// into fresh buffers. Spilling to the right as well was tried: it moves
// the right neighbour's bytes too, which cost more than a rewrite.
func (t *Tree) leafInsert(P *node, i, x int, p []byte) {
	L := P.kids[i]
	d := L.chunk()
	l, n := len(d), len(p)
	T := l + n
	if L.rc.Load() == 1 {
		if T <= cap(d) {
			d = d[:T]
			copy(d[x+n:], d[x:l])
			copy(d[x:], p)
			L.data = d
			P.fixSums(i)
			return
		}
		e := T - cap(d)
		if i > 0 {
			if W := P.kids[i-1]; W.rc.Load() == 1 && cap(W.data)-len(W.data) >= e {
				spillLeft(W, L, x, p, e)
				P.fixSums(i - 1)
				return
			}
		}
	}
	t.rewrite(P, i, 1, segs{d[:x], p, d[x:]}, T)
}

// spillLeft inserts p at x into the full leaf L, moving the first e bytes
// of the result to the end of W, which has room for them.
func spillLeft(W, L *node, x int, p []byte, e int) {
	d := L.data
	l, n := len(d), len(p)
	d = d[:cap(d)]
	// The tail moves right by n-e, which is 0 when L was full: then only
	// the bytes before x move.
	if e != n {
		copy(d[x-e+n:], d[x:l])
	}
	if e <= x {
		W.data = append(W.data, d[:e]...)
		copy(d, d[e:x])
		copy(d[x-e:], p)
	} else {
		W.data = append(W.data, d[:x]...)
		W.data = append(W.data, p[:e-x]...)
		copy(d, p[e-x:])
	}
	L.data = d
}

// rewrite replaces kids [i, i+cnt) of P, which are leaves, with fresh
// leaves holding the T bytes of s: one leaf, or two if T exceeds a leaf.
// Buffers are sized exactly; the bytes beyond whole pages go into spare
// room of the left neighbour when they fit, so the new buffers are full.
func (t *Tree) rewrite(P *node, i, cnt int, s segs, T int) {
	from := 0
	if rem := T % allocUnit; rem != 0 && T-rem >= leafMin() && i > 0 {
		if W := P.kids[i-1]; W.rc.Load() == 1 && cap(W.data)-len(W.data) >= rem {
			l := len(W.data)
			W.data = W.data[:l+rem]
			s.copyOut(W.data[l:], 0)
			from = rem
			T -= rem
		}
	}
	if T > 2*leafMax {
		panic(fmt.Sprintf("memtree: internal error: rewrite of %d bytes", T))
	}
	var out [2]*node
	m := 1
	if T > leafMax {
		a := max(leafMin(), T/2/allocUnit*allocUnit)
		out[0] = newLeaf(s.chunk(from, a))
		out[1] = newLeaf(s.chunk(from+a, T-a))
		m = 2
	} else {
		out[0] = newLeaf(s.chunk(from, T))
	}
	for _, k := range P.kids[i : i+cnt] {
		release(k)
	}
	P.kids[i] = out[0]
	switch {
	case m == 2 && cnt == 1:
		P.insertKid(i+1, out[1])
	case m == 2 && cnt == 2:
		P.kids[i+1] = out[1]
	case m == 1 && cnt == 2:
		P.removeKid(i + 1)
	}
	P.fixSums(i - 1)
}

// Remove deletes bytes [off, off+n). It returns ErrRange, and changes
// nothing, if that range is not inside the tree.
func (t *Tree) Remove(off, n int) error {
	if err := t.checkRange("remove", off, n); err != nil {
		return err
	}
	for n > 0 {
		n -= t.removePiece(off, n)
	}
	return nil
}

// removePiece removes up to n bytes at off, stopping at the end of the
// leaf holding off, and returns how many it removed.
func (t *Tree) removePiece(off, n int) int {
	var k int
	if t.height == 0 {
		P := t.asParent()
		k = min(n, t.n-off)
		t.leafRemove(P, 0, off, k, true)
		t.fromParent(P)
	} else {
		t.root = t.mut(t.root)
		k = t.removeRec(t.root, t.height, off, n, true)
		for t.height > 0 && len(t.root.kids) == 1 {
			old := t.root
			t.root = old.kids[0]
			t.height--
			dropShell(old)
		}
	}
	t.n -= k
	return k
}

func (t *Tree) removeRec(n *node, h, off, cnt int, rightmost bool) int {
	i := n.find(off)
	rel := off - n.base(i)
	rightmost = rightmost && i == len(n.kids)-1
	if h == 1 {
		k := min(cnt, len(n.kids[i].data)-rel)
		t.leafRemove(n, i, rel, k, rightmost)
		return k
	}
	c := t.mut(n.kids[i])
	n.kids[i] = c
	k := t.removeRec(c, h-1, rel, cnt, rightmost)
	if len(c.kids) < nodeMin() {
		t.rebalance(n, i)
	} else {
		n.fixSums(i)
	}
	return k
}

// leafRemove removes bytes [x, x+k) of leaf i of the owned parent P. A
// leaf left under half full merges with, or shares with, a neighbour; a
// leaf left with a page or more of spare room is reallocated smaller.
func (t *Tree) leafRemove(P *node, i, x, k int, rightmost bool) {
	L := P.kids[i]
	d := L.chunk()
	l := len(d)
	if k == l {
		release(L)
		P.removeKid(i)
		P.fixSums(i)
		return
	}
	T := l - k
	if T < leafMin() && !rightmost && len(P.kids) > 1 {
		if i+1 < len(P.kids) {
			R := P.kids[i+1]
			t.rewrite(P, i, 2, segs{d[:x], d[x+k:], R.data}, T+len(R.data))
		} else {
			W := P.kids[i-1]
			t.rewrite(P, i-1, 2, segs{W.data, d[:x], d[x+k:]}, T+len(W.data))
		}
		return
	}
	if L.rc.Load() == 1 && cap(d)-T < allocUnit {
		copy(d[x:], d[x+k:])
		L.data = d[:T]
		P.fixSums(i)
		return
	}
	t.rewrite(P, i, 1, segs{d[:x], d[x+k:]}, T)
}

// rebalance fixes the inner kid i of the owned node P, which has fewer
// than nodeMin kids, by merging it with a neighbour or sharing kids.
func (t *Tree) rebalance(P *node, i int) {
	a := i
	if i == len(P.kids)-1 {
		a = i - 1
	}
	A := t.mut(P.kids[a])
	P.kids[a] = A
	B := P.kids[a+1]
	if len(A.kids)+len(B.kids) <= nodeMax {
		mustFit(len(A.kids)+len(B.kids), cap(A.kids))
		A.kids = append(A.kids, B.kids...)
		A.fixSums(0)
		P.removeKid(a + 1)
		dropShell(B)
	} else {
		B = t.mut(B)
		P.kids[a+1] = B
		all := append(append(make([]*node, 0, len(A.kids)+len(B.kids)), A.kids...), B.kids...)
		m := len(all) / 2
		clear(A.kids)
		clear(B.kids)
		A.kids = append(A.kids[:0], all[:m]...)
		B.kids = append(B.kids[:0], all[m:]...)
		A.fixSums(0)
		B.fixSums(0)
	}
	P.fixSums(a)
}

// RemoveStrided deletes n elements of elem bytes at element indexes start,
// start+step, ..., like Python's del a[start:stop:step]. It returns
// ErrRange, and changes nothing, unless every index lies in [0, Len/elem).
// A few elements are removed one by one; many are removed by one pass that
// rebuilds the tree, so the cost never exceeds O(Len).
func (t *Tree) RemoveStrided(elem, start, step, n int) error {
	if err := t.checkStrided("remove", elem, start, step, n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	first, s := start, step
	if step < 0 {
		first, s = start+(n-1)*step, -step
	}
	if n == 1 || s == 1 {
		return t.Remove(first*elem, n*elem)
	}
	if n <= t.n/leafMax {
		for j := n - 1; j >= 0; j-- {
			t.Remove((first+j*s)*elem, elem)
		}
		return nil
	}
	var b Builder
	var c cursor
	c.init(t, false)
	keep := func(off, cnt int) {
		for cnt > 0 {
			c.seek(off)
			k := min(cnt, c.hi-off)
			b.Write(c.leaf[off-c.lo : off-c.lo+k])
			off += k
			cnt -= k
		}
	}
	keep(0, first*elem)
	// The runs kept between removed elements can be a byte each; copying
	// the runs inside one leaf in a tight loop into a staging buffer, and
	// writing that in large pieces, was 4.5x faster than a Write per run.
	gap, period := (s-1)*elem, s*elem
	if gap > 16<<10 {
		for j := 0; j < n-1; j++ {
			keep((first+j*s+1)*elem, gap)
		}
	} else {
		stage := make([]byte, 0, 64<<10)
		for j := 0; j < n-1; {
			off := (first + j*s + 1) * elem
			c.seek(off)
			// Runs j..last lie whole inside this leaf.
			last := j - 1
			if off+gap <= c.hi {
				last = min(n-2, j+(c.hi-off-gap)/period)
			}
			if last < j { // the run straddles leaves
				b.Write(stage)
				stage = stage[:0]
				keep(off, gap)
				j++
				continue
			}
			src, o := c.leaf, off-c.lo
			for ; j <= last; j++ {
				if len(stage)+gap > cap(stage) {
					b.Write(stage)
					stage = stage[:0]
				}
				if gap == 1 {
					stage = append(stage, src[o])
				} else {
					stage = append(stage, src[o:o+gap]...)
				}
				o += period
			}
		}
		b.Write(stage)
	}
	end := (first + (n-1)*s + 1) * elem
	keep(end, t.n-end)
	old := *t
	b.Tree().MoveTo(t)
	old.Release()
	return nil
}
