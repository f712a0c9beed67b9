package commands

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The bitmap commands against a model: plain []byte values and Redis
// 7.0's semantics written out bit by bit, with math/big for BITFIELD's
// overflow. The differential test checks the same commands against a
// real redis-server; this one reaches further (values of several chunks,
// BITOP windows shrunk to a few bytes, the dirty counter).

// modelBit returns bit i of b, 0 past its end.
func modelBit(b []byte, i int64) int {
	if i>>3 >= int64(len(b)) {
		return 0
	}
	return int(b[i>>3]>>(7-i&7)) & 1
}

func modelSetBit(b []byte, i int64, on int) {
	m := byte(1) << (7 - i&7)
	if on != 0 {
		b[i>>3] |= m
	} else {
		b[i>>3] &^= m
	}
}

// modelRange is Redis's start/end rule for a value of n units.
func modelRange(start, end, n int64) (int64, int64) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	return start, end
}

// modelBitpos is BITPOS over an existing value: the bit range, then a scan
// bit by bit.
func modelBitpos(b []byte, bit int, args []int64, isBit bool) int64 {
	n := int64(len(b))
	start, end := int64(0), n-1
	endGiven := len(args) >= 2
	if len(args) >= 1 {
		start = args[0]
	}
	if endGiven {
		end = args[1]
	}
	if isBit {
		start, end = modelRange(start, end, n*8)
	} else {
		start, end = modelRange(start, end, n)
		if start <= end {
			start, end = start*8, end*8+7
		}
	}
	if start > end {
		return -1
	}
	for i := start; i <= end; i++ {
		if modelBit(b, i) == bit {
			return i
		}
	}
	if bit == 0 && !endGiven {
		return end + 1
	}
	return -1
}

func modelBitcount(b []byte, args []int64, isBit bool) int64 {
	n := int64(len(b))
	start, end := int64(0), n*8-1
	if len(args) == 2 {
		if args[0] < 0 && args[1] < 0 && args[0] > args[1] {
			return 0
		}
		if isBit {
			start, end = modelRange(args[0], args[1], n*8)
		} else {
			start, end = modelRange(args[0], args[1], n)
			start, end = start*8, end*8+7
		}
	}
	var c int64
	for i := start; i <= end; i++ {
		c += int64(modelBit(b, i))
	}
	return c
}

func modelBitop(op string, srcs [][]byte) []byte {
	n := 0
	for _, s := range srcs {
		n = max(n, len(s))
	}
	out := make([]byte, n)
	at := func(s []byte, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for i := range out {
		x := at(srcs[0], i)
		for _, s := range srcs[1:] {
			switch op {
			case "AND":
				x &= at(s, i)
			case "OR":
				x |= at(s, i)
			case "XOR":
				x ^= at(s, i)
			}
		}
		if op == "NOT" {
			x = ^x
		}
		out[i] = x
	}
	return out
}

func modelGetField(b []byte, off uint64, width int, signed bool) int64 {
	var x uint64
	for i := 0; i < width; i++ {
		x = x<<1 | uint64(modelBit(b, int64(off)+int64(i)))
	}
	if signed && width < 64 && x>>(width-1) != 0 {
		x |= math.MaxUint64 << width
	}
	return int64(x)
}

func modelSetField(b []byte, off uint64, width int, x uint64) {
	for i := 0; i < width; i++ {
		modelSetBit(b, int64(off)+int64(i), int(x>>(width-1-i))&1)
	}
}

// modelFit fits the mathematical result v into a field: v itself when it
// fits, else (and overflowed) what WRAP or SAT make of it.
func modelFit(v *big.Int, width int, signed bool, ow string) (*big.Int, bool) {
	lo, hi := big.NewInt(0), new(big.Int).Lsh(big.NewInt(1), uint(width))
	if signed {
		lo = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), uint(width-1)))
		hi = new(big.Int).Lsh(big.NewInt(1), uint(width-1))
	}
	hi.Sub(hi, big.NewInt(1)) // inclusive
	if v.Cmp(lo) >= 0 && v.Cmp(hi) <= 0 {
		return v, false
	}
	switch ow {
	case "SAT":
		if v.Cmp(lo) < 0 {
			return lo, true
		}
		return hi, true
	case "FAIL":
		return nil, true
	}
	span := new(big.Int).Lsh(big.NewInt(1), uint(width))
	w := new(big.Int).Sub(v, lo)
	w.Mod(w, span)
	return w.Add(w, lo), true
}

// bitmapModel is the keyspace as the model sees it.
type bitmapModel map[string][]byte

// bitfieldModel plays one BITFIELD on m and returns the reply's items
// (nil for a null) and the dirty count it adds.
func (m bitmapModel) bitfield(key string, ops []modelOp) ([]*int64, int64) {
	grown := false
	highest, write := uint64(0), false
	for _, op := range ops {
		if op.code != "GET" {
			write = true
			highest = max(highest, op.off+uint64(op.width)-1)
		}
	}
	if write {
		need := int(highest>>3) + 1
		b, ok := m[key]
		if !ok || len(b) < need {
			grown = true
			nb := make([]byte, max(need, len(b)))
			copy(nb, b)
			m[key] = nb
		}
	}
	b := m[key]
	var out []*int64
	var changes int64
	for _, op := range ops {
		old := modelGetField(b, op.off, op.width, op.signed)
		if op.code == "GET" {
			out = append(out, &old)
			continue
		}
		oldBig := big.NewInt(old)
		if !op.signed {
			oldBig.SetUint64(uint64(old))
		}
		var v *big.Int
		if op.code == "INCRBY" {
			v = new(big.Int).Add(oldBig, big.NewInt(op.arg))
		} else if op.signed {
			v = big.NewInt(op.arg)
		} else {
			v = new(big.Int).SetUint64(uint64(op.arg)) // Redis reads SET's value as unsigned
		}
		nv, over := modelFit(v, op.width, op.signed, op.ow)
		if over && op.ow == "SAT" && op.signed && op.code == "SET" && op.width < 64 &&
			op.arg <= math.MinInt64+(int64(1)<<(op.width-1)-1) {
			// Redis's quirk: max-value wraps below zero in C, and such a
			// value reads as above the range.
			nv = big.NewInt(int64(1)<<(op.width-1) - 1)
		}
		if nv == nil {
			out = append(out, nil)
			continue
		}
		n := nv.Int64()
		if !op.signed {
			n = int64(nv.Uint64())
		}
		reply := old
		if op.code == "INCRBY" {
			reply = n
		}
		out = append(out, &reply)
		if grown || n != old {
			changes++
		}
		modelSetField(b, op.off, op.width, uint64(n))
	}
	return out, changes
}

type modelOp struct {
	code   string // GET, SET, INCRBY
	ow     string // WRAP, SAT, FAIL
	off    uint64
	width  int
	signed bool
	arg    int64
}

// randomValue returns bytes that are mostly zeros, mostly ones, or
// random, so that BITPOS has runs to skip.
func randomValue(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	kind := r.IntN(3)
	for i := range b {
		switch {
		case kind == 0 && r.IntN(50) != 0, kind == 1 && r.IntN(50) == 0:
		case kind == 1, kind == 0:
			b[i] = 0xff
		default:
			b[i] = byte(r.Uint32())
		}
	}
	return b
}

func respInt(n int64) string { return ":" + strconv.FormatInt(n, 10) + "\r\n" }

func TestBitmapModel(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) { testBitmapModel(t, proto) })
	}
}

func testBitmapModel(t *testing.T, proto int) {
	r := testRand(t)
	defer func(w int) { bitopWindow = w }(bitopWindow)
	bitopWindow = []int{8, 13, 40, 64 << 10}[r.IntN(4)]
	t.Logf("BITOP window %d bytes", bitopWindow)
	s, c := mustLocal(t)
	if proto == 3 {
		c.run("HELLO", "3")
	}
	null := "$-1\r\n"
	if proto == 3 {
		null = "_\r\n"
	}
	m := bitmapModel{}
	keys := []string{"a", "b", "c", "d"}
	steps := 1500
	if testing.Short() {
		steps = 300
	}
	bigLeft := 6 // values of several chunks are slow for the model
	for i := 0; i < steps; i++ {
		key := keys[r.IntN(len(keys))]
		b := m[key]
		var args []string
		var want string
		dirty := int64(-1) // the dirty count the command adds; -1: not checked
		switch x := r.IntN(20); {
		case x == 0:
			v := randomValue(r, r.IntN(40))
			if r.IntN(4) == 0 {
				v = []byte(strconv.Itoa(r.IntN(100000) - 500)) // an "int"
			}
			args, want, dirty = []string{"SET", key, string(v)}, "+OK\r\n", 1
			m[key] = v
		case x == 1:
			off, n := r.IntN(64), r.IntN(40)
			if bigLeft > 0 && r.IntN(30) == 0 {
				bigLeft--
				off, n = r.IntN(300000), 1+r.IntN(300000)
			}
			v := randomValue(r, n)
			args = []string{"SETRANGE", key, strconv.Itoa(off), string(v)}
			if n > 0 {
				nb := make([]byte, max(len(b), off+n))
				copy(nb, b)
				copy(nb[off:], v)
				m[key], b = nb, nb
				dirty = 1
			} else {
				dirty = 0
			}
			want = respInt(int64(len(b)))
		case x == 2:
			args, dirty = []string{"DEL", key}, 0
			want = respInt(0)
			if _, ok := m[key]; ok {
				want, dirty = respInt(1), 1
			}
			delete(m, key)
		case x == 3:
			off := int64(r.IntN(len(b)*8 + 20))
			on := r.IntN(2)
			args = []string{"SETBIT", key, strconv.FormatInt(off, 10), strconv.Itoa(on)}
			old := modelBit(b, off)
			want = respInt(int64(old))
			_, existed := m[key]
			dirty = 0
			if need := int(off>>3) + 1; !existed || len(b) < need {
				nb := make([]byte, max(len(b), need))
				copy(nb, b)
				m[key], b = nb, nb
				dirty = 1
			}
			if old != on {
				dirty = 1
			}
			modelSetBit(b, off, on)
		case x < 8:
			op := []string{"AND", "OR", "XOR", "NOT"}[r.IntN(4)]
			nsrc := 1
			if op != "NOT" {
				nsrc = 1 + r.IntN(4)
			}
			args = []string{"BITOP", op, key}
			var srcs [][]byte
			for j := 0; j < nsrc; j++ {
				k := keys[r.IntN(len(keys))]
				if r.IntN(6) == 0 {
					k = "missing"
				}
				args = append(args, k)
				srcs = append(srcs, m[k])
			}
			res := modelBitop(op, srcs)
			want = respInt(int64(len(res)))
			dirty = 1
			if len(res) == 0 {
				if _, ok := m[key]; !ok {
					dirty = 0
				}
				delete(m, key)
			} else {
				m[key] = res
			}
		case x < 12:
			bit := r.IntN(2)
			args = []string{"BITPOS", key, strconv.Itoa(bit)}
			n := int64(len(b))
			unit := n
			isBit := r.IntN(2) == 0
			if isBit {
				unit *= 8
			}
			var rng []int64
			for j := r.IntN(3); j > 0; j-- {
				rng = append(rng, r.Int64N(2*unit+10)-unit-5)
			}
			for _, x := range rng {
				args = append(args, strconv.FormatInt(x, 10))
			}
			if len(rng) == 2 && (isBit || r.IntN(2) == 0) {
				args = append(args, map[bool]string{true: "BIT", false: "byte"}[isBit])
			} else {
				isBit = false
			}
			switch _, ok := m[key]; {
			case !ok:
				want = respInt(int64(-bit))
			default:
				want = respInt(modelBitpos(b, bit, rng, isBit))
			}
		case x < 14:
			args = []string{"BITCOUNT", key}
			var rng []int64
			isBit := false
			if r.IntN(3) != 0 {
				n := int64(len(b))
				isBit = r.IntN(2) == 0
				if isBit {
					n *= 8
				}
				rng = []int64{r.Int64N(2*n+10) - n - 5, r.Int64N(2*n+10) - n - 5}
				args = append(args, strconv.FormatInt(rng[0], 10), strconv.FormatInt(rng[1], 10))
				if isBit {
					args = append(args, "BIT")
				}
			}
			want = respInt(modelBitcount(b, rng, isBit))
		case x < 19:
			ro := r.IntN(4) == 0
			args = []string{"BITFIELD", key}
			if ro {
				args[0] = "BITFIELD_RO"
			}
			var ops []modelOp
			ow := "WRAP"
			for j := r.IntN(5); j >= 0; j-- {
				if !ro && r.IntN(4) == 0 {
					ow = []string{"WRAP", "SAT", "FAIL"}[r.IntN(3)]
					args = append(args, "OVERFLOW", ow)
				}
				op := modelOp{code: "GET", ow: ow, signed: r.IntN(2) == 0}
				if !ro {
					op.code = []string{"GET", "SET", "INCRBY"}[r.IntN(3)]
				}
				op.width = 1 + r.IntN(64)
				if !op.signed && op.width == 64 {
					op.width = 63
				}
				sign := "u"
				if op.signed {
					sign = "i"
				}
				offArg := ""
				if r.IntN(4) == 0 {
					k := uint64(r.IntN(len(b)*8/op.width + 3))
					op.off, offArg = k*uint64(op.width), "#"+strconv.FormatUint(k, 10)
				} else {
					op.off = uint64(r.IntN(len(b)*8 + 80))
					offArg = strconv.FormatUint(op.off, 10)
				}
				args = append(args, op.code, sign+strconv.Itoa(op.width), offArg)
				if op.code != "GET" {
					switch r.IntN(4) {
					case 0:
						op.arg = int64(r.Uint64())
					case 1:
						op.arg = []int64{math.MinInt64, math.MaxInt64, math.MinInt64 + 5, -1, 0, 1}[r.IntN(6)]
					default:
						op.arg = r.Int64N(600) - 300
					}
					args = append(args, strconv.FormatInt(op.arg, 10))
				}
				ops = append(ops, op)
			}
			items, changes := m.bitfield(key, ops)
			var sb strings.Builder
			fmt.Fprintf(&sb, "*%d\r\n", len(items))
			for _, it := range items {
				if it == nil {
					sb.WriteString(null)
				} else {
					sb.WriteString(respInt(*it))
				}
			}
			want, dirty = sb.String(), changes
		default:
			args = []string{"GET", key}
			if v, ok := m[key]; ok {
				want = fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
			} else {
				want = null
			}
		}
		before := s.persist.dirty.Load()
		got := c.run(args...)
		if got != want {
			t.Fatalf("step %d: %s\n got %q\nwant %q\nmodel %q\nGET %q", i, clip(quoteArgs(args)), clip(got), clip(want), clip(string(b)), clip(c.run("GET", key)))
		}
		if d := s.persist.dirty.Load() - before; dirty >= 0 && d != dirty {
			t.Fatalf("step %d: %s: dirty +%d, want +%d", i, clip(quoteArgs(args)), d, dirty)
		}
	}
	for k, v := range m {
		if got, want := c.run("GET", k), fmt.Sprintf("$%d\r\n%s\r\n", len(v), v); got != want {
			t.Errorf("%s at the end: got %q, want %q", k, clip(got), clip(want))
		}
	}
}

// getField and setField against the model, at every shift and width.
func TestBitfieldFields(t *testing.T) {
	r := testRand(t)
	for i := 0; i < 20000; i++ {
		var buf [9]byte
		for j := range buf {
			buf[j] = byte(r.Uint32())
		}
		shift, width := uint(r.IntN(8)), uint(1+r.IntN(64))
		want := modelGetField(buf[:], uint64(shift), int(width), false)
		if width == 64 {
			want = modelGetField(buf[:], uint64(shift), 64, true)
		}
		if got := getField(&buf, shift, width); int64(got) != want {
			t.Fatalf("getField(%x, %d, %d) = %x, want %x", buf, shift, width, got, want)
		}
		x := r.Uint64()
		model := buf
		modelSetField(model[:], uint64(shift), int(width), x)
		setField(&buf, shift, width, x)
		if buf != model {
			t.Fatalf("setField(%d, %d, %x):\n got %x\nwant %x", shift, width, x, buf, model)
		}
	}
}

// The overflow checks against math/big, for INCRBY from every kind of
// field value and SET of every kind of argument.
func TestBitfieldOverflow(t *testing.T) {
	r := testRand(t)
	edge := []int64{0, 1, -1, 2, -2, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 127, 128, -128, -129, 255, 256}
	arg := func() int64 {
		if r.IntN(3) == 0 {
			return edge[r.IntN(len(edge))]
		}
		if r.IntN(2) == 0 {
			return r.Int64N(1000) - 500
		}
		return int64(r.Uint64())
	}
	for i := 0; i < 50000; i++ {
		signed := r.IntN(2) == 0
		width := 1 + r.IntN(64)
		if !signed && width == 64 {
			width = 63
		}
		ow := []string{"WRAP", "SAT", "FAIL"}[r.IntN(3)]
		owc := map[string]uint8{"WRAP": owWrap, "SAT": owSat, "FAIL": owFail}[ow]
		incr := r.IntN(2) == 0
		a := arg()
		// A value the field can hold, for INCRBY.
		var m modelBitfieldValue
		if signed {
			m.s = signExtend(uint64(arg()), uint(width))
		} else {
			m.u = uint64(arg()) & (math.MaxUint64 >> (64 - width))
		}
		var want *big.Int
		var wantOver bool
		var gotOver int
		var got *big.Int
		if signed {
			v := big.NewInt(a)
			value, in := a, int64(0)
			if incr {
				v.Add(v, big.NewInt(m.s))
				value, in = m.s, a
			}
			want, wantOver = modelFit(v, width, true, ow)
			var lim int64
			gotOver, lim = signedOverflow(value, in, uint(width), owc)
			got = big.NewInt(lim)
			if !incr && width < 64 && a <= math.MinInt64+(int64(1)<<(width-1)-1) {
				continue // Redis's quirk, which bitfieldModel spells out
			}
		} else {
			v := new(big.Int).SetUint64(uint64(a))
			value, in := uint64(a), int64(0)
			if incr {
				v = new(big.Int).Add(new(big.Int).SetUint64(m.u), big.NewInt(a))
				value, in = m.u, a
			}
			want, wantOver = modelFit(v, width, false, ow)
			var lim uint64
			gotOver, lim = unsignedOverflow(value, in, uint(width), owc)
			got = new(big.Int).SetUint64(lim)
		}
		if (gotOver != 0) != wantOver {
			t.Fatalf("signed %v width %d %s incr %v arg %d value %+v: overflow %d, want %v", signed, width, ow, incr, a, m, gotOver, wantOver)
		}
		if wantOver && ow != "FAIL" && got.Cmp(want) != 0 {
			t.Fatalf("signed %v width %d %s incr %v arg %d value %+v: %v, want %v", signed, width, ow, incr, a, m, got, want)
		}
	}
}

type modelBitfieldValue struct {
	s int64
	u uint64
}

func TestParseBitfield(t *testing.T) {
	const maxBulk = 512 << 20
	for _, c := range []struct {
		args    string
		ops     []bitfieldOp
		write   bool
		highest uint64
		msg     string
	}{
		{"", nil, false, 0, ""},
		{"GET u8 0", []bitfieldOp{{code: bfGet, width: 8}}, false, 0, ""},
		{"get i64 #2", []bitfieldOp{{code: bfGet, width: 64, signed: true, off: 128}}, false, 0, ""},
		{"SET u8 3 9 INCRBY i5 100 -1", []bitfieldOp{{code: bfSet, width: 8, off: 3, arg: 9}, {code: bfIncrby, width: 5, off: 100, arg: -1, signed: true}}, true, 104, ""},
		{"OVERFLOW SAT INCRBY u1 0 1 OVERFLOW fail GET u2 0", []bitfieldOp{{code: bfIncrby, width: 1, arg: 1, ow: owSat}, {code: bfGet, width: 2, ow: owFail}}, true, 0, ""},
		{"OVERFLOW", nil, false, 0, msgSyntax},
		{"OVERFLOW junk", nil, false, 0, msgBitfieldOverflow},
		{"GET u8", nil, false, 0, msgSyntax},
		{"SET u8 0", nil, false, 0, msgSyntax},
		{"junk u8 0", nil, false, 0, msgSyntax},
		{"GET u64 0", nil, false, 0, msgBitfieldType},
		{"GET i65 0", nil, false, 0, msgBitfieldType},
		{"GET i0 0", nil, false, 0, msgBitfieldType},
		{"GET I8 0", nil, false, 0, msgBitfieldType},
		{"GET u08 0", nil, false, 0, msgBitfieldType},
		{"GET u 0", nil, false, 0, msgBitfieldType},
		{`GET "u8\x00x" 0`, []bitfieldOp{{code: bfGet, width: 8}}, false, 0, ""},
		{"GET u8 -1", nil, false, 0, msgBitOffset},
		{"GET u8 #-1", nil, false, 0, msgBitOffset},
		{"GET u8 4294967295", []bitfieldOp{{code: bfGet, width: 8, off: 4294967295}}, false, 0, ""},
		{"GET u8 4294967296", nil, false, 0, msgBitOffset},
		{"GET u8 #1152921504606846976", nil, false, 0, msgBitOffset}, // 2^63 wraps below zero, as in C
		// 2^61*8 wraps to 0 in C's int64, which Redis then accepts.
		{"GET u8 #2305843009213693952", []bitfieldOp{{code: bfGet, width: 8}}, false, 0, ""},
		{"SET u8 0 abc", nil, false, 0, msgNotInt},
		{"GET u8 0 SET i8 x 1", nil, false, 0, msgBitOffset},
	} {
		var a [][]byte
		for _, s := range splitArgs(t, c.args) {
			a = append(a, []byte(s))
		}
		ops, write, highest, msg := parseBitfield(a, maxBulk)
		if msg != c.msg || write != c.write || highest != c.highest || fmt.Sprint(ops) != fmt.Sprint(c.ops) {
			t.Errorf("%q: %v %v %d %q, want %v %v %d %q", c.args, ops, write, highest, msg, c.ops, c.write, c.highest, c.msg)
		}
	}
}

// A variable of a wider element reads as its bytes, and a bit write that
// would leave a partial element is refused; one that keeps whole elements
// is not.
func TestBitmapTypedVariable(t *testing.T) {
	_, c := mustLocal(t)
	elem := errReply("ERR length would not be a multiple of the element size (4)")
	for _, st := range []exchange{
		{"NUM.CREATE v i32", okReply},
		{"NUM.APPEND v VALUES 1 -1", intReply(2)},
		{"BITPOS v 1", intReply(7)},
		{"BITPOS v 0 4", intReply(64)},
		{"BITPOS v 0 4 7", intReply(-1)},
		{"BITCOUNT v", intReply(33)},
		{"BITOP NOT d v", intReply(8)},
		{"GET d", bulks("\xfe\xff\xff\xff\x00\x00\x00\x00")[4:]},
		{"OBJECT ENCODING d", "$3\r\nraw\r\n"},
		{"BITFIELD v GET i32 32 GET u8 0", "*2\r\n:-1\r\n:1\r\n"},
		{"BITFIELD v SET u8 0 2 SET i8 56 127", "*2\r\n:1\r\n:-1\r\n"},
		{"BITFIELD v SET u8 64 1", elem},
		{"BITFIELD v SET u32 64 1", "*1\r\n:0\r\n"},
		{"SETBIT v 96 1", elem},
		{"STRLEN v", intReply(12)},
		{"NUM.READ v VALUES", bulks("2", "2147483647", "16777216")},
	} {
		if got := c.run(splitArgs(t, st.cmd)...); got != st.want {
			t.Errorf("%s:\n got %q\nwant %q", st.cmd, got, st.want)
		}
	}
}

// skipRun stops at the first byte that differs, wherever it falls in a
// cache line, a word or the tail.
func TestSkipRun(t *testing.T) {
	for _, skip := range []byte{0, 0xff} {
		for n := 0; n <= 200; n++ {
			p := bytes.Repeat([]byte{skip}, n)
			if got := skipRun(p, uint64(skip)*0x0101010101010101); got != n {
				t.Fatalf("skip %#x, %d bytes: %d", skip, n, got)
			}
			for i := 0; i < n; i++ {
				p[i] ^= 1 << (i % 8)
				if got := skipRun(p, uint64(skip)*0x0101010101010101); got != i {
					t.Fatalf("skip %#x, %d bytes, byte %d differs: %d", skip, n, i, got)
				}
				p[i] = skip
			}
		}
	}
}
