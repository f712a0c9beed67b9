package memtree

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"numkv/offheap"
)

var seedFlag = flag.Int64("seed", 0, "seed for the randomized model test (0: time-based)")

// setSizes shrinks the tree's sizes for a test and restores them after.
func setSizes(tb testing.TB, leaf, unit, fan int) {
	tb.Helper()
	l, u, f := leafMax, allocUnit, nodeMax
	leafMax, allocUnit, nodeMax = leaf, unit, fan
	tb.Cleanup(func() { leafMax, allocUnit, nodeMax = l, u, f })
}

func testSeed(t *testing.T) int64 {
	s := *seedFlag
	if s == 0 {
		s = time.Now().UnixNano()
	}
	t.Logf("seed %d (rerun with -seed %d)", s, s)
	return s
}

// src yields the numbers that drive the operations: a math/rand source in
// the model test, the fuzz input in FuzzOps.
type src interface {
	intn(n int) int
	done() bool
}

type randSrc struct{ r *rand.Rand }

func (s randSrc) intn(n int) int { return s.r.Intn(n) }
func (s randSrc) done() bool     { return false }

type byteSrc struct{ b []byte }

func (s *byteSrc) intn(n int) int {
	if n <= 1 {
		return 0
	}
	v := 0
	for k := 0; k < 3 && len(s.b) > 0; k++ {
		v = v<<8 | int(s.b[0])
		s.b = s.b[1:]
	}
	return v % n
}
func (s *byteSrc) done() bool { return len(s.b) == 0 }

// pair is a tree and the plain byte slice it must always equal.
type pair struct {
	t *Tree
	m []byte
}

type harness struct {
	tb     testing.TB
	r      src
	pairs  []*pair
	maxLen int // removes dominate above this length
	steps  int
	fill   byte
	log    []string // recent ops, printed on failure
}

func newHarness(tb testing.TB, r src, maxLen int) *harness {
	return &harness{tb: tb, r: r, maxLen: maxLen, pairs: []*pair{{t: New()}}}
}

func (h *harness) logf(format string, args ...any) {
	if len(h.log) >= 12 {
		h.log = h.log[1:]
	}
	h.log = append(h.log, fmt.Sprintf(format, args...))
}

func (h *harness) failf(format string, args ...any) {
	h.tb.Helper()
	h.tb.Fatalf("step %d: %s\nrecent ops:\n  %s", h.steps, fmt.Sprintf(format, args...), joinLines(h.log))
}

func joinLines(l []string) string {
	var b bytes.Buffer
	for i, s := range l {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(s)
	}
	return b.String()
}

func (h *harness) payload(n int) []byte {
	p := make([]byte, n)
	h.fill++
	for i := range p {
		p[i] = h.fill + byte(i*7) + byte(i>>8)
	}
	return p
}

// off picks an offset for a tree of l bytes, favouring the edges: 0, l,
// leaf boundaries, and now and then one out of range.
func (h *harness) off(l int) int {
	switch h.r.intn(8) {
	case 0:
		return 0
	case 1:
		return l
	case 2:
		b := h.r.intn(l/leafMax+2) * leafMax
		return b + h.r.intn(3) - 1
	case 3:
		return l + 1 + h.r.intn(2*leafMax)
	case 4:
		if h.r.intn(4) == 0 {
			return -1 - h.r.intn(3)
		}
	}
	return h.r.intn(l + 1)
}

// size picks a length: small, exact multiples of a leaf, or large.
func (h *harness) size() int {
	switch h.r.intn(8) {
	case 0:
		return 0
	case 1:
		return (1 + h.r.intn(4)) * leafMax
	case 2:
		return h.r.intn(12 * leafMax)
	case 3:
		return 1 + h.r.intn(8)
	}
	return h.r.intn(2 * leafMax)
}

// stride picks elem, start, step and n, mostly valid for a model of l
// bytes, with negative steps as often as positive ones.
func (h *harness) stride(l int) (elem, start, step, n int) {
	elem = 1 + h.r.intn(9)
	if h.r.intn(10) == 0 {
		elem = h.r.intn(3) - 1
	}
	cnt := 0
	if elem > 0 {
		cnt = l / elem
	}
	if cnt == 0 || h.r.intn(12) == 0 {
		return elem, h.r.intn(3) - 1, h.r.intn(5) - 2, h.r.intn(3)
	}
	start = h.r.intn(cnt)
	step = 1 + h.r.intn(max(1, min(cnt, 3*leafMax)))
	if h.r.intn(4) == 0 {
		step = 1 + h.r.intn(3)
	}
	room := (cnt - 1 - start) / step
	if h.r.intn(2) == 0 {
		step = -step
		room = start / -step
	}
	n = h.r.intn(room + 2)
	if h.r.intn(8) == 0 {
		n = room + 1 + h.r.intn(3) // maybe out of range
	}
	return
}

// runs picks Runs for a model of l bytes, as a selection over up to
// three axes makes them, mostly valid, and the total of their lengths
// (now and then off by one).
func (h *harness) runs(l int) (Runs, int) {
	var r Runs
	r.Off = h.r.intn(l + 2)
	r.Len = h.r.intn(max(1, min(l-r.Off+1, 40)))
	if h.r.intn(5) == 0 {
		r.Len = h.r.intn(max(1, l-r.Off+1))
	}
	r.Count = 1
	if h.r.intn(4) > 0 {
		r.Stride = r.Len + h.r.intn(3)*h.r.intn(max(1, min(leafMax, l)))
		r.Count = 1 + h.r.intn(max(1, min(200, 1+(l-r.Off-r.Len)/max(1, r.Stride))))
	}
	span := (r.Count-1)*r.Stride + r.Len
	for range h.r.intn(3) {
		step := span + h.r.intn(3)*h.r.intn(max(1, min(2*leafMax, l)))
		if h.r.intn(12) == 0 {
			step = h.r.intn(span + 1) // maybe overlapping
		}
		n := 1 + h.r.intn(max(1, min(30, 1+(l-r.Off-span)/max(1, step))))
		if h.r.intn(12) == 0 {
			n += h.r.intn(3) // maybe past the end
		}
		r.Outer = append([]Loop{{step, n}}, r.Outer...)
		span += (n - 1) * step
	}
	if h.r.intn(20) == 0 {
		r.Count++ // maybe past the end
	}
	if h.r.intn(30) == 0 {
		r.Len = -1
	}
	total := max(0, r.Len) * r.Count
	for _, o := range r.Outer {
		total *= o.N
	}
	if h.r.intn(15) == 0 {
		total++
	}
	return r, total
}

// expandRuns lists r's runs, [offset, length] each, as plain nested loops,
// and checks them byte by byte: every byte inside the value and after the
// one copied before, and total bytes in all.
func expandRuns(r Runs, l, total int) (flat [][2]int, ok bool) {
	if r.Len < 0 || r.Count < 0 {
		return nil, false
	}
	var walk func(k, off int)
	walk = func(k, off int) {
		if k == len(r.Outer) {
			for j := 0; j < r.Count; j++ {
				flat = append(flat, [2]int{off + j*r.Stride, r.Len})
			}
			return
		}
		for i := 0; i < r.Outer[k].N; i++ {
			walk(k+1, off+i*r.Outer[k].Step)
		}
	}
	walk(0, r.Off)
	next, sum := 0, 0
	for _, f := range flat {
		sum += f[1]
		if f[1] == 0 {
			continue
		}
		if f[0] < next || f[0]+f[1] > l {
			return flat, false
		}
		next = f[0] + f[1]
	}
	return flat, sum == total
}

// Model semantics, written as plainly as possible.

func modelStrided(l, elem, start, step, n int) bool {
	if elem <= 0 || n < 0 {
		return false
	}
	if n == 0 {
		return true
	}
	if n > 1 && step == 0 {
		return false
	}
	cnt := l / elem
	for j := 0; j < n; j++ {
		i := start + j*step
		if i < 0 || i >= cnt {
			return false
		}
	}
	return true
}

func (h *harness) checkErr(op string, err error, wantOK bool) {
	h.tb.Helper()
	if wantOK && err != nil {
		h.failf("%s: unexpected error %v", op, err)
	}
	if !wantOK && !errors.Is(err, ErrRange) {
		h.failf("%s: got error %v, want ErrRange", op, err)
	}
}

// step applies one random operation to a random pair.
func (h *harness) step() {
	h.tb.Helper()
	h.steps++
	pi := h.r.intn(len(h.pairs))
	pr := h.pairs[pi]
	t, m := pr.t, pr.m
	l := len(m)
	op := h.r.intn(16)
	if l > h.maxLen && h.r.intn(2) == 0 {
		op = 7
	}
	switch op {
	case 0: // ReadAt
		off, n := h.off(l), h.size()
		h.logf("[%d] ReadAt(%d bytes, %d) len %d", pi, n, off, l)
		p := make([]byte, n)
		err := t.ReadAt(p, off)
		ok := off >= 0 && off+n <= l
		h.checkErr("ReadAt", err, ok)
		if ok && !bytes.Equal(p, m[off:off+n]) {
			h.failf("ReadAt(%d, %d): wrong bytes", n, off)
		}
	case 1: // AppendRange
		off, n := h.off(l), h.size()
		if h.r.intn(6) == 0 {
			n = -1
		}
		h.logf("[%d] AppendRange(%d, %d) len %d", pi, off, n, l)
		dst := []byte("xyz")
		got, err := t.AppendRange(dst, off, n)
		ok := off >= 0 && n >= 0 && off+n <= l
		h.checkErr("AppendRange", err, ok)
		want := dst
		if ok {
			want = append([]byte("xyz"), m[off:off+n]...)
		}
		if !bytes.Equal(got, want) {
			h.failf("AppendRange(%d, %d): wrong bytes", off, n)
		}
	case 2: // Gather
		elem, start, step, n := h.stride(l)
		h.logf("[%d] Gather(%d, %d, %d, %d) len %d", pi, elem, start, step, n, l)
		got, err := t.Gather([]byte("ab"), elem, start, step, n)
		ok := modelStrided(l, elem, start, step, n)
		h.checkErr("Gather", err, ok)
		want := []byte("ab")
		if ok {
			for j := 0; j < n; j++ {
				i := (start + j*step) * elem
				want = append(want, m[i:i+elem]...)
			}
		}
		if !bytes.Equal(got, want) {
			h.failf("Gather(%d, %d, %d, %d): wrong bytes", elem, start, step, n)
		}
	case 3: // WriteAt
		off, n := h.off(l), h.size()
		h.logf("[%d] WriteAt(%d bytes, %d) len %d", pi, n, off, l)
		p := h.payload(n)
		err := t.WriteAt(p, off)
		ok := off >= 0
		h.checkErr("WriteAt", err, ok)
		if ok && n > 0 {
			if off+n > l {
				m = append(m, make([]byte, off+n-l)...)
			}
			copy(m[off:], p)
		}
	case 4: // Scatter
		elem, start, step, n := h.stride(l)
		pn := max(0, n*max(elem, 0))
		if h.r.intn(10) == 0 {
			pn++
		}
		h.logf("[%d] Scatter(%d bytes, %d, %d, %d, %d) len %d", pi, pn, elem, start, step, n, l)
		p := h.payload(pn)
		err := t.Scatter(p, elem, start, step, n)
		ok := modelStrided(l, elem, start, step, n) && pn == n*elem
		h.checkErr("Scatter", err, ok)
		if ok {
			for j := 0; j < n; j++ {
				i := (start + j*step) * elem
				copy(m[i:i+elem], p[j*elem:])
			}
		}
	case 5: // Insert
		off, n := h.off(l), h.size()
		h.logf("[%d] Insert(%d, %d bytes) len %d", pi, off, n, l)
		p := h.payload(n)
		err := t.Insert(off, p)
		ok := off >= 0 && off <= l
		h.checkErr("Insert", err, ok)
		if ok {
			m = append(m[:off:off], append(p, m[off:]...)...)
		}
	case 6: // Append
		n := h.size()
		h.logf("[%d] Append(%d bytes) len %d", pi, n, l)
		p := h.payload(n)
		t.Append(p)
		m = append(m, p...)
	case 7: // Remove
		off, n := h.off(l), h.size()
		if l > h.maxLen {
			off, n = h.r.intn(l/2), l/4+h.r.intn(l/4)
		}
		h.logf("[%d] Remove(%d, %d) len %d", pi, off, n, l)
		err := t.Remove(off, n)
		ok := off >= 0 && n >= 0 && off+n <= l
		h.checkErr("Remove", err, ok)
		if ok {
			m = append(m[:off:off], m[off+n:]...)
		}
	case 8: // RemoveStrided
		elem, start, step, n := h.stride(l)
		h.logf("[%d] RemoveStrided(%d, %d, %d, %d) len %d", pi, elem, start, step, n, l)
		err := t.RemoveStrided(elem, start, step, n)
		ok := modelStrided(l, elem, start, step, n)
		h.checkErr("RemoveStrided", err, ok)
		if ok && n > 0 {
			cnt := l / elem
			del := make([]bool, cnt)
			for j := 0; j < n; j++ {
				del[start+j*step] = true
			}
			var nm []byte
			for i := 0; i < cnt; i++ {
				if !del[i] {
					nm = append(nm, m[i*elem:(i+1)*elem]...)
				}
			}
			m = append(nm, m[cnt*elem:]...)
		}
	case 9: // Chunks, stopping early now and then
		off, n := h.off(l), h.size()
		stop := h.r.intn(4)
		h.logf("[%d] Chunks(%d, %d) stop %d len %d", pi, off, n, stop, l)
		var got []byte
		calls := 0
		err := t.Chunks(off, n, func(b []byte) bool {
			if len(b) == 0 {
				h.failf("Chunks: empty chunk")
			}
			calls++
			got = append(got, b...)
			return calls != stop
		})
		ok := off >= 0 && n >= 0 && off+n <= l
		h.checkErr("Chunks", err, ok)
		if ok {
			want := m[off : off+n]
			if stop > 0 && calls == stop {
				if !bytes.HasPrefix(want, got) {
					h.failf("Chunks(%d, %d): wrong prefix", off, n)
				}
			} else if !bytes.Equal(got, want) {
				h.failf("Chunks(%d, %d): wrong bytes", off, n)
			}
		}
	case 10: // Builder: rebuild this pair from random-sized writes
		h.logf("[%d] Builder len %d", pi, l)
		var b Builder
		for rest := m; len(rest) > 0; {
			k := min(len(rest), h.r.intn(3*leafMax)+1)
			if n, err := b.Write(rest[:k]); n != k || err != nil {
				h.failf("Builder.Write = %d, %v", n, err)
			}
			rest = rest[k:]
		}
		old := t
		t = b.Tree()
		old.Release()
	case 11, 12: // Clone or CloneTo, then both sides go on with their own models
		var c *pair
		if op == 11 {
			h.logf("[%d] Clone len %d", pi, l)
			c = &pair{t: t.Clone(), m: append([]byte(nil), m...)}
		} else {
			h.logf("[%d] CloneTo len %d", pi, l)
			c = &pair{t: new(Tree), m: append([]byte(nil), m...)}
			t.CloneTo(c.t)
		}
		if len(h.pairs) < 4 {
			h.pairs = append(h.pairs, c)
		} else {
			h.drop(h.r.intn(len(h.pairs)))
			h.pairs = append(h.pairs, c)
		}
	case 14: // ReadRuns, and ReadRunsBytes over the model
		runs, total := h.runs(l)
		flat, ok := expandRuns(runs, l, total)
		h.logf("[%d] ReadRuns(%+v) len %d", pi, runs, l)
		p := make([]byte, total)
		err := t.ReadRuns(p, &runs)
		h.checkErr("ReadRuns", err, ok)
		q := make([]byte, total)
		h.checkErr("ReadRunsBytes", ReadRunsBytes(q, m, &runs), ok)
		if ok {
			var want []byte
			for _, f := range flat {
				if f[1] > 0 {
					want = append(want, m[f[0]:f[0]+f[1]]...)
				}
			}
			if !bytes.Equal(p, want) || !bytes.Equal(q, want) {
				h.failf("ReadRuns(%+v): wrong bytes", runs)
			}
		}
	case 15: // WriteRuns
		runs, total := h.runs(l)
		flat, ok := expandRuns(runs, l, total)
		h.logf("[%d] WriteRuns(%+v) len %d", pi, runs, l)
		p := h.payload(total)
		err := t.WriteRuns(p, &runs)
		h.checkErr("WriteRuns", err, ok)
		if ok {
			w := 0
			for _, f := range flat {
				if f[1] > 0 {
					w += copy(m[f[0]:f[0]+f[1]], p[w:])
				}
			}
		}
	case 13: // drop a clone, or zero-length operations
		if len(h.pairs) > 1 {
			h.logf("[%d] drop", pi)
			h.drop(pi)
			return
		}
		off := h.r.intn(l + 1)
		h.logf("[%d] zero-length ops at %d len %d", pi, off, l)
		h.checkErr("ReadAt", t.ReadAt(nil, off), true)
		h.checkErr("Insert", t.Insert(off, nil), true)
		h.checkErr("Remove", t.Remove(off, 0), true)
		h.checkErr("WriteAt", t.WriteAt(nil, off+l+5), true)
		t.Append(nil)
	}
	pr.t, pr.m = t, m
}

// drop forgets pair i and releases its tree. From then on the trees it
// shared nodes with own them alone and write them in place, so a wrong
// reference count shows as another pair's contents changing, as check
// failing, or, in the invariants build, as a use after free.
func (h *harness) drop(i int) {
	p := h.pairs[i]
	h.pairs = append(h.pairs[:i], h.pairs[i+1:]...)
	p.t.Release()
}

// releaseAll drops every pair and checks that the memory they held went
// back to the allocator: every chunk and node, counted exactly.
func (h *harness) releaseAll(before int64) {
	h.tb.Helper()
	for len(h.pairs) > 0 {
		h.drop(len(h.pairs) - 1)
	}
	if got := offheap.LiveBytes(); got != before {
		h.failf("%d bytes still held after releasing every tree, %d before", got, before)
	}
}

// verify checks every pair's invariants and contents.
func (h *harness) verify() {
	h.tb.Helper()
	for i, p := range h.pairs {
		if err := p.t.check(); err != nil {
			h.failf("pair %d: %v", i, err)
		}
		if p.t.Len() != len(p.m) {
			h.failf("pair %d: Len %d, model %d", i, p.t.Len(), len(p.m))
		}
		got, err := p.t.AppendRange(nil, 0, p.t.Len())
		if err != nil || !bytes.Equal(got, p.m) {
			h.failf("pair %d: contents differ from the model (err %v)", i, err)
		}
	}
}

func runModel(t *testing.T, seed int64, steps, maxLen int) {
	before := offheap.LiveBytes()
	h := newHarness(t, randSrc{rand.New(rand.NewSource(seed))}, maxLen)
	maxH, maxL := 0, 0
	for i := 0; i < steps; i++ {
		h.step()
		h.verify()
		for _, p := range h.pairs {
			maxH, maxL = max(maxH, p.t.height), max(maxL, p.t.Len())
		}
	}
	t.Logf("%d steps, up to height %d and %d bytes", steps, maxH, maxL)
	h.releaseAll(before)
}

func TestModel(t *testing.T) {
	seed := testSeed(t)
	steps := 20000
	if testing.Short() {
		steps = 3000
	}
	if raceEnabled {
		steps /= 5
	}
	configs := []struct {
		name              string
		leaf, unit, fan   int
		stepDiv, maxLenKB int
	}{
		{"leaf64_fan4", 64, 8, 4, 1, 8},
		{"leaf256_unit1_fan6", 256, 1, 6, 2, 32},
		{"leaf4K_fan8", 4096, 512, 8, 4, 256},
		{"production", leafMax, allocUnit, nodeMax, 50, 3 << 10},
	}
	for i, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			setSizes(t, c.leaf, c.unit, c.fan)
			runModel(t, seed+int64(i), steps/c.stepDiv, c.maxLenKB<<10)
		})
	}
}
