package commands

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// debianPython is Debian's interpreter, which python3-numpy installs into
// (a pyenv python3 on PATH may have no numpy).
const debianPython = "/usr/bin/python3"

// numericDtypes is every dtype but V<n>.
func numericDtypes() []dtype { return dtypes }

// TestCastMatchesNumpy checks castable against np.can_cast(...,
// casting="same_kind") for every pair of dtypes, and castAppend against
// numpy's astype, byte for byte (NaN payloads included), on thousands of
// random and edge scalars per pair: NaNs of every kind, infinities,
// signed zeros, subnormals, the halfway points of float16, bfloat16 and
// float32 and their neighbours, integer extremes. bfloat16 is modelled in
// the oracle (testdata/cast_oracle.py) as ml_dtypes defines it.
func TestCastMatchesNumpy(t *testing.T) {
	rng := testRand(t)
	dir := t.TempDir()
	srcs := map[string][]byte{}
	for _, dt := range numericDtypes() {
		b := castInputs(rng, dt)
		srcs[dt.name] = b
		if err := os.WriteFile(filepath.Join(dir, "src_"+dt.name+".bin"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(debianPython, "testdata/cast_oracle.py", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("cast_oracle.py needs Debian's python3-numpy in %s (make test installs it): %v\n%s", debianPython, err, out)
	}
	f, err := os.Open(filepath.Join(dir, "can_cast.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byName := map[string]dtype{}
	for _, dt := range numericDtypes() {
		byName[dt.name] = dt
	}
	pairs := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a, b string
		var ok int
		if _, err := fmt.Sscanf(sc.Text(), "%s %s %d", &a, &b, &ok); err != nil {
			t.Fatalf("can_cast.txt: %q: %v", sc.Text(), err)
		}
		from, to := byName[a], byName[b]
		if got := castable(from, to); got != (ok == 1) {
			t.Errorf("castable(%s, %s) = %v, numpy says %v", a, b, got, ok == 1)
			continue
		}
		if ok == 0 {
			continue
		}
		pairs++
		want, err := os.ReadFile(filepath.Join(dir, "out_"+a+"_"+b+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		src := srcs[a]
		prefix := []byte{1, 2, 3} // castAppend appends, at any alignment
		got := castAppend(prefix, src, from, to)
		if string(got[:3]) != string(prefix) {
			t.Fatalf("%s->%s: the prefix changed", a, b)
		}
		got = got[3:]
		if len(got) != len(want) {
			t.Errorf("%s->%s: %d bytes, numpy has %d", a, b, len(got), len(want))
			continue
		}
		bad := 0
		for i := 0; i*to.size < len(want); i++ {
			g, w := got[i*to.size:(i+1)*to.size], want[i*to.size:(i+1)*to.size]
			if string(g) != string(w) {
				if bad++; bad <= 5 {
					t.Errorf("%s->%s: %x -> %x, numpy %x", a, b, src[i*from.size:(i+1)*from.size], g, w)
				}
			}
		}
		if bad > 5 {
			t.Errorf("%s->%s: %d mismatches in all", a, b, bad)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(numericDtypes()); pairs == 0 || sc.Err() != nil {
		t.Fatalf("no pairs checked of %d dtypes", n)
	}
	t.Logf("%d castable pairs checked", pairs)
}

// TestCastableOpaque checks that V<n> casts only to itself.
func TestCastableOpaque(t *testing.T) {
	v3, _ := parseDtype([]byte("V3"))
	v4, _ := parseDtype([]byte("v4"))
	v3b, _ := parseDtype([]byte("v3"))
	if !castable(v3, v3b) || castable(v3, v4) || castable(v3, dtU8) || castable(dtU8, v3) {
		t.Fatal("V<n> must cast only to itself")
	}
	if got := castAppend(nil, []byte("abcdef"), v3, v3b); string(got) != "abcdef" {
		t.Fatalf("V3 -> V3 = %q", got)
	}
	if msg := castMsg(v3, v4); msg != "ERR cannot cast V3 to V4" {
		t.Fatalf("castMsg = %q", msg)
	}
}

// castInputs returns scalars of dt: its own edge values, random bit
// patterns, and values near the rounding boundaries of every narrower
// float type.
func castInputs(rng *rand.Rand, dt dtype) []byte {
	var b []byte
	switch dt.kind {
	case kindBool:
		b = append(b, 0, 1, 2, 255)
		for i := 0; i < 1000; i++ {
			b = append(b, byte(rng.IntN(3)))
		}
	case kindInt, kindUint:
		bits := uint(8 * dt.size)
		var vals []uint64
		for k := uint(0); k < bits; k++ {
			p := uint64(1) << k
			vals = append(vals, p, p-1, p+1, -p, -p-1, -p+1)
		}
		// float32 and bfloat16 double-rounding cases, for integer to bfloat16.
		vals = append(vals, 0x01008001, 0x01018000, 0x01008000, 0x00ffffff, 0x7fffff80, 1<<53+1, 1<<63-1<<10)
		for i := 0; i < 2000; i++ {
			vals = append(vals, rng.Uint64())
		}
		for i := 0; i < 2000; i++ {
			vals = append(vals, uint64(rng.Int64N(140001)-70000))
		}
		for _, u := range vals {
			b = appendUint(b, u, dt.size)
		}
	case kindFloat:
		for _, x := range floatCandidates(rng) {
			b = appendFloatAs(b, dt, x)
		}
		for _, u := range nanPatterns() {
			b = appendUint(b, narrowNaNBits(u, dt.size), dt.size)
		}
		for i := 0; i < 1000; i++ {
			b = appendUint(b, rng.Uint64(), dt.size)
		}
	case kindComplex:
		part := dtype{name: "f32", kind: kindFloat, size: 4}
		if dt.size == 16 {
			part = dtype{name: "f64", kind: kindFloat, size: 8}
		}
		c := floatCandidates(rng)
		for i := 0; i < len(c); i++ {
			b = appendFloatAs(b, part, c[i])
			b = appendFloatAs(b, part, c[rng.IntN(len(c))])
		}
		for i := 0; i < 2000; i++ {
			b = appendUint(b, rng.Uint64(), part.size)
		}
	}
	return b
}

// appendFloatAs appends x rounded to the float dtype dt.
func appendFloatAs(b []byte, dt dtype, x float64) []byte {
	switch dt.name {
	case "f64":
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	case "f32":
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(x)))
	case "f16":
		return binary.LittleEndian.AppendUint16(b, f64ToF16(math.Float64bits(x)))
	}
	return binary.LittleEndian.AppendUint16(b, f32ToBF16(math.Float32bits(float32(x))))
}

// nanPatterns are float64 NaNs: quiet, signalling, with payloads in the
// high and the low bits, of both signs.
func nanPatterns() []uint64 {
	var out []uint64
	for _, frac := range []uint64{1 << 51, 1, 1 << 50, 1<<52 - 1, 1 << 42, 1 << 41, 1 << 29, 1 << 28, 0x5555555555555} {
		out = append(out, 0x7ff0000000000000|frac, 0xfff0000000000000|frac)
	}
	return out
}

// narrowNaNBits keeps the sign, the exponent and the top fraction bits of
// a float64 NaN in a float of size bytes (for bfloat16 and float16 alike,
// a pattern; whether it is still a NaN does not matter to the test).
func narrowNaNBits(u uint64, size int) uint64 {
	switch size {
	case 8:
		return u
	case 4:
		return u>>63<<31 | 0x7f800000 | u&(1<<52-1)>>29 | u&1
	}
	return u>>63<<15 | 0x7c00 | u&(1<<52-1)>>42 | u&1
}

// floatCandidates are float64 values at and next to every boundary where
// narrowing to float32, float16 or bfloat16 rounds or overflows.
func floatCandidates(rng *rand.Rand) []float64 {
	var c []float64
	add := func(x float64) {
		c = append(c, x, -x,
			math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)),
			float64(math.Nextafter32(float32(x), float32(math.Inf(1)))),
			float64(math.Nextafter32(float32(x), float32(math.Inf(-1)))))
	}
	for _, x := range []float64{0, 1, 1.5, math.Inf(1), 65504, 65519.99, 65520, 65536, 1e5,
		math.MaxFloat32, 3.4028235677973366e38, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.SmallestNonzeroFloat32, 0x1p-126, 0x1p-24, 0x1p-25, 0x1.8p-25, 0x1p-26, 0x1p-14, 0x1.ffcp-15,
		0x1p-133, 0x1p-134, 0x1p-127} {
		add(x)
	}
	for i := 0; i < 300; i++ {
		// Midpoints between neighbouring float16, bfloat16 and float32 values.
		h := uint16(rng.IntN(0x7c00))
		lo, hi := float64(math.Float32frombits(f16ToF32(h))), float64(math.Float32frombits(f16ToF32(h+1)))
		add((lo + hi) / 2)
		h = uint16(rng.IntN(0x7f80))
		lo, hi = float64(math.Float32frombits(uint32(h)<<16)), float64(math.Float32frombits(uint32(h+1)<<16))
		add((lo + hi) / 2)
		u := uint32(rng.IntN(0x7f800000))
		lo, hi = float64(math.Float32frombits(u)), float64(math.Float32frombits(u+1))
		add((lo + hi) / 2)
	}
	for i := 0; i < 300; i++ {
		c = append(c, rng.NormFloat64()*math.Pow(2, float64(rng.IntN(80)-40)))
	}
	return c
}

func TestParseTrailing(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string // "rest as values", or the error
	}{
		{"", "[] - false"},
		{"1 2", "[1 2] - false"},
		{"1 VALUES", "[1] - true"},
		{"1 AS f16", "[1] f16 false"},
		{"1 as float16 values", "[1] f16 true"},
		{"1 VALUES as BF16", "[1] bf16 true"},
		{"AS u8", "[] u8 false"},
		{"1 AS f16 AS f32", "[1 AS f16] f32 false"},
		{"1 VALUES VALUES", "[1 VALUES] - true"},
		{"1 AS", msgSyntax},
		{"1 AS VALUES", msgSyntax},
		{"1 AS nope", fmt.Sprintf(msgUnknownDtype, "nope")},
		{"1 AS VALUES VALUES", fmt.Sprintf(msgUnknownDtype, "VALUES")},
	} {
		rest, tr, msg := parseTrailing(argv(strings.Fields(tc.args)...))
		got := msg
		if msg == "" {
			as := "-"
			if tr.hasAs {
				as = tr.as.name
			}
			got = fmt.Sprintf("%s %s %v", rest, as, tr.values)
		}
		if got != tc.want {
			t.Errorf("parseTrailing(%s) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestNumGatherAs checks NUM.GATHER's AS: the error order (syntax, then
// the key, then the cast, then the indexes), bytes and VALUES in the
// target dtype, row shapes and the identity cast.
func TestNumGatherAs(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"NUM.GATHER nope 0 AS nope", errReply("ERR unknown dtype 'nope'")},
		{"NUM.GATHER nope x AS nope", errReply(msgNotInt)},
		{"NUM.GATHER nope 0 AS", errReply(msgSyntax)},
		{"NUM.GATHER nope 0 AS i32", nullBulk},
		{"NUM.GATHER nope 0 VALUES AS i32", nullArray},
		{"NUM.CREATE f f32 SHAPE 2", okReply},
		{"NUM.APPEND f VALUES 1.5 -2 65520 nan 1e-8 0.1", intReply(3)},
		{"NUM.GATHER f 9 AS i32", errReply("ERR cannot cast f32 to i32")},
		{"NUM.GATHER f 9 AS f16", errReply(msgIndexRange)},
		{"NUM.GATHER f 1 0 as float16 values", bulks("inf", "nan", "1.5", "-2")},
		{"NUM.GATHER f 2 VALUES AS f64", bulks("9.99999993922529e-09", "0.10000000149011612")},
		{"NUM.GATHER f 2 AS bf16 VALUES", bulks("1.0011718e-08", "0.100097656")},
		{"NUM.GATHER f 0 AS f16", "$4\r\n\x00\x3e\x00\xc0\r\n"},
		{"NUM.GATHER f 0 AS c64 VALUES", bulks("(1.5+0j)", "(-2+0j)")},
		{"NUM.GATHER f 0 AS f32", "$8\r\n\x00\x00\xc0\x3f\x00\x00\x00\xc0\r\n"},
		{"NUM.GATHER f AS f16", "$0\r\n\r\n"},
		{"NUM.CREATE u u8", okReply},
		{"NUM.APPEND u VALUES 255 1", intReply(2)},
		{"NUM.GATHER u 0 1 AS i8 VALUES", bulks("-1", "1")},
		{"NUM.GATHER u 0 AS bool", errReply("ERR cannot cast u8 to bool")},
		{"NUM.CREATE r V3", okReply},
		{"NUM.APPEND r abcdef", intReply(2)},
		{"NUM.GATHER r 1 AS V3", "$3\r\ndef\r\n"},
		{"NUM.GATHER r 1 AS u8", errReply("ERR cannot cast V3 to u8")},
		{"NUM.GATHER r 1 AS V4", errReply("ERR cannot cast V3 to V4")},
		{"NUM.GATHER r 1 AS u8 VALUES", errReply("ERR cannot cast V3 to u8")},
		{"NUM.GATHER r 1 AS V3 VALUES", errReply("ERR VALUES is not supported for V3")},
		{"NUM.GATHER r 9 VALUES", errReply("ERR VALUES is not supported for V3")},
	})
}

// BenchmarkCast measures castAppend on the pairs that carry training data,
// 1 MiB of source at a time (MB/s of source bytes).
func BenchmarkCast(b *testing.B) {
	for _, p := range [][2]string{
		{"f32", "f16"}, {"f32", "bf16"}, {"f16", "f32"}, {"bf16", "f32"}, {"f64", "f32"},
		{"f32", "f64"}, {"u8", "f32"}, {"f32", "f32"}, {"i32", "f64"}, {"f16", "f64"}, {"f32", "c64"},
	} {
		from, _ := parseDtype([]byte(p[0]))
		to, _ := parseDtype([]byte(p[1]))
		b.Run(p[0]+"-"+p[1], func(b *testing.B) {
			src := make([]byte, 1<<20)
			// Normal values, rounding in every narrowing, no NaN.
			r := rand.New(rand.NewPCG(1, 2))
			for i := 0; i+from.size <= len(src); i += from.size {
				x := r.NormFloat64() * 100
				switch from.kind {
				case kindFloat:
					appendFloatAs(src[:i], from, x)
				default:
					appendUint(src[:i], uint64(int64(x)), from.size)
				}
			}
			dst := make([]byte, 0, len(src)/from.size*to.size)
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dst = castAppend(dst[:0], src, from, to)
			}
		})
	}
}
