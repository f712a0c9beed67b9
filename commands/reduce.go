package commands

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// NUM.REDUCE's kernel: SUM, MEAN, MIN and MAX over a selection's scalars,
// pure and independent of how the selection is read. The scalars arrive in
// C order, as bytes, through feed; the reducer keeps O(result) state, so a
// reduction over a 1 GiB variable needs no copy of it.
//
// Float sums follow numpy's pairwise summation, so that they stay within
// the contract's 1e-11 × Σ|x| of numpy's on large arrays: along a
// contiguous run (a full reduction, or the last axis) blocks of
// reduceBlock values are summed pairwise with eight accumulators and the
// block sums are combined as a binary counter; along an earlier axis each
// output sums reduceRows rows at a time before adding to its total, so the
// error grows with neither the axis length nor the row count. Integer sums
// wrap as numpy's int64/uint64 do (two's complement makes them the same
// bits). MEAN is the float sum divided by the count, as numpy's mean with
// dtype=float64 is.

type reduceOp uint8

const (
	opSum reduceOp = iota
	opMean
	opMin
	opMax
)

var reduceOpNames = [...]string{"SUM", "MEAN", "MIN", "MAX"}

func parseReduceOp(b []byte) (reduceOp, bool) {
	for i, n := range reduceOpNames {
		if bytes.EqualFold(b, []byte(n)) {
			return reduceOp(i), true
		}
	}
	return 0, false
}

const (
	reduceBlock = 8192 // values per pairwise block, numpy's buffer size
	reduceRows  = 128  // rows per partial sum along an earlier axis
)

var (
	dtI64  = dtypes[6]
	dtU64  = dtypes[7]
	dtF64  = dtypes[11]
	dtC128 = dtypes[13]
)

// reducer is one reduction in progress. The selection's result has shape
// outer × length × inner around the reduced axis (a full reduction is
// 1 × N × 1); output o*inner+j reduces the length scalars at row r of
// o*length*inner + r*inner + j.
type reducer struct {
	op                   reduceOp
	dt                   dtype
	outer, length, inner int
	pos                  int // global index of the next scalar
	carry                []byte

	// float sums: a stream per contiguous output (inner == 1), or partial
	// and total sums per output.
	st         pairStream
	stIm       pairStream
	res, resIm []float64
	part, pIm  []float64
	// integer sums
	isum []int64
	// MIN and MAX: the best scalar's bytes and key, and whether it has
	// been set
	best  []byte
	fbest []float64
	ibest []int64
	set   []bool
	// scratch for widened values and integers
	re, im []float64
	iv     []int64
}

// mode of a reduction: float sums (also every MEAN), wrapping integer
// sums, or comparisons.
func (r *reducer) floatSum() bool {
	return r.op == opMean || r.op == opSum && (r.dt.kind == kindFloat || r.dt.kind == kindComplex)
}

func (r *reducer) cplx() bool { return r.dt.kind == kindComplex }

// reduceDtypeErr is the error of op on dt whatever the selection: V<n>
// for every op, complex for MIN and MAX.
func reduceDtypeErr(op reduceOp, dt dtype) string {
	switch {
	case dt.kind == kindOpaque:
		return fmt.Sprintf(msgCannotReduce, dt.name)
	case dt.kind == kindComplex && (op == opMin || op == opMax):
		return fmt.Sprintf(msgReduceComplex, reduceOpNames[op])
	}
	return ""
}

// planReduce checks a reduction of a selection of the given shape and sets
// up its reducer, or returns the contract's error.
func planReduce(op reduceOp, dt dtype, shape []int, axis int, hasAxis bool) (*reducer, []int, string) {
	if msg := reduceDtypeErr(op, dt); msg != "" {
		return nil, nil, msg
	}
	d := len(shape)
	if hasAxis {
		a := axis
		if a < 0 {
			a += d
		}
		// numpy's sum, but not its mean, also takes axis 0 or -1 of a 0-d
		// array; the contract's rule is simpler: no axis is in range.
		if a < 0 || a >= d {
			return nil, nil, fmt.Sprintf(msgAxisBounds, axis, d)
		}
		axis = a
	}
	r := &reducer{op: op, dt: dt, outer: 1, length: 1, inner: 1}
	var outShape []int
	if hasAxis {
		for i, n := range shape {
			switch {
			case i < axis:
				r.outer *= n
			case i == axis:
				r.length = n
			default:
				r.inner *= n
			}
			if i != axis {
				outShape = append(outShape, n)
			}
		}
	} else {
		outShape = []int{}
		for _, n := range shape {
			r.length *= n
		}
	}
	if r.length == 0 && (op == opMin || op == opMax) {
		name := "minimum"
		if op == opMax {
			name = "maximum"
		}
		return nil, nil, fmt.Sprintf(msgZeroSizeReduce, name)
	}
	return r, outShape, ""
}

// alloc makes the reducer's state, O(result): planReduce leaves it out so
// that it can run under a slot's lock and the allocation after.
func (r *reducer) alloc() {
	op, dt := r.op, r.dt
	m := r.outer * r.inner
	switch {
	case r.floatSum():
		r.res = make([]float64, m)
		if r.cplx() {
			r.resIm = make([]float64, m)
		}
		if r.inner > 1 {
			r.part = make([]float64, m)
			if r.cplx() {
				r.pIm = make([]float64, m)
			}
		}
		r.re = make([]float64, reduceBlock)
		if r.cplx() {
			r.im = make([]float64, reduceBlock)
		}
	case op == opSum:
		r.isum = make([]int64, m)
		r.iv = make([]int64, reduceBlock)
	default:
		r.best = make([]byte, m*dt.size)
		r.set = make([]bool, m)
		if dt.kind == kindFloat {
			r.fbest = make([]float64, m)
			r.re = make([]float64, reduceBlock)
		} else {
			r.ibest = make([]int64, m)
			r.iv = make([]int64, reduceBlock)
		}
	}
}

// total is the number of scalars the reducer expects.
func (r *reducer) total() int { return r.outer * r.length * r.inner }

// feed consumes the next scalars' bytes, in C order. p may end or begin
// within a scalar (a tree's chunks need not split at scalar boundaries).
func (r *reducer) feed(p []byte) {
	size := r.dt.size
	if len(r.carry) > 0 {
		k := min(size-len(r.carry), len(p))
		r.carry = append(r.carry, p[:k]...)
		p = p[k:]
		if len(r.carry) < size {
			return
		}
		r.scalars(r.carry)
		r.carry = r.carry[:0]
	}
	for whole := len(p) / size * size; whole > 0; {
		k := min(whole, reduceBlock*size)
		r.scalars(p[:k])
		p, whole = p[k:], whole-k
	}
	r.carry = append(r.carry, p...)
}

// scalars consumes whole scalars, at most reduceBlock of them.
func (r *reducer) scalars(p []byte) {
	size := r.dt.size
	rowLen := r.length * r.inner
	if r.inner > 1 {
		r.rows(p)
		return
	}
	for len(p) > 0 {
		n := len(p) / size
		rem := r.pos % rowLen
		k := min(n, r.length-rem) // up to the end of this output's run
		r.segment(r.pos/rowLen, p[:k*size])
		p = p[k*size:]
		r.pos += k
	}
}

// segment reduces consecutive scalars into output out, when the reduced
// axis is the last (inner == 1).
func (r *reducer) segment(out int, p []byte) {
	n := len(p) / r.dt.size
	switch {
	case r.floatSum():
		var im *pairStream
		if r.cplx() {
			im = &r.stIm
		}
		r.st.addScalars(im, r.dt, p)
		if (r.pos+n)%r.length == 0 {
			r.res[out] = r.st.sum()
			r.st = pairStream{}
			if r.cplx() {
				r.resIm[out] = r.stIm.sum()
				r.stIm = pairStream{}
			}
		}
	case r.op == opSum:
		var sum int64
		for _, x := range intsInto(r.iv[:n], r.dt, p) {
			sum += x
		}
		r.isum[out] += sum
	case r.dt.kind == kindFloat:
		keys := r.re[:n]
		widenInto(keys, nil, r.dt, p)
		i := 0
		for k := 1; k < n && keys[i] == keys[i]; k++ {
			if betterFloat(r.op, keys[k], keys[i]) {
				i = k
			}
		}
		r.offer(out, i, p)
	default:
		keys := intKeys(r.iv[:n], r.dt, p)
		i := 0
		for k := 1; k < n; k++ {
			if betterInt(r.op, keys[k], keys[i]) {
				i = k
			}
		}
		r.offer(out, i, p)
	}
}

// rows reduces whole scalars along an axis that is not the last (inner >
// 1): the batch is converted once, then each piece of a row goes into its
// run of outputs.
func (r *reducer) rows(p []byte) {
	n := len(p) / r.dt.size
	var re, im []float64
	var iv []int64
	switch {
	case r.floatSum():
		re = r.re[:n]
		if r.cplx() {
			im = r.im[:n]
		}
		widenInto(re, im, r.dt, p)
	case r.op == opSum:
		iv = intsInto(r.iv[:n], r.dt, p)
	case r.dt.kind == kindFloat:
		re = r.re[:n]
		widenInto(re, nil, r.dt, p)
	default:
		iv = intKeys(r.iv[:n], r.dt, p)
	}
	rowLen := r.length * r.inner
	rem := r.pos % rowLen
	row, j := rem/r.inner, rem%r.inner
	base := r.pos / rowLen * r.inner // the outer block's first output
	for i := 0; i < n; {
		out := base + j
		k := min(n-i, r.inner-j) // up to the end of this row
		switch {
		case r.floatSum():
			addTo(r.part[out:out+k], re[i:i+k])
			if im != nil {
				addTo(r.pIm[out:out+k], im[i:i+k])
			}
			// At the end of every reduceRows-th row, and of the axis,
			// the partial sums of this outer block move to the totals.
			if j+k == r.inner && ((row+1)%reduceRows == 0 || row+1 == r.length) {
				r.flushPart(out - j)
			}
		case r.op == opSum:
			addInts(r.isum[out:out+k], iv[i:i+k])
		case r.dt.kind == kindFloat:
			for t, x := range re[i : i+k] {
				if o := out + t; !r.set[o] || betterFloat(r.op, x, r.fbest[o]) {
					r.fbest[o] = x
					r.take(o, i+t, p)
				}
			}
		default:
			for t, x := range iv[i : i+k] {
				if o := out + t; !r.set[o] || betterInt(r.op, x, r.ibest[o]) {
					r.ibest[o] = x
					r.take(o, i+t, p)
				}
			}
		}
		i += k
		r.pos += k
		if j += k; j == r.inner {
			j = 0
			if row++; row == r.length {
				row, base = 0, base+r.inner
			}
		}
	}
}

// flushPart adds the partial sums of outputs [lo, lo+inner) to their
// totals.
func (r *reducer) flushPart(lo int) {
	for i := lo; i < lo+r.inner; i++ {
		r.res[i] += r.part[i]
		r.part[i] = 0
		if r.cplx() {
			r.resIm[i] += r.pIm[i]
			r.pIm[i] = 0
		}
	}
}

func addInts(dst, src []int64) {
	for i, x := range src {
		dst[i] += x
	}
}

// offer makes scalar i of the segment p, the best of its segment, the best
// of output out if it beats the best so far.
func (r *reducer) offer(out, i int, p []byte) {
	if r.dt.kind == kindFloat {
		if r.set[out] && !betterFloat(r.op, r.re[i], r.fbest[out]) {
			return
		}
		r.fbest[out] = r.re[i]
	} else {
		if r.set[out] && !betterInt(r.op, r.iv[i], r.ibest[out]) {
			return
		}
		r.ibest[out] = r.iv[i]
	}
	r.take(out, i, p)
}

// take keeps the bytes of scalar i of p as output o's best.
func (r *reducer) take(o, i int, p []byte) {
	size := r.dt.size
	copy(r.best[o*size:o*size+size], p[i*size:i*size+size])
	r.set[o] = true
}

// betterFloat reports whether x replaces y as the best: as numpy's minimum
// and maximum, NaN wins and stays, and ties keep the first.
func betterFloat(op reduceOp, x, y float64) bool {
	switch {
	case y != y:
		return false
	case x != x:
		return true
	case op == opMin:
		return x < y
	}
	return x > y
}

func betterInt(op reduceOp, x, y int64) bool {
	if op == opMin {
		return x < y
	}
	return x > y
}

// intsInto writes the integer (or bool) scalars at p to dst as the int64s
// whose bits a wrapping int64 or uint64 sum adds.
func intsInto(dst []int64, dt dtype, p []byte) []int64 {
	le := binary.LittleEndian
	switch dt.name {
	case "bool":
		for i := range dst {
			dst[i] = int64(boolByte(p[i]))
		}
	case "i8":
		for i := range dst {
			dst[i] = int64(int8(p[i]))
		}
	case "u8":
		for i := range dst {
			dst[i] = int64(p[i])
		}
	case "i16":
		for i := range dst {
			dst[i] = int64(int16(le.Uint16(p[2*i:])))
		}
	case "u16":
		for i := range dst {
			dst[i] = int64(le.Uint16(p[2*i:]))
		}
	case "i32":
		for i := range dst {
			dst[i] = int64(int32(le.Uint32(p[4*i:])))
		}
	case "u32":
		for i := range dst {
			dst[i] = int64(le.Uint32(p[4*i:]))
		}
	default: // i64, u64
		p = p[:len(dst)*8]
		for i := range dst {
			dst[i] = int64(le.Uint64(p[8*i:]))
		}
	}
	return dst
}

func boolByte(b byte) byte {
	if b != 0 {
		return 1
	}
	return 0
}

// intKeys is intsInto with u64's order mapped onto int64's, for MIN and
// MAX.
func intKeys(dst []int64, dt dtype, p []byte) []int64 {
	intsInto(dst, dt, p)
	if dt.name == "u64" {
		for i := range dst {
			dst[i] ^= math.MinInt64
		}
	}
	return dst
}

// intBits is an integer scalar as the int64 whose bits a wrapping int64 or
// uint64 sum adds; bool counts 1 for any non-zero byte.
func intBits(dt dtype, p []byte) int64 {
	switch dt.kind {
	case kindInt:
		return readInt(p)
	case kindBool:
		if p[0] != 0 {
			return 1
		}
		return 0
	}
	return int64(readUint(p))
}

// result returns the reduction's bytes in C order and their dtype, once
// every scalar has been fed.
func (r *reducer) result() ([]byte, dtype) {
	m := r.outer * r.inner
	switch {
	case r.floatSum():
		if r.op == opMean {
			n := float64(r.length)
			for i := range r.res {
				if !r.cplx() {
					r.res[i] /= n
					continue
				}
				if n == 0 {
					r.res[i], r.resIm[i] = r.res[i]/n, r.resIm[i]/n
					continue
				}
				// numpy divides by n+0j with Smith's algorithm, where
				// an infinite part times the ratio 0 makes a NaN.
				re, im, scl := r.res[i], r.resIm[i], 1/n
				r.res[i], r.resIm[i] = (re+im*0)*scl, (im-re*0)*scl
			}
		}
		if r.cplx() {
			out := make([]byte, 0, m*16)
			for i := range r.res {
				out = binary.LittleEndian.AppendUint64(out, math.Float64bits(r.res[i]))
				out = binary.LittleEndian.AppendUint64(out, math.Float64bits(r.resIm[i]))
			}
			return out, dtC128
		}
		out := make([]byte, 0, m*8)
		for _, x := range r.res {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(x))
		}
		return out, dtF64
	case r.op == opSum:
		out := make([]byte, 0, m*8)
		for _, x := range r.isum {
			out = binary.LittleEndian.AppendUint64(out, uint64(x))
		}
		if r.dt.kind == kindUint {
			return out, dtU64
		}
		return out, dtI64
	}
	if r.dt.kind == kindBool {
		for i, b := range r.best {
			if b != 0 {
				r.best[i] = 1
			}
		}
	}
	return r.best, r.dt
}

// reduceScalars reduces a selection whose result has the given shape (C
// order), read by read, which appends the selection's scalars
// [from, from+n) in C order to dst. msg is the contract's error, if any.
func reduceScalars(op reduceOp, dt dtype, shape []int, axis int, hasAxis bool,
	read func(dst []byte, from, n int) ([]byte, error)) (out []byte, outDt dtype, outShape []int, msg string) {
	r, outShape, msg := planReduce(op, dt, shape, axis, hasAxis)
	if msg != "" {
		return nil, dtype{}, nil, msg
	}
	out, outDt = r.run(read)
	return out, outDt, outShape, ""
}

// run feeds the reducer from read, at most reduceBlock scalars at a time,
// and returns its result. read's errors panic: the selection was resolved
// within the variable.
func (r *reducer) run(read func(dst []byte, from, n int) ([]byte, error)) ([]byte, dtype) {
	r.alloc()
	total := r.total()
	buf := make([]byte, 0, min(total, reduceBlock)*r.dt.size)
	for from := 0; from < total; from += reduceBlock {
		p, err := read(buf[:0], from, min(reduceBlock, total-from))
		if err != nil {
			panic(err)
		}
		r.feed(p)
	}
	return r.result()
}

// runChunks is run fed by chunks, which calls its argument with successive
// slices of the selection's bytes in C order: a tree's own chunks, without
// copying, when the selection is one contiguous range.
func (r *reducer) runChunks(chunks func(fn func([]byte) bool) error) ([]byte, dtype) {
	r.alloc()
	if err := chunks(func(p []byte) bool { r.feed(p); return true }); err != nil {
		panic(err)
	}
	return r.result()
}

// widen appends the scalars of p as float64s to re, and their imaginary
// parts to im for complex dtypes. f16 and bf16 widen exactly.
func widen(re, im []float64, dt dtype, p []byte) ([]float64, []float64) {
	n := len(p) / dt.size
	l := len(re)
	re = slices.Grow(re, n)[:l+n]
	var imOut []float64
	if dt.kind == kindComplex {
		li := len(im)
		im = slices.Grow(im, n)[:li+n]
		imOut = im[li:]
	}
	widenInto(re[l:], imOut, dt, p)
	return re, im
}

// widenInto writes the len(re) scalars at p to re (and im), as widen.
func widenInto(re, im []float64, dt dtype, p []byte) {
	switch dt.name {
	case "f32":
		p = p[:len(re)*4]
		for i := range re {
			re[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:])))
		}
	case "f64":
		p = p[:len(re)*8]
		for i := range re {
			re[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
		}
	case "c64":
		p = p[:len(re)*8]
		im = im[:len(re)]
		for i := range re {
			re[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(p[8*i:])))
			im[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(p[8*i+4:])))
		}
	case "c128":
		p = p[:len(re)*16]
		im = im[:len(re)]
		for i := range re {
			re[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[16*i:]))
			im[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[16*i+8:]))
		}
	case "f16":
		for i := range re {
			re[i] = float64(halfToFloat32(binary.LittleEndian.Uint16(p[2*i:])))
		}
	case "bf16":
		for i := range re {
			re[i] = float64(bf16ToFloat32(binary.LittleEndian.Uint16(p[2*i:])))
		}
	default:
		var buf [256]int64
		size := dt.size
		for len(re) > 0 {
			k := min(len(re), len(buf))
			v := intsInto(buf[:k], dt, p[:k*size])
			if dt.name == "u64" {
				for i, x := range v {
					re[i] = float64(uint64(x))
				}
			} else {
				for i, x := range v {
					re[i] = float64(x)
				}
			}
			re, p = re[k:], p[k*size:]
		}
	}
}

func addTo(dst, src []float64) {
	for i, x := range src {
		dst[i] += x
	}
}

// pairStream sums a stream of float64s: values are staged into blocks of
// reduceBlock, each block is summed pairwise, and the block sums are
// combined as a binary counter, so the result does not depend on how the
// stream was cut and its error grows with the logarithm of its length.
type pairStream struct {
	buf    []float64
	levels [64]float64
	have   uint64
}

// addScalars widens the scalars at p into the stream (and their imaginary
// parts into im, for complex dtypes) with no copy in between.
func (s *pairStream) addScalars(im *pairStream, dt dtype, p []byte) {
	size := dt.size
	for len(p) > 0 {
		if s.buf == nil {
			s.buf = make([]float64, 0, reduceBlock)
			if im != nil {
				im.buf = make([]float64, 0, reduceBlock)
			}
		}
		l := len(s.buf)
		k := min(len(p)/size, reduceBlock-l)
		s.buf = s.buf[:l+k]
		var imBuf []float64
		if im != nil {
			im.buf = im.buf[:l+k]
			imBuf = im.buf[l:]
		}
		widenInto(s.buf[l:], imBuf, dt, p[:k*size])
		p = p[k*size:]
		if l+k == reduceBlock {
			s.push(pairwiseSum(s.buf))
			s.buf = s.buf[:0]
			if im != nil {
				im.push(pairwiseSum(im.buf))
				im.buf = im.buf[:0]
			}
		}
	}
}

func (s *pairStream) add(x []float64) {
	for len(x) > 0 {
		if s.buf == nil {
			s.buf = make([]float64, 0, reduceBlock)
		}
		k := min(len(x), reduceBlock-len(s.buf))
		s.buf = append(s.buf, x[:k]...)
		x = x[k:]
		if len(s.buf) == reduceBlock {
			s.push(pairwiseSum(s.buf))
			s.buf = s.buf[:0]
		}
	}
}

func (s *pairStream) push(x float64) {
	k := 0
	for ; s.have&(1<<k) != 0; k++ {
		x = s.levels[k] + x
		s.have &^= 1 << k
	}
	s.levels[k] = x
	s.have |= 1 << k
}

func (s *pairStream) sum() float64 {
	res := pairwiseSum(s.buf)
	for k := 0; k < 64; k++ {
		if s.have&(1<<k) != 0 {
			res = s.levels[k] + res
		}
	}
	return res
}

// pairwiseSum is numpy's pairwise_sum: eight accumulators over blocks of
// up to 128 values, halves combined recursively.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, x := range a {
			res += x
		}
		return res
	case n <= 128:
		r0, r1, r2, r3 := a[0], a[1], a[2], a[3]
		r4, r5, r6, r7 := a[4], a[5], a[6], a[7]
		i := 8
		for ; i+8 <= n; i += 8 {
			b := a[i : i+8 : i+8]
			r0 += b[0]
			r1 += b[1]
			r2 += b[2]
			r3 += b[3]
			r4 += b[4]
			r5 += b[5]
			r6 += b[6]
			r7 += b[7]
		}
		res := ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
}
