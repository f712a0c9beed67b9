package commands

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"numkv/memtree"
)

// refAxis is one axis as the reference sees it: the indexes it picks, in
// order, and whether the axis stays in the result (an integer drops it).
type refAxis struct {
	idx  []int
	keep bool
}

// refSelect is the slow reference for selections. It shares nothing with
// parseSelection or resolve: it reads text on its own, with strings and
// strconv, and applies numpy's basic indexing to an array of shape dims
// one axis at a time, listing every index. It returns the error text the
// server must give, or the axes.
//
// The syntax it accepts is numkv's: a text without a comma, other than
// "...", is one part taken as it is; otherwise comma-separated parts with
// spaces around them, one trailing comma allowed. A part is "...", an
// integer (within int64), or start:stop[:step] with each of them optional.
// There is no newaxis: "None" is not an integer, so it is refused. Errors
// are found in numpy's order: the parts left to right as they are parsed,
// then too many indices, then the first index out of range.
func refSelect(text string, dims []int) ([]refAxis, string) {
	var parts []string
	if !strings.Contains(text, ",") && strings.Trim(text, " ") != "..." {
		parts = []string{text}
	} else {
		parts = strings.Split(text, ",")
		if len(parts) > 1 && strings.Trim(parts[len(parts)-1], " ") == "" {
			parts = parts[:len(parts)-1]
		}
		for i := range parts {
			parts[i] = strings.Trim(parts[i], " ")
		}
	}

	// A part as written: an ellipsis, an index or a slice.
	type part struct {
		ell, index        bool
		start, stop, step int64
		hasStart, hasStop bool
	}
	num := func(s string) (int64, bool) {
		v, err := strconv.ParseInt(s, 10, 64)
		return v, err == nil
	}
	var ps []part
	ellipses := 0
	for _, s := range parts {
		if s == "..." {
			ellipses++
			if ellipses > 1 {
				return nil, msgEllipsis
			}
			ps = append(ps, part{ell: true})
			continue
		}
		bad := fmt.Sprintf(msgInvalidSlice, s)
		fields := strings.Split(s, ":")
		if len(fields) == 1 {
			v, ok := num(s)
			if !ok {
				return nil, bad
			}
			ps = append(ps, part{index: true, start: v})
			continue
		}
		if len(fields) > 3 {
			return nil, bad
		}
		p := part{step: 1}
		var ok bool
		if fields[0] != "" {
			if p.start, ok = num(fields[0]); !ok {
				return nil, bad
			}
			p.hasStart = true
		}
		if fields[1] != "" {
			if p.stop, ok = num(fields[1]); !ok {
				return nil, bad
			}
			p.hasStop = true
		}
		if len(fields) == 3 && fields[2] != "" {
			if p.step, ok = num(fields[2]); !ok {
				return nil, bad
			}
			if p.step == 0 {
				return nil, msgStepZero
			}
		}
		ps = append(ps, p)
	}

	k := len(ps) - ellipses
	if k > len(dims) {
		return nil, fmt.Sprintf(msgTooManyIndices, len(dims), k)
	}
	// Expand the ellipsis (or an implied one at the end) into whole axes.
	var full []part
	for _, p := range ps {
		if p.ell {
			for range len(dims) - k {
				full = append(full, part{step: 1})
			}
			continue
		}
		full = append(full, p)
	}
	for len(full) < len(dims) {
		full = append(full, part{step: 1})
	}

	axes := make([]refAxis, len(dims))
	for ax, p := range full {
		d := int64(dims[ax])
		if p.index {
			i := p.start
			if i < 0 {
				i += d
			}
			if i < 0 || i >= d {
				return nil, msgIndexRange
			}
			axes[ax] = refAxis{idx: []int{int(i)}}
			continue
		}
		// Python's slice semantics: negative bounds count from the end,
		// then bounds clamp to the axis; a negative step walks down from
		// the last index to just before the first.
		var list []int
		if p.step > 0 {
			lo, hi := int64(0), d
			if p.hasStart {
				lo = p.start
				if lo < 0 {
					lo += d
				}
				lo = max(0, min(d, lo))
			}
			if p.hasStop {
				hi = p.stop
				if hi < 0 {
					hi += d
				}
				hi = max(0, min(d, hi))
			}
			for j := lo; j < hi; j += p.step {
				list = append(list, int(j))
				if p.step >= hi-j {
					break
				}
			}
		} else {
			hi, lo := d-1, int64(-1)
			if p.hasStart {
				hi = p.start
				if hi < 0 {
					hi += d
				}
				hi = max(-1, min(d-1, hi))
			}
			if p.hasStop {
				lo = p.stop
				if lo < 0 {
					lo += d
				}
				lo = max(-1, min(d-1, lo))
			}
			for j := hi; j > lo; j += p.step {
				list = append(list, int(j))
				if p.step <= lo-j {
					break
				}
			}
		}
		axes[ax] = refAxis{idx: list, keep: true}
	}
	return axes, ""
}

// fuzzDims decodes the fuzz input's shape bytes into a row shape of at
// most maxShapeDims axes, mostly small (1 to 7) and now and then a power
// of two up to 2^15, within NUM.CREATE's maxElemBytes per element; and
// the length into at most 65535 elements and 2 GiB.
func fuzzDims(shape []byte, length uint16, item int) (row []int64, n int) {
	size := item
	for _, b := range shape[:min(len(shape), maxShapeDims)] {
		d := 1 + int(b%7)
		if b >= 0xf0 {
			d = 1 << (b & 0x0f)
		}
		if size > maxElemBytes/d {
			d = 1
		}
		size *= d
		row = append(row, int64(d))
	}
	n = int(length)
	if n > (2<<30)/size {
		n %= (2<<30)/size + 1
	}
	return row, n
}

// fuzzDtype picks the scalar type: one of the named dtypes, or an opaque
// V3 or V24, whose odd and large widths the plan must merge too.
func fuzzDtype(b uint8) dtype {
	extra := []dtype{
		{name: "V3", numpy: "V3", kind: kindOpaque, size: 3},
		{name: "V24", numpy: "V24", kind: kindOpaque, size: 24},
	}
	i := int(b) % (len(dtypes) + len(extra))
	if i < len(dtypes) {
		return dtypes[i]
	}
	return extra[i-len(dtypes)]
}

// fuzzSelections are the seed selections: each is tried on every seed
// shape. They cover one part and many, spaces and trailing commas, open
// and negative bounds, negative steps, steps beyond any axis, the int64
// extremes, ellipses anywhere (and twice), too many parts, indexes just
// in and out of range, and the syntax errors, including newaxis spelled
// as numpy users would.
var fuzzSelections = []string{
	"", "...", " ... ", "0", "-1", "5", ":", "::", "::-1", "::2", "1::3", "-1::-1", "5:1:-1",
	"5,", "5, ", "0,", "-1,", ":,", "::-1,", ",", ",5", "5,,", "5,,6", " 5", "5 ",
	"0:32, 10:20, ::2", "0:10,::2,...", "..., 0", "0, ...", "..., ::-1", "::-1, ...",
	"1, ..., -1", "..., ...", "...,1,...", "1,2,3,4", "0, 0, 0, 0", "-1, -1, -1",
	"::-1, ::-2, 1", "::-1, ::-1, ::-1", "1:, :-1, ::-3", ":, 0", ":, :, 0", "0, :, ::-2",
	"2:0:-1, 0:2", "-100:100, -100:100:-1", "100:, :-100", "3:3, ...", "..., 1:1",
	"::9223372036854775807", "::-9223372036854775808", "-9223372036854775808:9223372036854775807",
	"9223372036854775807, ...", "-9223372036854775808,", "9223372036854775808", "::0", "1, ::0",
	"1:2:3:4", "1, x", "None", ":, None", "newaxis, 0", "np.newaxis", "1...", "....", "..",
	"+1, -0, +0:-0:+1", "007, 0:007", "1_000", "1.5", "0x10", "[1, 2]", "1 :2, 3", "1,\t2",
	strings.Repeat("0, ", 33) + "0", strings.Repeat(":, ", 32) + "...", strings.Repeat("::-1, ", 33),
	strings.Repeat("..., ", 40),
}

// fuzzShapes are the seed row shapes, as fuzzDims decodes them, with
// their lengths: a flat array, the common small ones, one with a 1 in the
// middle, 32 axes, and one with a large axis (0xf9: 2^9).
var fuzzShapes = []struct {
	shape  []byte
	length uint16
}{
	{nil, 10}, {nil, 0}, {[]byte{2}, 4}, {[]byte{1, 2}, 5}, {[]byte{3, 0, 2}, 3},
	{bytes.Repeat([]byte{0}, 32), 2}, {[]byte{1, 0xf9}, 700}, {[]byte{0xfc}, 1},
}

// FuzzSelection checks the N-d selection parser and its resolution
// against refSelect. For every input: parsing and resolving never panic;
// they fail exactly when the reference does, with its error text; each
// axis picks the reference's indexes, all within the axis; the result's
// shape and size are the reference's; and the plan's runs ascend without
// overlap inside the array, between the reference's first and last
// scalars. On arrays of at most 4096 scalars it also reads the selection
// from an inline value and from a tree, and writes it back, scalar by
// scalar against the reference's offsets in C order, and reads it again
// in batches.
func FuzzSelection(f *testing.F) {
	for _, sel := range fuzzSelections {
		for i, sh := range fuzzShapes {
			f.Add(sel, sh.shape, sh.length, uint8(i*3))
		}
	}
	f.Fuzz(func(t *testing.T, text string, shape []byte, length uint16, dtIdx uint8) {
		if len(text) > 1000 {
			return
		}
		dt := fuzzDtype(dtIdx)
		row, n := fuzzDims(shape, length, dt.size)
		typ := newElemType(dt, row)
		dims := []int{n}
		for _, d := range row {
			dims = append(dims, int(d))
		}

		a, msg := parseSelection([]byte(text))
		var s ndSel
		if msg == "" {
			s, msg = a.resolve(n, &typ)
		}
		want, wantMsg := refSelect(text, dims)
		if msg != wantMsg {
			t.Fatalf("%q on %v: error %q, want %q", text, dims, msg, wantMsg)
		}
		if msg != "" {
			return
		}

		// Each axis: the reference's indexes, inside the axis.
		if s.nd != len(dims) || !slices.Equal(s.dims(), dims) {
			t.Fatalf("%q on %v: resolved dims %v", text, dims, s.dims())
		}
		var wantShape []int
		count := 1
		for k, ax := range s.axes() {
			w := want[k]
			if ax.keep != w.keep || ax.n != len(w.idx) {
				t.Fatalf("%q on %v: axis %d is %+v, want %d indexes, kept %v", text, dims, k, ax, len(w.idx), w.keep)
			}
			for j, i := range w.idx {
				if got := ax.start + j*ax.step; got != i {
					t.Fatalf("%q on %v: axis %d index %d is %d, want %d", text, dims, k, j, got, i)
				}
				if i < 0 || i >= dims[k] {
					t.Fatalf("%q on %v: reference picks %d on axis %d", text, dims, i, k)
				}
			}
			if w.keep {
				wantShape = append(wantShape, len(w.idx))
			}
			count *= len(w.idx)
		}
		if got := s.shape(); !slices.Equal(got, wantShape) {
			t.Fatalf("%q on %v: shape %v, want %v", text, dims, got, wantShape)
		}
		if s.count() != count || s.size() != count*dt.size {
			t.Fatalf("%q on %v: %d scalars, %d bytes; want %d", text, dims, s.count(), s.size(), count)
		}
		checkPlan(t, text, &s, want)

		if n*typ.count > 4096 {
			return
		}
		checkSelBytes(t, text, &s, want, n*typ.size)
		// Batches cover the selection in order; the batch size comes from
		// the input so that every split point is reached.
		checkBatches(t, text, &s, n*typ.size, 1+int(length>>8)%64*dt.size)
	})
}

// checkPlan checks s's plan by arithmetic alone, so that it holds for
// arrays far too big to read: its bytes add up to the selection's; its
// runs ascend without overlapping (each loop steps past everything inside
// it); and the first run starts at the reference's first scalar and the
// last ends after the reference's last.
func checkPlan(t *testing.T, text string, s *ndSel, want []refAxis) {
	t.Helper()
	p := s.plan()
	r := p.runs()
	if p.total != s.size() {
		t.Fatalf("%q on %v: plan of %d bytes, selection %d", text, s.dims(), p.total, s.size())
	}
	if p.total == 0 {
		return
	}
	stride := make([]int, s.nd)
	st := s.item
	lo, hi := 0, 0 // the reference's first and last scalar's offsets
	for k := s.nd - 1; k >= 0; k-- {
		stride[k] = st
		lo += slices.Min(want[k].idx) * st
		hi += slices.Max(want[k].idx) * st
		st *= s.dimBuf[k]
	}
	total := r.Len * r.Count
	if r.Len <= 0 || r.Count <= 0 || r.Len%s.item != 0 {
		t.Fatalf("%q on %v: plan %+v", text, s.dims(), r)
	}
	if r.Count > 1 && r.Stride < r.Len {
		t.Fatalf("%q on %v: plan %+v overlaps", text, s.dims(), r)
	}
	span := (r.Count-1)*r.Stride + r.Len
	for i := len(r.Outer) - 1; i >= 0; i-- {
		l := r.Outer[i]
		if l.N <= 1 || l.Step < span {
			t.Fatalf("%q on %v: plan %+v: outer loop %d %+v within %d bytes", text, s.dims(), r, i, l, span)
		}
		total *= l.N
		span += (l.N - 1) * l.Step
	}
	if total != p.total {
		t.Fatalf("%q on %v: plan %+v covers %d bytes, want %d", text, s.dims(), r, total, p.total)
	}
	if r.Off != lo || r.Off+span != hi+s.item {
		t.Fatalf("%q on %v: plan %+v spans [%d, %d), want [%d, %d)", text, s.dims(), r, r.Off, r.Off+span, lo, hi+s.item)
	}
	if end := s.dimBuf[0] * stride[0]; r.Off < 0 || r.Off+span > end {
		t.Fatalf("%q on %v: plan %+v outside the array's %d bytes", text, s.dims(), r, end)
	}
}

// refOffsets lists the byte offsets of the reference's scalars in C order.
func refOffsets(want []refAxis, dims []int, item int) []int {
	offs := []int{0}
	stride := item
	strides := make([]int, len(dims))
	for k := len(dims) - 1; k >= 0; k-- {
		strides[k] = stride
		stride *= dims[k]
	}
	for k := range dims {
		var next []int
		for _, o := range offs {
			for _, i := range want[k].idx {
				next = append(next, o+i*strides[k])
			}
		}
		offs = next
	}
	return offs
}

// fuzzData is size bytes in which every aligned 4-byte word holds its own
// offset, xored with a mark, so that no two scalars of one or more words
// are alike and a scalar read from the wrong place shows; a byte-wide
// scalar differs from its neighbours too.
func fuzzData(size int, mark uint32) []byte {
	b := make([]byte, size+3)
	for o := 0; o < size; o += 4 {
		binary.LittleEndian.PutUint32(b[o:], uint32(o)^mark)
	}
	for o := 0; o < size; o++ {
		b[o] ^= byte(o >> 2 * 7)
	}
	return b[:size]
}

// checkSelBytes reads the selection from an inline value and from a tree,
// compares both with the reference's scalars, then writes new bytes
// through the plan, as NUM.WRITE does, and compares the whole array with
// the reference's write.
func checkSelBytes(t *testing.T, text string, s *ndSel, want []refAxis, size int) {
	t.Helper()
	data := fuzzData(size, 0)
	offs := refOffsets(want, s.dims(), s.item)
	var exp []byte
	for _, o := range offs {
		exp = append(exp, data[o:o+s.item]...)
	}
	if got := appendSel([]byte("x"), selSource{b: data}, s); got[0] != 'x' || !bytes.Equal(got[1:], exp) {
		t.Fatalf("%q on %v: inline read\n got %x\nwant %x", text, s.dims(), got[1:], exp)
	}
	var tree memtree.Tree
	defer tree.Release()
	for rest := data; len(rest) > 0; {
		k := min(len(rest), 1+len(rest)/3)
		tree.Append(rest[:k])
		rest = rest[k:]
	}
	if got := appendSel(nil, selSource{t: &tree}, s); !bytes.Equal(got, exp) {
		t.Fatalf("%q on %v: tree read\n got %x\nwant %x", text, s.dims(), got, exp)
	}

	p := fuzzData(s.size(), 0xa5a5a5a5)
	model := bytes.Clone(data)
	for j, o := range offs {
		copy(model[o:o+s.item], p[j*s.item:])
	}
	q := bytes.Clone(p)
	s.unflip(q)
	plan := s.plan()
	runs := plan.runs()
	if err := tree.WriteRuns(q, &runs); err != nil {
		t.Fatalf("%q on %v: write: %v", text, s.dims(), err)
	}
	if all, _ := tree.AppendRange(nil, 0, tree.Len()); !bytes.Equal(all, model) {
		t.Fatalf("%q on %v: write\n got %x\nwant %x", text, s.dims(), all, model)
	}
	s.unflip(q)
	if !bytes.Equal(q, p) {
		t.Fatalf("%q on %v: unflip is not its own inverse", text, s.dims())
	}
}

// checkBatches reads the selection in batches of about maxBytes and
// checks that they add up, in order, to the selection read at once.
func checkBatches(t *testing.T, text string, s *ndSel, size, maxBytes int) {
	t.Helper()
	data := fuzzData(size, 0)
	rest := appendSel(nil, selSource{b: data}, s)
	s.eachBatch(maxBytes, func(b *ndSel) {
		got := appendSel(nil, selSource{b: data}, b)
		if !bytes.HasPrefix(rest, got) {
			t.Fatalf("%q on %v: a batch of %d bytes (at most %d asked) is not the next part", text, s.dims(), len(got), maxBytes)
		}
		rest = rest[len(got):]
	})
	if len(rest) != 0 {
		t.Fatalf("%q on %v: batches short by %d bytes", text, s.dims(), len(rest))
	}
}

// refNumpy indexes np.arange over each case's shape with the case's
// selection, spelled as a Python index the way numkv splits it, and prints
// the result's shape and values, or "err" and an IndexError's text.
const refNumpy = `
import sys
import numpy as np

def part(p):
    if p == "...":
        return Ellipsis
    if ":" in p:
        return slice(*[int(x) if x else None for x in p.split(":")])
    return int(p)

for line in sys.stdin.read().split("\n")[:-1]:
    dims, text = line.split("|", 1)
    a = np.arange(int(np.prod([int(d) for d in dims.split()]))).reshape([int(d) for d in dims.split()])
    if "," in text or text.strip(" ") == "...":
        ps = text.split(",")
        if len(ps) > 1 and ps[-1].strip(" ") == "":
            ps = ps[:-1]
        idx = tuple(part(p.strip(" ")) for p in ps)
    else:
        idx = part(text)
    try:
        r = np.asarray(a[idx])
        print("ok", list(r.shape), " ".join(map(str, r.ravel())))
    except IndexError as e:
        print("err", e)
`

// TestRefSelectMatchesNumpy checks the fuzz target's reference against
// numpy itself, on every seed selection the reference accepts over the
// seed shapes small enough to list (and of at most numpy's 32 axes): the
// same shape and the same scalars, or an IndexError where the reference
// has too many indices (numpy's text) or an index out of range.
func TestRefSelectMatchesNumpy(t *testing.T) {
	type tc struct {
		text string
		dims []int
		want string
	}
	var cases []tc
	var in strings.Builder
	for _, text := range fuzzSelections {
		for _, sh := range fuzzShapes {
			row, n := fuzzDims(sh.shape, sh.length, 1)
			dims := []int{n}
			size := n
			for _, d := range row {
				dims = append(dims, int(d))
				size *= int(d)
			}
			if size > 4096 || len(dims) > 32 {
				continue
			}
			axes, msg := refSelect(text, dims)
			var want string
			switch {
			case msg == msgIndexRange:
				want = "err index"
			case strings.HasPrefix(msg, "ERR too many"):
				want = "err " + strings.TrimPrefix(msg, "ERR ")
			case msg != "":
				continue // numkv's syntax, not numpy's semantics
			default:
				shape := []int{}
				for _, ax := range axes {
					if ax.keep {
						shape = append(shape, len(ax.idx))
					}
				}
				want = fmt.Sprint("ok ", strings.ReplaceAll(fmt.Sprint(shape), " ", ", "), " ")
				offs := refOffsets(axes, dims, 1)
				for i, o := range offs {
					if i > 0 {
						want += " "
					}
					want += strconv.Itoa(o)
				}
			}
			cases = append(cases, tc{text, dims, want})
			fmt.Fprintf(&in, "%s|%s\n", strings.Trim(fmt.Sprint(dims), "[]"), text)
		}
	}
	cmd := exec.Command(debianPython, "-c", refNumpy)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy (%s, python3-numpy; make test installs it): %v", debianPython, err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("numpy answered %d cases of %d", len(lines), len(cases))
	}
	for i, c := range cases {
		got := lines[i]
		if strings.HasPrefix(got, "err index ") && strings.Contains(got, "out of bounds") {
			got = "err index"
		}
		if got != c.want {
			t.Errorf("%q on %v: numpy %q, reference %q", c.text, c.dims, got, c.want)
		}
	}
	t.Logf("%d cases", len(cases))
}
