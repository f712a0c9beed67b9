package commands

import (
	"math"
	"math/rand/v2"
	"numkv/offheap"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"numkv/keytab"
)

// Eviction, as Redis 7.0's evict.c. Above maxmemory, before a command that
// may use memory takes its own slot locks, dispatch frees keys the policy
// chooses until used_memory is under the limit again (evict). Every key is
// looked at, and deleted, under its own slot's lock alone: sampling holds
// one slot's read lock at a time, and the deletion one slot's write lock,
// so eviction never holds two slots and never all of them.
//
// The LRU and LFU policies are Redis's approximations: each round samples
// maxmemory-samples keys of every database into a pool of the sixteen best
// candidates seen so far, and evicts the best of the pool. A key's access
// field (variable.atime) holds its last access for LRU, or, for LFU,
// Redis's eight-bit logarithmic counter with the minute it was last
// decremented, laid out as Redis lays its 24-bit lru field:
//
//	LRU  atime = the access clock (lruClock): 10 ms ticks, 32 bits (497 days)
//	LFU  atime = minutes (16 bits) << 8 | counter (8 bits)
//
// Switching between LRU and LFU policies at run time leaves the fields as
// they are, to be read the new way, as Redis does: the data adjusts as keys
// are used.

// evictPolicy is maxmemory-policy.
type evictPolicy int32

const (
	noEviction evictPolicy = iota
	volatileLRU
	volatileLFU
	volatileRandom
	volatileTTL
	allkeysLRU
	allkeysLFU
	allkeysRandom
)

// policyNames are the policies' names in Redis's order, which its error
// text lists; policyOrder maps them to evictPolicy.
var (
	policyNames = [...]string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}
	policyOrder = [...]evictPolicy{volatileLRU, volatileLFU, volatileRandom, volatileTTL, allkeysLRU, allkeysLFU, allkeysRandom, noEviction}
)

func (p evictPolicy) String() string {
	for i, q := range policyOrder {
		if q == p {
			return policyNames[i]
		}
	}
	return "?"
}

// parsePolicy reads a policy's name in any case, as Redis's enum configs.
func parsePolicy(v string) (evictPolicy, bool) {
	for i, n := range policyNames {
		if strings.EqualFold(v, n) {
			return policyOrder[i], true
		}
	}
	return 0, false
}

func (p evictPolicy) lfu() bool      { return p == volatileLFU || p == allkeysLFU }
func (p evictPolicy) volatile() bool { return p >= volatileLRU && p <= volatileTTL }
func (p evictPolicy) random() bool   { return p == volatileRandom || p == allkeysRandom }

func (s *Server) policy() evictPolicy { return evictPolicy(s.live.policy.Load()) }

// LFU as Redis: a new key starts at lfuInitVal, so that it is not evicted
// before it has had a chance to be used again.
const lfuInitVal = 5

// lruClock is the LRU access clock: the batch's time in 10 ms ticks.
// Redis's clock ticks once a second; finer ticks let a cache that turns
// over in seconds still tell its hot keys from the keys written since.
func lruClock() uint32 { return uint32(nowMs() / 10) }

// lruIdleMs is the time since the access clock read at, in milliseconds.
// The clock wraps after 497 days, as Redis's wraps after 194.
func lruIdleMs(at uint32) int64 { return int64(lruClock()-at) * 10 }

// lfuMinutes is Redis's LFUGetTimeInMinutes: the clock in minutes, 16 bits.
func lfuMinutes() uint32 { return uint32(nowMs()/60000) & 0xffff }

// lfuDecr is Redis's LFUDecrAndReturn: the counter of access field f, less
// one for every lfu-decay-time minutes since it was last decremented.
func (s *Server) lfuDecr(f uint32) uint32 {
	ldt, counter := f>>8, f&0xff
	decay := uint32(s.live.lfuDecayTime.Load())
	if decay == 0 {
		return counter
	}
	now := lfuMinutes()
	elapsed := now - ldt
	if now < ldt {
		elapsed = 0xffff - ldt + now
	}
	if periods := elapsed / decay; periods > 0 {
		if periods > counter {
			return 0
		}
		return counter - periods
	}
	return counter
}

// lfuIncr is Redis's LFULogIncr: the counter grows by one with
// probability 1/((counter-lfuInitVal)*lfu-log-factor+1).
func (s *Server) lfuIncr(counter uint32) uint32 {
	if counter == 255 {
		return 255
	}
	base := float64(counter) - lfuInitVal
	if base < 0 {
		base = 0
	}
	if rand.Float64() < 1/(base*float64(s.live.lfuLogFactor.Load())+1) {
		counter++
	}
	return counter
}

// initAccess sets the access field of a new variable: now for LRU, the
// initial counter for LFU (createObject).
func (s *Server) initAccess(v *variable) {
	if s.policy().lfu() {
		v.atime = lfuMinutes()<<8 | lfuInitVal
	} else {
		v.atime = lruClock()
	}
}

// access records a use of v by c's command, as Redis's lookupKey: the
// access clock, or one LFU hit, unless c set CLIENT NO-TOUCH (TOUCH itself
// still counts). The LRU store is skipped within the same tick, so that
// parallel readers of one variable do not fight over its cache line.
// Readers hold only the slot's read lock, so the field is updated
// atomically; two LFU hits at once may count as one, which the counter's
// approximation absorbs.
func (s *Server) access(c *client, v *variable) {
	if c != nil && c.skipAccess {
		return
	}
	if s.policy().lfu() {
		f := atomic.LoadUint32(&v.atime)
		n := lfuMinutes()<<8 | s.lfuIncr(s.lfuDecr(f))
		if n != f {
			atomic.StoreUint32(&v.atime, n)
		}
		return
	}
	if now := lruClock(); atomic.LoadUint32(&v.atime) != now {
		atomic.StoreUint32(&v.atime, now)
	}
}

// evictScore is how good a candidate v is under policy p: the higher, the
// sooner evicted (Redis's idle in evictionPoolPopulate).
func (s *Server) evictScore(p evictPolicy, v *variable, f uint32) uint64 {
	switch {
	case p == volatileTTL:
		return math.MaxUint64 - uint64(v.expireAt)
	case p.lfu():
		return 255 - uint64(s.lfuDecr(f))
	default:
		return uint64(lruClock() - f)
	}
}

// evictPoolSize is Redis's EVPOOL_SIZE.
const evictPoolSize = 16

// poolEntry is one candidate for eviction: its key and database, its score,
// and its access field and expiry as they were when it was sampled, so
// that a key used since is not evicted on an old score.
type poolEntry struct {
	score uint64
	db    int
	f     uint32
	exp   int64
	key   []byte // the entry's own buffer, reused
}

// evictPool is Redis's eviction pool: the best candidates seen, by
// ascending score. mu also makes evictions take turns, which keeps them
// from choosing the same keys.
type evictPool struct {
	mu   sync.Mutex
	ents [evictPoolSize]poolEntry
	n    int
	buf  []byte // the key being evicted
}

// insert adds a candidate unless the pool is full of better ones or
// holds it already.
func (p *evictPool) insert(score uint64, db int, v *variable) {
	if p.n == evictPoolSize && score <= p.ents[0].score {
		return // most samples stop here, before the keys are compared
	}
	key := v.key()
	for i := 0; i < p.n; i++ {
		if e := &p.ents[i]; e.db == db && e.score == score && string(e.key) == string(key) {
			return
		}
	}
	if p.n == evictPoolSize {
		// Drop the worst, keeping its buffer for the new entry.
		spare := p.ents[0].key
		copy(p.ents[:], p.ents[1:])
		p.n--
		p.ents[p.n].key = spare
	}
	i := p.n
	spare := p.ents[i].key
	for i > 0 && p.ents[i-1].score > score {
		p.ents[i] = p.ents[i-1]
		i--
	}
	p.ents[i] = poolEntry{score: score, db: db, f: atomic.LoadUint32(&v.atime), exp: v.expireAt, key: append(spare[:0], key...)}
	p.n++
}

// pop removes the best entry and returns it; its key stays valid until
// the next pop or insert.
func (p *evictPool) pop() poolEntry {
	p.n--
	e := p.ents[p.n]
	p.buf = append(p.buf[:0], e.key...)
	e.key = p.buf
	return e
}

// evictCandidates reports whether database db has keys policy p may evict.
func (s *Server) evictCandidates(p evictPolicy, db int) bool {
	if !s.tab.Allocated(db) {
		return false
	}
	if p.volatile() {
		return s.vols[db].Load() > 0
	}
	return s.keys[db].Load() > 0
}

// sampleSlot calls fn with up to n random keys of slot sh that policy p
// may evict, under the slot's read lock, unless a writer holds it. It
// returns how many it found.
func sampleSlot(sh *shard, p evictPolicy, n int, fn func(v *variable)) int {
	if !sh.TryRLock() {
		return 0
	}
	defer sh.RUnlock()
	t := &sh.Data.t
	if t.Len() == 0 || (p.volatile() && sh.Data.vols == 0) {
		return 0
	}
	n = min(n, t.Len())
	found := 0
	for k := 0; k < 2*n && found < n; k++ {
		v := varOf(t.Random(rand.Uint64()))
		if p.volatile() && v.expireAt == 0 {
			continue
		}
		fn(v)
		found++
	}
	if found == 0 && p.volatile() {
		// A slot of mostly persistent keys: take its first volatile one.
		t.Each(func(r keytab.Rec) bool {
			if v := varOf(r); v.expireAt != 0 {
				fn(v)
				found++
			}
			return found == 0
		})
	}
	return found
}

// sampleDB calls fn with about n keys of db that policy p may evict, from
// random slots, holding one slot's lock at a time. A keyspace of few keys
// (or few volatile ones) leaves most slots empty: when random draws find
// fewer than n, it walks on from a random slot until it has n, so that a
// round weighs as many candidates as maxmemory-samples says, as Redis's
// sampling of the keys (or of the expires) does. With a few random draws
// only, volatile-ttl over 200 volatile keys among 16384 slots saw about
// three keys a round and evicted keys far down the order.
func (s *Server) sampleDB(p evictPolicy, db, n int, fn func(v *variable)) {
	base := db * shardSlots
	found := 0
	for k := 0; k < 4*n && found < n; k++ {
		found += sampleSlot(s.tab.Shard(base+rand.IntN(shardSlots)), p, n-found, fn)
	}
	if found >= n {
		return
	}
	start := rand.IntN(shardSlots)
	for k := 0; k < shardSlots && found < n; k++ {
		found += sampleSlot(s.tab.Shard(base+(start+k)%shardSlots), p, n-found, fn)
	}
}

// evictOne evicts one key under policy p and reports whether it found one.
func (s *Server) evictOne(p evictPolicy) bool {
	ep := &s.evictPool
	ep.mu.Lock()
	defer ep.mu.Unlock()
	dbs := len(s.keys)
	if p.random() {
		// A random key of the first database, from a random one, that has
		// one (Redis goes round the databases in turn).
		start := rand.IntN(dbs)
		for k := 0; k < dbs; k++ {
			db := (start + k) % dbs
			if !s.evictCandidates(p, db) {
				continue
			}
			var pick poolEntry
			got := false
			s.sampleDB(p, db, 1, func(v *variable) {
				pick = poolEntry{db: db, f: atomic.LoadUint32(&v.atime), exp: v.expireAt, key: append(ep.buf[:0], v.key()...)}
				got = true
			})
			if got && s.evictEntry(p, pick, false) {
				return true
			}
		}
		return false
	}
	samples := int(s.live.samples.Load())
	// A round that finds candidates but loses each to a use since it was
	// sampled tries again, a few times.
	for round := 0; round < 4; round++ {
		any := false
		for db := 0; db < dbs; db++ {
			if !s.evictCandidates(p, db) {
				continue
			}
			any = true
			s.sampleDB(p, db, samples, func(v *variable) {
				ep.insert(s.evictScore(p, v, atomic.LoadUint32(&v.atime)), db, v)
			})
		}
		if !any {
			ep.n = 0 // nothing left to evict: forget what the pool held
			return false
		}
		for ep.n > 0 {
			if s.evictEntry(p, ep.pop(), true) {
				return true
			}
		}
	}
	return false
}

// evictEntry deletes the key of e under its slot's lock, unless it has
// gone, or has lost what made it a candidate: its expiry under a volatile
// policy, or, when checkUse, the access field and expiry it was sampled
// with. It frees the value once the lock is released.
func (s *Server) evictEntry(p evictPolicy, e poolEntry, checkUse bool) bool {
	i := s.tab.Index(e.db, e.key)
	sh := s.tab.Shard(i)
	h := keytab.Hash(e.key)
	sh.Lock()
	r := sh.Data.t.Get(h, e.key)
	if r != 0 {
		v := varOf(r)
		if (p.volatile() && v.expireAt == 0) || (checkUse && (atomic.LoadUint32(&v.atime) != e.f || v.expireAt != e.exp)) {
			r = 0
		}
	}
	if r != 0 {
		s.preserve(i, sh)
		sh.Data.t.Delete(h, e.key)
		s.unlinked(e.db, sh, r)
		s.touched(e.db, e.key)
	}
	sh.Unlock()
	if r == 0 {
		return false
	}
	// Freed at once, not by the lazy freer, so that used_memory shows
	// what this eviction freed before the next is chosen (Redis's
	// lazyfree-lazy-eviction no).
	v := varOf(r)
	releaseType(v.tid)
	if v.isTree() {
		v.tree().Release()
	}
	keytab.FreeRecord(r)
	s.evicted.Add(1)
	return true
}

// evictTimeLimit is Redis's evictionTimeLimitUs: how long one command
// evicts before it lets the command run and leaves the rest to the next
// command and the cron.
func (s *Server) evictTimeLimit() time.Duration {
	t := s.live.tenacity.Load()
	switch {
	case t <= 10:
		return time.Duration(50*t) * time.Microsecond
	case t < 100:
		return time.Duration(500*math.Pow(1.15, float64(t-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// evict is Redis's performEvictions: above maxmemory, it evicts keys until
// used_memory is under it again. It reports false when memory is over the
// limit and nothing can be evicted (noeviction, or a volatile policy with
// no key that expires), and true when memory is under the limit or the
// time limit ran out while keys were still being freed. The caller holds
// no slot lock.
func (s *Server) evict(limit int64) bool {
	if s.usedMemory() <= limit {
		return true
	}
	// While the snapshot loads, the loader owns the keyspace, and a CLIENT
	// PAUSE holds the keyspace still: what is over the limit is evicted by
	// the cron once they are over. Until then commands are not refused,
	// even under noeviction (Redis's isSafeToPerformEvictions comes first
	// in performEvictions).
	if s.evictPaused() || s.loading.Load() {
		return true
	}
	p := s.policy()
	if p == noEviction {
		return false
	}
	// At its limit a cache's free pages kept for reuse (offheap's retained
	// pages, up to 20 MiB) are memory that used_memory does not show and
	// RSS does: they go back to the system while it evicts.
	defer offheap.TrimRetained(0)
	var start time.Time
	for n := 0; s.usedMemory() > limit; n++ {
		if !s.evictOne(p) {
			return false
		}
		if n&15 == 0 {
			// Checked every sixteen keys, as Redis does.
			if n == 0 {
				start = time.Now()
			} else if time.Since(start) > s.evictTimeLimit() {
				return true
			}
		}
	}
	return true
}
