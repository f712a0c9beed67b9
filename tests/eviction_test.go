package tests

// Eviction with the real binary: a cache capped by --maxmemory keeps its
// RSS near the cap, evicts rather than refuses, and keeps the keys its
// policy says it should.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// rssBytes is a process's resident set, from /proc/PID/status.
func rssBytes(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// cacheLoad writes about total bytes to a server capped at maxmemory:
// rounds of one 1 MiB f32 array and 256 small strings of 64 to 2048 bytes,
// and after each round reads the hot keys (hot strings with GET, hot
// arrays with a one-element NUM.READ), as a training pipeline's cache
// sees them. Every write must succeed. It returns the largest RSS seen.
func cacheLoad(t *testing.T, p *proc, rdb *redis.Client, seed uint64, total int, hotStr, hotArr []string) int64 {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	arr := randBytes(seed, 1<<20)
	small := randBytes(seed+1, 2048)
	var peak int64
	written := 0
	for round := 0; written < total; round++ {
		pipe := rdb.Pipeline()
		key := fmt.Sprintf("arr:%d", round)
		pipe.Do(ctx, "NUM.CREATE", key, "f32")
		pipe.Do(ctx, "NUM.APPEND", key, arr)
		written += len(arr)
		for i := 0; i < 256; i++ {
			n := 64 + rng.IntN(2048-64)
			pipe.Set(ctx, fmt.Sprintf("str:%d:%d", round, i), small[:n], 0)
			written += n
		}
		cmds, err := pipe.Exec(ctx)
		if err != nil {
			for _, c := range cmds {
				if c.Err() != nil {
					t.Fatalf("round %d: %v: %v", round, c.Args(), c.Err())
				}
			}
			t.Fatal(err)
		}
		pipe = rdb.Pipeline()
		for _, k := range hotStr {
			pipe.Get(ctx, k)
		}
		for _, k := range hotArr {
			pipe.Do(ctx, "NUM.READ", k, "0:1")
		}
		pipe.Exec(ctx) // a hot key evicted reads as nil: counted at the end
		if round%8 == 0 {
			peak = max(peak, rssBytes(t, p.cmd.Process.Pid))
		}
	}
	return max(peak, rssBytes(t, p.cmd.Process.Pid))
}

// hotKeys writes n hot strings of 1 KiB and m hot 1 MiB arrays.
func hotKeys(t *testing.T, rdb *redis.Client, n, m int) (strs, arrs []string) {
	t.Helper()
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("hot:str:%d", i)
		mustDo(t, rdb, "SET", k, randBytes(uint64(i), 1024))
		strs = append(strs, k)
	}
	for i := 0; i < m; i++ {
		k := fmt.Sprintf("hot:arr:%d", i)
		mustDo(t, rdb, "NUM.CREATE", k, "f32")
		mustDo(t, rdb, "NUM.APPEND", k, randBytes(uint64(i), 1<<20))
		arrs = append(arrs, k)
	}
	return strs, arrs
}

// survivors counts the keys that still exist.
func survivors(t *testing.T, rdb *redis.Client, keys []string) int {
	t.Helper()
	n := 0
	for _, k := range keys {
		if mustDo(t, rdb, "EXISTS", k).(int64) == 1 {
			n++
		}
	}
	return n
}

// TestEvictionLRUAndLFU caps numkv at 64 MiB and writes 300 MB through it
// under allkeys-lru and allkeys-lfu: RSS stays under the cap's 1.15 times
// plus the runtime's baseline, keys are evicted, no write is refused, and
// at least 90% of the hot keys survive.
func TestEvictionLRUAndLFU(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu"} {
		t.Run(policy, func(t *testing.T) {
			seed := testSeed(t)
			p := mustStart(t, t.TempDir(), "--save", "", "--maxmemory", "64mb", "--maxmemory-policy", policy)
			rdb := newClient(p, 0, 2)
			defer rdb.Close()
			// The runtime's baseline: the process with its heap warmed by
			// a few requests of the sizes the load sends, and no data.
			hotStr, hotArr := hotKeys(t, rdb, 200, 4)
			mustDo(t, rdb, "FLUSHALL")
			base := rssBytes(t, p.cmd.Process.Pid)
			hotStr, hotArr = hotKeys(t, rdb, 200, 4)
			if policy == "allkeys-lfu" {
				// Frequency, not recency: the hot keys are read many times
				// up front, then only now and then.
				for i := 0; i < 50; i++ {
					for _, k := range hotStr {
						rdb.Get(ctx, k)
					}
					for _, k := range hotArr {
						rdb.Do(ctx, "NUM.READ", k, "0:1")
					}
				}
			}
			peak := cacheLoad(t, p, rdb, seed, 300<<20, hotStr, hotArr)
			evicted := infoInt(t, rdb, "evicted_keys")
			used := infoInt(t, rdb, "used_memory")
			hot := append(hotStr, hotArr...)
			kept := survivors(t, rdb, hot)
			limit := int64(64<<20)*115/100 + base
			t.Logf("%s: baseline RSS %.1f MiB, peak RSS %.1f MiB (bound %.1f), used_memory %.1f MiB, evicted %d keys, %d of %d hot keys kept",
				policy, mb(base), mb(peak), mb(limit), mb(used), evicted, kept, len(hot))
			t.Logf("%s: at the end: RSS %.1f MiB, spans %.1f MiB of which %.1f MiB given back, retained %.1f MiB, Go runtime %.1f MiB",
				policy, mb(rssBytes(t, p.cmd.Process.Pid)), mb(infoInt(t, rdb, "used_memory_spans")),
				mb(infoInt(t, rdb, "used_memory_scavenged")), mb(infoInt(t, rdb, "used_memory_retained")),
				mb(infoInt(t, rdb, "go_runtime_memory")))
			if evicted == 0 {
				t.Error("no key was evicted")
			}
			if peak > limit {
				t.Errorf("peak RSS %.1f MiB over %.1f MiB", mb(peak), mb(limit))
			}
			if kept*10 < len(hot)*9 {
				t.Errorf("%d of %d hot keys kept, want 90%%", kept, len(hot))
			}
		})
	}
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// TestEvictionVolatileTTL: under volatile-ttl the keys nearest their
// expiry go first, and keys without one are never evicted; when only
// those are left, writes get OOM.
func TestEvictionVolatileTTL(t *testing.T) {
	p := mustStart(t, t.TempDir(), "--save", "")
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	val := randBytes(1, 64<<10)
	// 100 persistent keys, and 200 with expiries 1000..1199 s away.
	for i := 0; i < 100; i++ {
		mustDo(t, rdb, "SET", fmt.Sprintf("keep:%d", i), val)
	}
	for i := 0; i < 200; i++ {
		mustDo(t, rdb, "SET", fmt.Sprintf("ttl:%d", i), val, "EX", 1000+i)
	}
	used := infoInt(t, rdb, "used_memory")
	// Room for all but about 50 of the volatile keys.
	mustDo(t, rdb, "CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
	// No time limit: the one command evicts all it must.
	mustDo(t, rdb, "CONFIG", "SET", "maxmemory-eviction-tenacity", "100")
	// With the default 5 samples a key from the farthest quarter was
	// evicted about one run in twenty, as Redis's sampling allows: 64
	// samples (Redis's most) make the order near exact.
	mustDo(t, rdb, "CONFIG", "SET", "maxmemory-samples", "64")
	mustDo(t, rdb, "CONFIG", "SET", "maxmemory", strconv.FormatInt(used-50*(64<<10), 10))
	mustDo(t, rdb, "SET", "trigger", "x")
	evicted := infoInt(t, rdb, "evicted_keys")
	if evicted < 40 || evicted > 120 {
		t.Errorf("evicted %d keys, want about 50", evicted)
	}
	// Sampling is approximate: the keys evicted must be among the nearest
	// expiries, not exactly the first ones.
	gone := 0
	for i := 0; i < 200; i++ {
		if mustDo(t, rdb, "EXISTS", fmt.Sprintf("ttl:%d", i)).(int64) == 0 {
			gone++
			if i >= 150 {
				t.Errorf("ttl:%d (expiring in %d s) evicted before nearer ones", i, 1000+i)
			}
		}
	}
	if survivors(t, rdb, keysN("keep:", 100)) != 100 {
		t.Error("a key without an expiry was evicted")
	}
	t.Logf("evicted %d, %d volatile keys gone", evicted, gone)
	// Only persistent keys left to evict: OOM, and nothing is lost.
	mustDo(t, rdb, "CONFIG", "SET", "maxmemory", "1")
	mustErrText(t, rdb, "OOM command not allowed when used memory > 'maxmemory'.", "SET", "more", "x")
	if n := mustDo(t, rdb, "DBSIZE").(int64); n != 101 {
		t.Errorf("DBSIZE %d after the volatile keys went, want the 101 persistent ones", n)
	}
}

func keysN(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// TestEvictionNoeviction: the default policy refuses writes above the cap
// with Redis's OOM error and keeps every key; reads still work.
func TestEvictionNoeviction(t *testing.T) {
	p := mustStart(t, t.TempDir(), "--save", "", "--maxmemory", "8mb")
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	val := randBytes(2, 64<<10)
	n := 0
	var err error
	for ; n < 1000; n++ {
		if err = rdb.Set(ctx, fmt.Sprintf("k:%d", n), val, 0).Err(); err != nil {
			break
		}
	}
	if err == nil || err.Error() != "OOM command not allowed when used memory > 'maxmemory'." {
		t.Fatalf("after %d writes: %v, want OOM", n, err)
	}
	if got := mustDo(t, rdb, "DBSIZE").(int64); got != int64(n) {
		t.Errorf("DBSIZE %d, want the %d keys written", got, n)
	}
	if infoInt(t, rdb, "evicted_keys") != 0 {
		t.Error("noeviction evicted")
	}
	if v, err := rdb.Get(ctx, "k:0").Bytes(); err != nil || len(v) != len(val) {
		t.Errorf("GET after OOM: %d bytes, %v", len(v), err)
	}
	mustErrText(t, rdb, "OOM command not allowed when used memory > 'maxmemory'.", "NUM.CREATE", "a", "f32")
}

// TestEvictionAfterLoad: a snapshot larger than the cap loads whole, as
// in Redis, and the cron then evicts down to the cap.
func TestEvictionAfterLoad(t *testing.T) {
	dir := t.TempDir()
	p := mustStart(t, dir, "--save", "")
	rdb := newClient(p, 0, 2)
	val := randBytes(3, 64<<10)
	for i := 0; i < 320; i++ { // 20 MiB
		mustDo(t, rdb, "SET", fmt.Sprintf("k:%d", i), val)
	}
	rdb.Close()
	shutdownByCommand(t, p, "SAVE")
	mustExit(t, p)
	p2 := mustStart(t, dir, "--save", "", "--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru")
	rdb = newClient(p2, 0, 2)
	defer rdb.Close()
	waitFor(t, "used_memory under the 8 MiB cap", func() bool { return infoInt(t, rdb, "used_memory") <= 8<<20 })
	n := mustDo(t, rdb, "DBSIZE").(int64)
	if ev := infoInt(t, rdb, "evicted_keys"); ev == 0 || n+ev != 320 {
		t.Errorf("after the load: %d keys left, %d evicted, of 320", n, ev)
	}
}
