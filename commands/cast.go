package commands

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// AS dtype: converting scalars on the way out, as numpy's
// a.astype(to, casting="same_kind") does, bit for bit, NaN payloads
// included. bfloat16, which numpy lacks, behaves as ml_dtypes' bfloat16: a
// float kind wherever float32 would be; a value goes to float32 first as
// numpy converts it, then rounds to nearest even into bfloat16, and a NaN
// becomes a quiet NaN of the same sign.
//
// The numpy rules this follows (numpy 1.24's casting loops):
//   - integers wrap (two's complement truncation or extension);
//   - an integer becomes a float by one rounding to nearest even; float16
//     gets it through float32 (numpy's (float)x), which rounds the same,
//     since every integer that float32 would round is beyond float16 anyway;
//   - float64 to float32 and float32 to float64 are the hardware's (a
//     signalling NaN comes out quiet);
//   - float16 is numpy's bit manipulation: a NaN keeps its payload's top
//     bits without being quieted, and float64 rounds to float16 directly,
//     not through float32;
//   - bool becomes 0 or 1 (any non-zero byte is true).
//
// The conversions run over blocks of scalars in loops specialised by
// source and target, never a switch per scalar; the pairs that carry
// training data (float32 to and from float16 and bfloat16, float64 to
// float32, uint8 to float32) have their own single-pass loops.

// castable reports whether numpy's astype with casting="same_kind" allows
// from -> to: a kind may only widen along bool < unsigned < signed < float
// < complex (unsigned to signed of any width is numpy's too), and V<n>
// casts only to itself.
func castable(from, to dtype) bool {
	if from == to {
		return true
	}
	if from.kind == kindOpaque || to.kind == kindOpaque {
		return false
	}
	return kindRank(from.kind) <= kindRank(to.kind)
}

func kindRank(k kind) int {
	switch k {
	case kindBool:
		return 0
	case kindUint:
		return 1
	case kindInt:
		return 2
	case kindFloat:
		return 3
	}
	return 4 // kindComplex
}

// castAppend appends src (whole scalars of dtype from) converted to dtype
// to. The pair must be castable: anything else is a bug of the caller's
// and panics.
func castAppend(dst, src []byte, from, to dtype) []byte {
	n := len(src) / from.size
	src = src[:n*from.size]
	if from == to {
		return append(dst, src...)
	}
	if !castable(from, to) {
		panic(fmt.Sprintf("commands: castAppend %s to %s", from.name, to.name))
	}
	m := len(dst)
	dst = slices.Grow(dst, n*to.size)[:m+n*to.size]
	castInto(dst[m:], src, from, to)
	return dst
}

// scalar is the storage of one real scalar: a whole real dtype, or one
// part of a complex one.
type scalar uint8

const (
	sI8 scalar = iota
	sU8
	sI16
	sU16
	sI32
	sU32
	sI64
	sU64
	sBool
	sF16
	sBF16
	sF32
	sF64
)

// scalarOf returns dt's real storage and how many of it one scalar of dt
// holds (2 for complex).
func scalarOf(dt dtype) (scalar, int) {
	switch dt.name {
	case "i8":
		return sI8, 1
	case "u8":
		return sU8, 1
	case "i16":
		return sI16, 1
	case "u16":
		return sU16, 1
	case "i32":
		return sI32, 1
	case "u32":
		return sU32, 1
	case "i64":
		return sI64, 1
	case "u64":
		return sU64, 1
	case "bool":
		return sBool, 1
	case "f16":
		return sF16, 1
	case "bf16":
		return sBF16, 1
	case "f32":
		return sF32, 1
	case "f64":
		return sF64, 1
	case "c64":
		return sF32, 2
	case "c128":
		return sF64, 2
	}
	panic("commands: no scalar storage for " + dt.name)
}

func (s scalar) size() int {
	switch s {
	case sI8, sU8, sBool:
		return 1
	case sI16, sU16, sF16, sBF16:
		return 2
	case sI32, sU32, sF32:
		return 4
	}
	return 8
}

func (s scalar) integer() bool { return s <= sBool }
func (s scalar) signed() bool  { return s == sI8 || s == sI16 || s == sI32 || s == sI64 }

// castInto converts src to to into d, which has exactly the room.
func castInto(d, src []byte, from, to dtype) {
	fs, fp := scalarOf(from)
	ts, tp := scalarOf(to)
	if fp == tp { // real to real, or complex to complex part by part
		castReal(d, src, fs, ts)
		return
	}
	// Real to complex: the real parts in blocks, then spread with zero
	// imaginary parts.
	var tmp [castBlock * 8]byte
	w, in := ts.size(), fs.size()
	for len(src) > 0 {
		k := min(castBlock, len(src)/in)
		part := tmp[:k*w]
		castReal(part, src[:k*in], fs, ts)
		for i := 0; i < k; i++ {
			copy(d[2*i*w:], part[i*w:(i+1)*w])
			clear(d[(2*i+1)*w : (2*i+2)*w])
		}
		src, d = src[k*in:], d[2*k*w:]
	}
}

// castBlock is how many scalars the general path converts per pass; its
// buffers stay in the first-level cache.
const castBlock = 256

// castReal converts real scalars of storage fs in src to ts in d.
func castReal(d, src []byte, fs, ts scalar) {
	if fs == ts {
		copy(d, src)
		return
	}
	switch {
	case fs == sF32 && ts == sF16:
		castF32F16(d, src)
		return
	case fs == sF32 && ts == sBF16:
		castF32BF16(d, src)
		return
	case fs == sF16 && ts == sF32:
		castF16F32(d, src)
		return
	case fs == sBF16 && ts == sF32:
		castBF16F32(d, src)
		return
	case fs == sF64 && ts == sF32:
		castF64F32(d, src)
		return
	case fs == sF32 && ts == sF64:
		castF32F64(d, src)
		return
	case fs == sU8 && ts == sF32:
		castU8F32(d, src)
		return
	}
	var (
		ints [castBlock]uint64
		f64s [castBlock]float64
		f32s [castBlock]uint32
	)
	// float64 carries the values when either end is float64; float32 bits
	// carry them otherwise, so that numpy's float16 rules see the float32
	// they would see.
	wide := fs == sF64 || ts == sF64
	in, out := fs.size(), ts.size()
	for len(src) > 0 {
		k := min(castBlock, len(src)/in)
		s, o := src[:k*in], d[:k*out]
		switch {
		case fs.integer() && ts.integer():
			decodeInts(ints[:k], s, fs)
			encodeInts(o, ints[:k], ts)
		case fs.integer() && wide:
			decodeInts(ints[:k], s, fs)
			intsToF64(f64s[:k], ints[:k], fs.signed())
			encodeF64(o, f64s[:k], ts)
		case fs.integer():
			decodeInts(ints[:k], s, fs)
			intsToF32(f32s[:k], ints[:k], fs.signed())
			encodeF32(o, f32s[:k], ts)
		case wide:
			decodeF64(f64s[:k], s, fs)
			encodeF64(o, f64s[:k], ts)
		default:
			decodeF32(f32s[:k], s, fs)
			encodeF32(o, f32s[:k], ts)
		}
		src, d = src[k*in:], d[k*out:]
	}
}

// decodeInts reads integers (and bools, as 0 or 1) into buf, sign-extended
// from signed storage.
func decodeInts(buf []uint64, s []byte, fs scalar) {
	le := binary.LittleEndian
	switch fs {
	case sBool:
		for i := range buf {
			buf[i] = 0
			if s[i] != 0 {
				buf[i] = 1
			}
		}
	case sU8:
		for i := range buf {
			buf[i] = uint64(s[i])
		}
	case sI8:
		for i := range buf {
			buf[i] = uint64(int8(s[i]))
		}
	case sU16:
		for i := range buf {
			buf[i] = uint64(le.Uint16(s[2*i:]))
		}
	case sI16:
		for i := range buf {
			buf[i] = uint64(int16(le.Uint16(s[2*i:])))
		}
	case sU32:
		for i := range buf {
			buf[i] = uint64(le.Uint32(s[4*i:]))
		}
	case sI32:
		for i := range buf {
			buf[i] = uint64(int32(le.Uint32(s[4*i:])))
		}
	default: // sU64, sI64
		for i := range buf {
			buf[i] = le.Uint64(s[8*i:])
		}
	}
}

// encodeInts stores integers truncated to the target's width.
func encodeInts(d []byte, buf []uint64, ts scalar) {
	le := binary.LittleEndian
	switch ts.size() {
	case 1:
		for i, u := range buf {
			d[i] = byte(u)
		}
	case 2:
		for i, u := range buf {
			le.PutUint16(d[2*i:], uint16(u))
		}
	case 4:
		for i, u := range buf {
			le.PutUint32(d[4*i:], uint32(u))
		}
	default:
		for i, u := range buf {
			le.PutUint64(d[8*i:], u)
		}
	}
}

func intsToF64(out []float64, buf []uint64, signed bool) {
	if signed {
		for i, u := range buf {
			out[i] = float64(int64(u))
		}
		return
	}
	for i, u := range buf {
		out[i] = float64(u)
	}
}

func intsToF32(out []uint32, buf []uint64, signed bool) {
	if signed {
		for i, u := range buf {
			out[i] = math.Float32bits(float32(int64(u)))
		}
		return
	}
	for i, u := range buf {
		out[i] = math.Float32bits(float32(u))
	}
}

// decodeF64 widens floats to float64 as numpy does: float16 by bits (a
// NaN keeps its payload unquieted), float32 and bfloat16 (through its
// float32) by the hardware.
func decodeF64(buf []float64, s []byte, fs scalar) {
	le := binary.LittleEndian
	switch fs {
	case sF16:
		for i := range buf {
			buf[i] = math.Float64frombits(f16ToF64Bits(le.Uint16(s[2*i:])))
		}
	case sBF16:
		for i := range buf {
			buf[i] = float64(math.Float32frombits(uint32(le.Uint16(s[2*i:])) << 16))
		}
	case sF32:
		for i := range buf {
			buf[i] = float64(math.Float32frombits(le.Uint32(s[4*i:])))
		}
	default: // sF64
		for i := range buf {
			buf[i] = math.Float64frombits(le.Uint64(s[8*i:]))
		}
	}
}

// encodeF64 narrows float64 values: float32 by the hardware, float16
// directly (one rounding), bfloat16 through float32.
func encodeF64(d []byte, buf []float64, ts scalar) {
	le := binary.LittleEndian
	switch ts {
	case sF16:
		for i, f := range buf {
			le.PutUint16(d[2*i:], f64ToF16(math.Float64bits(f)))
		}
	case sBF16:
		for i, f := range buf {
			le.PutUint16(d[2*i:], f32ToBF16(math.Float32bits(float32(f))))
		}
	case sF32:
		for i, f := range buf {
			le.PutUint32(d[4*i:], math.Float32bits(float32(f)))
		}
	default: // sF64
		for i, f := range buf {
			le.PutUint64(d[8*i:], math.Float64bits(f))
		}
	}
}

// decodeF32 widens float16 and bfloat16 to float32 bits exactly.
func decodeF32(buf []uint32, s []byte, fs scalar) {
	le := binary.LittleEndian
	switch fs {
	case sF16:
		for i := range buf {
			buf[i] = f16ToF32(le.Uint16(s[2*i:]))
		}
	case sBF16:
		for i := range buf {
			buf[i] = uint32(le.Uint16(s[2*i:])) << 16
		}
	default: // sF32
		for i := range buf {
			buf[i] = le.Uint32(s[4*i:])
		}
	}
}

func encodeF32(d []byte, buf []uint32, ts scalar) {
	le := binary.LittleEndian
	switch ts {
	case sF16:
		for i, u := range buf {
			le.PutUint16(d[2*i:], f32ToF16(u))
		}
	case sBF16:
		for i, u := range buf {
			le.PutUint16(d[2*i:], f32ToBF16(u))
		}
	default: // sF32
		for i, u := range buf {
			le.PutUint32(d[4*i:], u)
		}
	}
}

// The single-pass loops of the hot pairs.

func castF32F16(d, s []byte) {
	n := min(len(s)/4, len(d)/2)
	for i := 0; i < n; i++ {
		u := binary.LittleEndian.Uint32(s[4*i : 4*i+4])
		// f32ToF16's common case, written out: the compiler will not
		// inline the whole function.
		var h uint16
		if a := u & 0x7fffffff; a-0x38800000 < 0x47800000-0x38800000 {
			a += 0xfff + (a>>13)&1
			h = uint16(u>>16)&0x8000 | uint16(a>>13-(127-15)<<10)
		} else {
			h = f32ToF16Slow(u)
		}
		binary.LittleEndian.PutUint16(d[2*i:2*i+2], h)
	}
}

func castF32BF16(d, s []byte) {
	n := min(len(s)/4, len(d)/2)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(d[2*i:2*i+2], f32ToBF16(binary.LittleEndian.Uint32(s[4*i:4*i+4])))
	}
}

func castF16F32(d, s []byte) {
	n := min(len(s)/2, len(d)/4)
	for i := 0; i < n; i++ {
		h := binary.LittleEndian.Uint16(s[2*i : 2*i+2])
		var u uint32
		if e := h & 0x7c00; e != 0 && e != 0x7c00 {
			u = uint32(h&0x8000)<<16 | (uint32(h&0x7fff)<<13 + (127-15)<<23)
		} else {
			u = f16ToF32(h)
		}
		binary.LittleEndian.PutUint32(d[4*i:4*i+4], u)
	}
}

func castBF16F32(d, s []byte) {
	n := min(len(s)/2, len(d)/4)
	i := 0
	for ; i+4 <= n; i += 4 { // four at a time: each bfloat16 is a float32's upper half
		w := binary.LittleEndian.Uint64(s[2*i : 2*i+8])
		binary.LittleEndian.PutUint64(d[4*i:4*i+8], w&0xffff<<16|w&0xffff0000<<32)
		binary.LittleEndian.PutUint64(d[4*i+8:4*i+16], w>>16&0xffff0000|w>>48<<48)
	}
	for ; i < n; i++ {
		binary.LittleEndian.PutUint32(d[4*i:4*i+4], uint32(binary.LittleEndian.Uint16(s[2*i:2*i+2]))<<16)
	}
}

func castF64F32(d, s []byte) {
	n := min(len(s)/8, len(d)/4)
	for i := 0; i < n; i++ {
		f := math.Float64frombits(binary.LittleEndian.Uint64(s[8*i : 8*i+8]))
		binary.LittleEndian.PutUint32(d[4*i:4*i+4], math.Float32bits(float32(f)))
	}
}

func castF32F64(d, s []byte) {
	n := min(len(s)/4, len(d)/8)
	for i := 0; i < n; i++ {
		f := math.Float32frombits(binary.LittleEndian.Uint32(s[4*i : 4*i+4]))
		binary.LittleEndian.PutUint64(d[8*i:8*i+8], math.Float64bits(float64(f)))
	}
}

func castU8F32(d, s []byte) {
	n := min(len(s), len(d)/4)
	d = d[:4*n]
	for i, b := range s[:n] {
		binary.LittleEndian.PutUint32(d[4*i:4*i+4], u8F32[b])
	}
}

// u8F32 holds the float32 bits of every uint8.
var u8F32 = func() (t [256]uint32) {
	for i := range t {
		t[i] = math.Float32bits(float32(i))
	}
	return t
}()

// f32ToF16 rounds float32 bits to float16 bits to nearest even, as numpy's
// npy_floatbits_to_halfbits does. The common case, a result that is a
// normal float16 or rounds up to infinity, is one addition: the rounding
// carry runs into the exponent by itself.
func f32ToF16(u uint32) uint16 {
	a := u & 0x7fffffff
	if a-0x38800000 < 0x47800000-0x38800000 { // 2^-14 <= |x| < 2^16
		a += 0xfff + (a>>13)&1
		return uint16(u>>16)&0x8000 | uint16(a>>13-(127-15)<<10)
	}
	return f32ToF16Slow(u)
}

func f32ToF16Slow(u uint32) uint16 {
	sign := uint16(u>>16) & 0x8000
	if u&0x7fffffff > 0x7f800000 {
		return sign | nanToF16(uint64(u&0x7fffff)>>13)
	}
	h, _ := narrowFloat(float64(math.Float32frombits(u)), 5, 10) // exact widening
	return uint16(h)
}

// f64ToF16 rounds float64 bits to float16 bits directly, as numpy's
// npy_doublebits_to_halfbits does.
func f64ToF16(u uint64) uint16 {
	if u&(1<<63-1) > 0x7ff0000000000000 {
		return uint16(u>>48)&0x8000 | nanToF16(u&(1<<52-1)>>42)
	}
	h, _ := narrowFloat(math.Float64frombits(u), 5, 10)
	return uint16(h)
}

// nanToF16 is numpy's float16 NaN for the top 10 bits of a NaN's payload:
// kept as they are, but never zero, which would be infinity.
func nanToF16(top uint64) uint16 {
	if top == 0 {
		top = 1
	}
	return 0x7c00 | uint16(top)
}

// f16ToF32 widens float16 bits exactly, as numpy's
// npy_halfbits_to_floatbits does (a NaN keeps its payload unquieted).
func f16ToF32(h uint16) uint32 {
	if e := h & 0x7c00; e != 0 && e != 0x7c00 {
		return uint32(h&0x8000)<<16 | (uint32(h&0x7fff)<<13 + (127-15)<<23)
	}
	return math.Float32bits(halfToFloat32(h))
}

// f16ToF64Bits widens float16 bits to float64 bits exactly, as numpy's
// npy_halfbits_to_doublebits does.
func f16ToF64Bits(h uint16) uint64 {
	sign := uint64(h&0x8000) << 48
	if h&0x7c00 == 0x7c00 {
		return sign | 0x7ff0000000000000 | uint64(h&0x3ff)<<42
	}
	return math.Float64bits(float64(math.Float32frombits(f16ToF32(h)))) // exact
}

// f32ToBF16 rounds float32 bits to bfloat16 to nearest even, as ml_dtypes
// does; a NaN becomes the quiet NaN of its sign.
func f32ToBF16(u uint32) uint16 {
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16)&0x8000 | nanBF
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

var kwAs = []byte("AS")

// trailingArgs is what the keywords at the end of NUM.READ and NUM.GATHER
// say: [AS dtype] [VALUES], in either order.
type trailingArgs struct {
	as     dtype
	hasAs  bool
	values bool
}

// parseTrailing takes AS dtype and VALUES, each at most once and in either
// order, off the end of args, and returns the arguments before them. AS
// as the last argument, or followed only by VALUES, is missing its dtype:
// a syntax error. An unknown dtype after AS is msgUnknownDtype. Both are
// reported after the caller's own errors in the arguments before them
// (errors go left to right), so they come back as msg for the caller to
// report once its own arguments pass.
func parseTrailing(args [][]byte) (rest [][]byte, t trailingArgs, msg string) {
	rest = args
	var asArg []byte
	for {
		n := len(rest)
		switch {
		case n > 0 && !t.values && isValuesKeyword(rest[n-1]):
			t.values = true
			rest = rest[:n-1]
			continue
		case n > 1 && asArg == nil && bytes.EqualFold(rest[n-2], kwAs):
			asArg = rest[n-1]
			rest = rest[:n-2]
			continue
		}
		break
	}
	if n := len(rest); n > 0 && bytes.EqualFold(rest[n-1], kwAs) {
		return rest[:n-1], t, msgSyntax
	}
	if asArg != nil {
		dt, ok := parseDtype(asArg)
		if !ok {
			return rest, t, fmt.Sprintf(msgUnknownDtype, asArg)
		}
		t.as, t.hasAs = dt, true
	}
	return rest, t, ""
}

// castTarget returns the variable that NUM.READ or NUM.GATHER reads and
// the dtype its reply is in, or nil when it has already replied: null (a
// null array with VALUES) for a missing key, then the cast that same_kind
// refuses, then VALUES on an opaque dtype (the reply's, which is the
// variable's, since V<n> casts only to itself).
func (s *Server) castTarget(c *client, key []byte, t trailingArgs) (*variable, dtype) {
	v := s.lookupRead(c, key)
	switch {
	case v == nil && t.values:
		c.nullArray()
		return nil, dtype{}
	case v == nil:
		c.null()
		return nil, dtype{}
	}
	to := v.typ().dt
	if t.hasAs {
		if msg := castMsg(to, t.as); msg != "" {
			c.err(msg)
			return nil, dtype{}
		}
		to = t.as
	}
	if t.values && to.kind == kindOpaque {
		c.err(fmt.Sprintf(msgValuesOpaque, to.name))
		return nil, dtype{}
	}
	return v, to
}

// castMsg is the error for a cast that same_kind refuses, or "".
func castMsg(from, to dtype) string {
	if castable(from, to) {
		return ""
	}
	return fmt.Sprintf(msgCannotCast, from.name, to.name)
}
