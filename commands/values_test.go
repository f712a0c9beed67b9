package commands

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
)

func mustDtype(t testing.TB, name string) dtype {
	t.Helper()
	dt, ok := parseDtype([]byte(name))
	if !ok {
		t.Fatalf("unknown dtype %q", name)
	}
	return dt
}

func TestAppendScalar(t *testing.T) {
	for _, tc := range []struct {
		dt, in string
		want   string // hex bytes, or the error
	}{
		{"i8", "-128", "80"}, {"i8", "127", "7f"}, {"i8", "+5", "05"}, {"i8", "-0", "00"}, {"i8", "007", "07"},
		{"i8", "128", "ERR value out of range for i8"}, {"i8", "-129", "ERR value out of range for i8"},
		{"i8", "1.0", "ERR invalid value '1.0'"}, {"i8", "1e2", "ERR invalid value '1e2'"},
		{"i8", "", "ERR invalid value ''"}, {"i8", " 1", "ERR invalid value ' 1'"}, {"i8", "true", "ERR invalid value 'true'"},
		{"u8", "255", "ff"}, {"u8", "256", "ERR value out of range for u8"}, {"u8", "-1", "ERR value out of range for u8"},
		{"u8", "-0", "00"},
		{"i16", "-32768", "0080"}, {"i16", "32768", "ERR value out of range for i16"},
		{"u16", "65535", "ffff"}, {"u16", "65536", "ERR value out of range for u16"},
		{"i32", "-2147483648", "00000080"}, {"i32", "2147483648", "ERR value out of range for i32"},
		{"u32", "4294967295", "ffffffff"}, {"u32", "4294967296", "ERR value out of range for u32"},
		{"i64", "-9223372036854775808", "0000000000000080"}, {"i64", "9223372036854775807", "ffffffffffffff7f"},
		{"i64", "9223372036854775808", "ERR value out of range for i64"},
		{"i64", "-9223372036854775809", "ERR value out of range for i64"},
		{"i64", "100000000000000000000000000", "ERR value out of range for i64"},
		{"u64", "18446744073709551615", "ffffffffffffffff"}, {"u64", "18446744073709551616", "ERR value out of range for u64"},
		{"u64", "-1", "ERR value out of range for u64"}, {"u64", "-99999999999999999999999", "ERR value out of range for u64"},
		{"bool", "0", "00"}, {"bool", "1", "01"}, {"bool", "true", "01"}, {"bool", "FALSE", "00"}, {"bool", "True", "01"},
		{"bool", "2", "ERR value out of range for bool"}, {"bool", "-1", "ERR value out of range for bool"},
		{"bool", "yes", "ERR invalid value 'yes'"}, {"bool", "1.0", "ERR invalid value '1.0'"},
		{"f64", "1", "000000000000f03f"}, {"f64", "-2.5", "00000000000004c0"}, {"f64", "0x1p-2", "000000000000d03f"},
		{"f64", "nan", "000000000000f87f"}, {"f64", "NaN", "000000000000f87f"}, {"f64", "inf", "000000000000f07f"},
		{"f64", "-Infinity", "000000000000f0ff"}, {"f64", "1e-400", "0000000000000000"},
		{"f64", "1e400", "ERR value out of range for f64"}, {"f64", "-nan", "ERR invalid value '-nan'"},
		{"f64", "1,5", "ERR invalid value '1,5'"}, {"f64", "(1+0j)", "ERR invalid value '(1+0j)'"},
		{"f32", "1", "0000803f"}, {"f32", "nan", "0000c07f"}, {"f32", "3.4028235e38", "ffff7f7f"},
		{"f32", "3.5e38", "ERR value out of range for f32"}, {"f32", "-inf", "000080ff"},
		{"f32", "16777217", "0000804b"}, // ties to even straight from the text
		{"f16", "1", "003c"}, {"f16", "65504", "ff7b"}, {"f16", "65519.99", "ff7b"}, {"f16", "nan", "007e"},
		{"f16", "65520", "ERR value out of range for f16"}, {"f16", "-65520", "ERR value out of range for f16"},
		{"f16", "inf", "007c"}, {"f16", "5.960464477539063e-08", "0100"}, {"f16", "2.98e-08", "0000"},
		{"bf16", "1", "803f"}, {"bf16", "nan", "c07f"}, {"bf16", "-2", "00c0"}, {"bf16", "1.00390625", "803f"},
		{"bf16", "1.01171875", "823f"}, {"bf16", "3.3895313892515355e38", "7f7f"},
		{"bf16", "3.39617752923046e38", "ERR value out of range for bf16"}, {"bf16", "3.396177529230459e38", "7f7f"}, {"bf16", "1e39", "ERR value out of range for bf16"},
		{"c64", "(1+2j)", "0000803f00000040"}, {"c64", "1+2i", "0000803f00000040"}, {"c64", "2J", "0000000000000040"},
		{"c64", "3", "0000404000000000"}, {"c64", "(nan+nanj)", "0000c07f0000c07f"}, {"c64", "(0-infj)", "00000000000080ff"},
		{"c64", "1e39+0j", "ERR value out of range for c64"}, {"c64", "(1+2k)", "ERR invalid value '(1+2k)'"},
		{"c64", "1+j", "ERR invalid value '1+j'"},
		{"c128", "(1-2j)", "000000000000f03f00000000000000c0"}, {"c128", "(1+nanj)", "000000000000f03f000000000000f87f"},
	} {
		dt := mustDtype(t, tc.dt)
		p, msg := appendScalar([]byte{0xaa}, dt, []byte(tc.in))
		got := msg
		if msg == "" {
			if p[0] != 0xaa {
				t.Errorf("%s %q: prefix overwritten", tc.dt, tc.in)
			}
			got = hex.EncodeToString(p[1:])
		} else if len(p) != 1 {
			t.Errorf("%s %q: error with %d bytes appended", tc.dt, tc.in, len(p)-1)
		}
		if got != tc.want {
			t.Errorf("%s %q = %s, want %s", tc.dt, tc.in, got, tc.want)
		}
	}
}

func TestParseData(t *testing.T) {
	b := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, x := range s {
			out[i] = []byte(x)
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"abc"}, "raw abc"},
		{[]string{""}, "raw "},
		{[]string{"VALUES"}, "values []"},
		{[]string{"values", "1", "2"}, "values [1 2]"},
		{[]string{"ValueS", "VALUES"}, "values [VALUES]"},
		{[]string{"a", "b"}, msgSyntax},
		{[]string{"a", "VALUES", "1"}, msgSyntax},
	} {
		d, msg := parseData(b(tc.args...))
		got := msg
		if msg == "" && d.isValues {
			got = fmt.Sprintf("values %s", d.values)
		} else if msg == "" {
			got = "raw " + string(d.raw)
		}
		if got != tc.want {
			t.Errorf("parseData(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestDataBytes(t *testing.T) {
	f32x3 := newElemType(mustDtype(t, "f32"), []int64{3})
	v8 := newElemType(mustDtype(t, "V8"), nil)
	i16 := newElemType(mustDtype(t, "i16"), nil)
	vals := func(s string) dataArg {
		var v [][]byte
		for _, f := range strings.Fields(s) {
			v = append(v, []byte(f))
		}
		return dataArg{values: v, isValues: true}
	}
	for _, tc := range []struct {
		typ  elemType
		d    dataArg
		want string
	}{
		{f32x3, vals("1 2 3"), "0000803f0000004000004040"},
		{f32x3, vals(""), ""},
		{f32x3, vals("1 2"), "ERR number of values is not a multiple of the element size (3)"},
		{f32x3, vals("1 x"), "ERR invalid value 'x'"}, // scalars before their count
		{f32x3, vals("1e39 x"), "ERR value out of range for f32"},
		{f32x3, dataArg{raw: make([]byte, 12)}, "000000000000000000000000"},
		{f32x3, dataArg{raw: make([]byte, 8)}, "ERR data length is not a multiple of the element size (12)"},
		{v8, vals("1"), "ERR VALUES is not supported for V8"},
		{v8, vals(""), "ERR VALUES is not supported for V8"},
		{v8, dataArg{raw: []byte("abcdefgh")}, "6162636465666768"},
		{i16, dataArg{raw: []byte("abc")}, "ERR data length is not a multiple of the element size (2)"},
	} {
		p, msg := tc.d.bytes(tc.typ)
		got := msg
		if msg == "" {
			got = hex.EncodeToString(p)
		}
		if got != tc.want {
			t.Errorf("%s %+v = %s, want %s", tc.typ.dt.name, tc.d, got, tc.want)
		}
	}
}

func TestCheckScalars(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"1 -2 1.5 nan -inf 1e999 0x1p3 (1+2j) 3J true FALSE 99999999999999999999999", ""},
		{"1 abc 2", "ERR invalid value 'abc'"},
		{"1 (1+2j", "ERR invalid value '(1+2j'"},
		{"-nan", "ERR invalid value '-nan'"},
	} {
		var vals [][]byte
		for _, f := range strings.Fields(tc.in) {
			vals = append(vals, []byte(f))
		}
		if got := checkScalars(vals); got != tc.want {
			t.Errorf("checkScalars(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAppendText(t *testing.T) {
	for _, tc := range []struct {
		dt, hex, want string
	}{
		{"i8", "80", "-128"}, {"u8", "ff", "255"}, {"i16", "0080", "-32768"}, {"u16", "ffff", "65535"},
		{"i32", "ffffffff", "-1"}, {"u32", "ffffffff", "4294967295"},
		{"i64", "0000000000000080", "-9223372036854775808"}, {"u64", "ffffffffffffffff", "18446744073709551615"},
		{"bool", "00", "0"}, {"bool", "01", "1"}, {"bool", "02", "1"},
		{"f64", "9a9999999999b93f", "0.1"}, {"f64", "000000000000f07f", "inf"}, {"f64", "000000000000f0ff", "-inf"},
		{"f64", "010000000000f87f", "nan"}, {"f64", "000000000000f8ff", "nan"}, {"f64", "0000000000000080", "-0"},
		{"f64", "0000000080842e41", "1e+06"}, {"f64", "0000000000006a40", "208"},
		{"f32", "cdcccc3d", "0.1"}, {"f32", "0000c07f", "nan"}, {"f32", "ffff7f7f", "3.4028235e+38"},
		{"f16", "663e", "1.5996094"}, {"f16", "ff7b", "65504"}, {"f16", "0100", "5.9604645e-08"}, {"f16", "007c", "inf"},
		{"f16", "00fc", "-inf"}, {"f16", "007e", "nan"}, {"f16", "0080", "-0"}, {"f16", "5535", "0.33325195"},
		{"bf16", "cd3d", "0.100097656"}, {"bf16", "807f", "inf"}, {"bf16", "c0ff", "nan"}, {"bf16", "7f7f", "3.3895314e+38"},
		{"c64", "0000803f000000c0", "(1-2j)"}, {"c64", "0000803f0000c07f", "(1+nanj)"}, {"c64", "00000000000080ff", "(0-infj)"},
		{"c64", "0000807f00000000", "(inf+0j)"}, {"c64", "0000000000000080", "(0-0j)"},
		{"c128", "9a9999999999b93f000000000000f07f", "(0.1+infj)"},
	} {
		p, _ := hex.DecodeString(tc.hex)
		if got := string(appendText(nil, mustDtype(t, tc.dt), p)); got != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.dt, tc.hex, got, tc.want)
		}
	}
}

// TestValuesRoundTrip spells random scalars of every dtype and parses them
// back: the bytes must come back, with NaNs canonical.
func TestValuesRoundTrip(t *testing.T) {
	rng := testRand(t)
	for _, dt := range dtypes {
		for i := 0; i < 5000; i++ {
			p := make([]byte, dt.size)
			for j := range p {
				p[j] = byte(rng.Uint32())
			}
			if dt.kind == kindBool {
				p[0] &= 1
			}
			text := appendText(nil, dt, p)
			q, msg := appendScalar(nil, dt, text)
			if msg != "" {
				t.Fatalf("%s %x spelled %q: %s", dt.name, p, text, msg)
			}
			if want := canonicalNaNs(dt, p); string(q) != string(want) {
				t.Fatalf("%s %x spelled %q parsed back as %x", dt.name, want, text, q)
			}
		}
	}
}

// canonicalNaNs returns p with every NaN scalar part replaced by the
// canonical quiet NaN of its width.
func canonicalNaNs(dt dtype, p []byte) []byte {
	if dt.kind != kindFloat && dt.kind != kindComplex {
		return p
	}
	out := append([]byte(nil), p...)
	w := dt.size
	if dt.kind == kindComplex {
		w /= 2
	}
	for i := 0; i < len(out); i += w {
		part := dtype{name: dt.name, kind: kindFloat, size: w}
		if f, _ := readFloat(part, out[i:i+w]); f == f {
			continue
		}
		switch {
		case w == 8:
			appendUint(out[i:i], nan64, 8)
		case w == 4:
			appendUint(out[i:i], nan32, 4)
		case dt.name == "bf16":
			appendUint(out[i:i], nanBF, 2)
		default:
			appendUint(out[i:i], nan16, 2)
		}
	}
	return out
}

// TestNarrowFloatNumpy checks float64 -> float16 against numpy's
// astype(float16) (f16Cases, generated by /usr/bin/python3).
func TestNarrowFloatNumpy(t *testing.T) {
	for _, tc := range f16Cases {
		f := math.Float64frombits(tc.in)
		got, over := narrowFloat(f, 5, 10)
		if uint16(got) != tc.want {
			t.Errorf("f16(%v) = %#04x, want %#04x", f, got, tc.want)
		}
		if wantOver := tc.want&0x7fff == 0x7c00 && !math.IsInf(f, 0); over != wantOver {
			t.Errorf("f16(%v) overflow = %v", f, over)
		}
	}
}

// refNarrow rounds exactly with math/big: it finds the neighbours of |f|
// among the format's values by binary search over the bit patterns (which
// order like the values) and picks the nearer, ties to the even pattern.
func refNarrow(f float64, expBits, mantBits uint) (uint64, bool) {
	expAll := uint64(1)<<expBits - 1
	inf := expAll << mantBits
	if math.IsNaN(f) {
		return inf | 1<<(mantBits-1), false
	}
	sign := uint64(0)
	if math.Signbit(f) {
		sign = 1 << (expBits + mantBits)
	}
	if math.IsInf(f, 0) {
		return sign | inf, false
	}
	bias := int(1)<<(expBits-1) - 1
	value := func(b uint64) *big.Float {
		e, frac := b>>mantBits, b&(1<<mantBits-1)
		m, exp := frac, 1-bias-int(mantBits)
		if e != 0 {
			m, exp = frac|1<<mantBits, int(e)-bias-int(mantBits)
		}
		v := new(big.Float).SetPrec(4096).SetInt64(int64(m))
		return v.SetMantExp(v, exp)
	}
	x := new(big.Float).SetPrec(4096).SetFloat64(math.Abs(f))
	lo, hi := uint64(0), inf // value(lo) <= x; find the largest such lo
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if value(mid).Cmp(x) <= 0 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	b := lo
	if b < inf {
		d1 := new(big.Float).SetPrec(4096).Sub(x, value(b))
		d2 := new(big.Float).SetPrec(4096).Sub(value(b+1), x)
		if c := d1.Cmp(d2); c > 0 || (c == 0 && b&1 == 1) {
			b++
		}
	}
	return sign | b, b == inf
}

func TestNarrowFloatExact(t *testing.T) {
	rng := testRand(t)
	for _, f := range []struct {
		name              string
		expBits, mantBits uint
		minExp, maxExp    int
	}{{"f16", 5, 10, -27, 17}, {"bf16", 8, 7, -136, 129}} {
		var inputs []float64
		for i := 0; i < 3000; i++ {
			x := math.Ldexp(rng.Float64(), f.minExp+rng.IntN(f.maxExp-f.minExp))
			if rng.IntN(2) == 0 {
				x = -x
			}
			inputs = append(inputs, x)
		}
		// Exact midpoints between neighbours, and their neighbours.
		for i := 0; i < 3000; i++ {
			b := uint64(rng.IntN(int(uint64(1)<<(f.expBits+f.mantBits) - 1<<f.mantBits)))
			v1, _ := refValue(b, f.expBits, f.mantBits)
			v2, _ := refValue(b+1, f.expBits, f.mantBits)
			mid := v1 + (v2-v1)/2
			inputs = append(inputs, mid, math.Nextafter(mid, 0), math.Nextafter(mid, math.Inf(1)))
		}
		inputs = append(inputs, 0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64,
			math.Inf(1), math.Inf(-1), math.NaN())
		for _, x := range inputs {
			got, over := narrowFloat(x, f.expBits, f.mantBits)
			want, wantOver := refNarrow(x, f.expBits, f.mantBits)
			if got != want || over != wantOver {
				t.Fatalf("%s(%v) = %#x %v, want %#x %v", f.name, x, got, over, want, wantOver)
			}
		}
	}
}

// refValue is the float64 value of the bits of a small format (exact);
// the all-ones exponent gives 2^(emax+1), the first value past the top.
func refValue(b uint64, expBits, mantBits uint) (float64, bool) {
	bias := int(1)<<(expBits-1) - 1
	e, frac := b>>mantBits, b&(1<<mantBits-1)
	if e == 0 {
		return math.Ldexp(float64(frac), 1-bias-int(mantBits)), true
	}
	return math.Ldexp(float64(frac|1<<mantBits), int(e)-bias-int(mantBits)), true
}

// TestWiden checks that every f16 and bf16 pattern widens to a float32 that
// narrows back to it.
func TestWiden(t *testing.T) {
	for b := 0; b < 1<<16; b++ {
		h := uint16(b)
		for _, f := range []struct {
			name              string
			widen             func(uint16) float32
			expBits, mantBits uint
		}{{"f16", halfToFloat32, 5, 10}, {"bf16", bf16ToFloat32, 8, 7}} {
			w := f.widen(h)
			back, _ := narrowFloat(float64(w), f.expBits, f.mantBits)
			if w != w {
				if h&^(1<<15)>>f.mantBits != 1<<f.expBits-1 || h&(1<<f.mantBits-1) == 0 {
					t.Fatalf("%s %#04x widened to NaN", f.name, h)
				}
				continue
			}
			if uint16(back) != h {
				t.Fatalf("%s %#04x widened to %v, narrows back to %#04x", f.name, h, w, back)
			}
		}
	}
}

var f16Cases = []struct {
	in   uint64 // float64 bits
	want uint16
}{
	{0x0000000000000000, 0x0000}, // 0.0
	{0x8000000000000000, 0x8000}, // -0.0
	{0x3ff0000000000000, 0x3c00}, // 1.0
	{0xbff0000000000000, 0xbc00}, // -1.0
	{0x40effc0000000000, 0x7bff}, // 65504.0
	{0x40effdffae147ae1, 0x7bff}, // 65519.99
	{0x40effe0000000000, 0x7c00}, // 65520.0
	{0x40effde000000000, 0x7bff}, // 65519.0
	{0xc0effe0000000000, 0xfc00}, // -65520.0
	{0x40f86a0000000000, 0x7c00}, // 100000.0
	{0x3e70000000000000, 0x0001}, // 5.960464477539063e-08
	{0x3e60000000000000, 0x0000}, // 2.9802322387695312e-08
	{0x3e6000001ad7f29b, 0x0001}, // 2.980232536792755e-08
	{0x3e78000000000000, 0x0002}, // 8.940696716308594e-08
	{0x3f10000000000000, 0x0400}, // 6.103515625e-05
	{0x3f0ffc0000000000, 0x0400}, // 6.1005353927612305e-05
	{0x3ff0020000000000, 0x3c00}, // 1.00048828125
	{0x3ff0060000000000, 0x3c02}, // 1.00146484375
	{0x3ff0020000001000, 0x3c01}, // 1.0004882812509095
	{0x3fb999999999999a, 0x2e66}, // 0.1
	{0x3fd5555555555555, 0x3555}, // 0.3333333333333333
	{0xc004000000000000, 0xc100}, // -2.5
	{0x3e45798ee2308c3a, 0x0000}, // 1e-08
	{0x3e6fff5c939522db, 0x0001}, // 5.96e-08
	{0x3e50000000000000, 0x0000}, // 1.4901161193847656e-08
	{0x01a56e1fc2f8f359, 0x0000}, // 1e-300
	{0x0000000000000001, 0x0000}, // 5e-324
	{0x7fefffffffffffff, 0x7c00}, // 1.7976931348623157e+308
	{0x7ff0000000000000, 0x7c00}, // inf
	{0xfff0000000000000, 0xfc00}, // -inf
	{0x40a0020000000000, 0x6800}, // 2049.0
	{0x40a0060000000000, 0x6802}, // 2051.0
	{0x40b0010000000000, 0x6c00}, // 4097.0
	{0xbf10000000000000, 0x8400}, // -6.103515625e-05
	{0x3f0ff80000000000, 0x03ff}, // 6.097555160522461e-05
	{0x3ed7b750916a5368, 0x005f}, // 5.654352455271339e-06
	{0xbe70a54f21584a44, 0x8001}, // -6.201020882221258e-08
	{0xc02a91b5afe865c0, 0xcaa4}, // -13.2845892878712
	{0xc05bce600b27bb70, 0xd6f4}, // -111.22461203460784
	{0x3e0a2a14a6b322fc, 0x0000}, // 7.614836100215554e-10
	{0xbfdecd7cd72ffc74, 0xb7b3}, // -0.4812919713439847
	{0xbee3ba76f008eb5e, 0x809e}, // -9.407223388815323e-06
	{0xc09e733e3ac15e40, 0xe79d}, // -1948.8107710088516
	{0xbff836dd4d2ab1c0, 0xbe0e}, // -1.5133946432425631
	{0x40871afc79347662, 0x61c7}, // 739.3732780550602
	{0x3ed1431d326d0b94, 0x0045}, // 4.115620675207167e-06
	{0xbffc2d1b6847aa30, 0xbf0b}, // -1.761012465804594
	{0x3df5f0cfac6f8da0, 0x0000}, // 3.1927875311969325e-10
	{0xbe45cc6431ef24fc, 0x8000}, // -1.015067280047294e-08
	{0xc05d42f1cd9700fc, 0xd751}, // -117.04600848909826
	{0x3e14b56116ec998a, 0x0000}, // 1.2053940863656417e-09
	{0xbedbe7a9b3df3f80, 0x8070}, // -6.653054525032512e-06
	{0x40eae3d89707cf00, 0x7ab9}, // 55070.768436340615
	{0x3f7b68984c9c1804, 0x1eda}, // 0.0066915463628500794
	{0xbf9ae3ada8b33130, 0xa6b9}, // -0.02625914899981402
	{0xc01c5aa1024c49c0, 0xc717}, // -7.088504825502639
	{0x3e883f59f2ec9592, 0x0003}, // 1.8065770165350037e-07
	{0xbe6db4088ee9892a, 0x8001}, // -5.532662493837317e-08
	{0xbff21ce2cdefa78c, 0xbc87}, // -1.1320522350674507
	{0xc09057b22712a818, 0xe416}, // -1045.9239771761986
	{0x4086bc041268806c, 0x61af}, // 727.5019882358733
	{0x3f4daad1aabd8300, 0x136b}, // 0.0009053729786324405
	{0x3f62f3276b3aa8a0, 0x18bd}, // 0.0023132104777988244
	{0x4005c76aad0adc88, 0x4172}, // 2.722371436971631
	{0xc051209478c431de, 0xd448}, // -68.50906199607513
	{0x3f474b30cea6d554, 0x11d3}, // 0.0007108677212303385
	{0x3e16cf44523ccbda, 0x0000}, // 1.3276955723641651e-09
	{0x4055ec4a9b210930, 0x557b}, // 87.69205358720933
	{0x3e996c3eadc52bdc, 0x0006}, // 3.7882970873166543e-07
	{0x3f4dbc8bd4558960, 0x136f}, // 0.0009074862252130105
	{0x4021b107835496c8, 0x486c}, // 8.845760444713406
	{0x40c3e7ca6360c494, 0x70fa}, // 10191.581157775865
	{0x4085391077e7924e, 0x614e}, // 679.1330411998294
	{0xc03dd0296b70d074, 0xcf74}, // -29.813132014315173
	{0xbe7bf0430c24dc72, 0x8002}, // -1.0407910891885058e-07
	{0x408f58fb53de39d4, 0x63d6}, // 1003.1227185593984
	{0xbe43f52e1330c2f8, 0x8000}, // -9.29354424501691e-09
	{0xbe26ebf9434afd00, 0x8000}, // -2.6684454874423486e-09
	{0xbe9eb64425a61c5a, 0x8008}, // -4.5764412495052485e-07
	{0x3fb133e2e35252f6, 0x2c4d}, // 0.06719797181933615
	{0xbe7d2bfd7328fbd4, 0x8002}, // -1.0867355796586433e-07
	{0x4070be9ec05c09a0, 0x5c30}, // 267.9137576670855
	{0x3f7bf5db8961cad8, 0x1efd}, // 0.006826264920266133
	{0x3f2a09333860c0a0, 0x0a82}, // 0.00019863844153312094
	{0x3eb633ac78cea400, 0x0016}, // 1.3233334101670022e-06
	{0xbe185cbb4fe25ff0, 0x8000}, // -1.4180686065827383e-09
	{0xbe491492c333af90, 0x8000}, // -1.1678954781099638e-08
	{0xc02dfde82068a97c, 0xcb7f}, // -14.995911610389832
	{0x3ece2be31b437404, 0x003c}, // 3.596715226191016e-06
	{0x3f0c4792c86d8da0, 0x0389}, // 5.393902488639722e-05
	{0x3e88492c60add12c, 0x0003}, // 1.809435591044619e-07
	{0xbf47d466ca3ca284, 0x91f5}, // -0.0007272245315777669
	{0x3e8962df1ee4c6d4, 0x0003}, // 1.8914205619220809e-07
	{0xbf6f8d3b71445308, 0x9be3}, // -0.00385152444699555
	{0xbffd22758b654380, 0xbf49}, // -1.8209128804339514
	{0x40bbd20000000000, 0x6ef4}, // 7122.0
	{0x4030fa0000000000, 0x4c3e}, // 16.9765625
	{0x405caa0000000000, 0x572a}, // 114.65625
	{0x401e560000000000, 0x4796}, // 7.583984375
	{0x3f34860000000000, 0x0d22}, // 0.00031316280364990234
	{0x403d820000000000, 0x4f60}, // 29.5078125
	{0x40e19a0000000000, 0x7866}, // 36048.0
	{0x409f7e0000000000, 0x67e0}, // 2015.5
	{0x40039a0000000000, 0x40e6}, // 2.4501953125
	{0x3f8ae60000000000, 0x22ba}, // 0.013134002685546875
	{0x3fdcc60000000000, 0x3732}, // 0.4495849609375
	{0x4044c20000000000, 0x5130}, // 41.515625
	{0x4070ce0000000000, 0x5c34}, // 268.875
	{0x406e660000000000, 0x5b9a}, // 243.1875
	{0x3f79aa0000000000, 0x1e6a}, // 0.0062656402587890625
	{0x40df760000000000, 0x77de}, // 32216.0
	{0x3f9a2a0000000000, 0x268a}, // 0.02555084228515625
	{0x3fdffa0000000000, 0x37fe}, // 0.4996337890625
	{0x3f84360000000000, 0x210e}, // 0.009868621826171875
	{0x400ad20000000000, 0x42b4}, // 3.3525390625
}
