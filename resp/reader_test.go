package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// chunks is an io.Reader that returns its pieces one Read at a time (cut
// to the room offered), then io.EOF.
type chunks struct{ p [][]byte }

func (c *chunks) Read(b []byte) (int, error) {
	for len(c.p) > 0 && len(c.p[0]) == 0 {
		c.p = c.p[1:]
	}
	if len(c.p) == 0 {
		return 0, io.EOF
	}
	n := copy(b, c.p[0])
	c.p[0] = c.p[0][n:]
	return n, nil
}

// mustReader returns a Reader of the given pieces with Redis's default
// limits (512 MB bulks, 1 GB pending) and the given authentication state.
func mustReader(t testing.TB, authed bool, pieces ...string) *Reader {
	t.Helper()
	var maxBulk, maxQuery atomic.Int64
	maxBulk.Store(512 << 20)
	maxQuery.Store(1 << 30)
	p := make([][]byte, len(pieces))
	for i, s := range pieces {
		p[i] = []byte(s)
	}
	return NewReader(&chunks{p}, &maxBulk, &maxQuery, func() bool { return authed })
}

// readAll fills and parses until the input ends or an error, and returns
// each command as its arguments joined by '|'.
func readAll(r *Reader) ([]string, error) {
	var got []string
	for {
		for {
			args, err := r.Next()
			if err != nil {
				return got, err
			}
			if args == nil {
				break
			}
			got = append(got, string(bytes.Join(args, []byte("|"))))
		}
		if _, err := r.Fill(); err != nil {
			return got, err
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"10", 10, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"123456789012345678901", 0, false},
		{"", 0, false}, {"-", 0, false}, {"+1", 0, false}, {"01", 0, false}, {"-0", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"0x10", 0, false},
	} {
		got, ok := ParseInt([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestReaderCommands(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pieces []string
		want   []string
	}{
		{"multibulk", []string{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"}, []string{"GET|k"}},
		{"pipelined", []string{"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"}, []string{"PING", "ECHO|"}},
		{"byte by byte", strings.Split("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n", ""), []string{"ECHO|hi", "PING"}},
		{"binary", []string{"*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n"}, []string{"ECHO|a\r\nb"}},
		{"empty multibulks skipped", []string{"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n"}, []string{"PING"}},
		// Like Redis, the two bytes after a bulk are not checked.
		{"unchecked bulk end", []string{"*1\r\n$4\r\nPINGxx"}, []string{"PING"}},
		{"inline", []string{"SET k v\r\nGET k\n"}, []string{"SET|k|v", "GET|k"}},
		{"blank inline lines skipped", []string{"\r\n\n  \t\r\nPING\r\n"}, []string{"PING"}},
		{"double quotes", []string{`ECHO "a b\x41\n\"" x` + "\r\n"}, []string{"ECHO|a bA\n\"|x"}},
		{"single quotes", []string{`ECHO 'it\'s' ''` + "\r\n"}, []string{"ECHO|it's|"}},
		{"quote inside a word", []string{`ECHO ab"c d"` + "\r\n"}, []string{"ECHO|abc d"}},
		{"unknown escape kept", []string{`ECHO "\q\x4"` + "\r\n"}, []string{"ECHO|qx4"}},
	} {
		got, err := readAll(mustReader(t, true, tc.pieces...))
		if err != io.EOF || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: got %q, %v; want %q, EOF", tc.name, got, err, tc.want)
		}
	}
}

// TestReaderProtocolErrors checks each protocol error's text byte for byte,
// that the commands before it are returned, and that the error sticks.
func TestReaderProtocolErrors(t *testing.T) {
	long := strings.Repeat("x", inlineMax+1)
	for _, tc := range []struct {
		in     string
		authed bool
		before []string
		want   string
	}{
		{"*abc\r\n", true, nil, "ERR Protocol error: invalid multibulk length"},
		{"*+1\r\n", true, nil, "ERR Protocol error: invalid multibulk length"},
		{"*2147483648\r\n", true, nil, "ERR Protocol error: invalid multibulk length"},
		{"*1\r\n$-1\r\n", true, nil, "ERR Protocol error: invalid bulk length"},
		{"*1\r\n$x\r\n", true, nil, "ERR Protocol error: invalid bulk length"},
		{"*1\r\n$536870913\r\n", true, nil, "ERR Protocol error: invalid bulk length"},
		{"PING\r\n*2\r\n$4\r\nECHO\r\n:1\r\n", true, []string{"PING"}, "ERR Protocol error: expected '$', got ':'"},
		{"SET a \"b\r\n", true, nil, "ERR Protocol error: unbalanced quotes in request"},
		{"ECHO \"a\"b\r\n", true, nil, "ERR Protocol error: unbalanced quotes in request"},
		{long, true, nil, "ERR Protocol error: too big inline request"},
		{"*" + long, true, nil, "ERR Protocol error: too big mbulk count string"},
		{"*1\r\n$" + long, true, nil, "ERR Protocol error: too big bulk count string"},
		{"*1\r\n" + long, true, nil, "ERR Protocol error: too big bulk count string"},
		{"*11\r\n", false, nil, "ERR Protocol error: unauthenticated multibulk length"},
		{"*1\r\n$16385\r\n", false, nil, "ERR Protocol error: unauthenticated bulk length"},
	} {
		r := mustReader(t, tc.authed, tc.in)
		got, err := readAll(r)
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Error() != tc.want || strings.Join(got, ",") != strings.Join(tc.before, ",") {
			t.Errorf("%.40q: got %q, %v; want %q, %q", tc.in, got, err, tc.before, tc.want)
			continue
		}
		if args, err := r.Next(); args != nil || err == nil || err.Error() != tc.want {
			t.Errorf("%.40q: after the error Next returned %q, %v", tc.in, args, err)
		}
	}
	// Within the limits for unauthenticated clients, or authenticated.
	for _, in := range []string{"*10\r\n" + strings.Repeat("$1\r\nx\r\n", 10), "*1\r\n$16384\r\n" + strings.Repeat("x", 16384) + "\r\n"} {
		if got, err := readAll(mustReader(t, false, in)); len(got) != 1 || err != io.EOF {
			t.Errorf("%.20q unauthenticated: %d commands, %v", in, len(got), err)
		}
	}
	if got, err := readAll(mustReader(t, true, "*11\r\n"+strings.Repeat("$1\r\nx\r\n", 11))); len(got) != 1 || err != io.EOF {
		t.Errorf("11 arguments authenticated: %d commands, %v", len(got), err)
	}
}

// TestReaderLimitsLive checks that the limits are read at each use, so
// that CONFIG SET applies to open connections.
func TestReaderLimitsLive(t *testing.T) {
	var maxBulk, maxQuery atomic.Int64
	maxBulk.Store(512 << 20)
	maxQuery.Store(1 << 30)
	in := "*1\r\n$1024\r\n" + strings.Repeat("x", 1024) + "\r\n"
	r := NewReader(&chunks{[][]byte{[]byte(in), []byte(in)}}, &maxBulk, &maxQuery, func() bool { return true })
	if _, err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	if args, err := r.Next(); len(args) != 1 || err != nil {
		t.Fatalf("first request: %d args, %v", len(args), err)
	}
	maxBulk.Store(1023)
	if _, err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err == nil || err.Error() != msgProtoInvalidBulk {
		t.Fatalf("bulk of 1024 under a limit of 1023: %v", err)
	}
}

func TestReaderQueryLimit(t *testing.T) {
	var maxBulk, maxQuery atomic.Int64
	maxBulk.Store(512 << 20)
	maxQuery.Store(1 << 20)
	// A request whose first argument, 1.5 MiB, is in and whose second is
	// not: the reader refuses to read more with 1 MiB unparsed.
	in := "*2\r\n$1572864\r\n" + strings.Repeat("x", 3<<19) + "\r\n"
	r := NewReader(strings.NewReader(in), &maxBulk, &maxQuery, func() bool { return true })
	got, err := readAll(r)
	if len(got) != 0 || err != ErrQueryLimit {
		t.Fatalf("got %d commands, %v; want ErrQueryLimit", len(got), err)
	}
	if !strings.HasPrefix(ErrQueryLimit.Error(), "resp: ") {
		t.Errorf("ErrQueryLimit = %q, want the package prefix", ErrQueryLimit)
	}
}

// TestReaderGrowsOnce checks that a large bulk's announced size grows the
// buffer once, to hold the whole request, and that the buffer is given
// back once the request is parsed.
func TestReaderGrowsOnce(t *testing.T) {
	const size = 8 << 20
	in := fmt.Sprintf("*2\r\n$4\r\nECHO\r\n$%d\r\n", size) + strings.Repeat("y", size) + "\r\n*1\r\n$4\r\nPING\r\n"
	r := mustReader(t, true, in)
	caps := map[int]bool{cap(r.buf): true}
	var got []string
	for len(got) < 2 {
		args, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if args == nil {
			if _, err := r.Fill(); err != nil {
				t.Fatal(err)
			}
			caps[cap(r.buf)] = true
			continue
		}
		if len(got) == 0 && (len(args) != 2 || len(args[1]) != size) {
			t.Fatalf("first command: %d args", len(args))
		}
		got = append(got, string(args[0]))
	}
	if len(caps) != 2 {
		t.Errorf("buffer capacities seen: %v, want the first and one grown", caps)
	}
	if _, err := r.Fill(); err != io.EOF {
		t.Fatalf("Fill at the end: %v", err)
	}
	if cap(r.buf) != 16*1024 {
		t.Errorf("idle buffer of %d bytes, want the 16 KiB one back", cap(r.buf))
	}
}

// TestReaderArgsAlias checks that multibulk arguments point into the read
// buffer rather than into copies.
func TestReaderArgsAlias(t *testing.T) {
	r := mustReader(t, true, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n")
	if _, err := r.Fill(); err != nil {
		t.Fatal(err)
	}
	args, err := r.Next()
	if err != nil || len(args) != 3 {
		t.Fatalf("%q, %v", args, err)
	}
	for _, a := range args {
		if !inBuffer(r, a) {
			t.Errorf("argument %q is not in the read buffer", a)
		}
	}
}

// inBuffer reports whether a is a non-empty part of r's filled buffer.
func inBuffer(r *Reader, a []byte) bool {
	off := cap(r.buf) - cap(a)
	return len(a) > 0 && off >= 0 && off+len(a) <= r.w && &r.buf[off] == &a[0]
}
