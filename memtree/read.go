package memtree

import (
	"fmt"
	"slices"
)

// frame is one inner node on a cursor's path, covering bytes [lo, hi);
// i is the kid the path goes through, or -1 before the first descent.
type frame struct {
	n      *node
	lo, hi int
	i      int
}

// cursor remembers the path to the current leaf, so that the next seek
// climbs only as far as the lowest common ancestor. Moving to the next leaf
// is O(1) amortised; a jump is O(log N).
type cursor struct {
	t      *Tree
	write  bool   // copy nodes on the way down so the leaf may be written
	leaf   []byte // chunk of the current leaf, covering bytes [lo, hi)
	lo, hi int
	depth  int
	// An array, not a slice into one, keeps the cursor off the heap. Any
	// subset of the ancestors is a valid path, so a tree deeper than the
	// array (not with 64 kids a node) only climbs further than it must.
	path [16]frame
}

func (c *cursor) init(t *Tree, write bool) {
	c.t, c.write = t, write
	c.depth = 0
	c.leaf, c.lo, c.hi = nil, 0, 0
}

// seek makes the leaf holding byte off current; 0 <= off < Len.
func (c *cursor) seek(off int) {
	if off >= c.lo && off < c.hi {
		return
	}
	for c.depth > 0 {
		f := &c.path[c.depth-1]
		if off >= f.lo && off < f.hi {
			break
		}
		c.depth--
	}
	t := c.t
	if c.depth == 0 {
		if c.write {
			t.root = t.mut(t.root)
		}
		if t.height == 0 {
			c.leaf, c.lo, c.hi = t.root.chunk(), 0, t.n
			return
		}
		c.path[0] = frame{t.root, 0, t.n, -1}
		c.depth = 1
	}
	f := &c.path[c.depth-1]
	n, lo := f.n, f.lo
	for {
		rel := off - lo
		i := -1
		if f != nil {
			// Walks move to a neighbouring kid far more often than they
			// jump, so try those before a binary search.
			if j := f.i + 1; f.i >= 0 && j < len(n.sums) && rel >= n.sums[j-1] && rel < n.sums[j] {
				i = j
			} else if j := f.i - 1; j >= 0 && rel < n.sums[j] && rel >= n.base(j) {
				i = j
			}
		}
		if i < 0 {
			i = n.find(rel)
		}
		if f != nil {
			f.i = i
		}
		klo, khi := lo+n.base(i), lo+n.sums[i]
		k := n.kids[i]
		if c.write {
			k = t.mut(k)
			n.kids[i] = k
		}
		if k.kids == nil {
			c.leaf, c.lo, c.hi = k.chunk(), klo, khi
			return
		}
		f = nil
		if c.depth < len(c.path) {
			c.path[c.depth] = frame{k, klo, khi, -1}
			f = &c.path[c.depth]
			c.depth++
		}
		n, lo = k, klo
	}
}

// read copies bytes [off, off+len(p)) into p, across leaves.
func (c *cursor) read(p []byte, off int) {
	for len(p) > 0 {
		c.seek(off)
		k := copy(p, c.leaf[off-c.lo:])
		p = p[k:]
		off += k
	}
}

// write overwrites bytes from off with p, across leaves; c.write is set.
func (c *cursor) writeAt(p []byte, off int) {
	for len(p) > 0 {
		c.seek(off)
		k := copy(c.leaf[off-c.lo:], p)
		p = p[k:]
		off += k
	}
}

func (t *Tree) checkRange(op string, off, n int) error {
	if off < 0 || n < 0 || off > t.n || n > t.n-off {
		return fmt.Errorf("%w: %s of %d bytes at offset %d, length %d", ErrRange, op, n, off, t.n)
	}
	return nil
}

// checkStrided validates element indexes start, start+step, ... (n of
// them) against a tree of Len/elem elements.
func (t *Tree) checkStrided(op string, elem, start, step, n int) error {
	if elem <= 0 || n < 0 {
		return fmt.Errorf("%w: %s of %d elements of %d bytes", ErrRange, op, n, elem)
	}
	if n == 0 {
		return nil
	}
	cnt := t.n / elem
	if start < 0 || start >= cnt {
		return fmt.Errorf("%w: %s from element %d of %d", ErrRange, op, start, cnt)
	}
	if n == 1 {
		return nil
	}
	// Dividing instead of multiplying keeps huge arguments from overflowing.
	var room int
	switch {
	case step > 0:
		room = (cnt - 1 - start) / step
	case step < 0:
		room = start / -step
	default:
		return fmt.Errorf("%w: %s with step 0", ErrRange, op)
	}
	if n-1 > room {
		return fmt.Errorf("%w: %s of %d elements from %d step %d beyond %d", ErrRange, op, n, start, step, cnt)
	}
	return nil
}

// ReadAt copies bytes [off, off+len(p)) into p. It returns ErrRange, and
// copies nothing, if that range is not inside the tree.
func (t *Tree) ReadAt(p []byte, off int) error {
	if err := t.checkRange("read", off, len(p)); err != nil {
		return err
	}
	var c cursor
	c.init(t, false)
	c.read(p, off)
	return nil
}

// AppendRange appends bytes [off, off+n) to dst and returns the extended
// slice. It returns ErrRange and dst unchanged if the range is not inside
// the tree.
func (t *Tree) AppendRange(dst []byte, off, n int) ([]byte, error) {
	if err := t.checkRange("read", off, n); err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, n)
	l := len(dst)
	dst = dst[:l+n]
	var c cursor
	c.init(t, false)
	c.read(dst[l:], off)
	return dst, nil
}

// Gather appends n elements of elem bytes, at element indexes start,
// start+step, ..., to dst. step may be negative; it may be 0 only when
// n <= 1. It returns ErrRange and dst unchanged unless every index lies in
// [0, Len/elem).
//
// The walk stays in the current leaf while it can and otherwise climbs to
// the lowest common ancestor, so a large step skips whole subtrees: the
// cost is O(n log N) or O(span/leaf), whichever is smaller.
func (t *Tree) Gather(dst []byte, elem, start, step, n int) ([]byte, error) {
	if err := t.checkStrided("gather", elem, start, step, n); err != nil {
		return dst, err
	}
	total := n * elem
	dst = slices.Grow(dst, total)
	l := len(dst)
	dst = dst[:l+total]
	var c cursor
	c.init(t, false)
	c.strided(dst[l:], elem, start*elem, step*elem)
	return dst, nil
}

// strided walks len(buf)/elem elements of elem bytes, the first at byte
// off of the tree and each next dOff bytes further (dOff may be negative),
// and copies each between the tree and buf: into buf for Gather, or from
// buf into the tree when the cursor writes (Scatter; it then copies the
// nodes it goes through). Every index must lie inside the tree.
//
// The walk stays in the current leaf while it can and otherwise climbs to
// the lowest common ancestor, so a large step skips whole subtrees.
func (c *cursor) strided(buf []byte, elem, off, dOff int) {
	write := c.write
	for w := 0; w < len(buf); {
		if off < c.lo || off+elem > c.hi {
			// An element in another leaf, or across two.
			if write {
				c.writeAt(buf[w:w+elem], off)
			} else {
				c.read(buf[w:w+elem], off)
			}
			w += elem
			off += dOff
			continue
		}
		// Copy every element inside this leaf in a tight loop: fewer
		// instructions per element let the CPU keep more of the (mostly
		// cache-missing) loads in flight.
		k := (len(buf) - w) / elem
		switch {
		case dOff > 0:
			k = min(k, (c.hi-elem-off)/dOff+1)
		case dOff < 0:
			k = min(k, (off-c.lo)/-dOff+1)
		}
		seg, o := buf[w:w+k*elem], off-c.lo
		if write {
			copyStrided(c.leaf, o, dOff, seg, 0, elem, elem, k)
		} else {
			copyStrided(seg, 0, elem, c.leaf, o, dOff, elem, k)
		}
		w += len(seg)
		off += k * dOff
	}
}

// copyStrided copies k elements of elem bytes from src to dst: the first
// from src[si:] to dst[di:], each next sd bytes further in src and dd
// bytes further in dst (either step may be negative). Common element sizes
// get loops of their own, which copy with one load and one store.
func copyStrided(dst []byte, di, dd int, src []byte, si, sd, elem, k int) {
	switch elem {
	case 1:
		for range k {
			dst[di] = src[si]
			di, si = di+dd, si+sd
		}
	case 2:
		for range k {
			*(*[2]byte)(dst[di:]) = *(*[2]byte)(src[si:])
			di, si = di+dd, si+sd
		}
	case 4:
		for range k {
			*(*[4]byte)(dst[di:]) = *(*[4]byte)(src[si:])
			di, si = di+dd, si+sd
		}
	case 8:
		for range k {
			*(*[8]byte)(dst[di:]) = *(*[8]byte)(src[si:])
			di, si = di+dd, si+sd
		}
	default:
		for range k {
			copy(dst[di:di+elem], src[si:si+elem])
			di, si = di+dd, si+sd
		}
	}
}

// Chunks calls fn with successive read-only slices of the tree's own
// chunks that together cover bytes [off, off+n), in order, without
// copying; fn returns false to stop early. The slices are valid until the
// next mutation of t. It returns ErrRange, without calling fn, if the range
// is not inside the tree.
func (t *Tree) Chunks(off, n int, fn func([]byte) bool) error {
	if err := t.checkRange("chunks", off, n); err != nil {
		return err
	}
	var c cursor
	c.init(t, false)
	end := off + n
	for off < end {
		c.seek(off)
		e := min(c.hi, end) - c.lo
		b := c.leaf[off-c.lo : e : e] // no room to append into our slack
		off += len(b)
		if !fn(b) {
			break
		}
	}
	return nil
}

// GatherBytes is Gather over a plain byte slice instead of a tree: it
// appends n elements of elem bytes of src, at element indexes start,
// start+step, ..., to dst, with the same checks and errors. numkv keeps
// small values in place of a tree and reads them with it.
func GatherBytes(dst, src []byte, elem, start, step, n int) ([]byte, error) {
	t := Tree{n: len(src)}
	if err := t.checkStrided("gather", elem, start, step, n); err != nil {
		return dst, err
	}
	total := n * elem
	dst = slices.Grow(dst, total)
	l := len(dst)
	dst = dst[:l+total]
	if n > 0 {
		copyStrided(dst[l:], 0, elem, src, start*elem, step*elem, elem, n)
	}
	return dst, nil
}
