package commands

import (
	"bytes"
	"fmt"

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

var kwAxis = []byte("AXIS")

// reduceArgs is NUM.REDUCE's parsed arguments.
type reduceArgs struct {
	op      reduceOp
	sel     selArg
	hasSel  bool
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
	var a reduceArgs
	op, ok := parseReduceOp(args[2])
	if !ok {
		return a, fmt.Sprintf(msgUnknownReduce, args[2])
	}
	a.op = op
	i := 3
	if i < len(args) && !isReduceKeyword(args[i]) {
		var msg string
		if a.sel, msg = parseSelection(args[i]); msg != "" {
			return a, msg
		}
		a.hasSel = true
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

// reduceSel runs r over the selection sel of src. A selection that is one
// contiguous range of bytes is fed from the tree's own chunks, without a
// copy; any other is read in C order, about 1 MiB at a time.
func reduceSel(r *reducer, src selSource, sel *ndSel) ([]byte, dtype) {
	if p := sel.plan(); p.nOuter == 0 && p.group.Count <= 1 && !sel.flipped() {
		off, n := p.group.Off, p.total
		if src.t == nil {
			return r.runChunks(func(fn func([]byte) bool) error { fn(src.b[off : off+n]); return nil })
		}
		return r.runChunks(func(fn func([]byte) bool) error { return src.t.Chunks(off, n, fn) })
	}
	var buf []byte
	return r.runChunks(func(fn func([]byte) bool) error {
		sel.eachBatch(reduceBatch, func(b *ndSel) {
			buf = appendSel(buf[:0], src, b)
			fn(buf)
		})
		return nil
	})
}

// reduceBatch is how many bytes of a non-contiguous selection a reduction
// copies out at a time.
const reduceBatch = 1 << 20

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
	sel := wholeSel(numLen(v), t)
	if a.hasSel {
		if sel, msg = a.sel.resolve(numLen(v), t); msg != "" {
			c.err(msg)
			return
		}
	}
	r, _, msg := planReduce(a.op, t.dt, sel.shape(), a.axis, a.hasAxis)
	if msg != "" {
		c.err(msg)
		return
	}
	if !v.isTree() {
		out, dt := reduceSel(r, sourceOf(v), &sel)
		replyReduce(c, out, dt, a.values)
		return
	}
	clone := new(memtree.Tree)
	v.tree().CloneTo(clone)
	c.unlocked = func() {
		defer clone.Release()
		out, dt := reduceSel(r, selSource{t: clone}, &sel)
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
