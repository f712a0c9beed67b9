package commands

import (
	"bytes"
	"fmt"
	"slices"

	"numkv/memtree"
)

// Selections over every axis, numpy's basic indexing: "0:32, 10:20, ::2",
// "..., 0", "5,". A variable with row shape (d1, ..., dk) is, to numpy, an
// array of shape (length, d1, ..., dk); a selection picks a block of its
// scalars, which reads and writes walk in C order.
//
// Parsing is pure (parseSelection); resolve applies the selection to the
// array's shape; plan turns the result into memtree.Runs: the innermost
// axes that stay contiguous merge into one run, the next axis out is the
// runs' stride, and the axes further out enumerate the groups of runs in
// ascending order, so that the tree is walked once. An axis with a
// negative step is walked forwards and the result reversed along it
// afterwards (unflip), in the reply buffer.

// selPart is one part of a selection: a slice or index, or "...".
type selPart struct {
	sl       sliceArg
	ellipsis bool
}

// maxDims is the most axes an array has: its length and the row shape.
const maxDims = maxShapeDims + 1

// selArg is a parsed selection argument. Its parts live in an array, not
// on the heap: a read of a few elements allocates nothing. Parts beyond
// the array are counted, not kept: they make too many for any array.
type selArg struct {
	buf [maxDims + 1]selPart
	n   int // parts kept in buf
	k   int // parts that are not "...", all of them
	// multi is set when the argument has a comma or "...": the N-d form.
	// Without it the one part means what a one-axis slice or index meant
	// before selections existed (NUM.WRITE's bare index extends).
	multi bool
}

func (a *selArg) parts() []selPart { return a.buf[:a.n] }

func (a *selArg) add(p selPart) {
	if !p.ellipsis {
		a.k++
	}
	if a.n < len(a.buf) {
		a.buf[a.n] = p
		a.n++
	}
}

var ellipsis = []byte("...")

// String spells the selection back, parts joined by ", " (the tests').
func (a selArg) String() string {
	var b []byte
	for i, p := range a.parts() {
		if i > 0 {
			b = append(b, ", "...)
		}
		if p.ellipsis {
			b = append(b, ellipsis...)
		} else {
			b = append(b, p.sl.String()...)
		}
	}
	return string(b)
}

// isMultiSelection reports whether b is an N-d selection rather than a
// single part: it has a comma, or is "..." (spaces around allowed).
func isMultiSelection(b []byte) bool {
	return bytes.IndexByte(b, ',') >= 0 || bytes.Equal(bytes.Trim(b, " "), ellipsis)
}

// parseSelection parses comma-separated parts, each a slice, an integer
// or "..." (once), with spaces allowed around the commas; a trailing comma
// ends the list ("5," is one part). A part's syntax error names the part.
func parseSelection(b []byte) (selArg, string) {
	var a selArg
	if !isMultiSelection(b) {
		sl, msg := parseSlice(b)
		a.add(selPart{sl: sl})
		return a, msg
	}
	a.multi = true
	rest := b
	seen := false
	for first := true; len(rest) > 0 || first; first = false {
		var f []byte
		i := bytes.IndexByte(rest, ',')
		if i < 0 {
			f, rest = rest, nil
		} else {
			f, rest = rest[:i], rest[i+1:]
		}
		f = bytes.Trim(f, " ")
		if i >= 0 && len(rest) > 0 && len(bytes.Trim(rest, " ")) == 0 {
			rest = nil // spaces after a trailing comma
		}
		if bytes.Equal(f, ellipsis) {
			if seen {
				return a, msgEllipsis
			}
			seen = true
			a.add(selPart{ellipsis: true})
			continue
		}
		sl, msg := parseSlice(f)
		if msg != "" {
			return a, msg
		}
		a.add(selPart{sl: sl})
	}
	return a, ""
}

// ndAxis is a selection resolved on one axis: n indexes start, start+step,
// ... An integer index drops its axis from the result (keep false).
type ndAxis struct {
	start, step, n int
	keep           bool
}

// ndSel is a selection resolved against an array's shape. Like selArg it
// is all arrays, so that copies are independent and nothing is allocated.
type ndSel struct {
	item    int // bytes per scalar
	nd      int // the array's dimensions
	dimBuf  [maxDims]int
	axisBuf [maxDims]ndAxis
}

// dims is the array's shape, (length, *row shape).
func (s *ndSel) dims() []int { return s.dimBuf[:s.nd] }

// axes is the selection on each axis.
func (s *ndSel) axes() []ndAxis { return s.axisBuf[:s.nd] }

// wholeSel selects the whole array of length elements of type t.
func wholeSel(length int, t *elemType) ndSel {
	s := ndSel{item: t.dt.size, nd: 1 + len(t.shape)}
	s.dimBuf[0] = length
	for i, d := range t.shape {
		s.dimBuf[i+1] = int(d)
	}
	for i, d := range s.dims() {
		s.axisBuf[i] = ndAxis{step: 1, n: d, keep: true}
	}
	return s
}

// resolve applies the selection to length elements of type t. It returns
// numpy's too-many-indices text when there are more parts than axes, then
// msgIndexRange for the first integer outside its axis.
func (a selArg) resolve(length int, t *elemType) (ndSel, string) {
	s := wholeSel(length, t)
	k := a.k
	if k > s.nd {
		return s, fmt.Sprintf(msgTooManyIndices, s.nd, k)
	}
	ax := 0
	for _, p := range a.parts() {
		if p.ellipsis {
			ax += s.nd - k
			continue
		}
		d := s.dimBuf[ax]
		if p.sl.index {
			i, ok := normIndex(p.sl.start, d)
			if !ok {
				return s, msgIndexRange
			}
			s.axisBuf[ax] = ndAxis{start: i, step: 1, n: 1}
		} else {
			r, _ := p.sl.resolve(d)
			s.axisBuf[ax] = ndAxis{start: r.start, step: r.step, n: r.n, keep: true}
		}
		ax++
	}
	return s, ""
}

// count is the number of scalars selected.
func (s *ndSel) count() int {
	n := 1
	for _, a := range s.axes() {
		n *= a.n
	}
	return n
}

// size is the selection's size in bytes.
func (s *ndSel) size() int { return s.count() * s.item }

// shape is the result's shape: the kept axes' counts.
func (s *ndSel) shape() []int {
	var out []int
	for _, a := range s.axes() {
		if a.keep {
			out = append(out, a.n)
		}
	}
	return out
}

// flipped reports whether a result axis has a negative step, so that the
// plan's order is not C order.
func (s *ndSel) flipped() bool {
	return slices.ContainsFunc(s.axes(), func(a ndAxis) bool { return a.keep && a.step < 0 && a.n > 1 })
}

// eachBatch splits the selection along its first kept axis into pieces
// of about maxBytes (at least one index of that axis each) and calls fn
// with each, in result order, for replies that convert the bytes on the
// way out. (A callback rather than an iter.Seq, whose closure would take
// s to the heap.)
//
// s is taken by value: fn could keep the pointer it gets, so the copy
// goes to the heap, not the caller's selection.
func (s ndSel) eachBatch(maxBytes int, fn func(*ndSel)) {
	first := slices.IndexFunc(s.axes(), func(a ndAxis) bool { return a.keep })
	total := s.size()
	if first < 0 || total <= maxBytes {
		fn(&s)
		return
	}
	a := s.axisBuf[first]
	per := max(maxBytes/(total/a.n), 1)
	b := s
	for from := 0; from < a.n; from += per {
		b.axisBuf[first] = ndAxis{start: a.start + from*a.step, step: a.step, n: min(per, a.n-from), keep: true}
		fn(&b)
	}
}

// ndPlan is a selection as memtree.Runs, with the outer loops in an
// array of its own so that a plan lives on the stack.
type ndPlan struct {
	group  memtree.Runs // without Outer
	outer  [maxDims]memtree.Loop
	nOuter int
	total  int // bytes
}

// runs is the plan as memtree.Runs; its Outer points into p.
func (p *ndPlan) runs() memtree.Runs {
	r := p.group
	r.Outer = p.outer[:p.nOuter]
	return r
}

// plan turns the selection into ascending runs.
func (s *ndSel) plan() ndPlan {
	p := ndPlan{total: s.size()}
	p.group.Len, p.group.Count = s.item, 1
	if p.total == 0 {
		p.group.Len = 0
		return p
	}
	stride := s.item
	var buf [maxDims]memtree.Loop
	loops := buf[:0] // innermost first
	for k := s.nd - 1; k >= 0; k-- {
		a := s.axisBuf[k]
		start, step := a.start, a.step
		if step < 0 && a.n > 1 {
			start, step = start+(a.n-1)*step, -step
		}
		p.group.Off += start * stride
		if a.n > 1 {
			loops = append(loops, memtree.Loop{Step: step * stride, N: a.n})
		}
		stride *= s.dimBuf[k]
	}
	// Axes whose step is the run so far continue it.
	for len(loops) > 0 && loops[0].Step == p.group.Len {
		p.group.Len *= loops[0].N
		loops = loops[1:]
	}
	if len(loops) > 0 {
		p.group.Stride, p.group.Count = loops[0].Step, loops[0].N
		loops = loops[1:]
	}
	p.nOuter = len(loops)
	for i, l := range loops {
		p.outer[p.nOuter-1-i] = l
	}
	return p
}

// unflip reverses buf, the selection's bytes as the plan reads them, along
// every result axis whose step is negative, which makes it the selection
// in C order. It is its own inverse: scatter applies it to the data to put
// the data in the plan's order.
func (s *ndSel) unflip(buf []byte) {
	block := len(buf)
	for _, a := range s.axes() {
		if !a.keep {
			continue
		}
		if a.n == 0 {
			return
		}
		seg := block
		block /= a.n
		if a.step < 0 && a.n > 1 {
			for o := 0; o < len(buf); o += seg {
				reverseBlocks(buf[o:o+seg], block)
			}
		}
	}
}

// reverseBlocks reverses the order of the size-byte blocks of p.
func reverseBlocks(p []byte, size int) {
	if size <= 16 {
		reverseElems(p, size)
		return
	}
	var tmp [512]byte
	for i, j := 0, len(p)-size; i < j; i, j = i+size, j-size {
		for k := 0; k < size; k += len(tmp) {
			e := min(size, k+len(tmp))
			a, b := p[i+k:i+e], p[j+k:j+e]
			t := tmp[:e-k]
			copy(t, a)
			copy(a, b)
			copy(b, t)
		}
	}
}

// selSource is what a selection is read from: a tree (a variable's, or a
// clone of it), or an inline value. It is a struct rather than an
// interface so that the plan, passed down to memtree, stays on
// the stack.
type selSource struct {
	t *memtree.Tree
	b []byte
}

func sourceOf(v *variable) selSource {
	if v.isTree() {
		return selSource{t: v.tree()}
	}
	return selSource{b: v.inline()}
}

// appendSel appends the selection's bytes, in C order, to dst.
func appendSel(dst []byte, r selSource, s *ndSel) []byte {
	p := s.plan()
	runs := p.runs()
	dst = slices.Grow(dst, p.total)
	l := len(dst)
	dst = dst[:l+p.total]
	var err error
	if r.t != nil {
		err = r.t.ReadRuns(dst[l:], &runs)
	} else {
		err = memtree.ReadRunsBytes(dst[l:], r.b, &runs)
	}
	if err != nil {
		panic(err) // a selection resolved within the shape cannot fail
	}
	s.unflip(dst[l:])
	return dst
}
