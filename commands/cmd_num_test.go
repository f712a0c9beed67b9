package commands

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"numkv/resp"
)

func TestNumSmoke(t *testing.T) {
	c := mustConn(t)
	for _, step := range []struct{ cmd, want string }{
		{"NUM.CREATE a i32", "+OK\r\n"},
		{"NUM.APPEND a VALUES 1 2 3 -4", ":4\r\n"},
		{"NUM.READ a ::-1 VALUES", "*4\r\n$2\r\n-4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n"},
	} {
		if got := c.do(strings.Fields(step.cmd)...); got != step.want {
			t.Errorf("%s: got %q, want %q", step.cmd, got, step.want)
		}
	}
}

func TestNumCreateAndInfo(t *testing.T) {
	c := mustConn(t)
	info := func(dtype, numpy string, shape []int, length, bytes, elem int) string {
		s := "*12\r\n$5\r\ndtype\r\n" + fmt.Sprintf("$%d\r\n%s\r\n", len(dtype), dtype) + "$5\r\nshape\r\n"
		s += fmt.Sprintf("*%d\r\n", len(shape))
		for _, d := range shape {
			s += intReply(d)
		}
		s += "$6\r\nlength\r\n" + intReply(length) + "$5\r\nbytes\r\n" + intReply(bytes) +
			"$13\r\nelement_bytes\r\n" + intReply(elem) + fmt.Sprintf("$5\r\nnumpy\r\n$%d\r\n%s\r\n", len(numpy), numpy)
		return s
	}
	runExchanges(t, c, []exchange{
		{"NUM.CREATE", errReply("ERR wrong number of arguments for 'num.create' command")},
		{"NUM.CREATE k", errReply("ERR wrong number of arguments for 'num.create' command")},
		{"NUM.CREATE k f99", errReply("ERR unknown dtype 'f99'")},
		{"NUM.CREATE k V0", errReply("ERR unknown dtype 'V0'")},
		{"NUM.CREATE k V1048577", errReply("ERR unknown dtype 'V1048577'")},
		{"NUM.CREATE k f32 SHAP 3", errReply(msgSyntax)},
		{"NUM.CREATE k f32 SHAPE", errReply(msgInvalidShape)},
		{"NUM.CREATE k f32 SHAPE 0", errReply(msgInvalidShape)},
		{"NUM.CREATE k f32 SHAPE 2 -1", errReply(msgInvalidShape)},
		{"NUM.CREATE k f32 SHAPE x", errReply(msgInvalidShape)},
		{"NUM.CREATE k f32 SHAPE 67108865", errReply(msgInvalidShape)}, // 256 MiB + 4
		{"NUM.CREATE k u8 SHAPE 16384 16385", errReply(msgInvalidShape)},
		{"NUM.INFO k", nullArray},
		{"NUM.CREATE k float32 shape 2 3", okReply},
		{"NUM.CREATE k f32", errReply(msgBusyKey)},
		{"NUM.CREATE k f99", errReply("ERR unknown dtype 'f99'")}, // arguments before the key
		{"NUM.INFO k", info("f32", "float32", []int{2, 3}, 0, 0, 24)},
		{"NUM.CREATE big u8 SHAPE 16384 16384", okReply},
		{"NUM.CREATE rec v12", okReply},
		{"NUM.INFO rec", info("V12", "V12", nil, 0, 0, 12)},
		{"NUM.CREATE half BFloat16", okReply},
		{"NUM.APPEND half VALUES 1 2 3", intReply(3)},
		{"NUM.INFO half", info("bf16", "bfloat16", nil, 3, 6, 2)},
		{"SET s hello", okReply},
		{"NUM.INFO s", info("u8", "uint8", nil, 5, 5, 1)},
		{"NUM.CREATE s u8", errReply(msgBusyKey)},
		{"NUM.LEN s", intReply(5)},
		{"NUM.LEN nope", intReply(0)},
		{"NUM.LEN half", intReply(3)},
		{"NUM.LEN", errReply("ERR wrong number of arguments for 'num.len' command")},
		{"NUM.INFO a b", errReply("ERR wrong number of arguments for 'num.info' command")},
	})
}

func TestNumReadWrite(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"NUM.READ", errReply("ERR wrong number of arguments for 'num.read' command")},
		{"NUM.READ nope", nullBulk},
		{"NUM.READ nope VALUES", nullArray},
		{"NUM.READ nope 100", nullBulk},
		{"NUM.READ nope 1:2 VALUES", nullArray},
		{"NUM.READ nope x", errReply("ERR invalid slice 'x'")},
		{"NUM.READ nope ::0 VALUES", errReply(msgStepZero)},
		{"NUM.READ nope 1 VALUES x", errReply(msgSyntax)},
		{"NUM.READ nope 1 2", errReply(msgSyntax)},
		{"NUM.READ nope VALUES 1", errReply(msgSyntax)},
		{"NUM.CREATE f f32", okReply},
		{"NUM.READ f", "$0\r\n\r\n"},
		{"NUM.READ f VALUES", "*0\r\n"},
		{"NUM.READ f 0", errReply(msgIndexRange)},
		{"NUM.READ f ::-1 values", "*0\r\n"},
		{"NUM.READ f ::-1", "$0\r\n\r\n"},
		{"NUM.READ f 5:1", "$0\r\n\r\n"},
		{"NUM.APPEND f VALUES 1 2 3 4 5", intReply(5)},
		{"NUM.READ f VALUES", bulks("1", "2", "3", "4", "5")},
		{"NUM.READ f ::-2 VALUES", bulks("5", "3", "1")},
		{"NUM.READ f -100::-1", "$0\r\n\r\n"},
		{"NUM.READ f 100:", "$0\r\n\r\n"},
		{"NUM.READ f 3:1 VALUES", "*0\r\n"},
		{"NUM.READ f -2 VALUES", bulks("4")},
		{"NUM.READ f -6 VALUES", errReply(msgIndexRange)},
		{"NUM.READ f 5", errReply(msgIndexRange)},
		{"NUM.READ f 1:3", "$8\r\n\x00\x00\x00\x40\x00\x00\x40\x40\r\n"},
		{"NUM.READ f 3:1:-1", "$8\r\n\x00\x00\x80\x40\x00\x00\x40\x40\r\n"},
		{"NUM.READ f -100:100:3 VALUES", bulks("1", "4")},
		{"NUM.READ f 100:-100:-3 VALUES", bulks("5", "2")},

		// NUM.WRITE: errors in order.
		{"NUM.WRITE f 0", errReply("ERR wrong number of arguments for 'num.write' command")},
		{"NUM.WRITE nope x VALUES abc", errReply("ERR invalid slice 'x'")},
		{"NUM.WRITE nope 0 a b", errReply(msgSyntax)},
		{"NUM.WRITE nope 0 VALUES 1 abc", errReply("ERR invalid value 'abc'")},
		{"NUM.WRITE nope 0 VALUES 1.5", errReply(msgNoSuchKey)},
		{"NUM.WRITE nope 0 abc", errReply(msgNoSuchKey)},
		{"NUM.WRITE f -6 VALUES x", errReply("ERR invalid value 'x'")},
		{"NUM.WRITE f -6 VALUES 1e39", errReply("ERR value out of range for f32")},
		{"NUM.WRITE f -6 abc", errReply("ERR data length is not a multiple of the element size (4)")},
		{"NUM.WRITE f -6 VALUES 1", errReply(msgIndexRange)},
		{"NUM.WRITE f -6 \"\"", errReply(msgIndexRange)},
		{"NUM.WRITE f 9223372036854775807 VALUES 1", errReply(msgGapTooLong)},
		{"NUM.WRITE f ::0 VALUES 1", errReply(msgStepZero)},
		{"NUM.WRITE f 0:2 VALUES 1", errReply(msgDataSelection)},
		{"NUM.WRITE f 5:0 VALUES 1", errReply(msgDataSelection)},
		{"NUM.WRITE f 0:2 VALUES x", errReply("ERR invalid value 'x'")},

		// Index form: overwrite, extend, zero-fill; empty data changes nothing.
		{"NUM.WRITE f -1 VALUES 50 60", intReply(6)},
		{"NUM.WRITE f 8 VALUES 9", intReply(9)},
		{"NUM.READ f VALUES", bulks("1", "2", "3", "4", "50", "60", "0", "0", "9")},
		{"NUM.WRITE f 100 \"\"", intReply(9)},
		{"NUM.WRITE f 100 VALUES", intReply(9)},
		{`NUM.WRITE f 0 "\x00\x00\x80\xbf"`, intReply(9)},
		{"NUM.READ f 0 VALUES", bulks("-1")},

		// Slice form: exactly the selection, in selection order.
		{"NUM.WRITE f ::-1 VALUES 9 8 7 6 5 4 3 2 1", intReply(9)},
		{"NUM.READ f VALUES", bulks("1", "2", "3", "4", "5", "6", "7", "8", "9")},
		{"NUM.WRITE f 1::3 VALUES nan inf -inf", intReply(9)},
		{"NUM.READ f VALUES", bulks("1", "nan", "3", "4", "inf", "6", "7", "-inf", "9")},
		{"NUM.WRITE f 2:4 VALUES 0.1 1e-7", intReply(9)},
		{"NUM.READ f 2:4 VALUES", bulks("0.1", "1e-07")},
		{"NUM.WRITE f 0:0 \"\"", intReply(9)},
		{"NUM.WRITE f 0:3 \"\"", errReply(msgDataSelection)},
		{"NUM.WRITE f 5:5 VALUES", intReply(9)},
		{"NUM.WRITE f 5 \"\"", intReply(9)},
		{"NUM.WRITE f 100:200 VALUES", intReply(9)},
		{"NUM.WRITE f 100:200 VALUES 1", errReply(msgDataSelection)},
	})
}

func TestNumInsertAppendRemove(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"NUM.INSERT nope 0", errReply("ERR wrong number of arguments for 'num.insert' command")},
		{"NUM.INSERT nope x VALUES 1", errReply(msgNotInt)},
		{"NUM.INSERT nope 0:1 VALUES 1", errReply(msgNotInt)},
		{"NUM.INSERT nope 99999999999999999999 VALUES 1", errReply(msgNotInt)},
		{"NUM.INSERT nope 0 VALUES x", errReply("ERR invalid value 'x'")},
		{"NUM.INSERT nope 0 VALUES 1", errReply(msgNoSuchKey)},
		{"NUM.APPEND nope", errReply("ERR wrong number of arguments for 'num.append' command")},
		{"NUM.APPEND nope abc", errReply(msgNoSuchKey)},
		{"NUM.APPEND nope VALUES (1+2j", errReply("ERR invalid value '(1+2j'")},
		{"NUM.REMOVE nope", errReply("ERR wrong number of arguments for 'num.remove' command")},
		{"NUM.REMOVE nope 0 1", errReply("ERR wrong number of arguments for 'num.remove' command")},
		{"NUM.REMOVE nope x", errReply("ERR invalid slice 'x'")},
		{"NUM.REMOVE nope 0", errReply(msgNoSuchKey)},

		{"NUM.CREATE v i16 SHAPE 2", okReply},
		{"NUM.APPEND v VALUES 1 2 3", errReply("ERR number of values is not a multiple of the element size (2)")},
		{"NUM.APPEND v VALUES 1 2 3 40000", errReply("ERR value out of range for i16")},
		{"NUM.APPEND v abc", errReply("ERR data length is not a multiple of the element size (4)")},
		{"NUM.APPEND v VALUES 1 2 3 4", intReply(2)},
		{"NUM.APPEND v \"\"", intReply(2)},
		{"NUM.APPEND v VALUES", intReply(2)},
		{"NUM.APPEND v \"\x05\x00\x06\x00\"", intReply(3)},
		{"NUM.INSERT v -100 VALUES -1 -2", intReply(4)},
		{"NUM.INSERT v 100 VALUES 7 8", intReply(5)},
		{"NUM.INSERT v -1 VALUES 9 9", intReply(6)},
		{"NUM.INSERT v 2 \"\"", intReply(6)},
		{"NUM.READ v VALUES", bulks("-1", "-2", "1", "2", "3", "4", "5", "6", "9", "9", "7", "8")},
		{"NUM.REMOVE v 6", errReply(msgIndexRange)},
		{"NUM.REMOVE v -7", errReply(msgIndexRange)},
		{"NUM.REMOVE v 4:1", intReply(0)},
		{"NUM.REMOVE v -2", intReply(1)},
		{"NUM.READ v VALUES", bulks("-1", "-2", "1", "2", "3", "4", "5", "6", "7", "8")},
		{"NUM.REMOVE v ::-2", intReply(3)},
		{"NUM.READ v VALUES", bulks("1", "2", "5", "6")},
		{"NUM.REMOVE v 0:1", intReply(1)},
		{"NUM.REMOVE v :", intReply(1)},
		{"NUM.LEN v", intReply(0)},
		{"NUM.INFO v", "*12\r\n$5\r\ndtype\r\n$3\r\ni16\r\n$5\r\nshape\r\n*1\r\n:2\r\n$6\r\nlength\r\n:0\r\n$5\r\nbytes\r\n:0\r\n$13\r\nelement_bytes\r\n:4\r\n$5\r\nnumpy\r\n$5\r\nint16\r\n"},
		{"EXISTS v", intReply(1)}, // an empty variable stays

		{"SET s hello", okReply},
		{"NUM.READ s ::-1", "$5\r\nolleh\r\n"},
		{"NUM.READ s 1:3 VALUES", bulks("101", "108")},
		{"NUM.INSERT s 0 VALUES 72", intReply(6)},
		{"NUM.REMOVE s 1", intReply(1)},
		{"GET s", "$5\r\nHello\r\n"},
		{"NUM.APPEND s VALUES 256", errReply("ERR value out of range for u8")},
	})
}

func TestNumGatherAndOpaque(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"NUM.GATHER nope", errReply("ERR wrong number of arguments for 'num.gather' command")},
		{"NUM.GATHER nope 0 x", errReply(msgNotInt)},
		{"NUM.GATHER nope 0 VALUES 1", errReply(msgNotInt)},
		{"NUM.GATHER nope 100", nullBulk},
		{"NUM.GATHER nope 100 VALUES", nullArray},
		{"NUM.CREATE u u64", okReply},
		{"NUM.APPEND u VALUES 0 18446744073709551615 7 8 9", intReply(5)},
		{"NUM.GATHER u 1 -1 0 1 2 3 VALUES", bulks("18446744073709551615", "9", "0", "18446744073709551615", "7", "8")},
		{"NUM.GATHER u 2 3", "$16\r\n\x07\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\r\n"},
		{"NUM.GATHER u 0 5", errReply(msgIndexRange)},
		{"NUM.GATHER u -6 VALUES", errReply(msgIndexRange)},
		{"NUM.GATHER u VALUES", "*0\r\n"},

		{"NUM.CREATE r V3", okReply},
		{"NUM.APPEND r abcdef", intReply(2)},
		{"NUM.APPEND r abcd", errReply("ERR data length is not a multiple of the element size (3)")},
		{"NUM.APPEND r VALUES x", errReply("ERR invalid value 'x'")},
		{"NUM.APPEND r VALUES 1", errReply("ERR VALUES is not supported for V3")},
		{"NUM.APPEND r VALUES", errReply("ERR VALUES is not supported for V3")},
		{"NUM.WRITE r 0:1 VALUES 1", errReply("ERR VALUES is not supported for V3")},
		{"NUM.READ r ::-1", "$6\r\ndefabc\r\n"},
		{"NUM.READ r VALUES", errReply("ERR VALUES is not supported for V3")},
		{"NUM.READ r 5 VALUES", errReply("ERR VALUES is not supported for V3")},
		{"NUM.GATHER r 1 1 0", "$9\r\ndefdefabc\r\n"},
		{"NUM.GATHER r 0 VALUES", errReply("ERR VALUES is not supported for V3")},
		{"NUM.WRITE r ::-1 abcdef", intReply(2)},
		{"GET r", "$6\r\ndefabc\r\n"},
		{"APPEND r x", errReply("ERR length would not be a multiple of the element size (3)")},

		{"NUM.CREATE z c64", okReply},
		{"NUM.APPEND z VALUES (1-2j) 3 2j (nan+infj) (0-infJ)", intReply(5)},
		{"NUM.READ z VALUES", bulks("(1-2j)", "(3+0j)", "(0+2j)", "(nan+infj)", "(0-infj)")},
		{"NUM.CREATE b bool", okReply},
		{"NUM.APPEND b VALUES 1 0 true FALSE", intReply(4)},
		{"NUM.APPEND b \"\x02\"", intReply(5)},
		{"NUM.READ b VALUES", bulks("1", "0", "1", "0", "1")},
		{"NUM.CREATE h f16", okReply},
		{"NUM.APPEND h VALUES 0.1 65504 -0 nan", intReply(4)},
		{"NUM.READ h VALUES", bulks("0.099975586", "65504", "-0", "nan")},
		{"NUM.APPEND h VALUES 65520", errReply("ERR value out of range for f16")},
	})
}

func TestNumRESP3(t *testing.T) {
	c := mustConn(t)
	c.do("HELLO", "3")
	runExchanges(t, c, []exchange{
		{"NUM.READ nope", "_\r\n"},
		{"NUM.READ nope VALUES", "_\r\n"},
		{"NUM.INFO nope", "_\r\n"},
		{"NUM.GATHER nope 1 VALUES", "_\r\n"},
		{"NUM.CREATE u u64", "+OK\r\n"},
		{"NUM.APPEND u VALUES 1 18446744073709551615", ":2\r\n"},
		{"NUM.READ u VALUES", "*2\r\n:1\r\n(18446744073709551615\r\n"},
		{"NUM.CREATE i i8 SHAPE 2", "+OK\r\n"},
		{"NUM.APPEND i VALUES -128 127", ":1\r\n"},
		{"NUM.READ i VALUES", "*2\r\n:-128\r\n:127\r\n"},
		{"NUM.CREATE f f32", "+OK\r\n"},
		{"NUM.APPEND f VALUES 0.1 -inf nan", ":3\r\n"},
		{"NUM.GATHER f 0 1 2 VALUES", "*3\r\n,0.1\r\n,-inf\r\n,nan\r\n"},
		{"NUM.CREATE d f64", "+OK\r\n"},
		{"NUM.APPEND d VALUES 0.1 1e300", ":2\r\n"},
		{"NUM.READ d VALUES", "*2\r\n,0.1\r\n,1e+300\r\n"},
		{"NUM.CREATE z c128", "+OK\r\n"},
		{"NUM.APPEND z VALUES 1+2j", ":1\r\n"},
		{"NUM.READ z VALUES", "*1\r\n$6\r\n(1+2j)\r\n"},
		{"NUM.CREATE b bool", "+OK\r\n"},
		{"NUM.APPEND b VALUES 1 0", ":2\r\n"},
		{"NUM.READ b VALUES", "*2\r\n:1\r\n:0\r\n"},
		{"NUM.INFO i", "%6\r\n$5\r\ndtype\r\n$2\r\ni8\r\n$5\r\nshape\r\n*1\r\n:2\r\n$6\r\nlength\r\n:1\r\n$5\r\nbytes\r\n:2\r\n$13\r\nelement_bytes\r\n:2\r\n$5\r\nnumpy\r\n$4\r\nint8\r\n"},
	})
}

// TestNumReadGrowsOnce checks that a 64 MiB NUM.READ reply is sized once:
// no spare room and nothing allocated besides it, whatever the step.
func TestNumReadGrowsOnce(t *testing.T) {
	const size = 64 << 20
	s, c := mustNumVar(t, "big", newElemType(mustDtype(t, "f64"), nil), size/8)
	for _, tc := range []struct {
		args []string
		n    int
	}{
		{[]string{"NUM.READ", "big"}, size},
		{[]string{"NUM.READ", "big", "::-1"}, size},
		{[]string{"NUM.READ", "big", "1::3"}, (size/8 + 1) / 3 * 8},
		{[]string{"NUM.READ", "big", "-4096:"}, 4096 * 8},
		{[]string{"NUM.GATHER", "big", "5", "6", "7", "-1", "3"}, 5 * 8},
	} {
		args := argv(tc.args...)
		handler := lookupCommand(args[0]).handler
		c.w = resp.Writer{} // a fresh buffer, so that the reply grows from nothing
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		handler(s, c, args)
		s.runUnlocked(c) // a large read copies after the locks, as run does
		runtime.ReadMemStats(&after)
		out := c.w.Bytes()
		header := fmt.Sprintf("$%d\r\n", tc.n)
		if len(out) != len(header)+tc.n+2 || string(out[:len(header)]) != header {
			t.Fatalf("%s: reply of %d bytes starting %q", tc.args, len(out), out[:min(len(out), 16)])
		}
		if spare := cap(out) - len(out); spare > 64<<10 {
			t.Errorf("%s: %d bytes of spare room", tc.args, spare)
		}
		if extra := int(after.TotalAlloc-before.TotalAlloc) - cap(out); extra > 64<<10 && !raceEnabled {
			t.Errorf("%s: %d bytes allocated besides the reply", tc.args, extra)
		}
	}
	// The bytes themselves: a reversed read is the forward read reversed.
	c.w = resp.Writer{}
	cmdNumRead(s, c, argv("NUM.READ", "big", "-3:"))
	s.runUnlocked(c)
	out := c.w.Bytes()
	fwd := out[len("$24\r\n") : len(out)-2]
	c.w = resp.Writer{}
	cmdNumRead(s, c, argv("NUM.READ", "big", ":-4:-1"))
	s.runUnlocked(c)
	out = c.w.Bytes()
	rev := out[len("$24\r\n") : len(out)-2]
	for i := 0; i < 3; i++ {
		if string(fwd[8*i:8*i+8]) != string(rev[8*(2-i):8*(2-i)+8]) {
			t.Fatalf("element %d: forward %x, reversed %x", i, fwd, rev)
		}
	}
}

func BenchmarkNumRead(b *testing.B) {
	for _, n := range []int{4 << 10, 1 << 20, 64 << 20} {
		s, c := mustNumVar(b, "v", *u8Type, n)
		for _, sl := range []string{":", "::-1"} {
			b.Run(fmt.Sprintf("%d/%s", n, sl), func(b *testing.B) {
				args := argv("NUM.READ", "v", sl)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					c.w.Reset()
					cmdNumRead(s, c, args)
					s.runUnlocked(c)
				}
			})
		}
	}
}

func TestParseCreate(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string // "dtype shape size count", or the error
	}{
		{"NUM.CREATE k f32", "f32 [] 4 1"},
		{"NUM.CREATE k FLOAT64", "f64 [] 8 1"},
		{"NUM.CREATE k bfloat16 SHAPE 3", "bf16 [3] 6 3"},
		{"NUM.CREATE k c128 shape 2 3 +4", "c128 [2 3 4] 384 24"},
		{"NUM.CREATE k V7 SHAPE 2", "V7 [2] 14 2"},
		{"NUM.CREATE k u8 SHAPE 268435456", "u8 [268435456] 268435456 268435456"},
		{"NUM.CREATE k u8 SHAPE 268435457", msgInvalidShape},
		{"NUM.CREATE k f64 SHAPE 33554432", "f64 [33554432] 268435456 33554432"},
		{"NUM.CREATE k f64 SHAPE 33554433", msgInvalidShape},
		{"NUM.CREATE k u8 SHAPE 65536 65536 65536 65536", msgInvalidShape}, // would overflow
		{"NUM.CREATE k u8 SHAPE " + strings.Repeat("1 ", 32), "u8 [" + strings.TrimSpace(strings.Repeat("1 ", 32)) + "] 1 1"},
		{"NUM.CREATE k u8 SHAPE " + strings.Repeat("1 ", 33), msgInvalidShape},
		{"NUM.CREATE k f32 SHAPE", msgInvalidShape},
		{"NUM.CREATE k f32 SHAPE 0", msgInvalidShape},
		{"NUM.CREATE k f32 SHAPE -2", msgInvalidShape},
		{"NUM.CREATE k f32 SHAPE 2.0", msgInvalidShape},
		{"NUM.CREATE k f32 3", msgSyntax},
		{"NUM.CREATE k f32 SHAPES 3", msgSyntax},
		{"NUM.CREATE k float 3", "ERR unknown dtype 'float'"},
		{"NUM.CREATE k V01", "ERR unknown dtype 'V01'"},
		{"NUM.CREATE k V1048576", "V1048576 [] 1048576 1"},
	} {
		typ, msg := parseCreate(argv(strings.Fields(tc.args)...))
		got := msg
		if msg == "" {
			got = fmt.Sprintf("%s %v %d %d", typ.dt.name, typ.shape, typ.size, typ.count)
		}
		if got != tc.want {
			t.Errorf("parseCreate(%s) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestParseRead(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string // "selection as values", or the error
	}{
		{"NUM.READ k", "- - false"},
		{"NUM.READ k VALUES", "- - true"},
		{"NUM.READ k values", "- - true"},
		{"NUM.READ k 3", "3 - false"},
		{"NUM.READ k ::-1 VALUES", "::-1 - true"},
		{"NUM.READ k VALUES VALUES", "- - true"},
		{"NUM.READ k x VALUES", "ERR invalid slice 'x'"},
		{"NUM.READ k 1 2", msgSyntax},
		{"NUM.READ k 1 VALUES 2", msgSyntax},
		{"NUM.READ k ::0", msgStepZero},
		{"NUM.READ k 1,2 AS f32", "1, 2 f32 false"},
		{"NUM.READ k AS float16 values", "- f16 true"},
		{"NUM.READ k 1: values as I8", "1::1 i8 true"},
		{"NUM.READ k as", msgSyntax},
		{"NUM.READ k AS f99", "ERR unknown dtype 'f99'"},
		{"NUM.READ k AS VALUES", "ERR unknown dtype 'VALUES'"},
		{"NUM.READ k as f32 x", msgSyntax},
		{"NUM.READ k ...,...", msgEllipsis},
		{"NUM.READ k 1,x AS f99", "ERR invalid slice 'x'"},
	} {
		a, msg := parseRead(argv(strings.Fields(tc.args)...))
		got := msg
		if msg == "" {
			sel, as := "-", "-"
			if a.hasSel {
				sel = a.sel.String()
			}
			if a.hasAs {
				as = a.as.name
			}
			got = fmt.Sprintf("%s %s %v", sel, as, a.values)
		}
		if got != tc.want {
			t.Errorf("parseRead(%s) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestParseGather(t *testing.T) {
	for _, tc := range []struct {
		args string
		want string // "indexes values", or the error
	}{
		{"NUM.GATHER k 1", "[1] false"},
		{"NUM.GATHER k 1 -2 +3 VALUES", "[1 -2 3] true"},
		{"NUM.GATHER k VALUES", "[] true"},
		{"NUM.GATHER k 1 VALUES 2", msgNotInt},
		{"NUM.GATHER k 1:2", msgNotInt},
		{"NUM.GATHER k 9223372036854775808", msgNotInt},
		{"NUM.GATHER k -9223372036854775808", "[-9223372036854775808] false"},
	} {
		a, msg := parseGather(argv(strings.Fields(tc.args)...))
		got := msg
		if msg == "" {
			got = fmt.Sprintf("%v %v", a.idx, a.values)
		}
		if got != tc.want {
			t.Errorf("parseGather(%s) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestNumSizeLimit checks that a NUM.WRITE index may not zero-fill more
// than proto-max-bulk-len bytes (as CONFIG SET leaves it) past the end,
// while APPEND and INSERT grow a variable past that size.
func TestNumSizeLimit(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"CONFIG SET proto-max-bulk-len 1mb", okReply},
		{"NUM.CREATE b u8", okReply},
		{"NUM.WRITE b 1048577 x", errReply(msgGapTooLong)},
		{"NUM.WRITE b -1 x", errReply(msgIndexRange)},
		{"NUM.WRITE b 1048575 x", intReply(1 << 20)},
		{"NUM.APPEND b x", intReply(1<<20 + 1)},
		{"NUM.INSERT b 0 VALUES 1", intReply(1<<20 + 2)},
		{"NUM.WRITE b 2097154 x", intReply(2<<20 + 3)},
		{"NUM.WRITE b 4194308 x", errReply(msgGapTooLong)},
		{"NUM.CREATE w f64", okReply},
		{"NUM.WRITE w 131071 VALUES 1", intReply(131072)},
		{"NUM.WRITE w 262145 VALUES 1", errReply(msgGapTooLong)},
		{"NUM.WRITE w 9223372036854775807 VALUES 1", errReply(msgGapTooLong)},
		{"NUM.LEN w", intReply(131072)},
	})
}
