package commands

import (
	"strconv"
	"strings"
)

// kind is how a dtype's scalars are spelled as text with VALUES.
type kind uint8

const (
	kindInt kind = iota
	kindUint
	kindFloat
	kindComplex
	kindBool
	kindOpaque
)

// dtype is one scalar type: its short name, its numpy name and its width.
type dtype struct {
	name  string // short lower-case name, as replied by NUM.INFO
	numpy string
	kind  kind
	size  int // bytes per scalar
}

var dtypes = []dtype{
	{"i8", "int8", kindInt, 1}, {"u8", "uint8", kindUint, 1},
	{"i16", "int16", kindInt, 2}, {"u16", "uint16", kindUint, 2},
	{"i32", "int32", kindInt, 4}, {"u32", "uint32", kindUint, 4},
	{"i64", "int64", kindInt, 8}, {"u64", "uint64", kindUint, 8},
	{"f16", "float16", kindFloat, 2}, {"bf16", "bfloat16", kindFloat, 2},
	{"f32", "float32", kindFloat, 4}, {"f64", "float64", kindFloat, 8},
	{"c64", "complex64", kindComplex, 8}, {"c128", "complex128", kindComplex, 16},
	{"bool", "bool", kindBool, 1},
}

var dtU8 = dtypes[1]

// maxOpaque is the largest V<n> element, from the contract.
const maxOpaque = 1 << 20

// parseDtype accepts a short or numpy name in any case, or V<n>.
func parseDtype(b []byte) (dtype, bool) {
	s := strings.ToLower(string(b))
	for _, d := range dtypes {
		if s == d.name || s == d.numpy {
			return d, true
		}
	}
	if len(s) > 1 && s[0] == 'v' && s[1] >= '1' && s[1] <= '9' {
		n, err := strconv.Atoi(s[1:])
		if err == nil && n >= 1 && n <= maxOpaque {
			return dtype{name: "V" + s[1:], numpy: "V" + s[1:], kind: kindOpaque, size: n}, true
		}
	}
	return dtype{}, false
}

// elemType is a variable's element type: a dtype and an optional row shape.
// One element is dtype.size * product(shape) bytes.
type elemType struct {
	dt    dtype
	shape []int64
	size  int // bytes per element
	count int // scalars per element
}

func newElemType(dt dtype, shape []int64) elemType {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return elemType{dt: dt, shape: shape, size: dt.size * n, count: n}
}

// u8Type is the element type of every plain Redis string, shared by all of
// them: a variable points at its type, so a small string does not carry
// one of its own.
var u8Type = func() *elemType { t := newElemType(dtU8, nil); return &t }()
