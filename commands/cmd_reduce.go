package commands

import (
	"bytes"
	"fmt"
	"sync/atomic"

	"numkv/memtree"
)

// NUM.REDUCE key op [selection] [AXIS a] [VALUES]: the kernel is in
// reduce.go; this is the command around it. Errors come in the contract's
// order: the op, the selection's and AXIS's syntax; the key (null when
// missing); the dtype (V<n>, complex MIN/MAX); the selection against the
// length; the axis against the selection's dimensions; an empty MIN/MAX.
//
// A tree-backed variable is cloned under the slot's lock, in O(1), and
// reduced after the lock is released (c.unlocked), so writers to the slot
// do not wait for a pass over a large variable.

var (
	kwAxis = []byte("AXIS")
	kwAs   = []byte("AS")
)

// reduceArgs is NUM.REDUCE's parsed arguments.
type reduceArgs struct {
	op      reduceOp
	sl      sliceArg
	axis    int
	hasAxis bool
	values  bool
}

// isReduceKeyword reports whether b is a keyword after the selection, and
// so never taken as one.
func isReduceKeyword(b []byte) bool {
	return bytes.EqualFold(b, kwAxis) || bytes.EqualFold(b, kwAs) || isValuesKeyword(b)
}

func parseReduce(args [][]byte) (reduceArgs, string) {
	a := reduceArgs{sl: sliceArg{step: 1}}
	op, ok := parseReduceOp(args[2])
	if !ok {
		return a, fmt.Sprintf(msgUnknownReduce, args[2])
	}
	a.op = op
	i := 3
	if i < len(args) && !isReduceKeyword(args[i]) {
		var msg string
		if a.sl, msg = parseSlice(args[i]); msg != "" {
			return a, msg
		}
		i++
	}
	for ; i < len(args); i++ {
		switch {
		case isValuesKeyword(args[i]):
			a.values = true
		case bytes.EqualFold(args[i], kwAxis) && i+1 < len(args):
			i++
			x, ok := parseInt64(args[i])
			if !ok || x != int64(int(x)) {
				return a, msgNotInt
			}
			a.axis, a.hasAxis = int(x), true
		default:
			return a, msgSyntax
		}
	}
	return a, ""
}

// valueReader is what a reduction reads: a variable under its slot's
// lock, or a clone of its tree after.
type valueReader interface {
	AppendRange(dst []byte, off, n int) ([]byte, error)
	Gather(dst []byte, elem, start, step, n int) ([]byte, error)
	Chunks(off, n int, fn func([]byte) bool) error
}

// reduceSrc is a resolved selection as the reduction reads it: its shape,
// and either one contiguous byte range or a strided run of elements.
type reduceSrc struct {
	shape []int
	sel   selection
	t     *elemType
}

// reduceSource resolves a one-axis selection of a variable of length
// elements of type t: shape (n, *row_shape) for a slice, the row shape for
// a bare index, which drops axis 0 as numpy's does. It is the one place
// that knows how selections are read; false is an index out of range.
func reduceSource(t *elemType, length int, sl sliceArg) (reduceSrc, bool) {
	sel, ok := sl.resolve(length)
	if !ok {
		return reduceSrc{}, false
	}
	var shape []int
	if !sl.index {
		shape = append(shape, sel.n)
	}
	for _, d := range t.shape {
		shape = append(shape, int(d))
	}
	return reduceSrc{shape: shape, sel: sel, t: t}, true
}

// reduce runs r over the selection in v.
func (src reduceSrc) reduce(r *reducer, v valueReader) ([]byte, dtype) {
	size := src.t.size
	sel := src.sel
	if sel.step == 1 {
		return r.runChunks(func(fn func([]byte) bool) error {
			return v.Chunks(sel.start*size, sel.n*size, fn)
		})
	}
	ds := src.t.dt.size
	per := src.t.count
	var scratch []byte
	return r.run(func(dst []byte, from, n int) ([]byte, error) {
		e0, e1 := from/per, (from+n-1)/per+1
		var err error
		scratch, err = v.Gather(scratch[:0], size, sel.start+e0*sel.step, sel.step, e1-e0)
		if err != nil {
			return dst, err
		}
		lo := (from - e0*per) * ds
		return append(dst, scratch[lo:lo+n*ds]...), nil
	})
}

// reduceUnlockedHook, set by tests only, runs at the start of a
// reduction's unlocked part.
var reduceUnlockedHook atomic.Pointer[func()]

func cmdNumReduce(s *Server, c *client, args [][]byte) {
	a, msg := parseReduce(args)
	if msg != "" {
		c.err(msg)
		return
	}
	v := s.lookupRead(c, args[1])
	switch {
	case v == nil && a.values:
		c.nullArray()
		return
	case v == nil:
		c.null()
		return
	}
	t := v.typ()
	if msg := reduceDtypeErr(a.op, t.dt); msg != "" {
		c.err(msg)
		return
	}
	src, ok := reduceSource(t, numLen(v), a.sl)
	if !ok {
		c.err(msgIndexRange)
		return
	}
	r, _, msg := planReduce(a.op, t.dt, src.shape, a.axis, a.hasAxis)
	if msg != "" {
		c.err(msg)
		return
	}
	if !v.isTree() {
		out, dt := src.reduce(r, v)
		replyReduce(c, out, dt, a.values)
		return
	}
	clone := new(memtree.Tree)
	v.tree().CloneTo(clone)
	c.unlocked = func() {
		defer clone.Release()
		if hook := reduceUnlockedHook.Load(); hook != nil {
			(*hook)()
		}
		out, dt := src.reduce(r, clone)
		replyReduce(c, out, dt, a.values)
	}
}

// replyReduce replies a reduction's result: its bytes, or with VALUES its
// scalars.
func replyReduce(c *client, out []byte, dt dtype, values bool) {
	if values {
		c.array(len(out) / dt.size)
		c.appendValues(dt, out)
		return
	}
	c.bulk(out)
}
