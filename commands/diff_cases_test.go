package commands

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawExchange writes the chunks to a new connection (pausing between them
// so that they arrive as separate reads), then reads until the server
// closes the connection or, after a last "ECHO end-of-case" (appended
// unless the case leaves a request incomplete), until its reply; a case
// without the sentinel waits for silence. It returns what came back,
// without the sentinel's reply, and whether the connection was closed.
func rawExchange(t *testing.T, addr string, sentinel bool, chunks ...string) (string, bool) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	const end = "$11\r\nend-of-case\r\n"
	if sentinel {
		chunks = append(chunks, "ECHO end-of-case\r\n")
	}
	for i, ch := range chunks {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := nc.Write([]byte(ch)); err != nil {
			break // the server may close before it has read everything
		}
	}
	var out bytes.Buffer
	buf := make([]byte, 64*1024)
	idle := 2 * time.Second
	if !sentinel {
		idle = 150 * time.Millisecond
	}
	for {
		nc.SetReadDeadline(time.Now().Add(idle))
		n, err := nc.Read(buf)
		out.Write(buf[:n])
		if sentinel && strings.HasSuffix(out.String(), end) {
			return strings.TrimSuffix(out.String(), end), false
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return out.String(), false
			}
			return out.String(), true // EOF or reset: closed
		}
	}
}

// diffProtocol sends the same raw bytes (protocol errors, inline
// commands with quotes and escapes, empty lines, pipelines, requests split
// across reads) to both servers and compares every reply byte and whether
// the connection was closed.
func diffProtocol(t *testing.T, redisAddr, numAddr string) {
	big := strings.Repeat("a", 70*1024)
	cases := []struct {
		name    string
		chunks  []string
		partial bool // leaves a request incomplete: no sentinel
	}{
		{"invalid multibulk length", []string{"*abc\r\n"}, false},
		{"multibulk length with plus", []string{"*+1\r\n$4\r\nPING\r\n"}, false},
		{"multibulk length with leading zero", []string{"*01\r\n$4\r\nPING\r\n"}, false},
		{"multibulk length over INT_MAX", []string{"*3000000000\r\n"}, false},
		{"empty and negative multibulk", []string{"*0\r\n*-1\r\n*-5\r\nPING\r\n"}, false},
		{"invalid bulk length", []string{"*1\r\n$abc\r\n"}, false},
		{"negative bulk length", []string{"*1\r\n$-1\r\n"}, false},
		{"bulk length over proto-max-bulk-len", []string{"*1\r\n$600000000\r\n"}, false},
		{"incomplete request", []string{"PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhel"}, true},
		{"incomplete inline", []string{"PING\r\nECHO abc"}, true},
		{"expected $", []string{"*1\r\nfoo\r\n"}, false},
		{"expected $ got colon", []string{"*2\r\n$3\r\nGET\r\n:1\r\n"}, false},
		{"unbalanced double quote", []string{"SET a \"b\r\n"}, false},
		{"unbalanced single quote", []string{"SET a 'b\r\n"}, false},
		{"closing quote glued", []string{"SET a \"b\"c\r\n"}, false},
		{"too big inline", []string{big}, false},
		{"too big mbulk count", []string{"*" + big}, false},
		{"too big bulk count", []string{"*1\r\n$" + big}, false},
		{"inline escapes", []string{"SET k \"a\\x41\\n\\t\\\\\\\"z\"\r\nGET k\r\nECHO \"\\xZZ\\q\"\r\n"}, false},
		{"inline single quotes", []string{"ECHO 'it\\'s \\n'\r\nECHO ''\r\nECHO \"\"\r\n"}, false},
		{"inline bare LF and blanks", []string{"\r\n\n   \r\nPING\nECHO  a\t b\r\n"}, false},
		{"inline quote inside word", []string{"ECHO a\"b c\"\r\n"}, false},
		{"pipeline mixed", []string{"PING\r\n*1\r\n$4\r\nPING\r\nECHO x\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"}, false},
		{"split across reads", []string{"*2\r\n$4\r\nEC", "HO\r\n$5\r\nhel", "lo\r\n", "PI", "NG\r\n"}, false},
		{"bulk trailer not checked", []string{"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n"}, false},
		{"error after good commands", []string{"PING\r\nECHO a\r\n*1\r\n$x\r\nPING\r\n"}, false},
		{"dollar at top level", []string{"$3\r\nfoo\r\n"}, false},
		{"unknown command cut at 128", []string{"*3\r\n$3\r\nFOO\r\n$130\r\n" + strings.Repeat("b", 130) + "\r\n$3\r\nccc\r\n"}, false},
		// sdssplitargs ends a word only at space, \t, \r and \n: \v and \f
		// stay inside it, though they count as blanks between words.
		{"inline with \\v and \\f", []string{"ECHO a\vb\r\nECHO x\fy z\r\nECHO \vq\r\nECHO \"a\"\vb\r\n"}, false},
		{"unknown command with NUL", []string{"*2\r\n$5\r\nFO\x00OO\r\n$3\r\na\x00b\r\n"}, false},
		{"unknown command with newline", []string{"*2\r\n$3\r\nX\rY\r\n$3\r\na\nb\r\n"}, false},
		{"http post", []string{"POST / HTTP/1.1\r\nHost: x\r\n\r\n"}, false},
		{"http host", []string{"Host: x\r\nPING\r\n"}, false},
		{"quit", []string{"PING\r\nQUIT\r\nPING\r\n"}, false},
		{"client reply", []string{"CLIENT REPLY SKIP\r\nPING\r\nECHO a\r\nCLIENT REPLY OFF\r\nECHO b\r\nGET\r\nCLIENT REPLY SKIP\r\n" +
			"CLIENT REPLY ON\r\nECHO c\r\nCLIENT REPLY foo\r\nCLIENT REPLY\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\n" +
			"MULTI\r\nCLIENT REPLY OFF\r\nECHO d\r\nEXEC\r\nCLIENT REPLY ON\r\nECHO e\r\n"}, false},
		{"client reply skip and exec", []string{"MULTI\r\nECHO a\r\nECHO b\r\nCLIENT REPLY SKIP\r\nEXEC\r\nECHO c\r\n" +
			"MULTI\r\nCLIENT REPLY SKIP\r\nECHO d\r\nECHO e\r\nEXEC\r\nECHO f\r\n"}, false},
		{"hello 3 then errors", []string{"HELLO 3\r\nGET\r\nSET a b\r\nGET a\r\nCONFIG GET timeout\r\n"}, false},
		{"reset", []string{"HELLO 3\r\nSELECT 2\r\nMULTI\r\nRESET\r\nEXEC\r\nSET r 1\r\nSELECT 0\r\nGET r\r\n"}, false},
		// Subcommand names fold ASCII case only, as strcasecmp: the Kelvin
		// sign is 'k' to Unicode's case folding, not to Redis.
		{"subcommand in ASCII case only", []string{"command getKEYS GET a\r\nCOMMAND GET\u212aEYS GET a\r\nCOMMAND GETKEYS COMMAND GET\u212aEYS GET a\r\n"}, false},
	}
	for _, c := range cases {
		want, wclosed := rawExchange(t, redisAddr, !c.partial, c.chunks...)
		got, gclosed := rawExchange(t, numAddr, !c.partial, c.chunks...)
		got = helloID.ReplaceAllString(got, "$$2\r\nid\r\n:0\r\n")
		want = helloID.ReplaceAllString(want, "$$2\r\nid\r\n:0\r\n")
		if want != got || wclosed != gclosed {
			t.Errorf("%s:\n redis: %q (closed %v)\n numkv: %q (closed %v)", c.name, clip(want), wclosed, clip(got), gclosed)
		}
	}
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// diffScript runs commands one at a time on one connection per server
// (conn picks which) and compares the replies exactly.
type diffScript struct {
	t      *testing.T
	redis  []*rconn
	numkv  []*rconn
	prefix string
}

func newDiffScript(t *testing.T, redisAddr, numAddr string, conns int) *diffScript {
	d := &diffScript{t: t}
	for i := 0; i < conns; i++ {
		d.redis = append(d.redis, mustDial(t, redisAddr))
		d.numkv = append(d.numkv, mustDial(t, numAddr))
	}
	return d
}

// on runs one command on connection i of both servers.
func (d *diffScript) on(i int, args ...string) string {
	d.t.Helper()
	want := d.redis[i].do(args...)
	got := d.numkv[i].do(args...)
	if want != got {
		d.t.Errorf("%s%s:\n redis: %q\n numkv: %q", d.prefix, quoteArgs(args), clip(want), clip(got))
	}
	return got
}

func (d *diffScript) do(args ...string) string { d.t.Helper(); return d.on(0, args...) }

// diffWatch covers WATCH across connections: a change by another
// client, a change to an unwatched key, expiry, FLUSHDB, SWAPDB, RESET and
// keys watched in other databases.
func diffWatch(t *testing.T, redisAddr, numAddr string) {
	d := newDiffScript(t, redisAddr, numAddr, 2)
	d.do("FLUSHALL")
	run := func(name string, steps ...[]string) {
		d.prefix = name + ": "
		for _, s := range steps {
			conn := 0
			if s[0] == "@1" {
				conn, s = 1, s[1:]
			}
			if s[0] == "sleep" {
				time.Sleep(30 * time.Millisecond)
				continue
			}
			d.on(conn, s...)
		}
	}
	w := func(s string) []string { return strings.Fields(s) }
	run("other client writes", w("SET a 1"), w("WATCH a"), w("@1 SET a 2"), w("MULTI"), w("GET a"), w("EXEC"))
	run("other client writes same value", w("WATCH a"), w("@1 SET a 2"), w("MULTI"), w("GET a"), w("EXEC"))
	run("unwatched key", w("WATCH a"), w("@1 SET b 2"), w("MULTI"), w("GET a"), w("EXEC"))
	run("read by other client", w("WATCH a"), w("@1 GET a"), w("MULTI"), w("INCR a"), w("EXEC"))
	run("own write before MULTI", w("WATCH a"), w("SET a 5"), w("MULTI"), w("GET a"), w("EXEC"))
	run("unwatch", w("WATCH a"), w("@1 SET a 3"), w("UNWATCH"), w("MULTI"), w("GET a"), w("EXEC"))
	run("discard unwatches", w("WATCH a"), w("MULTI"), w("DISCARD"), w("@1 SET a 4"), w("MULTI"), w("GET a"), w("EXEC"))
	run("missing key created", w("DEL m"), w("WATCH m"), w("@1 SET m 1"), w("MULTI"), w("GET m"), w("EXEC"))
	run("missing key stays missing", w("WATCH m2"), w("@1 DEL m2"), w("MULTI"), w("GET m2"), w("EXEC"))
	run("delete", w("SET d 1"), w("WATCH d"), w("@1 DEL d"), w("MULTI"), w("GET d"), w("EXEC"))
	run("expire set", w("SET e 1"), w("WATCH e"), w("@1 EXPIRE e 100"), w("MULTI"), w("TTL e"), w("EXEC"))
	run("expiry while watched", w("SET e2 1 PX 20"), w("WATCH e2"), w("sleep"), w("MULTI"), w("GET e2"), w("EXEC"))
	run("already expired when watched", w("SET e3 1 PX 20"), w("sleep"), w("WATCH e3"), w("MULTI"), w("GET e3"), w("EXEC"))
	run("already expired then set", w("SET e4 1 PX 20"), w("sleep"), w("WATCH e4"), w("@1 SET e4 2"), w("MULTI"), w("GET e4"), w("EXEC"))
	run("flushdb", w("SET f 1"), w("WATCH f"), w("@1 FLUSHDB"), w("MULTI"), w("GET f"), w("EXEC"))
	run("flushdb missing key", w("WATCH f9"), w("@1 FLUSHDB"), w("MULTI"), w("GET f9"), w("EXEC"))
	run("flushall", w("SET f 1"), w("WATCH f"), w("@1 FLUSHALL"), w("MULTI"), w("GET f"), w("EXEC"))
	run("swapdb", w("SELECT 0"), w("SET s 1"), w("WATCH s"), w("@1 SWAPDB 0 1"), w("MULTI"), w("GET s"), w("EXEC"), w("@1 SWAPDB 0 1"))
	run("swapdb missing both", w("WATCH s9"), w("@1 SWAPDB 0 1"), w("MULTI"), w("GET s9"), w("EXEC"), w("@1 SWAPDB 0 1"))
	run("other database", w("SELECT 3"), w("SET o 1"), w("WATCH o"), w("@1 SET o 2"), w("MULTI"), w("GET o"), w("EXEC"), w("SELECT 0"))
	run("other database written", w("SELECT 3"), w("WATCH o"), w("@1 SELECT 3"), w("@1 SET o 2"), w("@1 SELECT 0"), w("MULTI"), w("GET o"), w("EXEC"), w("SELECT 0"))
	run("rename onto watched", w("SET r1 1"), w("WATCH r2"), w("@1 RENAME r1 r2"), w("MULTI"), w("GET r2"), w("EXEC"))
	run("move away", w("SET mv 1"), w("WATCH mv"), w("@1 MOVE mv 5"), w("MULTI"), w("GET mv"), w("EXEC"))
	run("append empty", w("SET ap 1"), w("WATCH ap"), w("@1 APPEND ap ''"), w("MULTI"), w("GET ap"), w("EXEC"))
	run("setbit no change", w("SET sb a"), w("WATCH sb"), w("@1 SETBIT sb 1 1"), w("MULTI"), w("GET sb"), w("EXEC"))
	run("setbit creates", w("DEL sb2"), w("WATCH sb2"), w("@1 SETBIT sb2 1 0"), w("MULTI"), w("GET sb2"), w("EXEC"))
	run("bitfield no change", w("SET bf a"), w("WATCH bf"), w("@1 BITFIELD bf SET u8 0 97 GET u8 0"), w("MULTI"), w("GET bf"), w("EXEC"))
	run("bitfield change", w("SET bf a"), w("WATCH bf"), w("@1 BITFIELD bf SET u8 0 98"), w("MULTI"), w("GET bf"), w("EXEC"))
	// Every write fails: the key is created, but Redis signals no change.
	run("bitfield fail creates", w("DEL bf2"), w("WATCH bf2"), w("@1 BITFIELD bf2 OVERFLOW FAIL SET u2 0 10"), w("MULTI"), w("GET bf2"), w("EXEC"))
	run("bitfield grows", w("SET bf a"), w("WATCH bf"), w("@1 BITFIELD bf OVERFLOW FAIL SET u2 20 10"), w("MULTI"), w("GET bf"), w("EXEC"))
	run("bitop same value", w("SET bo a"), w("WATCH bo"), w("@1 BITOP AND bo bo"), w("MULTI"), w("GET bo"), w("EXEC"))
	run("bitop deletes", w("SET bo a"), w("WATCH bo"), w("@1 BITOP AND bo nosuchkey"), w("MULTI"), w("GET bo"), w("EXEC"))
	run("persist without ttl", w("SET p 1"), w("WATCH p"), w("@1 PERSIST p"), w("MULTI"), w("GET p"), w("EXEC"))
	run("watch inside multi", w("MULTI"), w("WATCH a"), w("GET a"), w("EXEC"))
	run("reset unwatches", w("WATCH a"), w("@1 SET a 9"), w("RESET"), w("MULTI"), w("GET a"), w("EXEC"))
	run("queueing error", w("MULTI"), w("SET a"), w("GET a"), w("EXEC"), w("EXEC"))
	run("runtime error does not abort", w("MULTI"), w("SET a x"), w("INCR a"), w("GET a"), w("EXEC"))
	run("multi in multi", w("MULTI"), w("MULTI"), w("PING"), w("EXEC"))
	run("select inside", w("MULTI"), w("SELECT 4"), w("SET in4 1"), w("SELECT 0"), w("EXEC"), w("SELECT 4"), w("GET in4"), w("SELECT 0"))
	run("keys inside", w("MULTI"), w("SET kk 1"), w("KEYS kk"), w("DBSIZE"), w("SCAN 0 MATCH kk COUNT 100000"), w("FLUSHDB"), w("DBSIZE"), w("EXEC"))
	run("swapdb inside", w("MULTI"), w("SET sw 1"), w("SWAPDB 0 7"), w("GET sw"), w("SELECT 7"), w("GET sw"), w("SWAPDB 0 7"), w("SELECT 0"), w("EXEC"))
	run("no_multi", w("MULTI"), w("SAVE"), w("PING"), w("EXEC"))
	run("unwatch queued", w("WATCH a"), w("MULTI"), w("UNWATCH"), w("EXEC"))
}

// diffAuth covers requirepass set at run time: refused commands, the
// protocol's unauthenticated limits, and a rejected EXEC.
func diffAuth(t *testing.T, redisAddr, numAddr string) {
	d := newDiffScript(t, redisAddr, numAddr, 1)
	d.do("CONFIG", "SET", "requirepass", "pw")
	defer func() {
		d.prefix = "restore: "
		n := newDiffScript(t, redisAddr, numAddr, 1)
		n.do("AUTH", "pw")
		n.do("CONFIG", "SET", "requirepass", "")
	}()
	d.do("PING") // this connection was open before: still authenticated
	d2 := newDiffScript(t, redisAddr, numAddr, 1)
	for _, args := range [][]string{
		{"PING"}, {"GET", "a"}, {"EXEC"}, {"MULTI"}, {"AUTH", "x"}, {"AUTH", "default", "x"}, {"AUTH", "nobody", "pw"},
		{"HELLO", "3"}, {"HELLO", "3", "AUTH", "default", "x"}, {"AUTH", "pw"}, {"GET", "a"}, {"CONFIG", "GET", "requirepass"},
	} {
		d2.do(args...)
	}
	for _, c := range [][]string{
		{"*11\r\n"},
		{"*1\r\n$16385\r\n"},
		{"*1\r\n$16384\r\n" + strings.Repeat("x", 16384) + "\r\n"},
		{"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n$4\r\nECHO\r\n" + strings.Repeat("$1\r\na\r\n", 10)},
	} {
		want, wc := rawExchange(t, redisAddr, false, c...)
		got, gc := rawExchange(t, numAddr, false, c...)
		if want != got || wc != gc {
			t.Errorf("unauthenticated %q:\n redis: %q (closed %v)\n numkv: %q (closed %v)", clip(c[0]), clip(want), wc, clip(got), gc)
		}
	}
}

// diffMaxmemory sets maxmemory to one byte: both servers are then over
// it, and refuse what Redis refuses (deny-oom commands, anything queued in
// MULTI, an EXEC whose queue holds a deny-oom command) while reads work.
func diffMaxmemory(t *testing.T, redisAddr, numAddr string) {
	d := newDiffScript(t, redisAddr, numAddr, 2)
	defer d.on(1, "CONFIG", "SET", "maxmemory", "0")
	d.do("SET", "a", "1")
	d.do("CONFIG", "SET", "maxmemory", "1")
	for _, args := range [][]string{
		{"SET", "a", "2"}, {"GET", "a"}, {"INCR", "a"}, {"DEL", "x"}, {"APPEND", "a", "x"}, {"EXPIRE", "a", "100"},
		{"SETBIT", "a", "1", "1"}, {"COPY", "a", "b"}, {"RENAME", "a", "b"}, {"RENAME", "b", "a"},
		{"MULTI"}, {"GET", "a"}, {"PING"}, {"EXEC"},
		{"MULTI"}, {"DISCARD"},
		{"CONFIG", "SET", "maxmemory", "0"}, {"SET", "a", "3"}, {"GET", "a"},
		{"MULTI"}, {"SET", "c", "1"}, {"GET", "a"},
	} {
		d.do(args...)
	}
	d.on(1, "CONFIG", "SET", "maxmemory", "1")
	d.do("EXEC") // a queued deny-oom command: EXECABORT because of OOM
	d.do("MULTI")
	d.on(1, "CONFIG", "SET", "maxmemory", "0")
	d.do("GET", "a")
	d.on(1, "CONFIG", "SET", "maxmemory", "1")
	d.do("EXEC") // reads only: runs
}

// diffEviction covers what of eviction is deterministic on both servers:
// the policies through CONFIG, OBJECT FREQ and IDLETIME under each kind
// of policy (a new key's LFU counter is 5, and with lfu-log-factor 0 every
// hit adds one), and maxmemory of one byte under allkeys-lru and volatile-lru:
// every key that may go is evicted, and the write is still refused.
func diffEviction(t *testing.T, redisAddr, numAddr string) {
	d := newDiffScript(t, redisAddr, numAddr, 1)
	defer d.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
	defer d.do("CONFIG", "SET", "maxmemory", "0")
	for _, args := range [][]string{
		// lfu-log-factor 0: every hit adds one.
		{"CONFIG", "SET", "maxmemory-policy", "Allkeys-LFU"}, {"CONFIG", "GET", "maxmemory-policy"},
		{"CONFIG", "SET", "lfu-log-factor", "0"},
		// Not integers: below maxmemory Redis shares the objects of small
		// ones, and their counters with them.
		{"SET", "a", "x1"}, {"OBJECT", "FREQ", "a"}, {"GET", "a"}, {"OBJECT", "FREQ", "a"},
		{"OBJECT", "IDLETIME", "a"}, {"OBJECT", "FREQ", "nosuch"}, {"OBJECT", "IDLETIME", "nosuch"},
		{"SET", "a", "x2"}, {"OBJECT", "FREQ", "a"}, // an overwrite keeps the counter
		{"INCRBYFLOAT", "a", "x"}, {"APPEND", "a", "y"}, {"STRLEN", "a"}, {"TOUCH", "a"}, {"OBJECT", "FREQ", "a"},
		{"CONFIG", "SET", "lfu-log-factor", "10"},
		{"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"}, {"OBJECT", "FREQ", "a"},
		{"CONFIG", "SET", "maxmemory-policy", "lru"}, {"CONFIG", "SET", "maxmemory-samples", "0"},
		{"CONFIG", "SET", "maxmemory-samples", "10"}, {"CONFIG", "GET", "maxmemory-samples"},
		{"CONFIG", "SET", "maxmemory-eviction-tenacity", "101"}, {"CONFIG", "SET", "lfu-log-factor", "-1"},
		{"CONFIG", "SET", "lfu-decay-time", "5"}, {"CONFIG", "GET", "lfu-decay-time"}, {"CONFIG", "GET", "lfu-log-factor"},
		{"CONFIG", "SET", "lfu-decay-time", "1"}, {"CONFIG", "SET", "maxmemory-samples", "5"},
		{"MSET", "b", "1", "c", "2"}, {"SET", "v", "3", "EX", "100"},
		{"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}, {"CONFIG", "SET", "maxmemory", "1"},
		{"SET", "d", "4"}, {"EXISTS", "v"}, {"DBSIZE"}, {"GET", "b"},
		{"CONFIG", "SET", "maxmemory-policy", "allkeys-random"},
		{"SET", "d", "4"}, {"DBSIZE"}, {"GET", "b"},
	} {
		d.do(args...)
	}
}

// diffBitmaps covers the bitmap commands over both protocols: every form
// of BITPOS, BITOP and BITFIELD on short values, then on values of
// several hundred KiB (several of numkv's chunks, and BITOP windows) with
// the answer far in, and the dirty count after each write, which
// INFO's rdb_changes_since_last_save shows.
func diffBitmaps(t *testing.T, redisAddr, numAddr string) {
	for _, proto := range []string{"2", "3"} {
		d := newDiffScript(t, redisAddr, numAddr, 1)
		d.prefix = "RESP" + proto + ": "
		d.redis[0].do("HELLO", proto) // the connection ids differ
		d.numkv[0].do("HELLO", proto)
		d.do("FLUSHALL")
		dirty := func() (int64, int64) {
			get := func(c *rconn) int64 {
				m := regexp.MustCompile(`rdb_changes_since_last_save:(\d+)`).FindStringSubmatch(c.do("INFO", "persistence"))
				if m == nil {
					t.Fatal("INFO persistence has no rdb_changes_since_last_save")
				}
				n, _ := strconv.ParseInt(m[1], 10, 64)
				return n
			}
			return get(d.redis[0]), get(d.numkv[0])
		}
		// do runs a command and checks that both servers counted the
		// same number of changes for it.
		do := func(args ...string) {
			t.Helper()
			r0, n0 := dirty()
			d.do(args...)
			r1, n1 := dirty()
			if r1-r0 != n1-n0 {
				t.Errorf("%s%s: dirty +%d in Redis, +%d in numkv", d.prefix, quoteArgs(args), r1-r0, n1-n0)
			}
		}
		w := func(s string) []string { return strings.Fields(s) }
		for _, c := range [][]string{
			{"SET", "s", "\xff\xf0\x00\x0f"}, {"SET", "i", "123"}, {"SET", "e", ""}, {"SET", "f", "\xff\xff\xff"},
			w("BITPOS s 0"), w("BITPOS s 1"), w("BITPOS s 0 1"), w("BITPOS s 1 2"), w("BITPOS s 0 -1"), w("BITPOS s 1 1 2"),
			w("BITPOS s 0 0 0"), w("BITPOS s 1 2 1"), w("BITPOS s 0 0 -1 BIT"), w("BITPOS s 1 5 12 bit"), w("BITPOS s 0 3 12 BIT"),
			w("BITPOS s 1 13 19 BIT"), w("BITPOS s 0 9 9 BIT"), w("BITPOS s 0 12 12 BIT"), w("BITPOS s 1 28 31 BIT"),
			w("BITPOS s 0 0 1 BYTE"), w("BITPOS s 0 -100 100"), w("BITPOS s 1 100"), w("BITPOS s 0 100"),
			w("BITPOS f 0"), w("BITPOS f 0 0"), w("BITPOS f 0 0 -1"), w("BITPOS f 0 0 -1 bit"), w("BITPOS f 1 2 1 BIT"),
			w("BITPOS e 0"), w("BITPOS e 1"), w("BITPOS e 0 0 -1"), w("BITPOS i 0"), w("BITPOS i 1 1"),
			w("BITPOS none 0"), w("BITPOS none 1"), w("BITPOS none 1 x y z w"), w("BITPOS s 2"), w("BITPOS s x"),
			w("BITPOS s 0 x"), w("BITPOS s 0 0 x"), w("BITPOS s 0 0 1 junk"), w("BITPOS s 0 x 1 junk"), w("BITPOS s 0 0 x junk"),
			w("BITPOS s 0 0 1 BIT extra"),
			w("BITOP AND d s i"), w("GET d"), w("OBJECT ENCODING d"), w("BITOP OR d s i none"), w("GET d"),
			w("BITOP XOR d s i f"), w("GET d"), w("BITOP NOT d s"), w("GET d"), w("BITOP NOT d i"), w("GET d"),
			w("BITOP or d i"), w("OBJECT ENCODING d"), w("GET d"), w("BITOP AND d none"), w("EXISTS d"),
			w("BITOP AND d none e"), w("SET d x EX 100"), w("BITOP OR d s"), w("TTL d"), w("BITOP AND d e"), w("EXISTS d"),
			w("BITOP NOT d s i"), w("BITOP junk d s"), w("BITOP NOT d none"), w("BITOP AND s s f"), w("GET s"),
			w("BITFIELD b SET i8 0 -100 GET u8 0 GET i4 0 INCRBY u2 100 1 GET u8 #12"), w("GET b"),
			w("BITFIELD b OVERFLOW SAT INCRBY u8 0 1000 INCRBY i8 0 -1000 OVERFLOW FAIL INCRBY u8 0 1 OVERFLOW WRAP INCRBY u8 0 1"),
			w("BITFIELD b SET i64 3 -9223372036854775808 INCRBY i64 3 -1 OVERFLOW SAT INCRBY i64 3 -1 OVERFLOW FAIL INCRBY i64 3 -1"),
			w("BITFIELD b SET u63 1 9223372036854775807 INCRBY u63 1 1 GET u63 1 GET i64 1 GET i64 #1"),
			w("BITFIELD b OVERFLOW SAT SET i8 0 -9223372036854775808 SET i8 0 -9223372036854775681 SET i8 0 -9223372036854775680"),
			w("BITFIELD b OVERFLOW SAT SET u8 0 -1 SET u8 0 256 OVERFLOW FAIL SET u8 0 -1 SET i8 0 128 SET i8 0 -129"),
			w("BITFIELD b OVERFLOW WRAP SET u8 0 -1 SET i8 0 128 SET i8 0 -129 SET u1 7 3 SET i1 7 1 GET i1 7"),
			w("BITFIELD b"), w("BITFIELD_RO b"), w("BITFIELD_RO b GET u8 0 GET i3 #5"), w("BITFIELD_RO b SET u8 0 1"),
			w("BITFIELD_RO b GET u8 0 INCRBY u8 0 x"), w("BITFIELD_RO none GET u8 0"), w("EXISTS none"),
			w("BITFIELD none GET i8 100"), w("EXISTS none"), w("BITFIELD nf OVERFLOW FAIL SET u2 0 10"), w("EXISTS nf"), w("GET nf"),
			w("BITFIELD i GET u8 0 SET u8 8 48"), w("GET i"), w("OBJECT ENCODING i"),
			w("BITFIELD b GET u64 0"), w("BITFIELD b GET i65 0"), w("BITFIELD b GET I8 0"), w("BITFIELD b GET u8 -1"),
			w("BITFIELD b GET u8 #-1"), w("BITFIELD b OVERFLOW junk GET u8 0"), w("BITFIELD b junk"), w("BITFIELD b GET u8"),
			w("BITFIELD b SET u8 0 x"), w("BITFIELD b SET u8 0 1.5"), w("BITFIELD b GET u8 4294967296"),
			w("BITFIELD b GET u8 4294967295"), w("BITFIELD b GET u8 #536870912"), w("BITFIELD b GET i64 #67108863"),
			{"BITFIELD", "b", "GET", "u8\x00junk", "0"}, w("BITFIELD b INCRBY u8 0 0"), w("BITFIELD b SET i5 0 0"),
		} {
			do(c...)
		}
		// Values over several chunks, with the answer far in.
		const n = 300000
		zeros, ones := strings.Repeat("\x00", 1<<16), strings.Repeat("\xff", 1<<16)
		rnd := make([]byte, n)
		rng := rand.New(rand.NewPCG(uint64(n), 3))
		for i := range rnd {
			rnd[i] = byte(rng.Uint32())
		}
		for off := 0; off < n; off += 1 << 16 {
			do("SETRANGE", "z", strconv.Itoa(off), zeros[:min(1<<16, n-off)])
			do("SETRANGE", "o", strconv.Itoa(off), ones[:min(1<<16, n-off)])
		}
		do("SETRANGE", "r", "0", string(rnd))
		do("SETBIT", "z", strconv.Itoa(n*8-5), "1")
		do("SETBIT", "o", strconv.Itoa(n*8-70), "0")
		for _, c := range [][]string{
			w("BITPOS z 1"), w("BITPOS z 0"), w("BITPOS z 1 1000"), w("BITPOS z 1 -10 -1"), w("BITPOS z 1 8 2399990 BIT"),
			w("BITPOS z 1 8 2399995 BIT"), w("BITPOS z 0 2399995 2399995 BIT"),
			w("BITPOS o 0"), w("BITPOS o 1"), w("BITPOS o 0 1000"), w("BITPOS o 0 5 -1"), w("BITPOS o 0 -8 -1"), w("BITPOS o 0 -8"),
			w("BITPOS o 0 3 2399929 BIT"), w("BITPOS o 0 3 2399930 BIT"), w("BITPOS o 0 2399931 -1 BIT"), w("BITPOS r 1 100 -100"),
			w("BITCOUNT z"), w("BITCOUNT o"), w("BITCOUNT r"), w("BITCOUNT r 7 -9 BIT"), w("BITCOUNT r 1000 200000"),
			w("BITOP AND d r o"), w("GET d"), w("BITOP OR d z r s"), w("GET d"), w("BITOP XOR d r o z none"), w("GET d"),
			w("BITOP NOT d r"), w("GET d"), w("BITOP AND d r s"), w("GET d"), w("BITCOUNT d"),
			w("BITFIELD r GET i64 2399900 SET u33 2399970 1 INCRBY i13 #184613 -4000"), w("GETRANGE r 299990 -1"),
			w("BITFIELD r SET u8 2400000 1"), w("STRLEN r"), w("SETBIT r 2400100 0"), w("STRLEN r"),
		} {
			do(c...)
		}
	}
}

// diffSave runs SAVE and BGSAVE once no background save is running on
// either server, then LASTSAVE and the no_multi refusal.
func diffSave(t *testing.T, redisAddr, numAddr string) {
	d := newDiffScript(t, redisAddr, numAddr, 1)
	d.do("SET", "a", "1")
	d.do("SAVE")
	d.do("BGSAVE")
	waitIdle(t, d.redis[0], d.numkv[0])
	d.do("BGSAVE", "junk")
	d.do("SAVE", "x")
	if a, b := d.redis[0].do("LASTSAVE"), d.numkv[0].do("LASTSAVE"); a[0] != ':' || b[0] != ':' {
		t.Errorf("LASTSAVE: redis %q, numkv %q", a, b)
	}
	d.do("MULTI")
	d.do("SAVE")
	d.do("EXEC")
	// SHUTDOWN's refusals (an accepted one would stop the servers).
	d.do("SHUTDOWN", "junk")
	d.do("SHUTDOWN", "SAVE", "NOSAVE")
	d.do("SHUTDOWN", "ABORT")
	d.do("MULTI")
	d.do("SHUTDOWN")
	d.do("EXEC")
	d.do("MULTI")
	d.do("BGSAVE")
	d.do("SET", "b", "2")
	got := d.numkv[0].do("EXEC")
	if !strings.HasPrefix(got, "*2\r\n+Background saving") {
		t.Errorf("BGSAVE inside EXEC: %q", got)
	}
	waitIdle(t, d.numkv[0]) // Redis's connection is still in MULTI
}

// diffCommandTable checks each row of the command table against the
// reference's COMMAND INFO: arity, flags, key positions, key specs and ACL
// categories (numkv's own NUM.* commands aside).
func diffCommandTable(t *testing.T, redisAddr, numAddr string) {
	c, nc := mustDial(t, redisAddr), mustDial(t, numAddr)
	var check func(cmd *command)
	check = func(cmd *command) {
		if cmd.group == "numkv" || newerThan70(cmd.since) {
			return // not in the reference: see redis-compat.md
		}
		info, ok := parseReply(c.do("COMMAND", "INFO", cmd.fullName)).([]any)
		if !ok || len(info) != 1 || info[0] == nil {
			t.Errorf("%s: Redis 7.0 has no such command", cmd.fullName)
			return
		}
		e := info[0].([]any)
		want := []any{e[1], e[2], e[3], e[4], e[5], e[6]}
		flags := []any{}
		for _, f := range strings.Fields(cmd.flagText) {
			flags = append(flags, f)
		}
		acl := []any{}
		for _, a := range strings.Fields(cmd.acl) {
			acl = append(acl, "@"+a)
		}
		got := []any{int64(cmd.arity), flags, int64(cmd.first), int64(cmd.last), int64(cmd.step), acl}
		if !sameFields(want, got) {
			t.Errorf("%s: table row %v, Redis %v", cmd.fullName, got, want)
		}
		// Key specs, as both servers reply them: COMMAND GETKEYSANDFLAGS
		// and cluster clients read them.
		mine, _ := parseReply(nc.do("COMMAND", "INFO", cmd.fullName)).([]any)
		if len(mine) != 1 || fmt.Sprint(mine[0].([]any)[8]) != fmt.Sprint(e[8]) {
			t.Errorf("%s: key specs %v, Redis %v", cmd.fullName, mine, e[8])
		}
		// Tips, where the table gives them (cluster clients fan out by
		// them), must be Redis's.
		if cmd.tips != "" {
			tips := []any{}
			for _, tip := range strings.Fields(cmd.tips) {
				tips = append(tips, tip)
			}
			if !sameFields([]any{e[7]}, []any{tips}) {
				t.Errorf("%s: tips %v, Redis %v", cmd.fullName, tips, e[7])
			}
		}
		for _, sc := range cmd.sub {
			check(sc)
		}
	}
	for _, cmd := range commandTable {
		check(cmd)
	}
}

// newerThan70 reports whether a Redis version ("7.2.0") is newer than 7.0.
func newerThan70(since string) bool {
	var major, minor int
	fmt.Sscanf(since, "%d.%d", &major, &minor)
	return major > 7 || major == 7 && minor > 0
}

// sameFields compares COMMAND INFO fields; flag and category sets are
// compared as sets.
func sameFields(a, b []any) bool {
	for i := range a {
		x, xok := a[i].([]any)
		y, yok := b[i].([]any)
		if xok && yok {
			if !sameSet(x, y) {
				return false
			}
			continue
		}
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// diffClientKill compares CLIENT KILL's kills: the old form and SKIPME no
// on the caller (the reply, then the connection closed), and a connection
// killed by another (its next command finds the connection closed).
func diffClientKill(t *testing.T, redisAddr, numAddr string) {
	type result struct {
		replies []string
		closed  bool
	}
	// self runs cmd, built from the connection's own id and address, then
	// PING, and reports the replies and whether the connection closed.
	self := func(addr string, cmd func(id, local string) string) result {
		c := mustDial(t, addr)
		id := strings.TrimSuffix(strings.TrimPrefix(c.do("CLIENT", "ID"), ":"), "\r\n")
		b := encodeCommand(encodeCommand(nil, splitArgs(t, cmd(id, c.nc.LocalAddr().String()))), []string{"PING"})
		c.nc.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.nc.Write(b); err != nil {
			t.Fatal(err)
		}
		var res result
		for range 2 {
			var buf bytes.Buffer
			if err := readReply(c.rd, &buf); err != nil {
				res.closed = true
				break
			}
			res.replies = append(res.replies, buf.String())
		}
		return res
	}
	for _, tc := range []struct {
		name string
		cmd  func(id, local string) string
	}{
		{"old form on self", func(id, local string) string { return "CLIENT KILL " + local }},
		{"id skipme no", func(id, local string) string { return "CLIENT KILL ID " + id + " SKIPME no" }},
		{"id skipme yes", func(id, local string) string { return "CLIENT KILL ID " + id }},
		{"addr skipme no", func(id, local string) string { return "CLIENT KILL ADDR " + local + " skipme NO" }},
		{"user default and id", func(id, local string) string { return "CLIENT KILL USER default ID " + id + " SKIPME no" }},
		{"type normal and id", func(id, local string) string { return "CLIENT KILL TYPE normal ID " + id + " SKIPME no" }},
	} {
		want, got := self(redisAddr, tc.cmd), self(numAddr, tc.cmd)
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("%s:\n redis: %+v\n numkv: %+v", tc.name, want, got)
		}
	}
	other := func(addr string) string {
		victim, killer := mustDial(t, addr), mustDial(t, addr)
		id := strings.TrimSuffix(strings.TrimPrefix(victim.do("CLIENT", "ID"), ":"), "\r\n")
		r := killer.do("CLIENT", "KILL", "ID", id)
		r += killer.do("CLIENT", "KILL", "ID", id) // gone: 0
		r += killer.do("CLIENT", "KILL", victim.nc.LocalAddr().String())
		if _, err := victim.pipeline([][]string{{"PING"}}); err != nil {
			r += " victim closed"
		}
		return r
	}
	if want, got := other(redisAddr), other(numAddr); want != got {
		t.Errorf("kill another:\n redis: %q\n numkv: %q", want, got)
	}
}

// diffDumpRestore covers DUMP and RESTORE. The payloads differ (numkv's
// carries a dtype and a shape), so each server restores its own; the
// replies to RESTORE, its errors in Redis's order, and what the restored
// keys hold must match.
func diffDumpRestore(t *testing.T, redisAddr, numAddr string) {
	d := newDiffScript(t, redisAddr, numAddr, 1)
	defer d.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
	d.do("FLUSHALL")
	for _, args := range [][]string{
		{"SET", "s", "hello"}, {"SET", "n", "12345"}, {"SET", "big", strings.Repeat("x", 10000)},
		{"DUMP", "nosuch"}, {"DUMP"}, {"RESTORE", "k", "0"},
		{"RESTORE", "k", "0", "garbage"}, {"RESTORE", "s", "0", "garbage"}, // BUSYKEY before the payload
		{"RESTORE", "k", "-1", "garbage"}, {"RESTORE", "k", "x", "garbage"},
		{"RESTORE", "k", "0", "garbage", "IDLETIME", "-1"}, {"RESTORE", "k", "0", "garbage", "FREQ", "256"},
		{"RESTORE", "k", "0", "garbage", "FREQ", "x"}, {"RESTORE", "k", "0", "garbage", "IDLETIME"},
		{"RESTORE", "k", "0", "garbage", "IDLETIME", "1", "FREQ", "1"}, {"RESTORE", "k", "0", "garbage", "bogus"},
		{"RESTORE", "k", "0", "garbage", "REPLACE", "ABSTTL"},
	} {
		d.do(args...)
	}
	payload := func(c *rconn, key string) string {
		r := c.do("DUMP", key)
		line, rest, _ := strings.Cut(r, "\r\n")
		if !strings.HasPrefix(line, "$") {
			t.Fatalf("DUMP %s: %q", key, clip(r))
		}
		return strings.TrimSuffix(rest, "\r\n")
	}
	// Each server restores its own payloads.
	restore := func(src string, args ...string) {
		t.Helper()
		want := d.redis[0].do(append([]string{"RESTORE", args[0], args[1], payload(d.redis[0], src)}, args[2:]...)...)
		got := d.numkv[0].do(append([]string{"RESTORE", args[0], args[1], payload(d.numkv[0], src)}, args[2:]...)...)
		if want != got {
			t.Errorf("RESTORE %v (payload of %s):\n redis: %q\n numkv: %q", args, src, want, got)
		}
	}
	restore("s", "s2", "0")
	restore("s", "s2", "0") // BUSYKEY
	restore("n", "s2", "0", "REPLACE")
	restore("big", "b2", "100000")
	restore("s", "i2", "0", "IDLETIME", "500")
	restore("s", "gone", "1", "ABSTTL")
	restore("s", "s2", "1", "REPLACE", "ABSTTL") // expired: the old s2 is deleted
	d.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	restore("s", "f2", "0", "FREQ", "77")
	d.do("OBJECT", "FREQ", "f2")
	d.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
	for _, args := range [][]string{
		{"GET", "s2"}, {"EXISTS", "s2", "gone"}, {"GET", "b2"}, {"TTL", "b2"}, {"STRLEN", "b2"},
		{"OBJECT", "IDLETIME", "i2"}, {"GET", "i2"}, {"TTL", "i2"}, {"DBSIZE"},
	} {
		d.do(args...)
	}
}

// diffClusterOff: off cluster mode, CLUSTER's subcommands are refused,
// after the arity check, as Redis refuses them.
func diffClusterOff(t *testing.T, redisAddr, numAddr string) {
	d := newDiffScript(t, redisAddr, numAddr, 1)
	for _, args := range [][]string{
		{"CLUSTER", "INFO"}, {"CLUSTER", "MYID"}, {"CLUSTER", "NODES"}, {"CLUSTER", "SLOTS"},
		{"CLUSTER", "KEYSLOT", "foo"}, {"CLUSTER", "KEYSLOT"}, {"CLUSTER", "COUNTKEYSINSLOT", "1"},
		{"CLUSTER", "GETKEYSINSLOT", "1", "1"}, {"CLUSTER", "ADDSLOTS", "1"}, {"CLUSTER", "ADDSLOTSRANGE", "1", "2"},
		{"CLUSTER", "DELSLOTS", "1"}, {"CLUSTER", "FORGET", "x"}, {"CLUSTER"}, {"SELECT", "1"}, {"SELECT", "0"},
		{"ASKING"}, {"ASKING", "x"}, {"READONLY"}, {"READWRITE"}, {"CLUSTER", "SHARDS"}, {"CLUSTER", "MEET", "127.0.0.1", "1"},
		{"CLUSTER", "SET-CONFIG-EPOCH", "1"}, {"CLUSTER", "SETSLOT", "1", "STABLE"},
		{"MIGRATE", "127.0.0.1", "1", "nosuch", "0", "100"}, {"MIGRATE", "127.0.0.1", "1", "k", "0", "100", "KEYS", "a"},
	} {
		d.do(args...)
	}
}

// infoSection is one section of INFO's text: its title and its fields.
type infoSection struct {
	title  string
	fields [][2]string // name, value
}

// parseInfo splits INFO's raw reply (a bulk in RESP2, a verbatim string in
// RESP3) into sections.
func parseInfo(t *testing.T, raw string) []infoSection {
	t.Helper()
	head, body, ok := strings.Cut(raw, "\r\n")
	switch {
	case !ok:
		t.Fatalf("INFO reply %q", raw)
	case head[0] == '=':
		body = strings.TrimPrefix(body, "txt:")
	case head[0] != '$':
		t.Fatalf("INFO reply %q", raw)
	}
	var out []infoSection
	for _, line := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# "):
			out = append(out, infoSection{title: line[2:]})
		case len(out) == 0:
			t.Fatalf("INFO: a field before any section: %q", line)
		default:
			name, value, _ := strings.Cut(line, ":")
			out[len(out)-1].fields = append(out[len(out)-1].fields, [2]string{name, value})
		}
	}
	return out
}

// numkvInfoFields are the fields numkv adds to Redis's, by section.
var numkvInfoFields = map[string][]string{
	"Server": {"numkv_version", "go_version", "go_goroutines"},
	"Memory": {"mem_allocator", "used_memory_values", "used_memory_keys", "used_memory_tables", "used_memory_clients",
		"used_memory_spans", "used_memory_retained", "used_memory_scavenged", "go_heap_objects", "go_runtime_memory",
		"gc_cycles", "gc_cpu_seconds"},
	"Persistence": {"rdb_last_cut_pause_usec"},
}

// diffInfo compares INFO with Redis over RESP2 and RESP3, for every way of
// choosing sections: the same sections in the same order, each with
// Redis's fields in Redis's order (numkv adds its own, listed in
// numkvInfoFields). Values may differ, except in commandstats and
// errorstats after the same commands: there the counts must agree.
func diffInfo(t *testing.T, redisAddr, numAddr string) {
	for _, proto := range []string{"2", "3"} {
		conns := [2]*rconn{mustDial(t, redisAddr), mustDial(t, numAddr)}
		for _, c := range conns {
			c.do("HELLO", proto)
			c.do("FLUSHALL")
			c.do("SET", "k", "v")
			c.do("CONFIG", "RESETSTAT")
			// The same calls, failures, rejections and error replies on both.
			for _, args := range [][]string{{"SET", "a", "1"}, {"GET", "a"}, {"GET", "a"}, {"INCR", "k"}, {"GET"},
				{"NOSUCH"}, {"EXPIRE", "a", "x"}, {"MULTI"}, {"SET", "b", "2"}, {"INCR", "b"}, {"EXEC"},
				{"MULTI"}, {"GET"}, {"EXEC"}, {"CLIENT", "NOSUCH"}, {"CONFIG", "GET", "maxmemory"}} {
				c.do(args...)
			}
		}
		for _, args := range [][]string{{}, {"all"}, {"default"}, {"everything"}, {"server", "clients"}, {"CPU"},
			{"cpu", "default"}, {"cpu", "all"}, {"commandSTATS"}, {"errorstats"}, {"latencystats"}, {"sentinel"},
			{"nosuch"}, {"modules"}, {"module_list"}, {"keyspace", "keyspace", "server"}, {"stats", "memory", "persistence"},
			{"replication", "cluster"}} {
			var got [2][]infoSection
			for i, c := range conns {
				got[i] = parseInfo(t, c.do(append([]string{"INFO"}, args...)...))
			}
			compareInfo(t, fmt.Sprintf("RESP%s INFO %s", proto, strings.Join(args, " ")), got[0], got[1])
		}
	}
}

func compareInfo(t *testing.T, what string, redis, numkv []infoSection) {
	t.Helper()
	var titles [2][]string
	for _, s := range redis {
		titles[0] = append(titles[0], s.title)
	}
	for _, s := range numkv {
		titles[1] = append(titles[1], s.title)
	}
	if !slices.Equal(titles[0], titles[1]) {
		t.Errorf("%s: sections %v, Redis %v", what, titles[1], titles[0])
		return
	}
	for i, rs := range redis {
		ns := numkv[i]
		switch rs.title {
		case "Keyspace":
			if fmt.Sprint(rs.fields) != fmt.Sprint(ns.fields) {
				t.Errorf("%s: keyspace %v, Redis %v", what, ns.fields, rs.fields)
			}
			continue
		case "Commandstats", "Errorstats":
			// The counts agree; the times differ. Redis lists commands
			// in its hash table's order, numkv by name.
			strip := func(fs [][2]string) string {
				var lines []string
				for _, f := range fs {
					v := regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+,`).ReplaceAllString(f[1], "")
					lines = append(lines, f[0]+":"+v)
				}
				slices.Sort(lines)
				return strings.Join(lines, "\n")
			}
			if a, b := strip(rs.fields), strip(ns.fields); a != b {
				t.Errorf("%s: %s\n%s\nRedis:\n%s", what, rs.title, b, a)
			}
			continue
		case "Latencystats":
			if len(rs.fields) != len(ns.fields) {
				t.Errorf("%s: latencystats %v, Redis %v", what, ns.fields, rs.fields)
				continue
			}
			byName := func(a, b [2]string) int { return strings.Compare(a[0], b[0]) }
			slices.SortFunc(rs.fields, byName)
			slices.SortFunc(ns.fields, byName)
			for j := range rs.fields {
				keys := regexp.MustCompile(`=[\d.]+`)
				if rs.fields[j][0] != ns.fields[j][0] || keys.ReplaceAllString(rs.fields[j][1], "") != keys.ReplaceAllString(ns.fields[j][1], "") {
					t.Errorf("%s: %v, Redis %v", what, ns.fields[j], rs.fields[j])
				}
			}
			continue
		}
		// Redis's fields in its order, numkv's own anywhere.
		own := numkvInfoFields[rs.title]
		j := 0
		for _, f := range ns.fields {
			if j < len(rs.fields) && f[0] == rs.fields[j][0] {
				j++
				continue
			}
			if !slices.Contains(own, f[0]) {
				t.Errorf("%s: %s has %s, which Redis has not (or not here)", what, rs.title, f[0])
			}
		}
		if j < len(rs.fields) {
			t.Errorf("%s: %s lacks Redis's %s (or has it out of order)", what, rs.title, rs.fields[j][0])
		}
	}
}
