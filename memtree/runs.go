package memtree

import "fmt"

// Runs describes ascending runs of bytes as nested loops, the way a
// selection over several axes of an array lays them out: a group of Count
// runs of Len bytes, the first at Off and each next Stride bytes after
// the one before; then Outer moves the whole group, outermost loop first,
// as an odometer: N positions Step bytes apart per loop.
//
// A selection's innermost contiguous axes merge into Len, the next axis
// out is Stride and Count, and the remaining axes are Outer. A structure
// rather than an iterator function: a range-over-func loop body that the
// compiler cannot see the caller of is allocated on the heap, and a small
// read must allocate nothing.
type Runs struct {
	Off, Len, Stride, Count int
	Outer                   []Loop
}

// Loop is one outer loop of Runs: N positions, Step bytes apart.
type Loop struct{ Step, N int }

// maxLoops bounds Runs.Outer, so that the odometer lives on the stack.
const maxLoops = 64

// groups walks the group offsets of Runs in order. It does not keep the
// Runs (each call takes it), so that the caller's Runs, Outer and all,
// can stay on the caller's stack.
type groups struct {
	idx  [maxLoops]int
	off  int
	done bool
}

func (g *groups) init(r *Runs) {
	g.off = r.Off
	g.done = r.Len == 0 || r.Count == 0
	for _, l := range r.Outer {
		if l.N == 0 {
			g.done = true
		}
	}
}

// next returns the next group's offset of r, or false after the last.
func (g *groups) next(r *Runs) (int, bool) {
	if g.done {
		return 0, false
	}
	off := g.off
	k := len(r.Outer) - 1
	for ; k >= 0; k-- {
		l := r.Outer[k]
		g.off += l.Step
		if g.idx[k]++; g.idx[k] < l.N {
			break
		}
		g.off -= l.Step * l.N
		g.idx[k] = 0
	}
	g.done = k < 0
	return off, true
}

// check validates r against a value of l bytes and a buffer of total
// bytes: every run lies inside the value, the runs ascend without
// overlapping, and their lengths add up to total.
func (r *Runs) check(op string, l, total int) error {
	bad := func(why string) error {
		// Fields, not *r: the Outer slice would escape, and with it the
		// caller's plan, on every call.
		return fmt.Errorf("%w: %s of %d bytes as runs at %d of %d bytes, stride %d, count %d, %d outer loops, in a value of %d bytes: %s",
			ErrRange, op, total, r.Off, r.Len, r.Stride, r.Count, len(r.Outer), l, why)
	}
	if r.Len < 0 || r.Count < 0 || len(r.Outer) > maxLoops {
		return bad("negative or too many")
	}
	n := int64(r.Len) * int64(r.Count)
	for _, o := range r.Outer {
		if o.N < 0 {
			return bad("negative")
		}
		n *= int64(o.N)
		if n > int64(total) {
			return bad("more than the buffer")
		}
	}
	if n != int64(total) {
		return bad("not the buffer's length")
	}
	if n == 0 {
		return nil
	}
	if r.Count > 1 && r.Stride < r.Len {
		return bad("overlapping")
	}
	if r.Count > 1 && r.Stride > l/(r.Count-1) {
		return bad("past the end")
	}
	for _, o := range r.Outer {
		if o.N > 1 && o.Step > l {
			return bad("past the end")
		}
	}
	span := (r.Count-1)*r.Stride + r.Len // bytes from a group's first to its end
	var g groups
	g.init(r)
	end := 0
	for {
		off, ok := g.next(r)
		if !ok {
			return nil
		}
		if off < end || off > l || span > l-off {
			return bad("not ascending inside the value")
		}
		end = off + span
	}
}

// copyRuns copies between the tree and buf, group after group, with one
// cursor: it stays in a leaf while the runs do and otherwise climbs only
// to the lowest common ancestor, so a gap between runs costs a descent
// only where it leaves the leaf, and the tree is walked once.
func (c *cursor) copyRuns(buf []byte, r *Runs) {
	var g groups
	g.init(r)
	k := r.Len * r.Count
	for w := 0; ; w += k {
		off, ok := g.next(r)
		if !ok {
			return
		}
		seg := buf[w : w+k]
		switch {
		case r.Count > 1 && r.Stride != r.Len:
			c.strided(seg, r.Len, off, r.Stride)
		case c.write:
			c.writeAt(seg, off)
		default:
			c.read(seg, off)
		}
	}
}

// ReadRuns fills p with the bytes of the runs, in order. The runs must
// ascend without overlapping and lie inside the tree, and their lengths
// must add up to len(p); otherwise it returns ErrRange and leaves p as it
// was.
func (t *Tree) ReadRuns(p []byte, r *Runs) error {
	if err := r.check("read", t.n, len(p)); err != nil {
		return err
	}
	var c cursor
	c.init(t, false)
	c.copyRuns(p, r)
	return nil
}

// WriteRuns overwrites the runs, in order, with the consecutive bytes of
// p, under the same conditions as ReadRuns; it returns ErrRange, and
// changes nothing, when they do not hold. Only the nodes on the runs'
// paths are copied (if shared with a clone), each once.
func (t *Tree) WriteRuns(p []byte, r *Runs) error {
	if err := r.check("write", t.n, len(p)); err != nil {
		return err
	}
	if len(p) == 0 {
		return nil
	}
	var c cursor
	c.init(t, true)
	c.copyRuns(p, r)
	return nil
}

// ReadRunsBytes is ReadRuns over a plain byte slice instead of a tree.
// numkv keeps small values in place of a tree and reads them with it.
func ReadRunsBytes(p, src []byte, r *Runs) error {
	if err := r.check("read", len(src), len(p)); err != nil {
		return err
	}
	var g groups
	g.init(r)
	k := r.Len * r.Count
	for w := 0; ; w += k {
		off, ok := g.next(r)
		if !ok {
			return nil
		}
		if r.Count == 1 || r.Stride == r.Len {
			copy(p[w:w+k], src[off:])
		} else {
			copyStrided(p[w:w+k], 0, r.Len, src, off, r.Stride, r.Len, r.Count)
		}
	}
}
