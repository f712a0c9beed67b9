package commands

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"numkv/resp"
)

// Data arguments and VALUES scalars: parsing text into element bytes, and
// spelling element bytes back as text for VALUES replies. Everything here
// is pure; the handlers in cmd_num.go decide when to call what.
//
// Scalar text, by dtype kind:
//   - integers: [+-]?[0-9]+ in decimal; anything else is an invalid value,
//     a decimal integer outside the dtype is out of range;
//   - bool: 0, 1, true or false (any case); another integer is out of
//     range. Replies spell bool as 0 or 1;
//   - floats: whatever strconv.ParseFloat accepts (nan, inf, hex floats...).
//     f32 is parsed straight to float32, f16 and bf16 are parsed to float64
//     and rounded to nearest-even, as numpy does for float16. A finite
//     value that rounds to infinity is out of range. NaN is stored as the
//     dtype's canonical quiet NaN;
//   - complex: whatever strconv.ParseComplex accepts, with j or J allowed
//     for i, so that Python's (1+2j) and the replies' own spelling parse.

// dataArg is a parsed data argument: one raw little-endian blob, or the
// scalars that follow the VALUES keyword.
type dataArg struct {
	raw      []byte   // aliases the request
	values   [][]byte // aliases the request
	isValues bool
}

var kwValues = []byte("VALUES")

func isValuesKeyword(b []byte) bool { return bytes.EqualFold(b, kwValues) }

// parseData parses the trailing data arguments of NUM.WRITE, NUM.INSERT
// and NUM.APPEND. A first argument spelling VALUES in any case is always
// the keyword, so VALUES alone is an empty list of scalars; otherwise
// exactly one blob must follow.
func parseData(args [][]byte) (dataArg, string) {
	if len(args) > 0 && isValuesKeyword(args[0]) {
		return dataArg{values: args[1:], isValues: true}, ""
	}
	if len(args) == 1 {
		return dataArg{raw: args[0]}, ""
	}
	return dataArg{}, msgSyntax
}

// empty reports whether the data holds nothing to write.
func (d dataArg) empty() bool {
	if d.isValues {
		return len(d.values) == 0
	}
	return len(d.raw) == 0
}

// checkScalars judges VALUES scalars without a dtype (the key is missing,
// or opaque): the first that is not a number of any kind is invalid.
func checkScalars(vals [][]byte) string {
	for _, v := range vals {
		if !scalarSyntaxOK(v) {
			return fmt.Sprintf(msgInvalidValue, v)
		}
	}
	return ""
}

// scalarSyntaxOK reports whether b is a scalar for some dtype. Range is
// not judged: that needs the dtype.
func scalarSyntaxOK(b []byte) bool {
	if isBoolWord(b) {
		return true
	}
	_, err := strconv.ParseComplex(complexText(b), 128)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// bytes returns the element bytes of the data for element type t, or the
// wire error: VALUES on V<n>, then each scalar left to right, then the
// count of scalars or bytes against the element size.
func (d dataArg) bytes(t elemType) ([]byte, string) {
	if !d.isValues {
		if len(d.raw)%t.size != 0 {
			return nil, fmt.Sprintf(msgDataMultiple, t.size)
		}
		return d.raw, ""
	}
	return encodeValues(t, d.values)
}

// encodeValues turns VALUES scalars into element bytes of type t.
func encodeValues(t elemType, vals [][]byte) ([]byte, string) {
	if t.dt.kind == kindOpaque {
		return nil, fmt.Sprintf(msgValuesOpaque, t.dt.name)
	}
	out := make([]byte, 0, len(vals)*t.dt.size)
	for _, v := range vals {
		var msg string
		if out, msg = appendScalar(out, t.dt, v); msg != "" {
			return nil, msg
		}
	}
	if len(vals)%t.count != 0 {
		return nil, fmt.Sprintf(msgValuesMultiple, t.count)
	}
	return out, ""
}

// Canonical quiet NaNs, as numpy and the hardware produce them.
const (
	nan64 = 0x7ff8000000000000
	nan32 = 0x7fc00000
	nan16 = 0x7e00
	nanBF = 0x7fc0
)

// appendScalar appends the little-endian bytes of one scalar of dt parsed
// from b.
func appendScalar(dst []byte, dt dtype, b []byte) ([]byte, string) {
	invalid := func() ([]byte, string) { return dst, fmt.Sprintf(msgInvalidValue, b) }
	outOfRange := func() ([]byte, string) { return dst, fmt.Sprintf(msgValueRange, dt.name) }
	bits := uint(8 * dt.size)
	switch dt.kind {
	case kindInt, kindUint, kindBool:
		if dt.kind == kindBool && isBoolWord(b) {
			return append(dst, boolWordValue(b)), ""
		}
		neg, mag, ok, big := parseDecimal(b)
		if !ok {
			return invalid()
		}
		if big {
			return outOfRange()
		}
		var u uint64
		switch {
		case dt.kind == kindBool:
			if mag > 1 || (neg && mag != 0) {
				return outOfRange()
			}
			u = mag
		case dt.kind == kindUint:
			if (neg && mag != 0) || (bits < 64 && mag >= 1<<bits) {
				return outOfRange()
			}
			u = mag
		default:
			limit := uint64(1) << (bits - 1) // |min|; max is limit-1
			if (neg && mag > limit) || (!neg && mag >= limit) {
				return outOfRange()
			}
			u = mag
			if neg {
				u = -mag
			}
		}
		return appendUint(dst, u, dt.size), ""
	case kindFloat:
		s := string(b)
		if dt.size == 4 {
			f, err := strconv.ParseFloat(s, 32)
			if err != nil {
				if errors.Is(err, strconv.ErrRange) {
					return outOfRange()
				}
				return invalid()
			}
			return binary.LittleEndian.AppendUint32(dst, float32Bits(float32(f))), ""
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return outOfRange()
			}
			return invalid()
		}
		var u uint64
		var over bool
		switch dt.name {
		case "f64":
			u = float64Bits(f)
		case "f16":
			u, over = narrowFloat(f, 5, 10)
		case "bf16":
			u, over = narrowFloat(f, 8, 7)
		}
		if over {
			return outOfRange()
		}
		return appendUint(dst, u, dt.size), ""
	case kindComplex:
		c, err := strconv.ParseComplex(complexText(b), int(bits))
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return outOfRange()
			}
			return invalid()
		}
		if dt.size == 8 {
			dst = binary.LittleEndian.AppendUint32(dst, float32Bits(float32(real(c))))
			return binary.LittleEndian.AppendUint32(dst, float32Bits(float32(imag(c)))), ""
		}
		dst = binary.LittleEndian.AppendUint64(dst, float64Bits(real(c)))
		return binary.LittleEndian.AppendUint64(dst, float64Bits(imag(c))), ""
	}
	return invalid()
}

// parseDecimal parses [+-]?[0-9]+ into a sign and magnitude; big reports a
// magnitude beyond uint64.
func parseDecimal(b []byte) (neg bool, mag uint64, ok, big bool) {
	i := 0
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		i = 1
	}
	if i == len(b) {
		return false, 0, false, false
	}
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return false, 0, false, false
		}
		if !big && mag > (math.MaxUint64-uint64(d))/10 {
			big = true
		}
		mag = mag*10 + uint64(d)
	}
	return neg, mag, true, big
}

func isBoolWord(b []byte) bool {
	return bytes.EqualFold(b, []byte("true")) || bytes.EqualFold(b, []byte("false"))
}

func boolWordValue(b []byte) byte {
	if bytes.EqualFold(b, []byte("true")) {
		return 1
	}
	return 0
}

// complexText maps Python's j (or J) suffix to Go's i.
func complexText(b []byte) string {
	n := len(b)
	if n > 0 && b[n-1] == ')' {
		n--
	}
	if n > 0 && (b[n-1] == 'j' || b[n-1] == 'J') {
		s := []byte(string(b))
		s[n-1] = 'i'
		return string(s)
	}
	return string(b)
}

func float64Bits(f float64) uint64 {
	if f != f {
		return nan64
	}
	return math.Float64bits(f)
}

func float32Bits(f float32) uint32 {
	if f != f {
		return nan32
	}
	return math.Float32bits(f)
}

func appendUint(dst []byte, u uint64, size int) []byte {
	for i := 0; i < size; i++ {
		dst = append(dst, byte(u>>(8*i)))
	}
	return dst
}

// narrowFloat rounds f to the binary format with expBits exponent bits and
// mantBits fraction bits (f16: 5, 10; bf16: 8, 7), to nearest with ties to
// even, with gradual underflow. It returns the bits and whether a finite f
// overflowed to infinity. NaN becomes the canonical quiet NaN.
func narrowFloat(f float64, expBits, mantBits uint) (uint64, bool) {
	b := math.Float64bits(f)
	sign := (b >> 63) << (expBits + mantBits)
	exp := int(b>>52) & 0x7ff
	frac := b & (1<<52 - 1)
	expAll := uint64(1)<<expBits - 1
	inf := expAll << mantBits
	if exp == 0x7ff {
		if frac != 0 {
			return inf | 1<<(mantBits-1), false
		}
		return sign | inf, false
	}
	m, e := frac|1<<52, exp-1023 // f = m * 2^(e-52)
	if exp == 0 {
		m, e = frac, -1022
	}
	if m == 0 {
		return sign, false
	}
	bias := 1<<(expBits-1) - 1
	emin := 1 - bias
	// Drop the bits below the target's unit in the last place: 2^(e-mant)
	// for a normal result, 2^(emin-mant) for a subnormal one.
	shift := 52 - int(mantBits) + max(emin-e, 0)
	if shift > 53 {
		return sign, false // below half the smallest subnormal
	}
	r := m >> shift
	rem, half := m&(1<<shift-1), uint64(1)<<(shift-1)
	if rem > half || (rem == half && r&1 == 1) {
		r++
	}
	if e < emin {
		return sign | r, false // r == 1<<mantBits is the smallest normal
	}
	if r == 1<<(mantBits+1) {
		r >>= 1
		e++
	}
	be := uint64(e + bias)
	if be >= expAll {
		return sign | inf, true
	}
	return sign | be<<mantBits | r&(1<<mantBits-1), false
}

// halfToFloat32 widens f16 bits exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0:
		f := float32(frac) * (1.0 / (1 << 24)) // exact: frac has 10 bits
		return math.Float32frombits(sign | math.Float32bits(f))
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// bf16ToFloat32 widens bfloat16 bits exactly.
func bf16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// scalarBound is an upper bound of the bytes one scalar of dt takes in a
// VALUES reply, framing included, for sizing the output once.
func scalarBound(dt dtype) int {
	switch dt.kind {
	case kindBool:
		return 8
	case kindInt, kindUint:
		return 8 + 3*dt.size
	case kindComplex:
		return 12 + 3*dt.size + 12
	}
	return 8 + 24
}

// appendText spells one scalar of dt at p (little-endian) as text: the
// VALUES reply's RESP2 form.
func appendText(dst []byte, dt dtype, p []byte) []byte {
	switch dt.kind {
	case kindInt:
		return strconv.AppendInt(dst, readInt(p), 10)
	case kindUint:
		return strconv.AppendUint(dst, readUint(p), 10)
	case kindBool:
		if p[0] != 0 {
			return append(dst, '1')
		}
		return append(dst, '0')
	case kindFloat:
		f, bits := readFloat(dt, p)
		return resp.AppendFloat(dst, f, bits)
	case kindComplex:
		half := dt.size / 2
		re, bits := readFloat(dtype{kind: kindFloat, size: half}, p[:half])
		im, _ := readFloat(dtype{kind: kindFloat, size: half}, p[half:])
		return appendComplex(dst, re, im, bits)
	}
	return dst
}

// appendComplex spells a complex number as Go's FormatComplex does, with
// j for i and Redis's nan, inf and -inf: (1-2j), (1+nanj), (0-infj).
func appendComplex(dst []byte, re, im float64, bits int) []byte {
	dst = append(dst, '(')
	dst = resp.AppendFloat(dst, re, bits)
	if math.IsNaN(im) || !math.Signbit(im) {
		dst = append(dst, '+')
	}
	dst = resp.AppendFloat(dst, im, bits)
	return append(dst, 'j', ')')
}

func readUint(p []byte) uint64 {
	var u uint64
	for i := len(p) - 1; i >= 0; i-- {
		u = u<<8 | uint64(p[i])
	}
	return u
}

// readInt sign-extends a little-endian integer of len(p) bytes.
func readInt(p []byte) int64 {
	shift := 64 - 8*uint(len(p))
	return int64(readUint(p)<<shift) >> shift
}

// readFloat reads a float scalar, widened to float64, with the bit size
// its shortest spelling uses (32 for f32, f16 and bf16).
func readFloat(dt dtype, p []byte) (float64, int) {
	switch {
	case dt.size == 8:
		return math.Float64frombits(binary.LittleEndian.Uint64(p)), 64
	case dt.size == 4:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(p))), 32
	case dt.name == "bf16":
		return float64(bf16ToFloat32(binary.LittleEndian.Uint16(p))), 32
	}
	return float64(halfToFloat32(binary.LittleEndian.Uint16(p))), 32
}

// appendValues writes the scalars of the whole elements in p as a VALUES
// reply's items (the caller writes the array header): bulk text in RESP2;
// in RESP3 integers (bool as 0 and 1, like its text), big numbers above
// MaxInt64, doubles, and bulk text for complex numbers, which RESP3 has no
// type for.
func (c *client) appendValues(dt dtype, p []byte) {
	var tmp [64]byte
	for i := 0; i+dt.size <= len(p); i += dt.size {
		q := p[i : i+dt.size]
		if c.resp3() {
			switch dt.kind {
			case kindInt:
				c.integer(readInt(q))
				continue
			case kindUint:
				c.unsigned(readUint(q))
				continue
			case kindBool:
				if q[0] != 0 {
					c.integer(1)
				} else {
					c.integer(0)
				}
				continue
			case kindFloat:
				f, bits := readFloat(dt, q)
				c.double(f, bits)
				continue
			}
		}
		c.bulk(appendText(tmp[:0], dt, q))
	}
}
