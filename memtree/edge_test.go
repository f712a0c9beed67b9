package memtree

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unsafe"

	"numkv/offheap"
)

func mustCheck(t *testing.T, tr *Tree, want []byte) {
	t.Helper()
	if err := tr.check(); err != nil {
		t.Fatal(err)
	}
	got, err := tr.AppendRange(nil, 0, tr.Len())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("contents differ: got %d bytes, want %d", len(got), len(want))
	}
}

func mustRange(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, ErrRange) {
		t.Fatalf("%s: got %v, want ErrRange", op, err)
	}
	if !strings.HasPrefix(err.Error(), "memtree: ") {
		t.Fatalf("%s: error %q lacks the package prefix", op, err)
	}
}

func mustOK(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*13 + i>>9)
	}
	return p
}

func TestEmpty(t *testing.T) {
	tr := New()
	mustCheck(t, tr, nil)
	mustOK(t, "ReadAt", tr.ReadAt(nil, 0))
	mustRange(t, "ReadAt", tr.ReadAt(make([]byte, 1), 0))
	mustRange(t, "ReadAt", tr.ReadAt(nil, 1))
	mustRange(t, "ReadAt", tr.ReadAt(nil, -1))
	if b, err := tr.AppendRange([]byte("x"), 0, 0); err != nil || string(b) != "x" {
		t.Fatalf("AppendRange = %q, %v", b, err)
	}
	if b, err := tr.Gather(nil, 4, 0, 1, 0); err != nil || len(b) != 0 {
		t.Fatalf("Gather of nothing = %q, %v", b, err)
	}
	_, err := tr.Gather(nil, 4, 0, 1, 1)
	mustRange(t, "Gather", err)
	_, err = tr.Gather(nil, 0, 0, 1, 0)
	mustRange(t, "Gather elem 0", err)
	mustOK(t, "Chunks", tr.Chunks(0, 0, func([]byte) bool { t.Fatal("called"); return true }))
	mustRange(t, "Chunks", tr.Chunks(0, 1, func([]byte) bool { return true }))
	mustOK(t, "Remove", tr.Remove(0, 0))
	mustRange(t, "Remove", tr.Remove(0, 1))
	mustOK(t, "Insert", tr.Insert(0, nil))
	mustRange(t, "Insert", tr.Insert(1, []byte("a")))
	mustOK(t, "WriteAt", tr.WriteAt(nil, 5))
	mustRange(t, "WriteAt", tr.WriteAt([]byte("a"), -1))
	mustOK(t, "Scatter", tr.Scatter(nil, 1, 0, 1, 0))
	mustRange(t, "Scatter", tr.Scatter([]byte("a"), 1, 0, 1, 1))
	mustOK(t, "RemoveStrided", tr.RemoveStrided(1, 0, 1, 0))
	mustRange(t, "RemoveStrided", tr.RemoveStrided(1, 0, 1, 1))
	tr.Append(nil)
	mustCheck(t, tr, nil)
	mustCheck(t, tr.Clone(), nil)
	var b Builder
	mustCheck(t, b.Tree(), nil)
	b.Write(nil)
	mustCheck(t, b.Tree(), nil)

	// The zero Tree works like New().
	var z Tree
	z.Append([]byte("abc"))
	c := z.Clone()
	mustOK(t, "WriteAt", z.WriteAt([]byte("X"), 1))
	mustCheck(t, &z, []byte("aXc"))
	mustCheck(t, c, []byte("abc"))
}

func TestZeroLengthAndEnds(t *testing.T) {
	tr := New()
	want := pattern(3*leafMax + 5)
	tr.Append(want)
	n := tr.Len()
	for _, off := range []int{0, 1, leafMax, n - 1, n} {
		mustOK(t, "ReadAt", tr.ReadAt(nil, off))
		mustOK(t, "Insert", tr.Insert(off, nil))
		mustOK(t, "Remove", tr.Remove(off, 0))
		mustOK(t, "WriteAt", tr.WriteAt(nil, off))
		mustOK(t, "Chunks", tr.Chunks(off, 0, func([]byte) bool { t.Fatal("called"); return true }))
	}
	mustCheck(t, tr, want)
	mustRange(t, "ReadAt", tr.ReadAt(make([]byte, 2), n-1))
	mustRange(t, "Remove", tr.Remove(n, 1))
	mustRange(t, "Remove", tr.Remove(-1, 1))
	mustRange(t, "Insert", tr.Insert(n+1, []byte("a")))
	// Offsets 0 and Len.
	mustOK(t, "Insert", tr.Insert(0, []byte("head")))
	mustOK(t, "Insert", tr.Insert(tr.Len(), []byte("tail")))
	want = append(append([]byte("head"), want...), "tail"...)
	mustCheck(t, tr, want)
	mustOK(t, "WriteAt", tr.WriteAt([]byte("end"), tr.Len()))
	want = append(want, "end"...)
	mustOK(t, "WriteAt", tr.WriteAt([]byte("gap"), tr.Len()+10))
	want = append(append(want, make([]byte, 10)...), "gap"...)
	mustCheck(t, tr, want)
	mustOK(t, "Remove", tr.Remove(0, 4))
	mustOK(t, "Remove", tr.Remove(tr.Len()-1, 1))
	mustCheck(t, tr, want[4:len(want)-1])
}

// TestChunkBoundaries works at the production leaf size with lengths and
// offsets exactly on chunk and page boundaries.
func TestChunkBoundaries(t *testing.T) {
	for _, k := range []int{1, 2, 3, nodeMax, nodeMax + 1} {
		want := pattern(k * leafMax)
		var b Builder
		b.Write(want)
		bt := b.Tree()
		mustCheck(t, bt, want)
		at := New()
		at.Append(want)
		mustCheck(t, at, want)
		for _, tr := range []*Tree{bt, at} {
			m := append([]byte(nil), want...)
			for _, off := range []int{leafMax, leafMax - allocUnit, 0} {
				if off > tr.Len() {
					continue
				}
				mustOK(t, "Insert", tr.Insert(off, pattern(leafMax)))
				m = append(m[:off:off], append(pattern(leafMax), m[off:]...)...)
				mustCheck(t, tr, m)
			}
			mustOK(t, "Remove", tr.Remove(leafMax, leafMax))
			m = append(m[:leafMax:leafMax], m[2*leafMax:]...)
			mustCheck(t, tr, m)
			mustOK(t, "Remove", tr.Remove(0, allocUnit))
			m = m[allocUnit:]
			mustCheck(t, tr, m)
		}
	}
}

// TestLargeOps moves many chunks' worth in one call.
func TestLargeOps(t *testing.T) {
	setSizes(t, 1024, 64, 4)
	tr := New()
	m := pattern(50 * leafMax)
	tr.Append(m)
	big := bytes.Repeat([]byte("0123456789"), 3*leafMax+7)
	mustOK(t, "Insert", tr.Insert(777, big))
	m = append(m[:777:777], append(big, m[777:]...)...)
	mustCheck(t, tr, m)
	mustOK(t, "Remove", tr.Remove(333, 17*leafMax+3))
	m = append(m[:333:333], m[333+17*leafMax+3:]...)
	mustCheck(t, tr, m)
	w := pattern(9*leafMax + 1)
	mustOK(t, "WriteAt", tr.WriteAt(w, 5*leafMax-3))
	copy(m[5*leafMax-3:], w)
	mustCheck(t, tr, m)
	mustOK(t, "WriteAt", tr.WriteAt(w, len(m)+4*leafMax))
	m = append(append(m, make([]byte, 4*leafMax)...), w...)
	mustCheck(t, tr, m)
	// Elements of 7 bytes straddle leaves; negative step from the end.
	cnt := len(m) / 7
	got, err := tr.Gather(nil, 7, cnt-1, -3, cnt/3)
	mustOK(t, "Gather", err)
	for j := 0; j < cnt/3; j++ {
		i := (cnt - 1 - 3*j) * 7
		if !bytes.Equal(got[7*j:7*j+7], m[i:i+7]) {
			t.Fatalf("Gather element %d differs", j)
		}
	}
	mustOK(t, "Scatter", tr.Scatter(bytes.Repeat([]byte("abcdefg"), cnt/3), 7, cnt-1, -3, cnt/3))
	for j := 0; j < cnt/3; j++ {
		i := (cnt - 1 - 3*j) * 7
		copy(m[i:], "abcdefg")
	}
	mustCheck(t, tr, m)
	mustOK(t, "Remove all", tr.Remove(0, tr.Len()))
	mustCheck(t, tr, nil)
}

// TestSpill drives the path where an insert into a full leaf overflows
// into its left neighbour's spare room, at every insert position.
func TestSpill(t *testing.T) {
	setSizes(t, 64, 8, 4)
	for x := 0; x < 40; x++ {
		for n := 1; n <= 12; n++ {
			tr := New()
			a, b := pattern(40), pattern(40)
			for i := range b {
				b[i] += 100
			}
			la := newLeaf(append(getChunk(56), a...))
			lb := newLeaf(append(getChunk(40), b...))
			tr.root = newInner([]*node{la, lb})
			tr.height, tr.n = 1, 80
			p := bytes.Repeat([]byte{0xee}, n)
			mustOK(t, "Insert", tr.Insert(40+x, p))
			want := append(append([]byte(nil), a...), b[:x]...)
			want = append(append(want, p...), b[x:]...)
			mustCheck(t, tr, want)
			if tr.root.kids[0] != la || tr.root.kids[1] != lb || cap(lb.data) != 40 {
				t.Fatalf("x %d n %d: expected a spill, got a rewrite", x, n)
			}
			tr.Release()
		}
	}
}

func TestErrorsWrap(t *testing.T) {
	tr := New()
	tr.Append([]byte("abc"))
	err := tr.Remove(2, 5)
	mustRange(t, "Remove", err)
	if !strings.Contains(err.Error(), "offset 2") {
		t.Fatalf("error %q lacks detail", err)
	}
	_, err = tr.Gather(nil, 1, 0, 0, 2)
	mustRange(t, "Gather step 0", err)
	_, err = tr.Gather(nil, 1, 2, 1<<62, 2)
	mustRange(t, "Gather huge step", err)
	_, err = tr.Gather(nil, 1, 0, 1, 1<<62)
	mustRange(t, "Gather huge n", err)
}

// TestBuilderSmall: a small tree does not cost a whole leaf, during the
// build or after it.
func TestBuilderSmall(t *testing.T) {
	var b Builder
	for i := 0; i < 3; i++ {
		b.Write(pattern(30))
	}
	if cap(b.cur) > 256 {
		t.Fatalf("building 90 bytes holds a buffer of %d", cap(b.cur))
	}
	tr := b.Tree()
	mustCheck(t, tr, append(append(pattern(30), pattern(30)...), pattern(30)...))
	if c := cap(tr.root.data); c != offheap.SizeOf(90) {
		t.Fatalf("a 90-byte tree has a chunk buffer of %d bytes, want its size class", c)
	}
	tr.Release()
}

// TestBuilderFill: pieces handed to Fill cover exactly the bytes asked
// for, in order, within the tree's own chunks, mixed with Write, at the
// production leaf size and at a tiny one.
func TestBuilderFill(t *testing.T) {
	for _, tiny := range []bool{false, true} {
		if tiny {
			setSizes(t, 64, 8, 4)
		}
		var b Builder
		var want []byte
		for i, n := range []int{0, 1, 30, leafMax - leafMax/4, 200, 3 * leafMax, 7, leafMax + 1} {
			if i%3 == 2 {
				p := pattern(n)
				b.Write(p)
				want = append(want, p...)
				continue
			}
			at := len(want)
			want = append(want, pattern(n)...)
			b.Fill(n, func(q []byte) {
				if len(q) == 0 || len(q) > leafMax || cap(q) != len(q) {
					t.Fatalf("a piece of %d bytes, capacity %d", len(q), cap(q))
				}
				at += copy(q, want[at:])
			})
			if at != len(want) {
				t.Fatalf("Fill(%d) covered %d bytes", n, at-(len(want)-n))
			}
		}
		tr := b.Tree()
		mustCheck(t, tr, want)
		tr.Release()
	}
}

// TestDeepTree reads and writes a tree deeper than a cursor's path array,
// built by hand with two kids per inner node.
func TestDeepTree(t *testing.T) {
	setSizes(t, 8, 1, 4)
	height := 18
	if testing.Short() {
		height = 17 // still deeper than the 16-entry path array, at half the nodes
	}
	tr := New()
	defer tr.Release()
	m := pattern(4 << height)
	level := make([]*node, 1<<height)
	for i := range level {
		level[i] = newLeaf(concat(m[4*i : 4*i+4]))
	}
	for len(level) > 1 {
		next := make([]*node, len(level)/2)
		for i := range next {
			next[i] = newInner(level[2*i : 2*i+2])
		}
		level = next
	}
	tr.root, tr.height, tr.n = level[0], height, len(m)
	mustCheck(t, tr, m)
	got, err := tr.Gather(nil, 3, len(m)/3-1, -5, len(m)/15)
	mustOK(t, "Gather", err)
	for j := 0; j < len(got)/3; j++ {
		i := (len(m)/3 - 1 - 5*j) * 3
		if !bytes.Equal(got[3*j:3*j+3], m[i:i+3]) {
			t.Fatalf("Gather element %d differs", j)
		}
	}
	mustOK(t, "Scatter", tr.Scatter(bytes.Repeat([]byte("xyz"), len(m)/15), 3, 1, 5, len(m)/15))
	for j := 0; j < len(m)/15; j++ {
		copy(m[(1+5*j)*3:], "xyz")
	}
	mustCheck(t, tr, m)
	var cat []byte
	mustOK(t, "Chunks", tr.Chunks(5, len(m)-10, func(b []byte) bool { cat = append(cat, b...); return true }))
	if !bytes.Equal(cat, m[5:len(m)-5]) {
		t.Fatal("Chunks differ")
	}
}

// TestRemoveStrided covers each way RemoveStrided works: element by
// element, and the rebuild with small runs (staged), runs straddling
// leaves, and large runs, with both signs of step.
func TestRemoveStrided(t *testing.T) {
	cases := []struct{ elem, step, n int }{
		{1, 2, 10},      // few: element by element
		{1, 2, 1 << 20}, // one-byte runs
		{3, 5, 100000},  // runs straddle leaves now and then
		{1, 32769, 200}, // runs of 32 KiB
		{7, 11, 50000},  // odd sizes
		{4, 1, 1000},    // contiguous
	}
	for _, c := range cases {
		for _, neg := range []bool{false, true} {
			m := pattern(8 << 20)
			var b Builder
			b.Write(m)
			tr := b.Tree()
			start, step := 5, c.step
			if neg {
				start, step = 5+(c.n-1)*c.step, -c.step
			}
			mustOK(t, "RemoveStrided", tr.RemoveStrided(c.elem, start, step, c.n))
			cnt := len(m) / c.elem
			del := make([]bool, cnt)
			for j := 0; j < c.n; j++ {
				del[start+j*step] = true
			}
			var want []byte
			for i := 0; i < cnt; i++ {
				if !del[i] {
					want = append(want, m[i*c.elem:(i+1)*c.elem]...)
				}
			}
			want = append(want, m[cnt*c.elem:]...)
			mustCheck(t, tr, want)
		}
	}
}

// TestRowsSpreadOverCacheSets: in a tree built by Builder or Append, the
// starts of 4 KiB rows must not all sit at one page offset, or gathering a
// column would use a sixty-fourth of the cache (see leafFill).
func TestRowsSpreadOverCacheSets(t *testing.T) {
	const size, row, line = 16 << 20, 4 << 10, 64
	var b Builder
	a := new(Tree)
	p := pattern(1 << 20)
	for n := 0; n < size; n += len(p) {
		b.Write(p)
		a.Append(p[:row])
		a.Append(p[row:])
	}
	for name, tr := range map[string]*Tree{"Builder": b.Tree(), "Append": a} {
		mustCheck(t, tr, bytes.Repeat(p, size/len(p)))
		colors := map[uintptr]bool{}
		for off := 0; off < size; off += row {
			tr.Chunks(off, 1, func(c []byte) bool {
				colors[uintptr(unsafe.Pointer(&c[0]))%row/line] = true
				return false
			})
		}
		if len(colors) != row/line {
			t.Errorf("%s: rows start at %d of the %d line offsets in a page", name, len(colors), row/line)
		}
	}
}

// GatherBytes agrees with Gather on a tree of the same bytes, errors
// included.
func TestGatherBytes(t *testing.T) {
	m := pattern(1000)
	tr := New()
	defer tr.Release()
	tr.Append(m)
	for _, c := range []struct{ elem, start, step, n int }{
		{1, 0, 1, 1000}, {4, 249, -1, 250}, {3, 5, 7, 40}, {8, 0, 0, 1}, {2, 0, 0, 2},
		{1, 999, 1, 2}, {0, 0, 1, 1}, {5, 0, 1, 0}, {10, -1, 1, 1}, {1, 0, 1 << 62, 3},
	} {
		want, werr := tr.Gather([]byte("x"), c.elem, c.start, c.step, c.n)
		got, gerr := GatherBytes([]byte("x"), m, c.elem, c.start, c.step, c.n)
		if !bytes.Equal(got, want) || errors.Is(gerr, ErrRange) != errors.Is(werr, ErrRange) {
			t.Fatalf("%+v: GatherBytes %q, %v; Gather %q, %v", c, got, gerr, want, werr)
		}
	}
}
