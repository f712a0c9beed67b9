package tests

// The soak test: 50 clients for 30 seconds of mixed string and NUM.*
// commands on keys each client owns, each reply checked against the
// client's own model, while BGSAVE runs every few seconds and CLIENT KILL
// cuts random connections mid-pipeline. Then SHUTDOWN SAVE and a restart,
// after which every acknowledged write must still be there.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	soakClients = 50
	soakStrs    = 4    // string keys per client
	soakMaxLen  = 1500 // elements a client's array stays under, about
)

// soakState is what a client's keys hold: its strings (nil: missing), its
// counter, and its i32 array.
type soakState struct {
	strs [soakStrs][]byte
	ctr  int64
	arr  []int32
}

func (s soakState) clone() soakState {
	c := s
	for i := range c.strs {
		if s.strs[i] != nil {
			c.strs[i] = bytes.Clone(s.strs[i])
		}
	}
	c.arr = slices.Clone(s.arr)
	return c
}

func (s soakState) equal(o soakState) bool {
	for i := range s.strs {
		if (s.strs[i] == nil) != (o.strs[i] == nil) || !bytes.Equal(s.strs[i], o.strs[i]) {
			return false
		}
	}
	return s.ctr == o.ctr && slices.Equal(s.arr, o.arr)
}

// soakClient is one of the clients: its keys, its model of them, and its
// connection.
type soakClient struct {
	id    int
	db    int
	rng   *rand.Rand
	rdb   *redis.Client
	model soakState
}

func (c *soakClient) strKey(i int) string { return fmt.Sprintf("w%d:s%d", c.id, i) }
func (c *soakClient) ctrKey() string      { return fmt.Sprintf("w%d:c", c.id) }
func (c *soakClient) arrKey() string      { return fmt.Sprintf("w%d:a", c.id) }

func i32Bytes(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// op is one command, with the reply the model expects.
type op struct {
	args []any
	want any // string, int64, or nil for a null reply
}

// nextOp picks a command, applies it to st, and returns it with the reply
// it must get.
func (c *soakClient) nextOp(st *soakState) op {
	r := c.rng
	vals := func(n int) ([]int32, []any) {
		v := make([]int32, n)
		a := make([]any, n)
		for i := range v {
			v[i] = r.Int32N(2000000) - 1000000
			a[i] = strconv.Itoa(int(v[i]))
		}
		return v, a
	}
	j := r.IntN(soakStrs)
	switch k := r.IntN(12); {
	case k == 0:
		v := randBytes(r.Uint64(), 1+r.IntN(256))
		st.strs[j] = v
		return op{[]any{"SET", c.strKey(j), v}, "OK"}
	case k == 1:
		if st.strs[j] == nil {
			return op{[]any{"GET", c.strKey(j)}, nil}
		}
		return op{[]any{"GET", c.strKey(j)}, string(st.strs[j])}
	case k == 2:
		if len(st.strs[j]) > 4096 {
			st.strs[j] = nil
			return op{[]any{"DEL", c.strKey(j)}, int64(1)}
		}
		v := randBytes(r.Uint64(), 1+r.IntN(64))
		st.strs[j] = append(st.strs[j], v...)
		return op{[]any{"APPEND", c.strKey(j), v}, int64(len(st.strs[j]))}
	case k == 3:
		existed := st.strs[j] != nil
		st.strs[j] = nil
		if existed {
			return op{[]any{"DEL", c.strKey(j)}, int64(1)}
		}
		return op{[]any{"DEL", c.strKey(j)}, int64(0)}
	case k == 4:
		n := r.Int64N(1000) - 500
		st.ctr += n
		return op{[]any{"INCRBY", c.ctrKey(), n}, st.ctr}
	case k == 5 || (k == 6 && len(st.arr) == 0):
		v, a := vals(1 + r.IntN(64))
		st.arr = append(st.arr, v...)
		return op{append([]any{"NUM.APPEND", c.arrKey(), "VALUES"}, a...), int64(len(st.arr))}
	case k == 6:
		at := r.IntN(len(st.arr) + 1)
		v, a := vals(1 + r.IntN(16))
		st.arr = slices.Insert(st.arr, at, v...)
		return op{append([]any{"NUM.INSERT", c.arrKey(), at, "VALUES"}, a...), int64(len(st.arr))}
	case k == 7 && len(st.arr) > 0:
		at := r.IntN(len(st.arr))
		v, a := vals(1 + r.IntN(16))
		for i, x := range v {
			if at+i < len(st.arr) {
				st.arr[at+i] = x
			} else {
				st.arr = append(st.arr, x)
			}
		}
		return op{append([]any{"NUM.WRITE", c.arrKey(), at, "VALUES"}, a...), int64(len(st.arr))}
	case k == 8 || len(st.arr) > soakMaxLen:
		lo := r.IntN(len(st.arr) + 1)
		hi := min(len(st.arr), lo+r.IntN(200))
		if len(st.arr) > soakMaxLen {
			lo, hi = 0, len(st.arr)/2
		}
		st.arr = slices.Delete(st.arr, lo, hi)
		return op{[]any{"NUM.REMOVE", c.arrKey(), fmt.Sprintf("%d:%d", lo, hi)}, int64(hi - lo)}
	case k == 9:
		lo := r.IntN(len(st.arr) + 1)
		hi := min(len(st.arr), lo+r.IntN(300))
		return op{[]any{"NUM.READ", c.arrKey(), fmt.Sprintf("%d:%d", lo, hi)}, string(i32Bytes(st.arr[lo:hi]))}
	case k == 10:
		return op{[]any{"NUM.LEN", c.arrKey()}, int64(len(st.arr))}
	default:
		var sum int64
		for _, x := range st.arr {
			sum += int64(x)
		}
		return op{[]any{"NUM.REDUCE", c.arrKey(), "SUM"}, string(binary.LittleEndian.AppendUint64(nil, uint64(sum)))}
	}
}

// readState reads the client's keys back.
func (c *soakClient) readState() (soakState, error) {
	var st soakState
	pipe := c.rdb.Pipeline()
	gets := make([]*redis.StringCmd, soakStrs)
	for i := range gets {
		gets[i] = pipe.Get(ctx, c.strKey(i))
	}
	ctr := pipe.Get(ctx, c.ctrKey())
	arr := pipe.Do(ctx, "NUM.READ", c.arrKey())
	pipe.Exec(ctx)
	for i, g := range gets {
		v, err := g.Bytes()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			return st, err
		}
		st.strs[i] = v
	}
	if n, err := ctr.Int64(); err == nil {
		st.ctr = n
	} else if err != redis.Nil {
		return st, err
	}
	b, err := arr.Text()
	if err != nil {
		return st, err
	}
	for i := 0; i+4 <= len(b); i += 4 {
		st.arr = append(st.arr, int32(binary.LittleEndian.Uint32([]byte(b[i:i+4]))))
	}
	return st, nil
}

// soakFailure counts what went wrong, and keeps the first few reports.
type soakFailure struct {
	mu    sync.Mutex
	n     int
	notes []string
}

func (f *soakFailure) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if len(f.notes) < 20 {
		f.notes = append(f.notes, fmt.Sprintf(format, args...))
	}
}

// run plays pipelines until stop is closed. A pipeline cut by CLIENT KILL
// may have been applied in part: the client reads its keys back, checks
// that they are what some prefix of the pipeline made of them, no shorter
// than the replies it got, and goes on from there.
func (c *soakClient) run(stop <-chan struct{}, fail *soakFailure, stats *soakStats) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		n := 1 + c.rng.IntN(32)
		states := []soakState{c.model.clone()}
		ops := make([]op, n)
		st := c.model.clone()
		for i := range ops {
			ops[i] = c.nextOp(&st)
			states = append(states, st.clone())
		}
		pipe := c.rdb.Pipeline()
		cmds := make([]*redis.Cmd, n)
		for i, o := range ops {
			cmds[i] = pipe.Do(ctx, o.args...)
		}
		_, err := pipe.Exec(ctx)
		acked := 0
		for i, cmd := range cmds {
			v, cerr := cmd.Result()
			if cerr == redis.Nil {
				v, cerr = nil, nil
			}
			var rerr redis.Error
			if cerr != nil && !errors.As(cerr, &rerr) {
				break // the connection went: no reply from here on
			}
			acked = i + 1
			if cerr != nil {
				fail.add("client %d: %v: error %v", c.id, ops[i].args[:2], cerr)
				continue
			}
			if fmt.Sprint(v) != fmt.Sprint(ops[i].want) {
				fail.add("client %d: %v: got %.80q, want %.80q", c.id, ops[i].args[:2], fmt.Sprint(v), fmt.Sprint(ops[i].want))
			}
		}
		stats.ops.Add(int64(acked))
		if err == nil || acked == n {
			c.model = st
			continue
		}
		stats.cut.Add(1)
		// Read back, until a read is not cut too.
		var got soakState
		for {
			if got, err = c.readState(); err == nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		k := -1
		for i := acked; i <= n; i++ {
			if got.equal(states[i]) {
				k = i
				break
			}
		}
		if k < 0 {
			fail.add("client %d: after a cut with %d of %d replies, its keys match no prefix of the pipeline from %d on", c.id, acked, n, acked)
		}
		stats.unacked.Add(int64(max(k-acked, 0)))
		c.model = got
	}
}

type soakStats struct {
	ops, cut, unacked, kills, saves atomic.Int64
}

func soakSeconds(t *testing.T) time.Duration {
	if v := os.Getenv("NUMKV_SOAK_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("NUMKV_SOAK_SECONDS=%q", v)
		}
		return time.Duration(n) * time.Second
	}
	return 30 * time.Second
}

// goroutines is the server's count of goroutines, from INFO.
func goroutines(t *testing.T, rdb *redis.Client) int64 { return infoInt(t, rdb, "go_goroutines") }

func TestSoak(t *testing.T) {
	seed := testSeed(t)
	dir := t.TempDir()
	p := mustStart(t, dir, "--save", "")
	admin := newClient(p, 0, 2)
	defer admin.Close()
	baseGo := goroutines(t, admin)
	baseRSS := rssBytes(t, p.cmd.Process.Pid)

	clients := make([]*soakClient, soakClients)
	for i := range clients {
		c := &soakClient{id: i, db: i % 4, rng: rand.New(rand.NewPCG(seed, uint64(i)))}
		name := "soak" + strconv.Itoa(i)
		c.rdb = redis.NewClient(&redis.Options{Addr: p.addr(), DB: c.db, Protocol: 2 + i%2, MaxRetries: -1, PoolSize: 1,
			DialTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
			OnConnect: func(ctx2 context.Context, cn *redis.Conn) error { return cn.ClientSetName(ctx2, name).Err() }})
		mustDo(t, c.rdb, "NUM.CREATE", c.arrKey(), "i32")
		clients[i] = c
	}

	var fail soakFailure
	var stats soakStats
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); c.run(stop, &fail, &stats) }()
	}
	// The killer: every 50 to 250 ms, CLIENT KILL ID of a random client.
	// It and the saver have connections of their own, closed before the
	// goroutines are counted.
	killer, saver := newClient(p, 0, 2), newClient(p, 0, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(seed, 1<<32))
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(50+r.IntN(200)) * time.Millisecond):
			}
			list, err := killer.ClientList(ctx).Result()
			if err != nil {
				fail.add("CLIENT LIST: %v", err)
				continue
			}
			var ids []string
			for _, line := range strings.Split(list, "\n") {
				if strings.Contains(line, " name=soak") {
					id, _, _ := strings.Cut(strings.TrimPrefix(line, "id="), " ")
					ids = append(ids, id)
				}
			}
			if len(ids) == 0 {
				continue
			}
			n, err := killer.Do(ctx, "CLIENT", "KILL", "ID", ids[r.IntN(len(ids))]).Int64()
			if err != nil {
				fail.add("CLIENT KILL: %v", err)
			}
			stats.kills.Add(n)
		}
	}()
	// BGSAVE every 2 to 4 s.
	var peakRSS atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(2000+rand.IntN(2000)) * time.Millisecond):
			}
			if err := saver.BgSave(ctx).Err(); err != nil && !strings.Contains(err.Error(), "in progress") {
				fail.add("BGSAVE: %v", err)
			} else if err == nil {
				stats.saves.Add(1)
			}
			peakRSS.Store(max(peakRSS.Load(), rssBytes(t, p.cmd.Process.Pid)))
		}
	}()
	time.Sleep(soakSeconds(t))
	close(stop)
	wg.Wait()
	killer.Close()
	saver.Close()
	peakRSS.Store(max(peakRSS.Load(), rssBytes(t, p.cmd.Process.Pid)))

	// Every model must be exactly what the server holds now.
	for _, c := range clients {
		got, err := c.readState()
		if err != nil {
			t.Fatalf("client %d: reading back: %v", c.id, err)
		}
		if !got.equal(c.model) {
			fail.add("client %d: at the end its keys differ from its model", c.id)
		}
		c.rdb.Close()
	}
	waitBgsave(t, admin)
	// The clients' goroutines end once their connections close.
	for deadline := time.Now().Add(30 * time.Second); goroutines(t, admin) > baseGo; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("goroutines: %d before the clients, %d after they closed", baseGo, goroutines(t, admin))
			break
		}
	}
	t.Logf("%d ops acknowledged, %d pipelines cut by %d kills, %d writes applied unacknowledged, %d BGSAVEs; RSS %.1f MiB at start, %.1f MiB at peak; goroutines %d before, %d after",
		stats.ops.Load(), stats.cut.Load(), stats.kills.Load(), stats.unacked.Load(), stats.saves.Load(), mb(baseRSS), mb(peakRSS.Load()), baseGo, goroutines(t, admin))
	if stats.kills.Load() == 0 || stats.cut.Load() == 0 || stats.saves.Load() == 0 {
		t.Errorf("the soak did not soak: %d kills, %d cut pipelines, %d saves", stats.kills.Load(), stats.cut.Load(), stats.saves.Load())
	}
	if peakRSS.Load() > baseRSS+256<<20 {
		t.Errorf("RSS grew from %.1f MiB to %.1f MiB", mb(baseRSS), mb(peakRSS.Load()))
	}

	// SHUTDOWN SAVE, restart, and the models again.
	shutdownByCommand(t, p, "SAVE")
	if code := mustExit(t, p); code != 0 {
		t.Fatalf("SHUTDOWN SAVE exited %d:\n%s", code, p.log)
	}
	p2 := mustStart(t, dir, "--save", "")
	for _, c := range clients {
		c.rdb = newClient(p2, c.db, 2)
		got, err := c.readState()
		if err != nil {
			t.Fatalf("client %d after the restart: %v", c.id, err)
		}
		if !got.equal(c.model) {
			fail.add("client %d: after the restart its keys differ from its model", c.id)
		}
		c.rdb.Close()
	}
	if fail.n > 0 {
		t.Errorf("%d mismatches; the first:\n%s", fail.n, strings.Join(fail.notes, "\n"))
	}
}
