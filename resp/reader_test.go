package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"numkv/offheap"
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

// growthBound is the largest buffer Fill may hold after read bytes of a
// request have arrived: twice them, or bigBuf, rounded up to an offheap
// page.
func growthBound(read int) int { return max(2*read+8192, bigBuf) + offheap.PageSize }

// TestReaderGrowsWithArrivals checks that a large bulk grows the buffer
// with the bytes that arrive, by doubling (so that copying stays O(n)),
// never past the request's size, and that the buffer is given back once
// the request is parsed.
func TestReaderGrowsWithArrivals(t *testing.T) {
	const size = 8 << 20
	in := fmt.Sprintf("*2\r\n$4\r\nECHO\r\n$%d\r\n", size) + strings.Repeat("y", size) + "\r\n*1\r\n$4\r\nPING\r\n"
	r := mustReader(t, true, in)
	caps := map[int]bool{cap(r.buf): true}
	read := 0
	var got []string
	for len(got) < 2 {
		args, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if args == nil {
			n, err := r.Fill()
			if err != nil {
				t.Fatal(err)
			}
			read += n
			caps[cap(r.buf)] = true
			if cap(r.buf) > growthBound(read) {
				t.Fatalf("a buffer of %d bytes after %d bytes read", cap(r.buf), read)
			}
			continue
		}
		if len(got) == 0 && (len(args) != 2 || len(args[1]) != size) {
			t.Fatalf("first command: %d args", len(args))
		}
		got = append(got, string(args[0]))
	}
	// 16 KiB, doubled to 64 KiB, then 1 MiB and doubled to 8 MiB and a bit:
	// a handful of buffers, each copied once.
	if len(caps) > 10 {
		t.Errorf("%d buffer sizes seen, want at most 10: %v", len(caps), caps)
	}
	for c := range caps {
		if c > size+offheap.PageSize+2048 {
			t.Errorf("a buffer of %d bytes, past the request's %d", c, size)
		}
	}
	if _, err := r.Fill(); err != io.EOF {
		t.Fatalf("Fill at the end: %v", err)
	}
	if cap(r.buf) != 16*1024 {
		t.Errorf("idle buffer of %d bytes, want the 16 KiB one back", cap(r.buf))
	}
}

// TestReaderGrowsByDoubling: a request of many bulks whose reads end in
// the middle of a bulk's header still grows its buffer by doubling, not by
// the next bulk's size at a time.
func TestReaderGrowsByDoubling(t *testing.T) {
	var pieces []string
	cmd := "*201\r\n$4\r\nMSET" + strings.Repeat("\r\n$65536\r\n"+strings.Repeat("v", 65536), 200) + "\r\n"
	for rest := cmd; rest != ""; {
		cut := strings.Index(rest[1:], "$")
		if cut < 0 {
			pieces = append(pieces, rest)
			break
		}
		pieces = append(pieces, rest[:cut+3]) // up to the middle of the next header
		rest = rest[cut+3:]
	}
	r := mustReader(t, true, pieces...)
	caps := map[int]bool{}
	for {
		args, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if args != nil {
			if len(args) != 201 {
				t.Fatalf("%d arguments", len(args))
			}
			break
		}
		if _, err := r.Fill(); err != nil {
			t.Fatal(err)
		}
		caps[cap(r.buf)] = true
	}
	if len(caps) > 12 {
		t.Errorf("%d buffer sizes for a request of %d bytes: %v", len(caps), len(cmd), caps)
	}
}

// TestReaderAnnouncedBulkCostsWhatArrives: a client announces a 400 MB
// bulk and sends 1.5 MiB of it in small pieces. The buffer holds about
// what arrived, not the 400 MB announced, and its memory goes back to the
// allocator when the connection ends.
func TestReaderAnnouncedBulkCostsWhatArrives(t *testing.T) {
	before := offheap.ReadStats().Live[offheap.Buffer]
	pieces := []string{"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$400000000\r\n"}
	const sent = 3 << 19
	for i := 0; i < sent/(8<<10); i++ {
		pieces = append(pieces, strings.Repeat("z", 8<<10))
	}
	r := mustReader(t, true, pieces...)
	got, err := readAll(r)
	if err != io.EOF || len(got) != 0 {
		t.Fatalf("got %d commands and %v, want none and EOF", len(got), err)
	}
	if r.w-r.r != len(pieces[0])+sent {
		t.Fatalf("%d bytes pending, want %d", r.w-r.r, len(pieces[0])+sent)
	}
	if cap(r.buf) > growthBound(r.w) {
		t.Errorf("a buffer of %d bytes holds %d bytes of an announced 400 MB", cap(r.buf), r.w)
	}
	if live := offheap.ReadStats().Live[offheap.Buffer] - before; live > int64(growthBound(r.w)) {
		t.Errorf("%d offheap buffer bytes live for %d bytes pending", live, r.w)
	}
	r.Release()
	if live := offheap.ReadStats().Live[offheap.Buffer] - before; live != 0 {
		t.Errorf("%d offheap buffer bytes live after Release", live)
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
