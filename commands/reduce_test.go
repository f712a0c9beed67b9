package commands

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// randScalars returns n random scalars of dt: small integers and floats
// with some NaN, infinities and huge values, or any bits for integers so
// that sums wrap.
func randScalars(rng *rand.Rand, dt dtype, n int) []byte {
	p := make([]byte, 0, n*dt.size)
	for i := 0; i < n; i++ {
		switch dt.kind {
		case kindFloat, kindComplex:
			comps, width := 1, dt.size
			if dt.kind == kindComplex {
				comps, width = 2, dt.size/2
			}
			for k := 0; k < comps; k++ {
				x := rng.NormFloat64() * 100
				switch rng.IntN(50) {
				case 0:
					x = math.NaN()
				case 1:
					x = math.Inf(1 - 2*rng.IntN(2))
				}
				var b []byte
				switch {
				case dt.name == "f16" || dt.name == "bf16":
					var tmp []byte
					tmp, _ = appendScalar(nil, dt, []byte(fmt.Sprint(x)))
					b = tmp
				case width == 4:
					b = binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(x)))
				default:
					b = binary.LittleEndian.AppendUint64(nil, math.Float64bits(x))
				}
				p = append(p, b...)
			}
		case kindBool:
			p = append(p, byte(rng.IntN(2)))
		default:
			for k := 0; k < dt.size; k++ {
				p = append(p, byte(rng.Uint32()))
			}
		}
	}
	return p
}

// refReduce is the model: nested loops over the result, sequential sums.
func refReduce(op reduceOp, dt dtype, p []byte, outer, length, inner int) (re, im []float64, ints []int64, best [][]byte) {
	size := dt.size
	for o := 0; o < outer; o++ {
		for j := 0; j < inner; j++ {
			var s, si float64
			var is int64
			var b []byte
			for r := 0; r < length; r++ {
				q := p[((o*length+r)*inner+j)*size:][:size]
				switch {
				case op == opMean || op == opSum && (dt.kind == kindFloat || dt.kind == kindComplex):
					x, y := widen(nil, nil, dt, q)
					s += x[0]
					if dt.kind == kindComplex {
						si += y[0]
					}
				case op == opSum:
					is += intBits(dt, q)
				default:
					if b == nil || refBetter(op, dt, q, b) {
						b = q
					}
				}
			}
			if op == opMean && dt.kind == kindComplex && length > 0 {
				// numpy's complex division by n+0j (reduce.go)
				s, si = s+si*0, si-s*0
			}
			if op == opMean {
				s /= float64(length)
				si /= float64(length)
			}
			re, im, ints, best = append(re, s), append(im, si), append(ints, is), append(best, b)
		}
	}
	return
}

// refBetter is the model's comparison of scalars q and the best so far b.
func refBetter(op reduceOp, dt dtype, q, b []byte) bool {
	var less, greater bool
	switch dt.kind {
	case kindFloat:
		x, _ := readFloat(dt, q)
		y, _ := readFloat(dt, b)
		if math.IsNaN(y) || math.IsNaN(x) {
			return !math.IsNaN(y)
		}
		less, greater = x < y, x > y
	case kindInt:
		less, greater = readInt(q) < readInt(b), readInt(q) > readInt(b)
	case kindBool:
		less, greater = q[0] == 0 && b[0] != 0, q[0] != 0 && b[0] == 0
	default:
		less, greater = readUint(q) < readUint(b), readUint(q) > readUint(b)
	}
	if op == opMin {
		return less
	}
	return greater
}

// TestReduceModel checks the kernel against refReduce over random dtypes,
// shapes, ops and axes, and that feeding it cut anywhere gives the same
// bits as reading it in batches.
func TestReduceModel(t *testing.T) {
	rng := testRand(t)
	all := append([]dtype{}, dtypes...)
	for iter := 0; iter < 2000; iter++ {
		dt := all[rng.IntN(len(all))]
		op := reduceOp(rng.IntN(4))
		if dt.kind == kindComplex && op >= opMin {
			continue
		}
		nd := rng.IntN(4)
		shape := make([]int, nd)
		for i := range shape {
			shape[i] = rng.IntN(6)
			if rng.IntN(8) == 0 {
				shape[i] = 300 + rng.IntN(20000)/max(1, nd*nd)
			}
		}
		if n := prod(shape); n > 40000 {
			shape[rng.IntN(nd)] = 1 + rng.IntN(3)
			if prod(shape) > 40000 {
				continue
			}
		}
		axis, hasAxis := 0, rng.IntN(3) > 0 && nd > 0
		if hasAxis {
			axis = rng.IntN(2*nd) - nd
		}
		r, outShape, msg := planReduce(op, dt, shape, axis, hasAxis)
		n := prod(shape)
		if msg != "" {
			if op >= opMin && msg == fmt.Sprintf(msgZeroSizeReduce, map[reduceOp]string{opMin: "minimum", opMax: "maximum"}[op]) {
				continue
			}
			t.Fatalf("%v %s %v axis %d: %s", op, dt.name, shape, axis, msg)
		}
		p := randScalars(rng, dt, n)
		name := fmt.Sprintf("%s %s %v axis %v/%d", reduceOpNames[op], dt.name, shape, hasAxis, axis)
		out, outDt := r.run(func(dst []byte, from, k int) ([]byte, error) {
			return append(dst, p[from*dt.size:(from+k)*dt.size]...), nil
		})
		r2, _, _ := planReduce(op, dt, shape, axis, hasAxis)
		out2, _ := r2.runChunks(func(fn func([]byte) bool) error {
			for q := p; len(q) > 0; {
				k := min(len(q), 1+rng.IntN(3*dt.size+50))
				fn(q[:k])
				q = q[k:]
			}
			return nil
		})
		if !bytes.Equal(out, out2) {
			t.Fatalf("%s: batches and cuts differ", name)
		}
		m := 1
		for _, d := range outShape {
			m *= d
		}
		re, im, ints, best := refReduce(op, dt, p, r.outer, r.length, r.inner)
		if len(re) != m {
			t.Fatalf("%s: model has %d outputs, shape %v", name, len(re), outShape)
		}
		if len(out) != m*outDt.size {
			t.Fatalf("%s: %d bytes of %s for %d outputs", name, len(out), outDt.name, m)
		}
		for i := 0; i < m; i++ {
			q := out[i*outDt.size:][:outDt.size]
			switch {
			case op == opMean || op == opSum && (dt.kind == kindFloat || dt.kind == kindComplex):
				got, gotIm := widen(nil, nil, outDt, q)
				if !closeTo(got[0], re[i]) || (dt.kind == kindComplex && !closeTo(gotIm[0], im[i])) {
					t.Fatalf("%s: output %d is %v%v, want %v%v", name, i, got, gotIm, re[i], im[i])
				}
			case op == opSum:
				if int64(binary.LittleEndian.Uint64(q)) != ints[i] {
					t.Fatalf("%s: output %d", name, i)
				}
			default:
				want := best[i]
				if dt.kind == kindFloat {
					x, _ := readFloat(dt, q)
					y, _ := readFloat(dt, want)
					if !(x == y || x != x && y != y) {
						t.Fatalf("%s: output %d is %v, want %v", name, i, x, y)
					}
				} else if !bytes.Equal(q, want) {
					t.Fatalf("%s: output %d is %x, want %x", name, i, q, want)
				}
			}
		}
	}
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// closeTo compares sums of the test's values (|x| <= 1e4 or so, at most
// ~1e5 of them) loosely: the model sums sequentially.
func closeTo(a, b float64) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b))
}

// TestPairwiseAccuracy: over a million values of mixed signs and
// magnitudes, the streamed pairwise sum stays within 1e-11 × Σ|x| of an
// exact sum (the compensated one below is exact enough for this).
func TestPairwiseAccuracy(t *testing.T) {
	rng := testRand(t)
	xs := make([]float64, 1<<20)
	for i := range xs {
		xs[i] = float64(float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(6)))))
	}
	var s pairStream
	for q := xs; len(q) > 0; {
		k := min(len(q), 1+rng.IntN(20000))
		s.add(q[:k])
		q = q[k:]
	}
	got := s.sum()
	var sum, comp, abs float64
	for _, x := range xs { // Neumaier
		abs += math.Abs(x)
		tt := sum + x
		if math.Abs(sum) >= math.Abs(x) {
			comp += (sum - tt) + x
		} else {
			comp += (x - tt) + sum
		}
		sum = tt
	}
	if d := math.Abs(got - (sum + comp)); d > 1e-11*abs*1e-3 {
		t.Fatalf("pairwise sum %v, exact %v: off by %g of Σ|x| %g", got, sum+comp, d/abs, abs)
	}
}

func TestParseReduce(t *testing.T) {
	for _, tc := range []struct {
		args string
		want reduceArgs
		sel  string // the selection, "" for none
		msg  string
	}{
		{"NUM.REDUCE k sum", reduceArgs{op: opSum}, "", ""},
		{"NUM.REDUCE k Mean 1:5 axis -1 values", reduceArgs{op: opMean, axis: -1, hasAxis: true, values: true}, "1:5", ""},
		{"NUM.REDUCE k MAX VALUES AXIS 2", reduceArgs{op: opMax, axis: 2, hasAxis: true, values: true}, "", ""},
		{"NUM.REDUCE k min 3", reduceArgs{op: opMin}, "3", ""},
		{"NUM.REDUCE k min 3,::2", reduceArgs{op: opMin}, "3,::2", ""},
		{"NUM.REDUCE k prod", reduceArgs{}, "", "ERR unknown reduction 'prod'"},
		{"NUM.REDUCE k prod x:y", reduceArgs{}, "", "ERR unknown reduction 'prod'"},
		{"NUM.REDUCE k sum x:y", reduceArgs{}, "", "ERR invalid slice 'x:y'"},
		{"NUM.REDUCE k sum ...,...", reduceArgs{}, "", msgEllipsis},
		{"NUM.REDUCE k sum : AXIS", reduceArgs{}, "", msgSyntax},
		{"NUM.REDUCE k sum : AXIS x", reduceArgs{}, "", msgNotInt},
		{"NUM.REDUCE k sum AS f32", reduceArgs{}, "", msgSyntax},
		{"NUM.REDUCE k sum : :", reduceArgs{}, "", msgSyntax},
	} {
		a, msg := parseReduce(argv(splitArgs(t, tc.args)...))
		if msg != tc.msg {
			t.Errorf("%s: got %q, want %q", tc.args, msg, tc.msg)
			continue
		}
		if msg != "" {
			continue
		}
		want := tc.want
		if tc.sel != "" {
			want.sel, _ = parseSelection([]byte(tc.sel))
			want.hasSel = true
		}
		if a.op != want.op || a.axis != want.axis || a.hasAxis != want.hasAxis || a.values != want.values ||
			a.hasSel != want.hasSel || a.sel.String() != want.sel.String() {
			t.Errorf("%s: got %+v, want %+v", tc.args, a, want)
		}
	}
}

func TestReduceErrors(t *testing.T) {
	_, c := mustLocal(t)
	for _, x := range []struct{ args, want string }{
		{"NUM.REDUCE nokey SUM", "$-1\r\n"},
		{"NUM.REDUCE nokey SUM : VALUES", "*-1\r\n"},
		{"NUM.REDUCE nokey foo", "-ERR unknown reduction 'foo'\r\n"},
		{"NUM.CREATE v V3", "+OK\r\n"},
		{"NUM.REDUCE v SUM", "-ERR cannot reduce V3\r\n"},
		{"NUM.CREATE c c64", "+OK\r\n"},
		{"NUM.REDUCE c MIN", "-ERR MIN is not supported for complex dtypes\r\n"},
		{"NUM.REDUCE c max", "-ERR MAX is not supported for complex dtypes\r\n"},
		{"NUM.CREATE m i16 SHAPE 2 3", "+OK\r\n"},
		{"NUM.REDUCE m MIN", "-ERR zero-size array to reduction operation minimum which has no identity\r\n"},
		{"NUM.REDUCE m MAX : AXIS 2", "$0\r\n\r\n"},
		{"NUM.REDUCE m MAX : AXIS 0", "-ERR zero-size array to reduction operation maximum which has no identity\r\n"},
		{"NUM.REDUCE m SUM : AXIS 3", "-ERR axis 3 is out of bounds for array of dimension 3\r\n"},
		{"NUM.REDUCE m SUM : AXIS -4", "-ERR axis -4 is out of bounds for array of dimension 3\r\n"},
		{"NUM.REDUCE m SUM 0", "-ERR index out of range\r\n"},
		{"NUM.REDUCE m SUM", "$8\r\n\x00\x00\x00\x00\x00\x00\x00\x00\r\n"},
		{"NUM.REDUCE m MEAN : VALUES", "*1\r\n$3\r\nnan\r\n"},
		{"NUM.APPEND m VALUES 1 2 3 4 5 -6", ":1\r\n"},
		{"NUM.REDUCE m SUM 0 AXIS 1 VALUES", "*2\r\n$1\r\n6\r\n$1\r\n3\r\n"},
		{"NUM.REDUCE m MIN VALUES", "*1\r\n$2\r\n-6\r\n"},
	} {
		if got := c.run(splitArgs(t, x.args)...); got != x.want {
			t.Errorf("%s: got %q, want %q", x.args, got, x.want)
		}
	}
}

// TestReduceUnlocked: a write to the key being reduced completes while the
// reduction's unlocked part is paused, and the reduction sees the value as
// it was.
func TestReduceUnlocked(t *testing.T) {
	_, addr := mustNumkv(t, noPersistence)
	a, b := mustDial(t, addr), mustDial(t, addr)
	blob := make([]byte, 1<<20) // f64 zeros, a tree
	binary.LittleEndian.PutUint64(blob, math.Float64bits(2.5))
	if got := a.do("SET", "k", string(blob)); got != "+OK\r\n" {
		t.Fatal(got)
	}
	// SET leaves u8; make an f64 variable instead.
	a.do("DEL", "k")
	a.do("NUM.CREATE", "k", "f64")
	a.do("NUM.APPEND", "k", string(blob))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hook := func() { once.Do(func() { close(entered); <-release }) }
	testHookUnlocked.Store(&hook)
	defer testHookUnlocked.Store(nil)
	done := make(chan string)
	go func() {
		r, err := a.pipeline([][]string{{"NUM.REDUCE", "k", "SUM", "VALUES"}})
		if err != nil {
			done <- err.Error()
			return
		}
		done <- r[0]
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the reduction never reached its unlocked part")
	}
	if got := b.do("NUM.WRITE", "k", "0", "VALUES", "100"); got != intReply(1<<17) {
		t.Fatalf("write during the reduction: %q", got)
	}
	close(release)
	if got := <-done; got != "*1\r\n$3\r\n2.5\r\n" {
		t.Fatalf("reduction: %q", got)
	}
	if got := b.do("NUM.REDUCE", "k", "SUM", "VALUES"); got != "*1\r\n$3\r\n100\r\n" {
		t.Fatalf("after the write: %q", got)
	}
}

// BenchmarkReduce: SUM and MEAN of 1 GiB of f32 through dispatch, with the
// longest slot-lock hold reported as lock-ns.
func BenchmarkReduce(b *testing.B) {
	const n = 1 << 30
	for _, op := range []string{"SUM", "MEAN"} {
		s, c := mustNumVar(b, "v", newElemType(dtypes[10], nil), n/4)
		args := argv("NUM.REDUCE", "v", op)
		b.Run(op, func(b *testing.B) {
			b.SetBytes(n)
			b.ReportAllocs()
			stop := measureLockHeld()
			b.ResetTimer()
			for b.Loop() {
				c.w.Reset()
				s.call(c, args)
			}
			b.StopTimer()
			b.ReportMetric(float64(stop().Nanoseconds()), "lock-ns")
			if !bytes.HasPrefix(c.w.Bytes(), []byte("$8\r\n")) {
				b.Fatalf("%q", c.w.Bytes())
			}
		})
	}
}

// BenchmarkReduceKernel: the kernel alone over 64 MiB in 128 KiB chunks,
// by dtype and op, full and along the first axis of rows of 16.
func BenchmarkReduceKernel(b *testing.B) {
	const n = 64 << 20
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i % 251 % 60) // finite floats, no NaN
	}
	for _, name := range []string{"f32", "f64", "bf16", "i64", "u8", "c64"} {
		dt, _ := parseDtype([]byte(name))
		for _, op := range []reduceOp{opSum, opMean, opMax} {
			if dt.kind == kindComplex && op == opMax {
				continue
			}
			for _, axis := range []bool{false, true} {
				b.Run(fmt.Sprintf("%s/%s/axis=%v", name, reduceOpNames[op], axis), func(b *testing.B) {
					shape := []int{n / dt.size / 16, 16}
					b.SetBytes(n)
					b.ReportAllocs()
					for b.Loop() {
						r, _, _ := planReduce(op, dt, shape, 0, axis)
						r.runChunks(func(fn func([]byte) bool) error {
							for p := data; len(p) > 0; p = p[128<<10:] {
								fn(p[:128<<10])
							}
							return nil
						})
					}
				})
			}
		}
	}
}

// TestReduceInMulti: inside EXEC the unlocked part runs at once, under the
// transaction's locks, and its reply lands in EXEC's array in order.
func TestReduceInMulti(t *testing.T) {
	c := mustConn(t)
	blob := make([]byte, 1<<18) // i32, a tree
	for i := 0; i < len(blob)/4; i++ {
		binary.LittleEndian.PutUint32(blob[4*i:], uint32(i))
	}
	c.do("NUM.CREATE", "k", "i32")
	c.do("NUM.APPEND", "k", string(blob))
	n := len(blob) / 4
	runExchanges(t, c, []exchange{
		{"MULTI", "+OK\r\n"},
		{"NUM.REDUCE k SUM VALUES", "+QUEUED\r\n"},
		{"NUM.REDUCE k MAX ::2 VALUES", "+QUEUED\r\n"},
		{"EXEC", fmt.Sprintf("*2\r\n*1\r\n$%d\r\n%d\r\n*1\r\n$5\r\n%d\r\n",
			len(fmt.Sprint(n*(n-1)/2)), n*(n-1)/2, n-2)},
	})
}
