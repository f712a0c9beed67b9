package resp

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// replyCases are every reply kind, with its bytes in RESP2 and in RESP3.
var replyCases = []struct {
	name         string
	write        func(w *Writer)
	resp2, resp3 string
}{
	{"OK", func(w *Writer) { w.OK() }, "+OK\r\n", "+OK\r\n"},
	{"SimpleString", func(w *Writer) { w.SimpleString("RESET") }, "+RESET\r\n", "+RESET\r\n"},
	{"SimpleString newlines", func(w *Writer) { w.SimpleString("a\r\nb") }, "+a  b\r\n", "+a  b\r\n"},
	{"Error", func(w *Writer) { w.Error("ERR syntax error") }, "-ERR syntax error\r\n", "-ERR syntax error\r\n"},
	{"Error newlines", func(w *Writer) { w.Error("ERR a\nb\r\nc") }, "-ERR a b  c\r\n", "-ERR a b  c\r\n"},
	{"Int", func(w *Writer) { w.Int(-42) }, ":-42\r\n", ":-42\r\n"},
	{"Int min", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
	{"Bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
	{"Bulk empty", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
	{"BulkString", func(w *Writer) { w.BulkString("hello") }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
	{"Array", func(w *Writer) { w.Array(3) }, "*3\r\n", "*3\r\n"},
	{"EmptyArray", func(w *Writer) { w.EmptyArray() }, "*0\r\n", "*0\r\n"},
	{"Queued", func(w *Writer) { w.Queued() }, "+QUEUED\r\n", "+QUEUED\r\n"},
	{"Header", func(w *Writer) { w.Header('>', 2) }, ">2\r\n", ">2\r\n"},
	{"Null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
	{"NullArray", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
	{"Map", func(w *Writer) { w.Map(7) }, "*14\r\n", "%7\r\n"},
	{"Map empty", func(w *Writer) { w.Map(0) }, "*0\r\n", "%0\r\n"},
	{"Set", func(w *Writer) { w.Set(2) }, "*2\r\n", "~2\r\n"},
	{"Bool true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
	{"Bool false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
	{"Double", func(w *Writer) { w.Double(1.5, 64) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
	{"Double f32", func(w *Writer) { w.Double(float64(float32(0.1)), 32) }, "$3\r\n0.1\r\n", ",0.1\r\n"},
	{"Double exponent", func(w *Writer) { w.Double(1e21, 64) }, "$5\r\n1e+21\r\n", ",1e+21\r\n"},
	{"Double inf", func(w *Writer) { w.Double(math.Inf(1), 64) }, "$3\r\ninf\r\n", ",inf\r\n"},
	{"Double -inf", func(w *Writer) { w.Double(math.Inf(-1), 64) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
	{"Double nan", func(w *Writer) { w.Double(math.NaN(), 32) }, "$3\r\nnan\r\n", ",nan\r\n"},
	{"Uint64 small", func(w *Writer) { w.Uint64(7) }, ":7\r\n", ":7\r\n"},
	{"Uint64 max int", func(w *Writer) { w.Uint64(math.MaxInt64) }, ":9223372036854775807\r\n", ":9223372036854775807\r\n"},
	{"Uint64 big", func(w *Writer) { w.Uint64(math.MaxUint64) }, "(18446744073709551615\r\n", "(18446744073709551615\r\n"},
	{"Verbatim", func(w *Writer) { w.Verbatim("a\nb") }, "$3\r\na\nb\r\n", "=7\r\ntxt:a\nb\r\n"},
	{"Verbatim empty", func(w *Writer) { w.Verbatim("") }, "$0\r\n\r\n", "=4\r\ntxt:\r\n"},
	{"BulkHeader CRLF", func(w *Writer) { w.BulkHeader(3); w.Bulk(nil); w.CRLF() }, "$3\r\n$0\r\n\r\n\r\n", "$3\r\n$0\r\n\r\n\r\n"},
}

func TestWriterReplies(t *testing.T) {
	for _, tc := range replyCases {
		for _, proto := range []int{2, 3} {
			var w Writer
			if proto == 3 {
				w.SetProto(3)
			}
			w.Int(1) // something before, which the reply must leave alone
			tc.write(&w)
			want := map[int]string{2: tc.resp2, 3: tc.resp3}[proto]
			if got := string(w.Bytes()); got != ":1\r\n"+want {
				t.Errorf("%s in RESP%d: %q, want %q", tc.name, proto, got[4:], want)
			}
			if w.Len() != len(w.Bytes()) {
				t.Errorf("%s in RESP%d: Len %d for %d bytes", tc.name, proto, w.Len(), len(w.Bytes()))
			}
		}
	}
}

func TestWriterProto(t *testing.T) {
	var w Writer
	if w.Proto() != 2 {
		t.Fatalf("zero Writer speaks RESP%d", w.Proto())
	}
	w.SetProto(3)
	if w.Proto() != 3 {
		t.Fatalf("after SetProto(3): RESP%d", w.Proto())
	}
	w.SetProto(2)
	if w.Proto() != 2 {
		t.Fatalf("after SetProto(2): RESP%d", w.Proto())
	}
}

func TestAppendFloat(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		bits int
		want string
	}{
		{0, 64, "0"}, {math.Copysign(0, -1), 64, "-0"}, {-2.5, 64, "-2.5"}, {1.0 / 3, 64, "0.3333333333333333"},
		{float64(float32(1.0 / 3)), 32, "0.33333334"}, {1e-7, 64, "1e-07"}, {123456789, 32, "1.2345679e+08"},
		{math.Inf(1), 32, "inf"}, {math.Inf(-1), 64, "-inf"}, {math.NaN(), 64, "nan"},
	} {
		if got := string(AppendFloat([]byte("x"), tc.f, tc.bits)); got != "x"+tc.want {
			t.Errorf("AppendFloat(%v, %d) = %q, want %q", tc.f, tc.bits, got[1:], tc.want)
		}
	}
}

// TestWriterAppendWith checks that a producer appends in place, and that
// on its error what it appended is dropped and Rewind drops the rest of
// the reply.
func TestWriterAppendWith(t *testing.T) {
	var w Writer
	w.OK()
	m := w.Mark()
	w.Grow(100)
	before := &w.Bytes()[:cap(w.Bytes())][len(w.Bytes())]
	w.BulkHeader(5)
	err := w.AppendWith(func(dst []byte) ([]byte, error) { return append(dst, "hello"...), nil })
	w.CRLF()
	if err != nil || string(w.Bytes()) != "+OK\r\n$5\r\nhello\r\n" {
		t.Fatalf("%q, %v", w.Bytes(), err)
	}
	if &w.Bytes()[5] != before {
		t.Error("the reply did not go into the room Grow made")
	}
	boom := errors.New("boom")
	w.BulkHeader(5)
	err = w.AppendWith(func(dst []byte) ([]byte, error) { return append(dst, "hel"...), boom })
	if err != boom || string(w.Bytes()) != "+OK\r\n$5\r\nhello\r\n$5\r\n" {
		t.Fatalf("after an error: %q, %v", w.Bytes(), err)
	}
	w.Rewind(m)
	if string(w.Bytes()) != "+OK\r\n" {
		t.Fatalf("after Rewind: %q", w.Bytes())
	}
	w.Reset()
	if w.Len() != 0 {
		t.Fatalf("after Reset: %q", w.Bytes())
	}
}

// countWriter counts its Write calls and keeps what they wrote.
type countWriter struct {
	bytes.Buffer
	calls int
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.calls++
	return c.Buffer.Write(p)
}

func TestWriterFlush(t *testing.T) {
	var w Writer
	var dst countWriter
	if n, err := w.Flush(&dst); n != 0 || err != nil || dst.calls != 0 {
		t.Fatalf("empty Flush: %d, %v, %d writes", n, err, dst.calls)
	}
	w.OK()
	w.Int(5)
	if n, err := w.Flush(&dst); n != 9 || err != nil || dst.calls != 1 || dst.String() != "+OK\r\n:5\r\n" {
		t.Fatalf("Flush: %d, %v, %d writes of %q", n, err, dst.calls, dst.String())
	}
	if w.Len() != 0 {
		t.Fatalf("%d bytes pending after Flush", w.Len())
	}
	// A small buffer is kept for the next replies; one grown past 1 MiB
	// is dropped.
	w.Bulk(make([]byte, 1000))
	kept := cap(w.Bytes())
	w.Flush(&dst)
	if cap(w.Bytes()) != kept {
		t.Errorf("buffer of %d bytes dropped, want it kept", kept)
	}
	w.Bulk(make([]byte, 2<<20))
	w.Flush(&dst)
	if c := cap(w.Bytes()); c != 0 {
		t.Errorf("buffer of %d bytes kept after a 2 MiB reply", c)
	}
	// The output is dropped when the write fails.
	w.OK()
	if _, err := w.Flush(failWriter{}); err == nil || w.Len() != 0 {
		t.Fatalf("failed Flush: %v, %d bytes left", err, w.Len())
	}
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("closed") }
