package commands

// The differential test: the same command sequences go, as raw bytes, to a
// real redis-server 7.0 and to an in-process numkv, and the raw replies are
// compared byte for byte. Randomized sessions come from a printed seed
// (-seed to replay one, see testRand); deterministic cases for the protocol, WATCH,
// AUTH, maxmemory, saves and the command table live in diff_cases_test.go.
//
// Replies that legitimately differ are compared loosely, each for a reason:
//
//	KEYS, SCAN                 order is each server's hash order: sorted first
//	TTL, PTTL, *EXPIRETIME     the two servers set the expiry a few ms apart
//	RANDOMKEY, OBJECT IDLETIME,
//	MEMORY USAGE, TIME, INFO,
//	CLIENT ID|INFO|LIST,
//	LASTSAVE                   only the reply's type is compared
//	HELLO                      the connection id is masked
//	CONFIG GET                 sorted, and only the parameters numkv has;
//	                           port, dir and dbfilename differ by set-up
//
// Every command of the table is generated, or listed in notGenerated with
// the test that covers it instead: TestGeneratorCoversTable checks both.

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	diffSessions = flag.Int("diff.sessions", 0, "number of randomized sessions (0: 60, 15 with -short)")
)

// compare kinds: how two replies to the same command must agree.
type cmpKind int

const (
	cmpExact  cmpKind = iota
	cmpSorted         // an array whose order does not matter
	cmpScan           // [cursor, keys]: cursor "0" in both, keys as a set
	cmpTTL            // integers within a second (or both negative and equal)
	cmpPTTL           // integers within 250 ms
	cmpType           // the same reply type
	cmpHello          // exact once the connection id is masked
	cmpConfig         // CONFIG GET pairs, see configComparable
)

type step struct {
	conn int // 0 or 1: which of the session's two connections
	args []string
	cmp  cmpKind
}

var helloID = regexp.MustCompile(`\$2\r\nid\r\n:\d+\r\n`)

// configComparable reports whether CONFIG GET name answers the same on
// both servers: numkv's parameters except those the set-up makes differ.
func configComparable(name string) bool {
	switch strings.ToLower(name) {
	case "port", "dir", "dbfilename":
		return false
	}
	return lookupConfig(name) != nil
}

func agree(kind cmpKind, want, got string) bool {
	if want == got {
		return true
	}
	switch kind {
	case cmpSorted:
		a, ok1 := parseReply(want).([]any)
		b, ok2 := parseReply(got).([]any)
		return ok1 && ok2 && sameSet(a, b)
	case cmpScan:
		a, ok1 := parseReply(want).([]any)
		b, ok2 := parseReply(got).([]any)
		if !ok1 || !ok2 || len(a) != 2 || len(b) != 2 || a[0] != "0" || b[0] != "0" {
			return false
		}
		ka, ok1 := a[1].([]any)
		kb, ok2 := b[1].([]any)
		return ok1 && ok2 && sameSet(ka, kb)
	case cmpTTL, cmpPTTL:
		a, ok1 := parseReply(want).(int64)
		b, ok2 := parseReply(got).(int64)
		tol := int64(1)
		if kind == cmpPTTL {
			tol = 250
		}
		return ok1 && ok2 && (a == b || (a >= 0 && b >= 0 && a-b <= tol && b-a <= tol))
	case cmpType:
		return want[0] == got[0]
	case cmpHello:
		return helloID.ReplaceAllString(want, "$$2\r\nid\r\n:0\r\n") == helloID.ReplaceAllString(got, "$$2\r\nid\r\n:0\r\n")
	case cmpConfig:
		return slices.Equal(configPairs(want), configPairs(got))
	}
	return false
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	sa, sb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		sa[i], sb[i] = fmt.Sprint(a[i]), fmt.Sprint(b[i])
	}
	slices.Sort(sa)
	slices.Sort(sb)
	return slices.Equal(sa, sb)
}

// configPairs is a CONFIG GET reply as sorted "name=value" strings, kept to
// the comparable parameters.
func configPairs(raw string) []string {
	a, _ := parseReply(raw).([]any)
	var out []string
	for i := 0; i+1 < len(a); i += 2 {
		name := fmt.Sprint(a[i])
		if configComparable(name) {
			out = append(out, strings.ToLower(name)+"="+fmt.Sprint(a[i+1]))
		}
	}
	slices.Sort(out)
	return out
}

// server under test: two connections to it.
type side struct {
	name  string
	conns [2]*rconn
}

// TestDiff starts one redis-server and one numkv and runs every
// comparison against the pair: -run TestDiff/Random and so on picks one.
func TestDiff(t *testing.T) {
	redisAddr := mustRedis(t)
	_, numAddr := mustNumkv(t)
	for _, sub := range []struct {
		name string
		fn   func(t *testing.T, redisAddr, numAddr string)
	}{
		{"Random", diffRandom},
		{"Protocol", diffProtocol},
		{"Watch", diffWatch},
		{"ClientKill", diffClientKill},
		{"Auth", diffAuth},
		{"Maxmemory", diffMaxmemory},
		{"Eviction", diffEviction},
		{"DumpRestore", diffDumpRestore},
		{"Bitmaps", diffBitmaps},
		{"ClusterOff", diffClusterOff},
		{"Save", diffSave},
		{"CommandTable", diffCommandTable},
		{"Info", diffInfo},
	} {
		t.Run(sub.name, func(t *testing.T) {
			c := mustDial(t, numAddr)
			c.do("FLUSHALL")
			mustDial(t, redisAddr).do("FLUSHALL")
			sub.fn(t, redisAddr, numAddr)
		})
	}
}

// diffRandom plays the randomized sessions.
func diffRandom(t *testing.T, redisAddr, numAddr string) {
	sessions := *diffSessions
	if sessions == 0 {
		sessions = 60
		if testing.Short() {
			sessions = 15
		}
	}
	t.Logf("differential test: %d sessions", sessions)
	rng := testRand(t)
	failures := 0
	for sess := 0; sess < sessions; sess++ {
		proto := 2 + sess%2
		steps := genSession(rng, 120)
		if !runSession(t, redisAddr, numAddr, proto, steps, sess, &failures) {
			break
		}
	}
}

// runSession plays steps on fresh connections to both servers, in RESP2 or
// RESP3, pipelining runs of steps on one connection, and reports every
// disagreement. It returns false once too many failures were seen.
func runSession(t *testing.T, redisAddr, numAddr string, proto int, steps []step, sess int, failures *int) bool {
	t.Helper()
	sides := [2]*side{{name: "redis"}, {name: "numkv"}}
	for i, addr := range []string{redisAddr, numAddr} {
		for j := range sides[i].conns {
			sides[i].conns[j] = mustDial(t, addr)
		}
		c := sides[i].conns[0]
		c.do("FLUSHALL")
		for _, kv := range resetConfig {
			c.do("CONFIG", "SET", kv[0], kv[1])
		}
		if proto == 3 {
			for _, c := range sides[i].conns {
				c.do("HELLO", "3")
			}
		}
	}
	defer func() {
		for _, sd := range sides {
			for _, c := range sd.conns {
				c.nc.Close()
			}
		}
	}()
	rng := rand.New(rand.NewPCG(uint64(sess), 7))
	for i := 0; i < len(steps); {
		// A batch: consecutive steps on one connection, pipelined.
		n := 1 + rng.IntN(6)
		j := i + 1
		for j < len(steps) && j-i < n && steps[j].conn == steps[i].conn {
			j++
		}
		batch := steps[i:j]
		cmds := make([][]string, len(batch))
		for k, st := range batch {
			cmds[k] = st.args
		}
		var replies [2][]string
		for s, sd := range sides {
			r, err := sd.conns[batch[0].conn].pipeline(cmds)
			if err != nil {
				t.Fatalf("session %d (RESP%d), %s: %q: %v", sess, proto, sd.name, cmds, err)
			}
			replies[s] = r
		}
		for k, st := range batch {
			if !agree(st.cmp, replies[0][k], replies[1][k]) {
				*failures++
				t.Errorf("session %d (RESP%d) step %d on connection %d: %s\n redis: %q\n numkv: %q",
					sess, proto, i+k, st.conn, quoteArgs(st.args), replies[0][k], replies[1][k])
				if testing.Verbose() {
					for n, p := range steps[:i+k] {
						t.Logf("  step %d on connection %d: %s", n, p.conn, quoteArgs(p.args))
					}
				}
				if *failures >= 15 {
					t.Errorf("too many differences; stopping (the seed is logged above)")
					return false
				}
			}
		}
		i = j
	}
	return true
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// resetConfig restores, at the start of every session, what CONFIG SET
// steps may have changed.
var resetConfig = [][2]string{
	{"maxmemory", "0"}, {"timeout", "0"}, {"maxclients", "10000"}, {"loglevel", "warning"},
	{"save", ""}, {"proto-max-bulk-len", "512mb"}, {"client-query-buffer-limit", "1gb"},
}

// The generator. Keys come from a small pool so that commands collide;
// values and numbers include the edge cases of Redis's parsers.

var (
	genKeys = []string{"a", "b", "c", "{t}x", "{t}y", "n", "f", "", "bin\x00\xff"}
	genVals = []string{"", "0", "1", "-1", "10", "123", "9999", "10000", "-10000", "9223372036854775807",
		"-9223372036854775808", "abc", "hello world", "3.14", "1e3", " 1", "+1", "01", "-0",
		strings.Repeat("x", 44), strings.Repeat("y", 45), "\x00\x01\xff", "0x10", "inf", "nan", "1.5e308", "\xc3\xa9t\xc3\xa9"}
	genInts = []string{"0", "1", "-1", "2", "5", "-5", "100", "-100", "7", "8", "63", "64", "abc", "", "1.5",
		"+1", "01", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "4294967296", " 3", "-0"}
	genFloats = []string{"0.1", "-0.3", "1", "2.5", "1e3", "-1e-3", "inf", "-inf", "nan", "abc", "", " 1", "1 ",
		"0x1p3", "1e400", "1e5000", "5.0e3", "+.5", "3.0", "123456789.123456789"}
	genPatterns = []string{"*", "a*", "*a", "?", "[ab]", "[^a]*", "{t}*", "\\{t\\}?", "n", "[a-c]", "*x*", "", "b\\", "[", "bin*"}
	genDBs      = []string{"0", "1", "2", "15", "16", "-1", "abc", "01", "99999999999"}
)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// expiry returns an expiry argument for unit: mostly far in the future (so
// that no key expires during a session), sometimes invalid, and, for the
// commands that delete at once (EXPIRE*, GETEX), sometimes in the past.
func expiry(r *rand.Rand, unit string, past bool) string {
	now := time.Now()
	switch x := r.IntN(10); {
	case x == 0:
		return pick(r, []string{"0", "-1", "abc", "", "1.5", "9223372036854775807", "-9223372036854775808", "9223372036854775"})
	case x == 1 && past:
		switch unit {
		case "exat":
			return "1"
		case "pxat":
			return strconv.FormatInt(now.Add(-time.Hour).UnixMilli(), 10)
		default:
			return "-" + strconv.Itoa(1+r.IntN(100))
		}
	}
	switch unit {
	case "ex":
		return strconv.Itoa(100 + r.IntN(10000))
	case "px":
		return strconv.Itoa(100000 + r.IntN(10000000))
	case "exat":
		return strconv.FormatInt(now.Unix()+100+int64(r.IntN(10000)), 10)
	default:
		return strconv.FormatInt(now.UnixMilli()+100000+int64(r.IntN(10000000)), 10)
	}
}

// genSession returns about n steps.
func genSession(r *rand.Rand, n int) []step {
	var steps []step
	conn := 0
	for len(steps) < n {
		if r.IntN(12) == 0 {
			conn = 1 - conn
		}
		for _, st := range genCommand(r) {
			st.conn = conn
			steps = append(steps, st)
		}
	}
	return steps
}

func k(r *rand.Rand) string { return pick(r, genKeys) }

func genCommand(r *rand.Rand) []step {
	one := func(cmp cmpKind, args ...string) []step { return []step{{args: args, cmp: cmp}} }
	ex := func(args ...string) []step { return one(cmpExact, args...) }
	words := func(s string) []string { return strings.Split(s, " ") }
	switch r.IntN(67) {
	case 0, 1, 2:
		return ex("GET", k(r))
	case 3, 4, 5:
		args := []string{"SET", k(r), pick(r, genVals)}
		for i := r.IntN(4); i > 0; i-- {
			switch o := pick(r, []string{"NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PXAT", "junk", "ex"}); o {
			case "EX", "PX", "EXAT", "PXAT", "ex":
				args = append(args, o, expiry(r, strings.ToLower(o), false))
			default:
				args = append(args, o)
			}
		}
		if r.IntN(20) == 0 {
			args = args[:2]
		}
		return ex(args...)
	case 6:
		return ex("SETNX", k(r), pick(r, genVals))
	case 7:
		return ex(pick(r, []string{"SETEX", "PSETEX"}), k(r), expiry(r, pick(r, []string{"ex", "px"}), false), pick(r, genVals))
	case 8:
		return ex("GETSET", k(r), pick(r, genVals))
	case 9:
		return ex("GETDEL", k(r))
	case 10:
		args := []string{"GETEX", k(r)}
		for i := r.IntN(3); i > 0; i-- {
			switch o := pick(r, []string{"PERSIST", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "NX", "junk"}); o {
			case "EX", "PX", "EXAT", "PXAT":
				args = append(args, o, expiry(r, strings.ToLower(o), true))
			default:
				args = append(args, o)
			}
		}
		return ex(args...)
	case 11:
		args := []string{"MGET"}
		for i := r.IntN(4); i >= 0; i-- {
			args = append(args, k(r))
		}
		return ex(args...)
	case 12:
		args := []string{pick(r, []string{"MSET", "MSETNX"})}
		for i := 1 + r.IntN(3); i > 0; i-- {
			args = append(args, k(r), pick(r, genVals))
		}
		if r.IntN(8) == 0 {
			args = args[:len(args)-1]
		}
		return ex(args...)
	case 13:
		return ex("APPEND", k(r), pick(r, genVals))
	case 14:
		return ex("STRLEN", k(r))
	case 15:
		return ex(pick(r, []string{"GETRANGE", "SUBSTR"}), k(r), pick(r, genInts), pick(r, genInts))
	case 16:
		off := pick(r, []string{"0", "1", "3", "10", "-1", "abc", "536870912", "9223372036854775807"})
		return ex("SETRANGE", k(r), off, pick(r, genVals[:14]))
	case 17, 18:
		switch r.IntN(5) {
		case 0:
			return ex("INCR", k(r))
		case 1:
			return ex("DECR", k(r))
		case 2:
			return ex("INCRBY", k(r), pick(r, genInts))
		case 3:
			return ex("DECRBY", k(r), pick(r, genInts))
		default:
			return ex("INCRBYFLOAT", k(r), pick(r, genFloats))
		}
	case 19:
		return ex("GETBIT", k(r), pick(r, []string{"0", "1", "7", "8", "100", "-1", "abc", "4294967295", "4294967296"}))
	case 20:
		return ex("SETBIT", k(r), pick(r, []string{"0", "1", "7", "8", "63", "-1", "abc", "4294967296"}), pick(r, []string{"0", "1", "1", "2", "-1", "abc"}))
	case 21:
		args := []string{"BITCOUNT", k(r)}
		switch r.IntN(4) {
		case 1:
			args = append(args, pick(r, genInts))
		case 2:
			args = append(args, pick(r, genInts), pick(r, genInts))
		case 3:
			args = append(args, pick(r, genInts), pick(r, genInts), pick(r, []string{"BYTE", "BIT", "bit", "junk"}))
		}
		return ex(args...)
	case 22:
		args := []string{"LCS", k(r), k(r)}
		for i := r.IntN(3); i > 0; i-- {
			switch o := pick(r, []string{"IDX", "LEN", "WITHMATCHLEN", "MINMATCHLEN", "junk"}); o {
			case "MINMATCHLEN":
				args = append(args, o, pick(r, []string{"0", "1", "2", "-1", "abc"}))
			default:
				args = append(args, o)
			}
		}
		return ex(args...)
	case 23, 24:
		args := []string{pick(r, []string{"DEL", "UNLINK", "EXISTS", "TOUCH"})}
		for i := r.IntN(3); i >= 0; i-- {
			args = append(args, k(r))
		}
		return ex(args...)
	case 25:
		return ex("TYPE", k(r))
	case 26:
		return one(cmpSorted, "KEYS", pick(r, genPatterns))
	case 27:
		args := []string{"SCAN", "0", "COUNT", "100000"}
		if r.IntN(2) == 0 {
			args = append(args, "MATCH", pick(r, genPatterns))
		}
		if r.IntN(3) == 0 {
			args = append(args, "TYPE", pick(r, []string{"string", "STRING", "list", "none"}))
		}
		return one(cmpScan, args...)
	case 28:
		// SCAN's errors: cursors and options.
		return ex("SCAN", pick(r, []string{"abc", " 1", "1 ", "0x1", "18446744073709551616", "-"}), pick(r, []string{"COUNT", "MATCH", "TYPE", "junk"}), pick(r, []string{"0", "-1", "abc", "*"}))
	case 29:
		return one(cmpType, "RANDOMKEY")
	case 30:
		return ex("DBSIZE")
	case 31:
		return ex(pick(r, []string{"RENAME", "RENAMENX"}), k(r), k(r))
	case 32:
		args := []string{"COPY", k(r), k(r)}
		for i := r.IntN(3); i > 0; i-- {
			switch o := pick(r, []string{"DB", "REPLACE", "junk"}); o {
			case "DB":
				args = append(args, o, pick(r, genDBs))
			default:
				args = append(args, o)
			}
		}
		return ex(args...)
	case 33:
		return ex("MOVE", k(r), pick(r, genDBs))
	case 34:
		return ex("SWAPDB", pick(r, genDBs[:6]), pick(r, genDBs))
	case 35:
		return ex("SELECT", pick(r, genDBs))
	case 36, 37:
		cmd := pick(r, []string{"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"})
		unit := map[string]string{"EXPIRE": "ex", "PEXPIRE": "px", "EXPIREAT": "exat", "PEXPIREAT": "pxat"}[cmd]
		args := []string{cmd, k(r), expiry(r, unit, true)}
		for i := r.IntN(3); i > 0; i-- {
			args = append(args, pick(r, []string{"NX", "XX", "GT", "LT", "gt", "junk"}))
		}
		return ex(args...)
	case 38, 39:
		switch cmd := pick(r, []string{"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}); cmd {
		case "PTTL", "PEXPIRETIME":
			return one(cmpPTTL, cmd, k(r))
		default:
			return one(cmpTTL, cmd, k(r))
		}
	case 40:
		return ex("PERSIST", k(r))
	case 41:
		switch sub := pick(r, []string{"ENCODING", "REFCOUNT", "FREQ", "IDLETIME", "HELP", "junk", "encoding"}); sub {
		case "IDLETIME":
			return one(cmpType, "OBJECT", sub, k(r))
		case "HELP":
			return ex("OBJECT", sub)
		default:
			return ex("OBJECT", sub, k(r))
		}
	case 42:
		if r.IntN(3) == 0 {
			return ex("MEMORY", "USAGE", k(r), "SAMPLES", pick(r, []string{"0", "5", "-1", "abc"}), pick(r, []string{"SAMPLES", "junk", "5"}))
		}
		return one(cmpType, "MEMORY", "USAGE", k(r))
	case 43:
		return ex(words(pick(r, []string{"FLUSHDB", "FLUSHDB ASYNC", "FLUSHDB SYNC", "FLUSHDB junk"}))...)
	case 44, 45:
		return genTransaction(r)
	case 46:
		args := []string{"WATCH"}
		for i := r.IntN(3); i >= 0; i-- {
			args = append(args, k(r))
		}
		return ex(args...)
	case 47:
		// A bare MULTI would queue loosely compared commands; transactions
		// come from genTransaction.
		return ex(pick(r, []string{"UNWATCH", "DISCARD", "EXEC"}))
	case 48:
		names := []string{"maxmemory", "MAXMEMORY", "timeout", "save", "databases", "requirepass", "maxclients", "loglevel",
			"proto-max-bulk-len", "client-query-buffer-limit", "tls-port", "tls-cert-file", "tls-key-file", "unixsocket",
			"logfile", "bind", "appendonly", "maxmemory-policy", "max*", "*bulk*", "tls-*-file", "l?g*", "nosuch"}
		args := []string{"CONFIG", "GET"}
		for i := r.IntN(3); i >= 0; i-- {
			args = append(args, pick(r, names))
		}
		return one(cmpConfig, args...)
	case 49:
		return ex(append([]string{"CONFIG", "SET"}, pick2(r, [][]string{
			{"timeout", "10"}, {"timeout", "-1"}, {"timeout", "abc"}, {"maxclients", "100"}, {"maxclients", "0"},
			{"maxclients", "-1"}, {"loglevel", "verbose"}, {"loglevel", "VERBOSE"}, {"loglevel", "nothing"},
			{"save", "3600 1"}, {"save", "10 "}, {"save", "1 2 3"}, {"save", "0 1"}, {"save", "x 1"}, {"save", "10  1"},
			{"save", ""}, {"proto-max-bulk-len", "10"}, {"proto-max-bulk-len", "2mb"}, {"proto-max-bulk-len", "abc"},
			{"client-query-buffer-limit", "2mb"}, {"client-query-buffer-limit", "1k"}, {"maxmemory", "100gb"},
			{"maxmemory", "1.5gb"}, {"maxmemory", "-1"}, {"maxmemory", "10GB"}, {"databases", "3"}, {"dir", "/tmp"},
			{"dbfilename", "x"}, {"logfile", "x"}, {"unixsocket", "x"}, {"nosuch", "1"}, {"timeout", "5", "maxclients", "50"},
			{"timeout", "5", "timeout", "6"}, {"timeout"}, {"timeout", "5", "nosuch", "1"}, {"nosuch", "1", "databases", "2"},
			{"databases", "2", "nosuch", "1"}, {"timeout", "5", "maxclients", "0"}, {"TIMEOUT", "7"},
		})...)...)
	case 50:
		return ex("CONFIG", pick(r, []string{"REWRITE", "HELP", "junk", "RESETSTAT", "GET"}))
	case 51:
		// Wrong arities and unknown commands and subcommands.
		return ex(pick2(r, [][]string{
			{"GET"}, {"SET", "a"}, {"INCR"}, {"INCRBY", "a"}, {"EXPIRE", "a"}, {"TTL"}, {"RENAME", "a"}, {"COPY", "a"},
			{"OBJECT"}, {"OBJECT", "ENCODING"}, {"MEMORY", "USAGE"}, {"CONFIG"}, {"CONFIG", "GET"}, {"CONFIG", "SET", "a"},
			{"SCAN"}, {"WATCH"}, {"MULTI", "x"}, {"EXEC", "x"}, {"LCS", "a"}, {"SETBIT", "a", "1"}, {"BITCOUNT"},
			{"GETEX"}, {"SWAPDB", "1"}, {"MOVE", "a"}, {"NOSUCH"}, {"nosuch", "a", "b"}, {"OBJECT", "nosuch"},
			{"CONFIG", "nosuch", "x"}, {"MEMORY", "nosuch"}, {"FUNCTION"}, {"FUNCTION", "nosuch"}, {"BITOP", "AND", "d"}, {"BITPOS", "a"}, {"BITFIELD"},
			{"BITFIELD_RO"},
			// numkv has no functions, and FUNCTION FLUSH removes none.
			{"FUNCTION", "FLUSH"}, {"FUNCTION", "FLUSH", "ASYNC"}, {"FUNCTION", "flush", "sync"}, {"FUNCTION", "FLUSH", "x"}, {"FUNCTION", "FLUSH", "SYNC", "x"},
		})...)
	case 52:
		return ex("PING", pick(r, []string{"x", "hello world"}))
	case 53:
		return ex("ECHO", pick(r, genVals))
	case 54:
		return one(cmpType, words(pick(r, []string{"TIME", "INFO", "LASTSAVE", "CLIENT ID", "CLIENT INFO", "CLIENT LIST"}))...)
	case 55:
		return ex("CLIENT", pick(r, []string{"SETNAME", "GETNAME"}), pick(r, []string{"x", "a b", "name1"}))
	case 56:
		sub := pick(r, []string{"GETKEYS", "GETKEYSANDFLAGS"})
		args := []string{"COMMAND", sub}
		for _, w := range words(pick(r, []string{"GET a", "SET a b", "SET a b GET", "SET a b nx get", "MSET a 1 b 2", "MSETNX a 1 b 2", "COPY a b", "MOVE a 1", "RENAME a b", "RENAMENX a b", "SWAPDB 0 1", "LCS a b", "OBJECT ENCODING a", "MEMORY USAGE a", "WATCH a b", "nosuch a", "GET", "PING x", "MEMORY x", "DEL a b c", "APPEND a b", "GETDEL a", "SETRANGE a 0 b", "EXISTS a b", "EXPIRE a 1", "RESTORE a 0 x",
			"MIGRATE h 1 a 0 10", "MIGRATE h 1 a 0 10 KEYS b c", "MIGRATE h 1 \"\" 0 10 KEYS b c", "MIGRATE h 1 \"\" 0 10 AUTH keys KEYS b c", "MIGRATE h 1 \"\" 0 10 AUTH2 u keys KEYS b",
			"BITOP AND d a b", "BITFIELD a GET u8 0", "BITFIELD a OVERFLOW SAT GET u8 0", "BITFIELD a SET u8 0 1", "BITFIELD a GET u8", "BITFIELD a", "BITFIELD_RO a GET u8 0", "BITPOS a 1"})) {
			args = append(args, strings.Trim(w, `"`)) // "" is an empty argument
		}
		return ex(args...)
	case 57:
		return one(cmpHello, words(pick(r, []string{"HELLO 2", "HELLO 3", "HELLO 4", "HELLO abc", "HELLO 3 SETNAME n1",
			"HELLO 2 SETNAME a\tb", "HELLO 3 AUTH default x", "HELLO 3 AUTH nobody x", "HELLO 3 FOO", "HELLO 3 AUTH default",
			"HELLO", "HELLO 02"}))...)
	case 58, 59:
		// SAVE and BGSAVE are in diffSave: whether a background save is
		// still running depends on timing.
		return ex(pick(r, []string{"DBSIZE", "FLUSHALL", "RESET"}))
	case 60:
		return ex(words(pick(r, []string{"AUTH x", "AUTH default x", "AUTH a b c"}))...)
	case 61, 62:
		args := []string{"BITOP", pick(r, []string{"AND", "OR", "XOR", "NOT", "and", "Not", "xor", "junk"}), k(r)}
		for i := r.IntN(4); i >= 0; i-- {
			args = append(args, k(r))
		}
		return ex(args...)
	case 63:
		// Small offsets reach into the short values genVals and SETBIT
		// leave; the negative ones count from the end.
		args := []string{"BITPOS", k(r), pick(r, []string{"0", "1", "1", "0", "2", "-1", "abc"})}
		nums := []string{"0", "1", "2", "3", "7", "8", "9", "15", "16", "23", "-1", "-2", "-8", "-9", "-100", "100", "abc", "9223372036854775807", "-9223372036854775808"}
		for i := r.IntN(4); i > 0; i-- {
			args = append(args, pick(r, nums))
		}
		if len(args) == 5 && r.IntN(3) != 0 {
			args = append(args, pick(r, []string{"BIT", "BYTE", "bit", "byte", "junk"}))
			if r.IntN(10) == 0 {
				args = append(args, "BIT")
			}
		}
		return ex(args...)
	case 64, 65:
		return ex(genBitfield(r)...)
	default:
		if r.IntN(2) == 0 {
			return ex(words(pick(r, []string{"CLIENT LIST TYPE foo", "CLIENT LIST ID abc", "CLIENT LIST ID 0", "CLIENT LIST foo",
				"CLIENT LIST TYPE", "CLIENT GETNAME x", "CLIENT SETNAME", "CLIENT ID x", "CLIENT", "CLIENT NOSUCH",
				// CLIENT KILL that matches no one: diffClientKill kills.
				"CLIENT KILL", "CLIENT KILL 1.2.3.4:5", "CLIENT KILL a b", "CLIENT KILL ID 0", "CLIENT KILL ID x",
				"CLIENT KILL ID 99999999", "CLIENT KILL ID 1 SKIPME", "CLIENT KILL TYPE foo", "CLIENT KILL TYPE master",
				"CLIENT KILL TYPE pubsub", "CLIENT KILL USER bob", "CLIENT KILL SKIPME maybe", "CLIENT KILL MAXAGE 10",
				"CLIENT KILL LADDR 1.2.3.4:1 SKIPME no", "CLIENT KILL ADDR 1.2.3.4:5 TYPE normal"}))...)
		}
		return ex("CLIENT", "NO-EVICT", pick(r, []string{"on", "off", "x"}))
	}
}

// notGenerated holds the commands of the table that genCommand leaves out,
// keyed by full name ("client|setinfo"), each with why and the test that
// covers it instead. Commands of the group "numkv" are left out as a whole
// (see generatorExemption).
var notGenerated = map[string]string{
	"quit":         "closes the connection; diffProtocol's \"quit\" case compares it",
	"client|reply": "OFF and SKIP leave replies out, which a session of one reply per command cannot read: diffProtocol's \"client reply\" case compares it",
	"save":         "its reply depends on whether a background save runs: diffSave",
	"bgsave":       "its reply depends on whether a background save runs: diffSave, TestBgsaveInExec",
	"shutdown":     "an accepted one stops the server: diffSave compares its refusals, tests/persist_test.go (TestPersistShutdown and others) its saves",
	"command": "the replies describe each server's own table: diffCommandTable compares every row with Redis's COMMAND INFO, " +
		"TestCommandReplies (table_test.go) the replies",
	"command|count":   "as COMMAND",
	"command|list":    "as COMMAND",
	"command|info":    "as COMMAND; TestCommandFlags (table_test.go) checks each command's entry",
	"command|docs":    "as COMMAND: numkv's summaries are its own",
	"memory|help":     "lists only numkv's subcommands, unlike Redis's: TestMemoryHelp (table_test.go)",
	"client|help":     "lists only numkv's subcommands, unlike Redis's: TestHelpListsSubcommands (table_test.go)",
	"function|help":   "as CLIENT HELP",
	"client|setinfo":  "Redis 7.2's, which the reference, 7.0, lacks: TestNewerClientSubcommands (table_test.go)",
	"client|pause":    "a pause holds the session's other commands back: TestClientPause, TestClientPauseAll (cmd_connection_test.go); its error texts were compared with redis-server by hand and are asserted there",
	"client|unpause":  "as CLIENT PAUSE",
	"client|no-touch": "Redis 7.2's, which the reference, 7.0, lacks: TestNewerClientSubcommands (table_test.go)",
	"dump":            "the payloads are each server's own format: diffDumpRestore has each server restore its own, TestDumpRestoreRoundTrip and TestRestoreRefusesDamage (cmd_dump_test.go)",
	"restore":         "as DUMP",
}

func init() {
	// CLUSTER's subcommands: off cluster mode both servers refuse them,
	// which diffClusterOff compares; in it, tests/cluster_test.go drives
	// three numkv nodes with redis-cli and go-redis's ClusterClient, and
	// TestClusterCommands (cluster_test.go) checks the replies.
	for _, sub := range []string{"cluster", "cluster|info", "cluster|myid", "cluster|nodes", "cluster|slots", "cluster|keyslot",
		"cluster|countkeysinslot", "cluster|getkeysinslot", "cluster|addslots", "cluster|addslotsrange", "cluster|delslots", "cluster|forget", "cluster|shards", "cluster|meet", "cluster|set-config-epoch", "cluster|layout", "cluster|setslot", "asking", "restore-asking", "migrate", "readonly", "readwrite", "cluster|restore-part", "cluster|pushed", "cluster|help"} {
		notGenerated[sub] = "cluster mode: diffClusterOff, TestClusterCommands, tests/cluster_test.go"
	}
}

// generatorExemption returns why genCommand leaves cmd out, or "".
func generatorExemption(cmd *command) string {
	if cmd.group == "numkv" {
		return "NUM.* are numkv's own: cmd_num_test.go, num_fuzz_test.go, and tests/numpy_slices_test.go against numpy"
	}
	return notGenerated[cmd.fullName]
}

// TestGeneratorCoversTable fails when a command or subcommand of the table
// is neither generated by genCommand nor listed in notGenerated, or is
// both, or when notGenerated names a command the table lacks. It draws
// enough commands from a fixed seed that every case comes up.
func TestGeneratorCoversTable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 0x6e756d6b76))
	seen := map[*command]bool{}
	for i := 0; i < 20000; i++ {
		for _, st := range genCommand(r) {
			cmd := lookupCommand([]byte(st.args[0]))
			if cmd == nil {
				continue // unknown on purpose
			}
			if len(cmd.sub) > 0 && len(st.args) > 1 {
				if sc := cmd.subcommand([]byte(st.args[1])); sc != nil {
					cmd = sc
				}
			}
			seen[cmd] = true
		}
	}
	eachCommand(func(cmd *command) {
		switch why := generatorExemption(cmd); {
		case !seen[cmd] && why == "":
			t.Errorf("the differential test never generates %s: add a case to genCommand, or its reason and the test that covers it to notGenerated", cmd.fullName)
		case seen[cmd] && why != "":
			t.Errorf("the differential test generates %s: drop it from notGenerated", cmd.fullName)
		}
	})
	for name := range notGenerated {
		if findCommand([]byte(name)) == nil {
			t.Errorf("notGenerated lists %s, which the table lacks", name)
		}
	}
}

// genTransaction returns MULTI, a few commands (some refused while
// queueing), and EXEC or DISCARD.
func genTransaction(r *rand.Rand) []step {
	steps := []step{{args: []string{"MULTI"}}}
	for i := r.IntN(5); i >= 0; i-- {
		for _, st := range genCommand(r) {
			if st.cmp != cmpExact {
				continue // inside EXEC's array a loose reply cannot be split out
			}
			if st.args[0] == "OBJECT" {
				// Inside EXEC Redis's queued arguments hold one more
				// reference to a value SET stored: REFCOUNT says 2.
				continue
			}
			steps = append(steps, st)
		}
	}
	if r.IntN(5) == 0 {
		steps = append(steps, step{args: []string{"DISCARD"}})
	} else {
		steps = append(steps, step{args: []string{"EXEC"}})
	}
	return steps
}

func pick2(r *rand.Rand, xs [][]string) []string { return xs[r.IntN(len(xs))] }

// genBitfield returns a BITFIELD or BITFIELD_RO with a few subcommands,
// some of them malformed. Writes stay near the start of the value: a
// write far out would make both servers allocate up to 512 MiB.
func genBitfield(r *rand.Rand) []string {
	args := []string{"BITFIELD", k(r)}
	if r.IntN(4) == 0 {
		args[0] = "BITFIELD_RO"
	}
	types := []string{"u1", "i1", "u2", "i5", "u8", "i8", "u13", "i16", "u31", "i32", "i33", "u63", "i63", "i64",
		"u64", "i65", "u0", "i-1", "I8", "x8", "u", "u08", "", "u8\x00junk"}
	readOffs := []string{"0", "1", "3", "7", "8", "13", "63", "64", "100", "#0", "#1", "#3", "-1", "#-1", "abc", "",
		"4294967295", "4294967296", "#536870912", "#2305843009213693952", "#1152921504606846976"}
	writeOffs := []string{"0", "1", "3", "7", "8", "13", "63", "64", "100", "#0", "#1", "#3", "#7", "-1", "abc", "4294967296"}
	values := []string{"0", "1", "-1", "5", "-5", "100", "127", "128", "-128", "-129", "255", "256", "65535", "2147483648",
		"9223372036854775807", "-9223372036854775808", "-9223372036854775681", "-9223372036854775680", "abc", "1.5", ""}
	for i := r.IntN(4); i >= 0; i-- {
		switch r.IntN(14) {
		case 0, 1:
			args = append(args, pick(r, []string{"OVERFLOW", "overflow"}), pick(r, []string{"WRAP", "SAT", "FAIL", "sat", "fail", "junk"}))
		case 2:
			args = append(args, pick(r, []string{"junk", "GET", "SET", "OVERFLOW", "INCRBY"})) // short or unknown
		case 3, 4, 5, 6:
			args = append(args, pick(r, []string{"GET", "get"}), pick(r, types), pick(r, readOffs))
		default:
			args = append(args, pick(r, []string{"SET", "INCRBY", "set", "incrby"}), pick(r, types), pick(r, writeOffs), pick(r, values))
		}
	}
	return args
}
