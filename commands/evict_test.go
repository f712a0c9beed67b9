package commands

import (
	"fmt"
	"math/rand/v2"
	"numkv/keytab"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLFUCounter checks Redis's counter arithmetic: with lfu-log-factor 0
// every hit counts, with 10 a counter far above the initial value grows
// rarely, it saturates at 255, and it loses one per lfu-decay-time
// minutes.
func TestLFUCounter(t *testing.T) {
	s, _ := mustLocal(t)
	s.live.lfuLogFactor.Store(0)
	for c := uint32(0); c < 255; c++ {
		if got := s.lfuIncr(c); got != c+1 {
			t.Fatalf("factor 0: %d became %d", c, got)
		}
	}
	if s.lfuIncr(255) != 255 {
		t.Fatal("the counter went past 255")
	}
	s.live.lfuLogFactor.Store(10)
	grew := 0
	for i := 0; i < 10000; i++ {
		if s.lfuIncr(105) == 106 {
			grew++
		}
	}
	// p = 1/((105-5)*10+1): about 10 in 10000.
	if grew < 1 || grew > 40 {
		t.Errorf("factor 10 at 105: grew %d times in 10000, want about 10", grew)
	}
	now := lfuMinutes()
	s.live.lfuDecayTime.Store(1)
	for _, c := range []struct{ ago, counter, want uint32 }{{0, 7, 7}, {3, 7, 4}, {10, 7, 0}, {2, 255, 253}} {
		f := (now-c.ago)&0xffff<<8 | c.counter
		if got := s.lfuDecr(f); got != c.want {
			t.Errorf("counter %d, %d minutes ago: %d, want %d", c.counter, c.ago, got, c.want)
		}
	}
	s.live.lfuDecayTime.Store(0)
	if got := s.lfuDecr((now-100)&0xffff<<8 | 7); got != 7 {
		t.Errorf("lfu-decay-time 0 decayed to %d", got)
	}
}

// TestEvictPool checks that the pool keeps the sixteen best candidates in
// ascending order, once each.
func TestEvictPool(t *testing.T) {
	var p evictPool
	keys := make(map[string]uint64)
	for i := 0; i < 200; i++ {
		key := fmt.Sprintf("k%d", rand.IntN(100))
		score := rand.Uint64N(1000)
		if _, dup := keys[key]; dup {
			continue // the pool keeps a key's first score
		}
		keys[key] = score
		r, v := newValue([]byte(key), 0, []byte("x"))
		p.insert(score, 0, v)
		keytab.FreeRecord(r)
	}
	var scores []uint64
	for _, s := range keys {
		scores = append(scores, s)
	}
	for i := 0; i < p.n; i++ {
		e := p.ents[i]
		if keys[string(e.key)] != e.score {
			t.Fatalf("entry %d: %s with score %d, inserted with %d", i, e.key, e.score, keys[string(e.key)])
		}
		if i > 0 && p.ents[i-1].score > e.score {
			t.Fatalf("entries %d and %d out of order", i-1, i)
		}
	}
	if p.n != evictPoolSize {
		t.Fatalf("pool holds %d", p.n)
	}
	// The best 16 scores are in the pool (ties may pick either key).
	better := 0
	for _, s := range scores {
		if s > p.ents[0].score {
			better++
		}
	}
	if better > evictPoolSize {
		t.Errorf("%d candidates beat the pool's worst", better)
	}
	best := p.pop()
	if best.score != p.ents[p.n].score || best.score < p.ents[p.n-1].score {
		t.Errorf("pop gave %d", best.score)
	}
}

// TestClientNoTouch: a NO-TOUCH client's reads leave the LFU counter
// alone, except TOUCH's; OFF restores the counting.
func TestClientNoTouch(t *testing.T) {
	_, c := mustLocal(t)
	for _, step := range [][]string{
		{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", ":OK"}, {"CONFIG", "SET", "lfu-log-factor", "0", ":OK"},
		{"SET", "k", "v", ":OK"}, {"OBJECT", "FREQ", "k", "5"},
		{"CLIENT", "NO-TOUCH", "on", ":OK"}, {"GET", "k", ":v"}, {"OBJECT", "FREQ", "k", "5"},
		{"TOUCH", "k", "1"}, {"OBJECT", "FREQ", "k", "6"},
		{"CLIENT", "NO-TOUCH", "maybe", "-ERR syntax error"},
		{"CLIENT", "NO-TOUCH", "OFF", ":OK"}, {"GET", "k", ":v"}, {"OBJECT", "FREQ", "k", "7"},
	} {
		got := c.run(step[:len(step)-1]...)
		want := step[len(step)-1]
		switch want[0] {
		case ':':
			want = "+" + want[1:] + "\r\n"
			if want == "+v\r\n" {
				want = "$1\r\nv\r\n"
			}
		case '-':
			want += "\r\n"
		default:
			want = ":" + want + "\r\n"
		}
		if got != want {
			t.Errorf("%q: %q, want %q", step[:len(step)-1], got, want)
		}
	}
}

// TestEvictUnderLoad runs writers, readers and a background save against
// a server capped well below what they write, under allkeys-lru: no
// write is refused, memory ends near the cap, and every key left reads
// back as written. Under the race detector it also checks that eviction
// takes its locks as the commands do.
func TestEvictUnderLoad(t *testing.T) {
	s, addr := mustNumkv(t)
	base := s.usedMemory()
	limit := base + 4<<20
	admin := mustDial(t, addr)
	admin.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	admin.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := 0; w < 4; w++ {
		c := mustDial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 400; i++ {
				key := fmt.Sprintf("w%d:%d", w, i)
				val := strings.Repeat(strconv.Itoa(i%10), 4096+i)
				cmds := [][]string{{"SET", key, val}, {"GET", fmt.Sprintf("w%d:%d", w, i/2)}}
				if i%50 == 0 && w == 0 {
					cmds = append(cmds, []string{"BGSAVE"})
				}
				r, err := c.pipeline(cmds)
				if err != nil {
					errs <- err.Error()
					return
				}
				if r[0] != "+OK\r\n" {
					errs <- fmt.Sprintf("SET %s: %q", key, r[0])
					return
				}
				if g := r[1]; g != "$-1\r\n" && !strings.HasPrefix(g, fmt.Sprintf("$%d\r\n%d", 4096+i/2, (i/2)%10)) {
					errs <- fmt.Sprintf("GET: %.40q", g)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	evicted := s.evicted.Load()
	if evicted == 0 {
		t.Error("nothing was evicted")
	}
	// A save's copies count, and a command may stop evicting on its time
	// limit: the cap holds within a few values once the cron has run.
	waitUntil(t, "memory back under the cap", func() bool { return s.usedMemory() <= limit })
	t.Logf("evicted %d keys; used memory %d, cap %d", evicted, s.usedMemory(), limit)
}

// TestNoOOMWhilePausedOrLoading: over maxmemory under noeviction, a
// command is refused with OOM, except while a CLIENT PAUSE or a load holds
// the keyspace still, as Redis's performEvictions checks first.
func TestNoOOMWhilePausedOrLoading(t *testing.T) {
	s, _ := mustLocal(t)
	if s.policy() != noEviction {
		t.Fatalf("default policy %v", s.policy())
	}
	const limit = -1 // whatever is held is over it
	if s.evict(limit) {
		t.Fatal("over the limit under noeviction, and no OOM")
	}
	s.pauseClients(time.Now().Add(time.Hour).UnixMilli(), pauseWrite)
	if !s.evict(limit) {
		t.Error("OOM while clients are paused")
	}
	s.unpauseClients()
	s.loading.Store(true)
	if !s.evict(limit) {
		t.Error("OOM while loading")
	}
	s.loading.Store(false)
	if s.evict(limit) {
		t.Fatal("no OOM once the pause and the load are over")
	}
}
