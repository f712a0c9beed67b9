package memtree

import (
	"fmt"
	"iter"
)

// Run is Count runs of Len bytes each, the first at byte Off and each next
// Stride bytes after the one before. A selection over several axes of an
// array is a sequence of them: the innermost axes that are contiguous
// merge into Len, the next axis out is Stride and Count, and the outer
// axes enumerate the Runs.
type Run struct {
	Off, Len, Stride, Count int
}

// checkRuns validates runs against a value of l bytes and a buffer of
// total bytes: every run lies inside the value, the runs ascend without
// overlapping (within a Run, Stride >= Len), and their lengths add up to
// total. It reads the sequence once and nothing else.
func checkRuns(op string, runs iter.Seq[Run], l, total int) error {
	end, sum := 0, 0
	for r := range runs {
		if r.Len < 0 || r.Count < 0 {
			return fmt.Errorf("%w: %s: run %+v", ErrRange, op, r)
		}
		if r.Len == 0 || r.Count == 0 {
			continue
		}
		if r.Off < end || r.Off > l || r.Len > l-r.Off {
			return fmt.Errorf("%w: %s: run %+v after byte %d, length %d", ErrRange, op, r, end, l)
		}
		last := r.Off
		if r.Count > 1 {
			// Dividing instead of multiplying keeps huge arguments from
			// overflowing.
			if r.Stride < r.Len || (l-r.Off-r.Len)/r.Stride < r.Count-1 {
				return fmt.Errorf("%w: %s: run %+v, length %d", ErrRange, op, r, l)
			}
			last += (r.Count - 1) * r.Stride
		}
		end = last + r.Len
		if r.Len > (total-sum)/r.Count {
			return fmt.Errorf("%w: %s: runs longer than the %d bytes of the buffer", ErrRange, op, total)
		}
		sum += r.Len * r.Count
	}
	if sum != total {
		return fmt.Errorf("%w: %s: runs of %d bytes for a buffer of %d", ErrRange, op, sum, total)
	}
	return nil
}

// runs copies between the tree and buf, run after run, with one cursor:
// it stays in a leaf while the runs do and otherwise climbs only to the
// lowest common ancestor, so a gap between runs costs a descent only
// where it leaves the leaf, and the tree is walked once.
func (c *cursor) runs(buf []byte, runs iter.Seq[Run]) {
	w := 0
	for r := range runs {
		if r.Len == 0 || r.Count == 0 {
			continue
		}
		k := r.Len * r.Count
		seg := buf[w : w+k]
		w += k
		if r.Count == 1 || r.Stride == r.Len {
			if c.write {
				c.writeAt(seg, r.Off)
			} else {
				c.read(seg, r.Off)
			}
			continue
		}
		c.strided(seg, r.Len, r.Off, r.Stride)
	}
}

// ReadRuns fills p with the bytes of the runs, in order. The runs must
// ascend without overlapping and lie inside the tree, and their lengths
// must add up to len(p); otherwise it returns ErrRange and p holds
// nothing meaningful. runs is read twice: once to check it, once to copy.
func (t *Tree) ReadRuns(p []byte, runs iter.Seq[Run]) error {
	if err := checkRuns("read runs", runs, t.n, len(p)); err != nil {
		return err
	}
	var c cursor
	c.init(t, false)
	c.runs(p, runs)
	return nil
}

// WriteRuns overwrites the runs, in order, with the consecutive bytes of
// p, under the same conditions as ReadRuns; it returns ErrRange, and
// changes nothing, when they do not hold. Only the nodes on the runs'
// paths are copied (if shared with a clone), each once.
func (t *Tree) WriteRuns(p []byte, runs iter.Seq[Run]) error {
	if err := checkRuns("write runs", runs, t.n, len(p)); err != nil {
		return err
	}
	if len(p) == 0 {
		return nil
	}
	var c cursor
	c.init(t, true)
	c.runs(p, runs)
	return nil
}

// ReadRunsBytes is ReadRuns over a plain byte slice instead of a tree.
// numkv keeps small values in place of a tree and reads them with it.
func ReadRunsBytes(p, src []byte, runs iter.Seq[Run]) error {
	if err := checkRuns("read runs", runs, len(src), len(p)); err != nil {
		return err
	}
	w := 0
	for r := range runs {
		if r.Len == 0 || r.Count == 0 {
			continue
		}
		k := r.Len * r.Count
		if r.Count == 1 || r.Stride == r.Len {
			copy(p[w:w+k], src[r.Off:])
		} else {
			copyStrided(p[w:w+k], 0, r.Len, src, r.Off, r.Stride, r.Len, r.Count)
		}
		w += k
	}
	return nil
}
