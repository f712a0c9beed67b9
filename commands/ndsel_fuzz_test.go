package commands

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"numkv/memtree"
)

// refSelection is the slow reference for a selection: numpy's basic
// indexing written out axis by axis, from the text alone. It returns the
// result's shape and the C-order flat indexes of the scalars picked from
// an array of shape dims, or an error kind: "syntax", "ellipsis", "many"
// (too many indices), "step0" or "range".
func refSelection(text string, dims []int) (shape []int, flat []int, errKind string) {
	multi := strings.Contains(text, ",") || strings.Trim(text, " ") == "..."
	var parts []string
	if !multi {
		parts = []string{text}
	} else {
		parts = strings.Split(text, ",")
		if len(parts) > 1 && strings.Trim(parts[len(parts)-1], " ") == "" {
			parts = parts[:len(parts)-1] // a trailing comma ends the list
		}
	}
	type axis struct {
		idx  []int
		keep bool
	}
	type part struct {
		ellipsis, index bool
		v               [3]*int64
	}
	num := func(s string) (*int64, bool) {
		if s == "" {
			return nil, true
		}
		body := strings.TrimLeft(s, "+-")
		if len(s)-len(body) > 1 || body == "" || strings.Trim(body, "0123456789") != "" {
			return nil, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, false
		}
		return &n, true
	}
	var ps []part
	seen := false
	for _, p := range parts {
		if multi {
			p = strings.Trim(p, " ")
		}
		if p == "..." && multi {
			if seen {
				return nil, nil, "ellipsis"
			}
			seen = true
			ps = append(ps, part{ellipsis: true})
			continue
		}
		f := strings.Split(p, ":")
		if len(f) > 3 {
			return nil, nil, "syntax"
		}
		var q part
		q.index = len(f) == 1
		for i, s := range f {
			n, ok := num(s)
			if !ok || (q.index && n == nil) {
				return nil, nil, "syntax"
			}
			q.v[i] = n
		}
		if !q.index && q.v[2] != nil && *q.v[2] == 0 {
			return nil, nil, "step0"
		}
		ps = append(ps, q)
	}
	k := 0
	for _, p := range ps {
		if !p.ellipsis {
			k++
		}
	}
	if k > len(dims) {
		return nil, nil, "many"
	}
	axes := make([]axis, 0, len(dims))
	for _, p := range ps {
		if p.ellipsis {
			for j := 0; j < len(dims)-k; j++ {
				d := dims[len(axes)]
				axes = append(axes, axis{idx: pyRange(0, d, 1), keep: true})
			}
			continue
		}
		d := int64(dims[len(axes)])
		if p.index {
			i := *p.v[0]
			if i < 0 {
				i += d
			}
			if i < 0 || i >= d {
				return nil, nil, "range"
			}
			axes = append(axes, axis{idx: []int{int(i)}})
			continue
		}
		step := int64(1)
		if p.v[2] != nil {
			step = *p.v[2]
		}
		// Python's slice.indices, with the bounds clamped first so that
		// nothing overflows.
		clamp := func(v *int64, def int64) int64 {
			if v == nil {
				return def
			}
			x := max(min(*v, d+1), -d-1)
			if x < 0 {
				x += d
			}
			lo, hi := int64(0), d
			if step < 0 {
				lo, hi = -1, d-1
			}
			return max(lo, min(x, hi))
		}
		var start, stop int64
		if step > 0 {
			start, stop = clamp(p.v[0], 0), clamp(p.v[1], d)
		} else {
			start, stop = clamp(p.v[0], d-1), clamp(p.v[1], -1)
		}
		axes = append(axes, axis{idx: pyRange(int(start), int(stop), max(min(step, d+1), -d-1)), keep: true})
	}
	for len(axes) < len(dims) {
		axes = append(axes, axis{idx: pyRange(0, dims[len(axes)], 1), keep: true})
	}
	for _, a := range axes {
		if a.keep {
			shape = append(shape, len(a.idx))
		}
	}
	var walk func(ax, off int)
	walk = func(ax, off int) {
		if ax == len(dims) {
			flat = append(flat, off)
			return
		}
		stride := 1
		for _, d := range dims[ax+1:] {
			stride *= d
		}
		for _, i := range axes[ax].idx {
			walk(ax+1, off+i*stride)
		}
	}
	walk(0, 0)
	return shape, flat, ""
}

func pyRange(start, stop int, step int64) []int {
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += int(step) {
		out = append(out, i)
	}
	return out
}

// FuzzSelection checks the N-d selection parser and its resolution and
// read plan against refSelection, over arrays of up to three axes whose
// u32 scalars hold their own flat index: parsing, errors, the result's
// shape, and the scalars read, in order, from a flat buffer and from a
// tree of several chunks.
func FuzzSelection(f *testing.F) {
	for _, s := range []string{
		"", ":", "::-1", "0", "-1", "5,", "...", "..., 0", "0, ...", ":, 1", "::2, ::-1", "1:-1, 0, ::-2",
		"..., ...", "0,0,0,0", " 1 , 2 ", "3:1:-1,", "-9223372036854775808::-9223372036854775808, :",
		"9223372036854775807:, -9223372036854775807", "1:2:3:4", "+1, -0", "a", ":,:,:", ", ", ",",
		"::0, 1", "..., ::-1, 1", "1_0", "0x1",
	} {
		f.Add(s, uint8(7), uint8(3), uint8(2))
	}
	f.Fuzz(func(t *testing.T, text string, n, d1, d2 uint8) {
		if len(text) > 200 {
			return
		}
		length := int(n % 12)
		var shape []int64
		if d1%4 != 0 {
			shape = append(shape, int64(d1%4))
			if d2%4 != 0 {
				shape = append(shape, int64(d2%4))
			}
		}
		typ := newElemType(dtypes[5], shape) // u32
		dims := []int{length}
		for _, d := range shape {
			dims = append(dims, int(d))
		}
		wantShape, wantFlat, wantErr := refSelection(text, dims)
		a, msg := parseSelection([]byte(text))
		var sel ndSel
		if msg == "" {
			sel, msg = a.resolve(length, &typ)
		}
		gotErr := ""
		switch {
		case msg == "":
		case msg == msgEllipsis:
			gotErr = "ellipsis"
		case msg == msgStepZero:
			gotErr = "step0"
		case msg == msgIndexRange:
			gotErr = "range"
		case strings.HasPrefix(msg, "ERR too many indices"):
			gotErr = "many"
		default:
			gotErr = "syntax"
		}
		if gotErr != wantErr {
			t.Fatalf("%q over %v: error %q (%s), reference %q", text, dims, gotErr, msg, wantErr)
		}
		if gotErr != "" {
			return
		}
		if !slices.Equal(sel.shape(), wantShape) && !(len(wantShape) == 0 && len(sel.shape()) == 0) {
			t.Fatalf("%q over %v: shape %v, reference %v", text, dims, sel.shape(), wantShape)
		}
		total := 1
		for _, d := range dims {
			total *= d
		}
		src := make([]byte, 4*total)
		for i := 0; i < total; i++ {
			binary.LittleEndian.PutUint32(src[4*i:], uint32(i))
		}
		var tree memtree.Tree
		for off := 0; off < len(src); off += 12 {
			tree.Append(src[off:min(off+12, len(src))])
		}
		defer tree.Release()
		for _, r := range []selSource{{b: src}, {t: &tree}} {
			got := appendSel(nil, r, &sel)
			if len(got) != 4*len(wantFlat) {
				t.Fatalf("%q over %v: %d bytes, reference %d scalars", text, dims, len(got), len(wantFlat))
			}
			for i, w := range wantFlat {
				if g := int(binary.LittleEndian.Uint32(got[4*i:])); g != w {
					t.Fatalf("%q over %v: scalar %d is %d, reference %d (%s)", text, dims, i, g, w, fmt.Sprint(wantFlat))
				}
			}
		}
	})
}
