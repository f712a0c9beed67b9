package commands

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// bulkOf returns the bytes of a RESP bulk reply, or fails.
func bulkOf(t *testing.T, reply string) string {
	t.Helper()
	line, rest, ok := strings.Cut(reply, "\r\n")
	if !ok || !strings.HasPrefix(line, "$") {
		t.Fatalf("not a bulk: %q", clip(reply))
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 0 || len(rest) != n+2 {
		t.Fatalf("bad bulk: %q", clip(reply))
	}
	return rest[:n]
}

// TestDumpRestoreRoundTrip dumps variables of every kind numkv holds
// (strings inline and in trees, typed arrays with and without row shapes,
// opaque elements, empty ones) and restores each under another key: the
// bytes, the dtype and the shape come back as they were.
func TestDumpRestoreRoundTrip(t *testing.T) {
	_, addr := mustNumkv(t, noPersistence)
	c := mustDial(t, addr)
	r := rand.New(rand.NewPCG(1, 2))
	type variant struct {
		create []string
		n      int // bytes to append
	}
	cases := []variant{
		{nil, 0}, {nil, 3}, {nil, 4000}, {nil, 5000}, {nil, 300 << 10},
		{[]string{"NUM.CREATE", "k", "f32"}, 4 * 10},
		{[]string{"NUM.CREATE", "k", "f64", "SHAPE", "3", "2"}, 48 * 7},
		{[]string{"NUM.CREATE", "k", "V12"}, 12 * 100},
		{[]string{"NUM.CREATE", "k", "i16", "SHAPE", "4"}, 0},
		{[]string{"NUM.CREATE", "k", "c64", "SHAPE", "2"}, 16 * 40000},
	}
	for i, v := range cases {
		c.do("DEL", "k", "k2")
		data := make([]byte, v.n)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		if v.create == nil {
			if got := c.do("SET", "k", string(data)); got != "+OK\r\n" {
				t.Fatal(got)
			}
		} else {
			if got := c.do(v.create...); got != "+OK\r\n" {
				t.Fatalf("%v: %q", v.create, got)
			}
			if v.n > 0 {
				if got := c.do("NUM.APPEND", "k", string(data)); !strings.HasPrefix(got, ":") {
					t.Fatalf("case %d: NUM.APPEND: %q", i, clip(got))
				}
			}
		}
		payload := bulkOf(t, c.do("DUMP", "k"))
		if got := c.do("RESTORE", "k2", "0", payload); got != "+OK\r\n" {
			t.Fatalf("case %d: RESTORE: %q", i, got)
		}
		for _, cmd := range [][]string{{"NUM.INFO", "k"}, {"GETRANGE", "k", "0", "-1"}, {"TYPE", "k"}} {
			want := c.do(cmd...)
			got := c.do(append([]string{cmd[0], "k2"}, cmd[2:]...)...)
			if got != want {
				t.Errorf("case %d: %v of the restored key: %q, want %q", i, cmd[0], clip(got), clip(want))
			}
		}
	}
}

// TestRestoreRefusesDamage flips every byte of a payload in turn, cuts it
// short at every length, and extends it: RESTORE refuses each with Redis's
// checksum error and creates nothing. A payload whose checksum is right
// but that describes no variable gets "Bad data format".
func TestRestoreRefusesDamage(t *testing.T) {
	_, addr := mustNumkv(t, noPersistence)
	c := mustDial(t, addr)
	c.do("NUM.CREATE", "k", "f32", "SHAPE", "2")
	c.do("NUM.APPEND", "k", "VALUES", "1", "2", "3", "4")
	p := bulkOf(t, c.do("DUMP", "k"))
	bad := func(q, want string) {
		t.Helper()
		if got := c.do("RESTORE", "x", "0", q); got != "-"+want+"\r\n" {
			t.Fatalf("RESTORE of a damaged payload: %q, want %q", got, want)
		}
	}
	for i := range p {
		for _, bit := range []byte{1, 0x80} {
			q := []byte(p)
			q[i] ^= bit
			bad(string(q), msgDumpPayload)
		}
	}
	for n := 0; n < len(p); n++ {
		bad(p[:n], msgDumpPayload)
	}
	bad(p+"x", msgDumpPayload)
	// Right checksum, wrong contents.
	for _, body := range []string{
		"NKVD\x01\x00\x03f99\x00" + strings.Repeat("\x00", 8),                                 // unknown dtype
		"NKVD\x01\x00\x03f32\x00\x03\x00\x00\x00\x00\x00\x00\x00abc",                          // not whole elements
		"NKVD\x01\x00\x03f32\x01\x00\x00\x00\x00\x00\x00\x00\x00" + strings.Repeat("\x00", 8), // a zero dimension
		"NKVD\x01\x00\x03f32\x00\x09\x00\x00\x00\x00\x00\x00\x00abcd",                         // length past the end
		"NKVD\x01\x00\x1f" + strings.Repeat("\x00", 10),                                       // dtype past the end
	} {
		sum := crc64Sum([]byte(body))
		bad(body+sum, msgBadDataFormat)
	}
	if got := c.do("EXISTS", "x"); got != ":0\r\n" {
		t.Fatalf("a refused RESTORE left a key: EXISTS %q", got)
	}
}

func crc64Sum(b []byte) string {
	var out [8]byte
	s := crc64Checksum(b)
	for i := range out {
		out[i] = byte(s >> (8 * i))
	}
	return string(out[:])
}

// TestRestoreOptions checks TTL, ABSTTL, IDLETIME and FREQ.
func TestRestoreOptions(t *testing.T) {
	_, addr := mustNumkv(t, noPersistence)
	c := mustDial(t, addr)
	c.do("SET", "k", "v")
	p := bulkOf(t, c.do("DUMP", "k"))
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"RESTORE", "a", "0", p, "IDLETIME", "1000"}, "+OK\r\n"},
		{[]string{"OBJECT", "IDLETIME", "a"}, ":1000\r\n"},
		{[]string{"RESTORE", "b", "5000", p}, "+OK\r\n"},
		{[]string{"TTL", "b"}, ":5\r\n"},
		{[]string{"RESTORE", "b", "1", p, "REPLACE", "ABSTTL"}, "+OK\r\n"}, // expired long ago: deleted
		{[]string{"EXISTS", "b"}, ":0\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}, "+OK\r\n"},
		{[]string{"RESTORE", "f", "0", p, "FREQ", "100"}, "+OK\r\n"},
		{[]string{"OBJECT", "FREQ", "f"}, ":100\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "noeviction"}, "+OK\r\n"},
	} {
		if got := c.do(st.args...); got != st.want {
			t.Errorf("%q: %q, want %q", st.args[:2], got, st.want)
		}
	}
}
