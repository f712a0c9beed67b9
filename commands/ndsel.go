package commands

import (
	"bytes"
	"fmt"
	"iter"
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

// selArg is a parsed selection argument.
type selArg struct {
	parts []selPart
	// multi is set when the argument has a comma or "...": the N-d form.
	// Without it the one part means what a one-axis slice or index meant
	// before selections existed (NUM.WRITE's bare index extends).
	multi bool
}

var ellipsis = []byte("...")

// String spells the selection back, parts joined by ", " (the tests').
func (a selArg) String() string {
	var b []byte
	for i, p := range a.parts {
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
	if !isMultiSelection(b) {
		sl, msg := parseSlice(b)
		return selArg{parts: []selPart{{sl: sl}}}, msg
	}
	a := selArg{multi: true}
	rest := b
	seen := false
	for len(rest) > 0 || len(a.parts) == 0 {
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
			a.parts = append(a.parts, selPart{ellipsis: true})
			continue
		}
		sl, msg := parseSlice(f)
		if msg != "" {
			return a, msg
		}
		a.parts = append(a.parts, selPart{sl: sl})
	}
	return a, ""
}

// ndAxis is a selection resolved on one axis: n indexes start, start+step,
// ... An integer index drops its axis from the result (keep false).
type ndAxis struct {
	start, step, n int
	keep           bool
}

// ndSel is a selection resolved against an array's shape.
type ndSel struct {
	item int      // bytes per scalar
	dims []int    // the array's shape, (length, *row shape)
	axes []ndAxis // one per dimension
}

// wholeSel selects the whole array of length elements of type t.
func wholeSel(length int, t *elemType) ndSel {
	s := ndSel{item: t.dt.size, dims: make([]int, 1+len(t.shape))}
	s.dims[0] = length
	for i, d := range t.shape {
		s.dims[i+1] = int(d)
	}
	s.axes = make([]ndAxis, len(s.dims))
	for i, d := range s.dims {
		s.axes[i] = ndAxis{step: 1, n: d, keep: true}
	}
	return s
}

// resolve applies the selection to length elements of type t. It returns
// numpy's too-many-indices text when there are more parts than axes, then
// msgIndexRange for the first integer outside its axis.
func (a selArg) resolve(length int, t *elemType) (ndSel, string) {
	s := wholeSel(length, t)
	k := 0
	for _, p := range a.parts {
		if !p.ellipsis {
			k++
		}
	}
	if k > len(s.dims) {
		return s, fmt.Sprintf(msgTooManyIndices, len(s.dims), k)
	}
	ax := 0
	for _, p := range a.parts {
		if p.ellipsis {
			ax += len(s.dims) - k
			continue
		}
		d := s.dims[ax]
		if p.sl.index {
			i, ok := normIndex(p.sl.start, d)
			if !ok {
				return s, msgIndexRange
			}
			s.axes[ax] = ndAxis{start: i, step: 1, n: 1}
		} else {
			r, _ := p.sl.resolve(d)
			s.axes[ax] = ndAxis{start: r.start, step: r.step, n: r.n, keep: true}
		}
		ax++
	}
	return s, ""
}

// count is the number of scalars selected.
func (s ndSel) count() int {
	n := 1
	for _, a := range s.axes {
		n *= a.n
	}
	return n
}

// size is the selection's size in bytes.
func (s ndSel) size() int { return s.count() * s.item }

// shape is the result's shape: the kept axes' counts.
func (s ndSel) shape() []int {
	var out []int
	for _, a := range s.axes {
		if a.keep {
			out = append(out, a.n)
		}
	}
	return out
}

// flipped reports whether a result axis has a negative step, so that the
// plan's order is not C order.
func (s ndSel) flipped() bool {
	return slices.ContainsFunc(s.axes, func(a ndAxis) bool { return a.keep && a.step < 0 && a.n > 1 })
}

// batches splits the selection along its first kept axis into pieces of
// about max bytes (at least one index of that axis each), in result
// order, for replies that convert the bytes on the way out.
func (s ndSel) batches(maxBytes int) iter.Seq[ndSel] {
	return func(yield func(ndSel) bool) {
		first := slices.IndexFunc(s.axes, func(a ndAxis) bool { return a.keep })
		total := s.size()
		if first < 0 || total <= maxBytes {
			yield(s)
			return
		}
		a := s.axes[first]
		per := max(maxBytes/(total/a.n), 1)
		for from := 0; from < a.n; from += per {
			b := s
			b.axes = slices.Clone(s.axes)
			b.axes[first] = ndAxis{start: a.start + from*a.step, step: a.step, n: min(per, a.n-from), keep: true}
			if !yield(b) {
				return
			}
		}
	}
}

// loop is one axis of a plan: n steps of off bytes.
type loop struct{ off, n int }

// ndPlan is a selection as memtree.Runs: the group of runs at base, and
// the outer loops that move it.
type ndPlan struct {
	base                 int
	runLen, stride, runs int // the group: memtree.Run's Len, Stride, Count
	outer                []loop
	total                int // bytes
}

// plan turns the selection into ascending runs.
func (s ndSel) plan() ndPlan {
	p := ndPlan{total: s.size(), runLen: s.item, runs: 1}
	if p.total == 0 {
		return p
	}
	stride := s.item
	var loops []loop
	for k := len(s.axes) - 1; k >= 0; k-- {
		a := s.axes[k]
		start, step := a.start, a.step
		if step < 0 && a.n > 1 {
			start, step = start+(a.n-1)*step, -step
		}
		p.base += start * stride
		if a.n > 1 {
			loops = append(loops, loop{step * stride, a.n})
		}
		stride *= s.dims[k]
	}
	// loops runs innermost first. Axes whose step is the run so far
	// continue it.
	for len(loops) > 0 && loops[0].off == p.runLen {
		p.runLen *= loops[0].n
		loops = loops[1:]
	}
	if len(loops) > 0 {
		p.stride, p.runs = loops[0].off, loops[0].n
		loops = loops[1:]
	}
	slices.Reverse(loops)
	p.outer = loops
	return p
}

// each yields the plan's runs in ascending order; it is an
// iter.Seq[memtree.Run].
func (p *ndPlan) each(yield func(memtree.Run) bool) {
	if p.total == 0 {
		return
	}
	var idx [maxShapeDims + 1]int
	off := p.base
	for {
		if !yield(memtree.Run{Off: off, Len: p.runLen, Stride: p.stride, Count: p.runs}) {
			return
		}
		k := len(p.outer) - 1
		for ; k >= 0; k-- {
			o := p.outer[k]
			off += o.off
			if idx[k]++; idx[k] < o.n {
				break
			}
			off -= o.off * o.n
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// unflip reverses buf, the selection's bytes as the plan reads them, along
// every result axis whose step is negative, which makes it the selection
// in C order. It is its own inverse: scatter applies it to the data to put
// the data in the plan's order.
func (s ndSel) unflip(buf []byte) {
	block := len(buf)
	for _, a := range s.axes {
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

// runReader is a value the runs of a plan can be read from: a variable,
// or a clone of its tree.
type runReader interface {
	ReadRuns(p []byte, runs iter.Seq[memtree.Run]) error
}

// appendSel appends the selection's bytes, in C order, to dst.
func appendSel(dst []byte, r runReader, s ndSel) []byte {
	p := s.plan()
	dst = slices.Grow(dst, p.total)
	l := len(dst)
	dst = dst[:l+p.total]
	if err := r.ReadRuns(dst[l:], p.each); err != nil {
		panic(err) // a selection resolved within the shape cannot fail
	}
	s.unflip(dst[l:])
	return dst
}
