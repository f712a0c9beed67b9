package tests

// go-redis and redis-cli against numkv: plain, pipelined and concurrent
// commands, redis-cli's hints, and the README's session with slices.

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisStrings drives the string and keyspace basics through go-redis
// over both protocols, plainly, pipelined and from concurrent clients.
func TestGoRedisStrings(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rdb := newClient(p, 0, proto)
			defer rdb.Close()
			mustNoErr(t, rdb.FlushAll(ctx).Err())
			mustNoErr(t, rdb.Set(ctx, "k", "hello", 0).Err())
			if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "hello" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if _, err := rdb.Get(ctx, "missing").Result(); err != redis.Nil {
				t.Fatalf("GET missing: %v", err)
			}
			if n, _ := rdb.Append(ctx, "k", " world").Result(); n != 11 {
				t.Fatalf("APPEND = %d", n)
			}
			if v, _ := rdb.GetRange(ctx, "k", -5, -1).Result(); v != "world" {
				t.Fatalf("GETRANGE = %q", v)
			}
			if n, _ := rdb.SetRange(ctx, "k", 12, "!").Result(); n != 13 {
				t.Fatalf("SETRANGE = %d", n)
			}
			if v, _ := rdb.Get(ctx, "k").Result(); v != "hello world\x00!" {
				t.Fatalf("GET after SETRANGE = %q", v)
			}
			ok, err := rdb.SetNX(ctx, "k", "x", 0).Result()
			if err != nil || ok {
				t.Fatalf("SET NX on existing = %v, %v", ok, err)
			}
			mustNoErr(t, rdb.MSet(ctx, "a", "1", "b", "2").Err())
			vals, _ := rdb.MGet(ctx, "a", "nope", "b").Result()
			if fmt.Sprint(vals) != "[1 <nil> 2]" {
				t.Fatalf("MGET = %v", vals)
			}
			if n, _ := rdb.Exists(ctx, "a", "b", "nope").Result(); n != 2 {
				t.Fatalf("EXISTS = %d", n)
			}
			if n, _ := rdb.Del(ctx, "a", "nope").Result(); n != 1 {
				t.Fatalf("DEL = %d", n)
			}
			if v, _ := rdb.Type(ctx, "k").Result(); v != "string" {
				t.Fatalf("TYPE = %q", v)
			}
			if n, _ := rdb.DBSize(ctx).Result(); n != 2 {
				t.Fatalf("DBSIZE = %d", n)
			}

			// A pipeline of 1000 commands comes back in order.
			pipe := rdb.Pipeline()
			for i := 0; i < 1000; i++ {
				pipe.Set(ctx, fmt.Sprintf("p:%d", i), i, 0)
				pipe.Get(ctx, fmt.Sprintf("p:%d", i))
			}
			cmds, err := pipe.Exec(ctx)
			mustNoErr(t, err)
			for i := 0; i < 1000; i++ {
				if v := cmds[2*i+1].(*redis.StringCmd).Val(); v != strconv.Itoa(i) {
					t.Fatalf("pipelined GET p:%d = %q", i, v)
				}
			}
			if err := rdb.Do(ctx, "NOSUCHCMD", "a").Err(); err == nil ||
				err.Error() != "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' " {
				t.Fatalf("unknown command error = %v", err)
			}
		})
	}
}

// TestGoRedisBitmaps drives the bitmap commands through go-redis's own
// methods over both protocols: the replies parse into the types go-redis
// expects (a BITFIELD OVERFLOW FAIL's null among integers included).
func TestGoRedisBitmaps(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rdb := newClient(p, 0, proto)
			defer rdb.Close()
			mustNoErr(t, rdb.FlushAll(ctx).Err())
			for _, off := range []int64{7, 100, 8*1<<20 + 3} {
				if n, err := rdb.SetBit(ctx, "b", off, 1).Result(); err != nil || n != 0 {
					t.Fatalf("SETBIT %d = %d, %v", off, n, err)
				}
			}
			check := func(what string, got, want int64, err error) {
				t.Helper()
				if err != nil || got != want {
					t.Fatalf("%s = %d, %v; want %d", what, got, err, want)
				}
			}
			n, err := rdb.BitCount(ctx, "b", nil).Result()
			check("BITCOUNT", n, 3, err)
			n, err = rdb.BitCount(ctx, "b", &redis.BitCount{Start: 8, End: -1, Unit: redis.BitCountIndexBit}).Result()
			check("BITCOUNT BIT", n, 2, err)
			n, err = rdb.BitPos(ctx, "b", 1).Result()
			check("BITPOS 1", n, 7, err)
			n, err = rdb.BitPos(ctx, "b", 1, 1).Result()
			check("BITPOS 1 from byte 1", n, 100, err)
			n, err = rdb.BitPos(ctx, "b", 1, 13).Result()
			check("BITPOS 1 from byte 13", n, 8*1<<20+3, err)
			n, err = rdb.BitPosSpan(ctx, "b", 0, 7, 7, "bit").Result()
			check("BITPOS 0 BIT", n, -1, err)
			n, err = rdb.BitPos(ctx, "missing", 0).Result()
			check("BITPOS missing", n, 0, err)

			mustNoErr(t, rdb.Set(ctx, "i", "123", 0).Err())
			n, err = rdb.BitOpAnd(ctx, "d", "b", "i").Result()
			check("BITOP AND", n, 1<<20+1, err)
			if v, _ := rdb.Get(ctx, "d").Result(); v[:3] != "\x01\x00\x00" || strings.Trim(v[3:], "\x00") != "" {
				t.Fatalf("BITOP AND = %q...", v[:3])
			}
			n, err = rdb.BitOpOr(ctx, "d", "b", "i", "missing").Result()
			check("BITOP OR", n, 1<<20+1, err)
			n, err = rdb.BitOpXor(ctx, "d", "i", "i").Result()
			check("BITOP XOR", n, 3, err)
			n, err = rdb.BitOpNot(ctx, "d", "i").Result()
			check("BITOP NOT", n, 3, err)
			if v, _ := rdb.Get(ctx, "d").Result(); v != "\xce\xcd\xcc" {
				t.Fatalf("BITOP NOT = %q", v)
			}
			n, err = rdb.BitOpAnd(ctx, "d", "missing").Result()
			check("BITOP of nothing", n, 0, err)
			if n, _ := rdb.Exists(ctx, "d").Result(); n != 0 {
				t.Fatal("BITOP of nothing left the destination")
			}

			vals, err := rdb.BitField(ctx, "f", "SET", "i8", 0, -100, "GET", "u8", 0, "INCRBY", "u2", "#9", 5,
				"OVERFLOW", "SAT", "INCRBY", "i8", 0, -1000).Result()
			if err != nil || fmt.Sprint(vals) != "[0 156 1 -128]" {
				t.Fatalf("BITFIELD = %v, %v", vals, err)
			}
			vals, err = rdb.BitFieldRO(ctx, "f", "u8", 0, "i4", "#1").Result()
			if err != nil || fmt.Sprint(vals) != "[128 0]" {
				t.Fatalf("BITFIELD_RO = %v, %v", vals, err)
			}
			// OVERFLOW FAIL replies null in place of that one integer.
			res, err := rdb.Do(ctx, "BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "i8", 0, -1, "GET", "i8", 0).Slice()
			if err != nil || fmt.Sprint(res) != "[<nil> -128]" {
				t.Fatalf("BITFIELD OVERFLOW FAIL = %v, %v", res, err)
			}
			if err := rdb.BitFieldRO(ctx, "f", "u8", "x").Err(); err == nil || err.Error() != "ERR bit offset is not an integer or out of range" {
				t.Fatalf("BITFIELD_RO with a bad offset: %v", err)
			}
		})
	}
}

// TestConcurrentClients has several clients write and read disjoint and
// shared keys at once; every acknowledged write must be readable.
func TestConcurrentClients(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	ctx := context.Background()
	const clients, ops = 8, 300
	errs := make(chan error, clients)
	for w := 0; w < clients; w++ {
		go func(w int) {
			rdb := newClient(p, 0, 2+w%2)
			defer rdb.Close()
			for i := 0; i < ops; i++ {
				key := fmt.Sprintf("c%d:%d", w, i%17)
				val := fmt.Sprintf("%d-%d", w, i)
				if err := rdb.Set(ctx, key, val, 0).Err(); err != nil {
					errs <- err
					return
				}
				if got, err := rdb.Get(ctx, key).Result(); err != nil || got != val {
					errs <- fmt.Errorf("client %d: GET %s = %q, %v; want %q", w, key, got, err, val)
					return
				}
				if err := rdb.Append(ctx, "shared", "x").Err(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < clients; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	if n, _ := rdb.StrLen(ctx, "shared").Result(); n != clients*ops {
		t.Fatalf("STRLEN shared = %d, want %d", n, clients*ops)
	}
}

// redisCLI runs redis-cli against p with args and optional stdin.
func redisCLI(t testing.TB, p *proc, stdin []byte, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli is missing: run the README's test command (make test), which installs redis-tools")
	}
	cmd := exec.Command("redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.port)}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestRedisCLIBasics(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	if out := redisCLI(t, p, nil, "SET", "greeting", "hi there"); out != "OK\n" {
		t.Fatalf("SET: %q", out)
	}
	if out := redisCLI(t, p, nil, "GET", "greeting"); out != "hi there\n" {
		t.Fatalf("GET: %q", out)
	}
	if out := redisCLI(t, p, []byte("abc"), "-x", "APPEND", "greeting"); out != "11\n" {
		t.Fatalf("APPEND -x: %q", out)
	}
	// COMMAND DOCS and COMMAND must parse in redis-cli (it fetches them for
	// its hints).
	if out := redisCLI(t, p, nil, "COMMAND", "DOCS", "get"); !strings.Contains(out, "summary") {
		t.Fatalf("COMMAND DOCS: %q", out)
	}
	if out := redisCLI(t, p, nil, "COMMAND", "COUNT"); strings.TrimSpace(out) == "0" {
		t.Fatalf("COMMAND COUNT: %q", out)
	}
	// The interactive mode with its hints, fed from a pipe.
	cmd := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(p.port))
	cmd.Stdin = strings.NewReader("SET k v\nGET k\nCOMMAND INFO get\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") || !strings.Contains(string(out), "v") {
		t.Fatalf("interactive redis-cli: %v\n%s", err, out)
	}
}

// TestRedisCLISlices is the README's ad hoc session: slices with VALUES and
// raw bytes appended from a file with -x.
func TestRedisCLISlices(t *testing.T) {
	p := mustStart(t, "", "--dbfilename", "")
	if out := redisCLI(t, p, nil, "NUM.CREATE", "temps", "f32"); out != "OK\n" {
		t.Fatalf("NUM.CREATE: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.APPEND", "temps", "VALUES", "20.5", "21", "21.5", "22", "22.5", "23"); out != "6\n" {
		t.Fatalf("NUM.APPEND VALUES: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "0:10", "VALUES"); out != "20.5\n21\n21.5\n22\n22.5\n23\n" {
		t.Fatalf("NUM.READ 0:10 VALUES: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "::-2", "VALUES"); out != "23\n22\n21\n" {
		t.Fatalf("NUM.READ ::-2 VALUES: %q", out)
	}
	// Four more float32 from a file of raw little-endian bytes.
	raw := []byte{0, 0, 0xc0, 0x3f, 0, 0, 0x20, 0x40, 0, 0, 0, 0, 0, 0, 0x80, 0xbf} // 1.5 2.5 0 -1
	if out := redisCLI(t, p, raw, "-x", "NUM.APPEND", "temps"); out != "10\n" {
		t.Fatalf("NUM.APPEND -x: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "-4:", "VALUES"); out != "1.5\n2.5\n0\n-1\n" {
		t.Fatalf("NUM.READ -4: VALUES: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.READ", "temps", "1:x"); strings.TrimSpace(out) != "ERR invalid slice '1:x'" {
		t.Fatalf("bad slice: %q", out)
	}
	if out := redisCLI(t, p, nil, "NUM.LEN", "temps"); out != "10\n" {
		t.Fatalf("NUM.LEN: %q", out)
	}
}
