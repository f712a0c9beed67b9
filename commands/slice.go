package commands

import (
	"fmt"
	"math"
)

// Slice and index arguments of the NUM.* commands. Parsing is pure and
// independent of any variable; resolve applies Python's slice.indices rules
// once the length is known.

// sliceArg is a parsed slice argument. A bare integer is an index (index is
// true, start holds it); otherwise every part is optional.
type sliceArg struct {
	index             bool
	start, stop, step int64
	hasStart, hasStop bool
}

// parseInt64 parses [+-]?[0-9]+ into an int64, refusing everything else,
// including values outside int64. It does not allocate.
func parseInt64(b []byte) (int64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		i = 1
	}
	if i == len(b) {
		return 0, false
	}
	var u uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if u > (math.MaxUint64-uint64(d))/10 {
			return 0, false
		}
		u = u*10 + uint64(d)
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true // -(1<<63) wraps to MinInt64, as it should
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	}
	return 0, false
}

// parseSlice parses start:stop:step or a bare integer index. It returns the
// wire error for a malformed argument or a zero step.
func parseSlice(b []byte) (sliceArg, string) {
	var parts [3][]byte
	n := 0
	last := 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == ':' {
			if n == 3 {
				return sliceArg{}, invalidSlice(b)
			}
			parts[n] = b[last:i]
			n++
			last = i + 1
		}
	}
	if n == 1 {
		i, ok := parseInt64(b)
		if !ok {
			return sliceArg{}, invalidSlice(b)
		}
		return sliceArg{index: true, start: i}, ""
	}
	a := sliceArg{step: 1}
	var ok bool
	if len(parts[0]) > 0 {
		if a.start, ok = parseInt64(parts[0]); !ok {
			return sliceArg{}, invalidSlice(b)
		}
		a.hasStart = true
	}
	if len(parts[1]) > 0 {
		if a.stop, ok = parseInt64(parts[1]); !ok {
			return sliceArg{}, invalidSlice(b)
		}
		a.hasStop = true
	}
	if n == 3 && len(parts[2]) > 0 {
		if a.step, ok = parseInt64(parts[2]); !ok {
			return sliceArg{}, invalidSlice(b)
		}
		if a.step == 0 {
			return sliceArg{}, msgStepZero
		}
	}
	return a, ""
}

func invalidSlice(b []byte) string { return fmt.Sprintf(msgInvalidSlice, b) }

// String spells the slice back in its canonical form (the fuzz target's
// round trip).
func (a sliceArg) String() string {
	if a.index {
		return fmt.Sprint(a.start)
	}
	s := ""
	if a.hasStart {
		s = fmt.Sprint(a.start)
	}
	s += ":"
	if a.hasStop {
		s += fmt.Sprint(a.stop)
	}
	return s + ":" + fmt.Sprint(a.step)
}

// selection is a resolved slice: n elements at start, start+step, ...
type selection struct {
	start, step, n int
}

// resolve applies the slice to a variable of length elements, exactly as
// Python's slice.indices and range do. A bare index selects one element
// and fails (false) when out of range.
func (a sliceArg) resolve(length int) (selection, bool) {
	n := int64(length)
	if a.index {
		i, ok := normIndex(a.start, length)
		return selection{start: i, step: 1, n: 1}, ok
	}
	step := a.step
	if step < -math.MaxInt64 {
		step = -math.MaxInt64 // as CPython, so that -step cannot overflow
	}
	lower, upper := int64(0), n
	if step < 0 {
		lower, upper = -1, n-1
	}
	clamp := func(v int64) int64 {
		if v < 0 {
			v += n
			if v < lower {
				v = lower
			}
		} else if v > upper {
			v = upper
		}
		return v
	}
	var start, stop int64
	switch {
	case a.hasStart:
		start = clamp(a.start)
	case step < 0:
		start = upper
	default:
		start = lower
	}
	switch {
	case a.hasStop:
		stop = clamp(a.stop)
	case step < 0:
		stop = lower
	default:
		stop = upper
	}
	var cnt int64
	if step > 0 && start < stop {
		cnt = (stop-start-1)/step + 1
	} else if step < 0 && stop < start {
		cnt = (start-stop-1)/(-step) + 1
	}
	if cnt <= 1 {
		// With at most one element the step does not matter; 1 keeps the
		// callers on their contiguous paths (and a huge step out of ints).
		step = 1
	}
	if cnt == 0 {
		start = 0 // Python may leave start at -1 or at the length
	}
	return selection{start: int(start), step: int(step), n: int(cnt)}, true
}

// normIndex turns a Python index into a position in [0, length), counting
// negative indexes from the end.
func normIndex(i int64, length int) (int, bool) {
	if i < 0 {
		i += int64(length)
	}
	if i < 0 || i >= int64(length) {
		return 0, false
	}
	return int(i), true
}

// insertIndex is list.insert's rule: negative counts from the end, and an
// index beyond either end clamps to it.
func insertIndex(i int64, length int) int {
	if i < 0 {
		i += int64(length)
		if i < 0 {
			i = 0
		}
	}
	if i > int64(length) {
		i = int64(length)
	}
	return int(i)
}

// ascending returns the same set of elements in increasing order, for the
// operations whose result does not depend on the visiting order.
func (sel selection) ascending() selection {
	if sel.step < 0 && sel.n > 0 {
		return selection{start: sel.start + (sel.n-1)*sel.step, step: -sel.step, n: sel.n}
	}
	return sel
}
