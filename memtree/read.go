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
			c.leaf, c.lo, c.hi = t.root.data, 0, t.n
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
			c.leaf, c.lo, c.hi = k.data, klo, khi
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
	out := dst[l:]
	var c cursor
	c.init(t, false)
	off, dOff := start*elem, step*elem
	for w := 0; w < total; {
		if off < c.lo || off+elem > c.hi {
			c.read(out[w:w+elem], off)
			w += elem
			off += dOff
			continue
		}
		// Copy every element inside this leaf in a tight loop: fewer
		// instructions per element let the CPU keep more of the (mostly
		// cache-missing) loads in flight.
		k := (total - w) / elem
		switch {
		case dOff > 0:
			k = min(k, (c.hi-elem-off)/dOff+1)
		case dOff < 0:
			k = min(k, (off-c.lo)/-dOff+1)
		}
		src, o := c.leaf, off-c.lo
		seg := out[w : w+k*elem]
		switch elem {
		case 1:
			for j := range seg {
				seg[j] = src[o]
				o += dOff
			}
		case 2:
			for j := 0; j < len(seg); j += 2 {
				*(*[2]byte)(seg[j:]) = *(*[2]byte)(src[o:])
				o += dOff
			}
		case 4:
			for j := 0; j < len(seg); j += 4 {
				*(*[4]byte)(seg[j:]) = *(*[4]byte)(src[o:])
				o += dOff
			}
		case 8:
			for j := 0; j < len(seg); j += 8 {
				*(*[8]byte)(seg[j:]) = *(*[8]byte)(src[o:])
				o += dOff
			}
		default:
			for j := 0; j < len(seg); j += elem {
				copy(seg[j:j+elem], src[o:])
				o += dOff
			}
		}
		w += len(seg)
		off = o + c.lo
	}
	return dst, nil
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
