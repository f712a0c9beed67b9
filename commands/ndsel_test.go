package commands

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"numkv/memtree"
)

func TestParseSelection(t *testing.T) {
	for _, tc := range []struct {
		arg, want string // the parts spelled back, and multi; or the error
	}{
		{"5", "5 false"},
		{" 5", "ERR invalid slice ' 5'"}, // a single part is parsed as before
		{"::-1", "::-1 false"},
		{"5,", "5 true"},
		{"5, ", "5 true"},
		{"5 ,", "5 true"},
		{"0:32, 10:20, ::2", "0:32:1, 10:20:1, ::2 true"},
		{"..., 0", "..., 0 true"},
		{"...", "... true"},
		{" ... ", "... true"},
		{"5, -1", "5, -1 true"},
		{"1,2,3,4", "1, 2, 3, 4 true"},
		{"..., ...", msgEllipsis},
		{"...,1,...", msgEllipsis},
		{"1,x,...,...", "ERR invalid slice 'x'"},
		{",", "ERR invalid slice ''"},
		{",5", "ERR invalid slice ''"},
		{"5,,", "ERR invalid slice ''"},
		{"5,,6", "ERR invalid slice ''"},
		{"1, ::0", msgStepZero},
		{"1, 1 :2", "ERR invalid slice '1 :2'"},
		{"....", "ERR invalid slice '....'"},
		{"1...", "ERR invalid slice '1...'"},
	} {
		a, msg := parseSelection([]byte(tc.arg))
		got := msg
		if msg == "" {
			got = fmt.Sprintf("%s %v", a, a.multi)
		}
		if got != tc.want {
			t.Errorf("parseSelection(%q) = %q, want %q", tc.arg, got, tc.want)
		}
	}
}

func TestResolveSelection(t *testing.T) {
	typ := newElemType(mustDtype(t, "i16"), []int64{2, 3})
	for _, tc := range []struct {
		arg, want string // the result's shape and size in bytes, or the error
	}{
		{"1:3", "[2 2 3] 24"},
		{"..., 0", "[4 2] 16"},
		{"0, ...", "[2 3] 12"},
		{"-1, -1, -1", "[] 2"},
		{"3,", "[2 3] 12"},
		{"4,", msgIndexRange},
		{"4", msgIndexRange},
		{"0, 2", msgIndexRange},
		{"0, 0, -4", msgIndexRange},
		{"0, 0, 0, 0", "ERR too many indices for array: array is 3-dimensional, but 4 were indexed"},
		{"..., 0, 0, 0, 0", "ERR too many indices for array: array is 3-dimensional, but 4 were indexed"},
		{"0, 0, 0, ...", "[] 2"},
		{"5:, ::-1", "[0 2 3] 0"},
	} {
		a, msg := parseSelection([]byte(tc.arg))
		if msg != "" {
			t.Fatalf("%q: %s", tc.arg, msg)
		}
		s, msg := a.resolve(4, &typ)
		got := msg
		if msg == "" {
			got = fmt.Sprintf("%v %d", s.shape(), s.size())
		}
		if got != tc.want {
			t.Errorf("resolve(%q) = %q, want %q", tc.arg, got, tc.want)
		}
	}
}

// randSelection returns a random selection text for dims, mostly valid:
// slices with any bounds and steps, indexes (sometimes out of range), an
// ellipsis, and now and then too many parts.
func randSelection(r *rand.Rand, dims []int) string {
	k := r.IntN(len(dims) + 1)
	if r.IntN(20) == 0 {
		k = len(dims) + 1
	}
	ell := -1
	if r.IntN(3) == 0 {
		ell = r.IntN(k + 1)
	}
	var parts []string
	ax := 0
	for i := 0; i <= k; i++ {
		if i == ell {
			parts = append(parts, "...")
			ax = len(dims) - (k - i)
		}
		if i == k {
			break
		}
		d := 3
		if ax >= 0 && ax < len(dims) {
			d = dims[ax]
		}
		ax++
		bound := func() string {
			if r.IntN(4) == 0 {
				return ""
			}
			return fmt.Sprint(r.IntN(2*d+5) - d - 2)
		}
		switch r.IntN(4) {
		case 0:
			i := r.IntN(2*d+1) - d
			if r.IntN(15) == 0 {
				i = d + r.IntN(2)
			}
			parts = append(parts, fmt.Sprint(i))
		default:
			s := bound() + ":" + bound()
			if r.IntN(2) == 0 {
				s += ":" + fmt.Sprint([]int{1, 2, 3, -1, -1, -2, -3}[r.IntN(7)])
			}
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "..."
	}
	sep := []string{",", ", ", " , "}[r.IntN(3)]
	s := strings.Join(parts, sep)
	if len(parts) == 1 && !strings.Contains(s, "...") {
		s += ","
	}
	return s
}

// naiveSel is the model: each axis's list of indexes, numpy's way, and
// whether the axis stays; "" or the error.
func naiveSel(a selArg, dims []int) ([][]int, string) {
	k := a.k
	if k > len(dims) {
		return nil, fmt.Sprintf(msgTooManyIndices, len(dims), k)
	}
	idx := make([][]int, len(dims))
	for i, d := range dims {
		for j := 0; j < d; j++ {
			idx[i] = append(idx[i], j)
		}
	}
	ax := 0
	for _, p := range a.parts() {
		if p.ellipsis {
			ax += len(dims) - k
			continue
		}
		d := dims[ax]
		if p.sl.index {
			i := int(p.sl.start)
			if i < 0 {
				i += d
			}
			if i < 0 || i >= d {
				return nil, msgIndexRange
			}
			idx[ax] = []int{i}
		} else {
			// Python's range(d)[slice], written out plainly.
			step := int(p.sl.step)
			var all []int
			for j := 0; j < d; j++ {
				all = append(all, j)
			}
			norm := func(v int64, dflt int) int {
				if v < 0 {
					v += int64(d)
				}
				return int(v)
			}
			var list []int
			if step > 0 {
				lo, hi := 0, d
				if p.sl.hasStart {
					lo = max(0, min(d, norm(p.sl.start, 0)))
				}
				if p.sl.hasStop {
					hi = max(0, min(d, norm(p.sl.stop, d)))
				}
				for j := lo; j < hi; j += step {
					list = append(list, all[j])
				}
			} else {
				hi, lo := d-1, -1
				if p.sl.hasStart {
					hi = max(-1, min(d-1, norm(p.sl.start, 0)))
				}
				if p.sl.hasStop {
					lo = max(-1, min(d-1, norm(p.sl.stop, 0)))
				}
				for j := hi; j > lo; j += step {
					list = append(list, all[j])
				}
			}
			idx[ax] = list
		}
		ax++
	}
	return idx, ""
}

// naiveOffsets lists the byte offsets of the selected scalars in C order.
func naiveOffsets(idx [][]int, dims []int, item int) []int {
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
			for _, i := range idx[k] {
				next = append(next, o+i*strides[k])
			}
		}
		offs = next
	}
	return offs
}

// TestSelectionModel checks random selections on random shapes against
// the plain model above: the bytes read from a tree of several leaves and
// from an inline value, the errors, and a write through WriteRuns.
func TestSelectionModel(t *testing.T) {
	r := testRand(t)
	rounds := 3000
	if testing.Short() {
		rounds = 500
	}
	dts := []string{"u8", "i16", "f32", "c128"}
	for round := 0; round < rounds; round++ {
		dt := mustDtype(t, dts[r.IntN(len(dts))])
		shape := make([]int64, r.IntN(4))
		for i := range shape {
			shape[i] = int64(1 + r.IntN(6))
		}
		typ := newElemType(dt, shape)
		length := r.IntN(40)
		if r.IntN(10) == 0 {
			length = 2000 + r.IntN(8000) // several leaves, with 128 KiB leaves
		}
		dims := append([]int{length}, make([]int, len(shape))...)
		for i, d := range shape {
			dims[i+1] = int(d)
		}
		data := make([]byte, length*typ.size)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		var tree memtree.Tree
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 1+r.IntN(200000))
			tree.Append(rest[:k])
			rest = rest[k:]
		}
		text := randSelection(r, dims)
		a, msg := parseSelection([]byte(text))
		if msg != "" {
			t.Fatalf("%q: %s", text, msg)
		}
		idx, wantMsg := naiveSel(a, dims)
		s, msg := a.resolve(length, &typ)
		if msg != wantMsg {
			t.Fatalf("%v %s %q: error %q, want %q", dims, dt.name, text, msg, wantMsg)
		}
		if msg != "" {
			tree.Release()
			continue
		}
		offs := naiveOffsets(idx, dims, dt.size)
		var want []byte
		for _, o := range offs {
			want = append(want, data[o:o+dt.size]...)
		}
		got := appendSel([]byte("x"), selSource{t: &tree}, &s)
		if !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("%v %s %q: tree read wrong bytes\n got %x\nwant %x", dims, dt.name, text, got[1:], want)
		}
		got = appendSel(nil, selSource{b: data}, &s)
		if !bytes.Equal(got, want) {
			t.Fatalf("%v %s %q: inline read wrong bytes", dims, dt.name, text)
		}
		s.eachBatch(1+r.IntN(64), func(b *ndSel) {
			got = appendSel(got[:0], selSource{t: &tree}, b)
			if !bytes.HasPrefix(want, got) {
				t.Fatalf("%v %s %q: batch of %d bytes not the next part", dims, dt.name, text, len(got))
			}
			want = want[len(got):]
		})
		if len(want) != 0 {
			t.Fatalf("%v %s %q: batches short by %d bytes", dims, dt.name, text, len(want))
		}

		// A write: the model writes scalar j of p at offs[j].
		p := make([]byte, s.size())
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		model := bytes.Clone(data)
		for j, o := range offs {
			copy(model[o:o+dt.size], p[j*dt.size:])
		}
		q := bytes.Clone(p)
		s.unflip(q)
		plan := s.plan()
		runs := plan.runs()
		if err := tree.WriteRuns(q, &runs); err != nil {
			t.Fatalf("%v %s %q: %v", dims, dt.name, text, err)
		}
		all, _ := tree.AppendRange(nil, 0, tree.Len())
		if !bytes.Equal(all, model) {
			t.Fatalf("%v %s %q: write wrong", dims, dt.name, text)
		}
		tree.Release()
	}
}

// TestBigReadUnlocked pauses a large NUM.READ after it has released its
// slot's lock and checks that a write to the same key completes meanwhile,
// and that the read still replies the contents as they were when it ran.
func TestBigReadUnlocked(t *testing.T) {
	_, addr := mustNumkv(t, noPersistence)
	reader, writer := mustDial(t, addr), mustDial(t, addr)
	const n = 3 << 20
	old := bytes.Repeat([]byte{7}, n)
	runExchanges(t, writer, []exchange{
		{"NUM.CREATE big u8 SHAPE 4", okReply},
	})
	if got := writer.do("NUM.APPEND", "big", string(old)); got != intReply(n/4) {
		t.Fatalf("append: %q", got)
	}
	entered, resume := make(chan struct{}), make(chan struct{})
	hook := func() {
		close(entered)
		<-resume
	}
	testHookUnlocked.Store(&hook)
	t.Cleanup(func() { testHookUnlocked.Store(nil) })

	done := make(chan string, 1)
	go func() {
		r, err := reader.pipeline([][]string{{"NUM.READ", "big", ":, 1:"}})
		if err != nil {
			done <- err.Error()
			return
		}
		done <- r[0]
	}()
	<-entered
	// The read is paused after its locks: a write to its key goes through.
	// (Were it still holding them, the write would hang; the deadline
	// turns that into a failure instead of the test binary's timeout.)
	writer.nc.SetDeadline(time.Now().Add(time.Minute))
	if got := writer.do("NUM.WRITE", "big", "0:2, 1:", "VALUES", "1", "2", "3", "4", "5", "6"); got != intReply(n/4) {
		t.Fatalf("write during the read: %q", got)
	}
	if got := writer.do("NUM.READ", "big", "0, 1:", "VALUES"); got != bulks("1", "2", "3") {
		t.Fatalf("read during the read: %q", got)
	}
	testHookUnlocked.Store(nil)
	close(resume)
	got := <-done
	want := fmt.Sprintf("$%d\r\n%s\r\n", n/4*3, bytes.Repeat([]byte{7}, n/4*3))
	if got != want {
		t.Fatalf("the paused read replied %d bytes starting %q, want the old contents", len(got), got[:min(len(got), 20)])
	}
}

// BenchmarkNumReadLockHeld reads 1 GiB with NUM.READ and reports the
// longest time the command held its slot's lock (lock-ns): the copy runs
// after the lock, from a clone, so this stays far below the read itself.
func BenchmarkNumReadLockHeld(b *testing.B) {
	const size = 1 << 30
	s, c := mustNumVar(b, "v", *u8Type, size)
	args := argv("NUM.READ", "v")
	cmd := lookupCommand(args[0])
	stop := measureLockHeld()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		c.w.Reset()
		s.run(c, cmd, args)
		if c.w.Len() < size {
			b.Fatalf("reply of %d bytes", c.w.Len())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(stop().Nanoseconds()), "lock-ns")
}

// BenchmarkNumReadCrop crops ":, 10:18, 10:18" out of 65536 images of
// 28x28 u8, against reading them whole.
func BenchmarkNumReadCrop(b *testing.B) {
	const n = 65536
	s, c := mustNumVar(b, "v", newElemType(dtU8, []int64{28, 28}), n)
	cmd := lookupCommand([]byte("NUM.READ"))
	for _, bc := range []struct {
		name, sel string
		bytes     int
	}{
		{"all", ":", n * 28 * 28},
		{"crop", ":, 10:18, 10:18", n * 8 * 8},
		{"crop_step2", ":, 10:18, ::2", n * 8 * 14},
		{"rows_reversed", "::-1, 10:18", n * 8 * 28},
	} {
		b.Run(bc.name, func(b *testing.B) {
			args := argv("NUM.READ", "v", bc.sel)
			b.SetBytes(int64(bc.bytes))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.w.Reset()
				s.run(c, cmd, args)
				if c.w.Len() < bc.bytes {
					b.Fatalf("reply of %d bytes", c.w.Len())
				}
			}
		})
	}
}
