package commands

import (
	"sync/atomic"
	"time"
	"unsafe"

	"numkv/keytab"
	"numkv/memtree"
	"numkv/shardlock"
)

// Keyspace access. Every function here expects the caller to hold the lock
// of the key's slot: dispatch takes it from the command table's key
// positions. Keys are copied into their records, never aliased.

// slotData is one hash slot's keys: a table of records, which holds no Go
// pointers (so the collector never scans the shard array), and how many of
// its keys have an expiry, so that the expiry cycle can skip the slot.
//
// With the slot's lock it fills one 64-byte cache line exactly (a test
// checks), so that locking a slot and finding its table costs one cache
// miss, not two for a shard straddling lines.
type slotData struct {
	t    keytab.Table
	vols int32
	_    [12]byte
}

type shard = shardlock.Shard[slotData]

// clock is the time commands see, in unix milliseconds. Each connection
// reads the system clock once per batch of pipelined commands (tick), not
// once per command, as Redis caches its own per command call; the cron
// ticks it too, so that it never lags more than a batch or 100 ms. Time
// is one for the whole process, so it is a package variable.
var clock atomic.Int64

func init() { tick() }

// tick reads the system clock into clock and returns it.
func tick() time.Time {
	now := time.Now()
	if ms := now.UnixMilli(); clock.Load() != ms {
		clock.Store(ms)
	}
	return now
}

// nowMs returns the clock: the time of the batch being run.
func nowMs() int64 { return clock.Load() }

// keyMemo remembers where the last key a client located lives, so that a
// command hashes its key once: dispatch finds the key's slot for the lock,
// and the handler's lookups and stores reuse it. The key is recognised by
// its address and length: the argument itself, as the reader parsed it,
// which no handler changes. It is cleared before every command, since the
// next command's arguments may sit at the same addresses.
type keyMemo struct {
	key    *byte
	n, db  int
	slot   int
	h      uint64
	hashed bool
}

// memoSlot records the slot dispatch found for the key argument key.
func (c *client) memoSlot(db int, key []byte, slot int) {
	c.memo = keyMemo{key: unsafe.SliceData(key), n: len(key), db: db, slot: slot}
}

// loc returns the shard of key in db and its hash in the slot's table,
// from c's memo when it is the key c located last (c may be nil).
func (s *Server) loc(c *client, db int, key []byte) (*shard, uint64) {
	if c == nil {
		return s.tab.Shard(s.tab.Index(db, key)), keytab.Hash(key)
	}
	m := &c.memo
	if m.key != unsafe.SliceData(key) || m.n != len(key) || m.db != db || len(key) == 0 {
		*m = keyMemo{key: unsafe.SliceData(key), n: len(key), db: db, slot: s.tab.Index(db, key)}
	}
	if !m.hashed {
		m.h, m.hashed = keytab.Hash(key), true
	}
	return s.tab.Shard(m.slot), m.h
}

// lookup returns the live variable at key in db, or nil. An expired key is
// reported missing; it is deleted when write is true (the caller holds the
// write lock), and otherwise left for a writer or the expiry cycle.
func (s *Server) lookup(c *client, db int, key []byte, write bool) *variable {
	sh, h := s.loc(c, db, key)
	r := sh.Data.t.Get(h, key)
	if r == 0 {
		return nil
	}
	v := varOf(r)
	if v.expireAt != 0 && v.expireAt <= nowMs() {
		if write && !s.expirePaused() {
			s.removeKey(c, db, key)
			s.expired.Add(1)
		}
		return nil
	}
	if write {
		s.access(c, v)
	}
	return v
}

// lookupAny returns the variable at key even when it has expired (MEMORY
// USAGE, WATCH), or nil.
func (s *Server) lookupAny(c *client, db int, key []byte) *variable {
	sh, h := s.loc(c, db, key)
	if r := sh.Data.t.Get(h, key); r != 0 {
		return varOf(r)
	}
	return nil
}

// lookupRead is lookup for read commands, counting keyspace hits and misses
// and recording the access for OBJECT IDLETIME.
func (s *Server) lookupRead(c *client, key []byte) *variable {
	v := s.lookup(c, c.db, key, false)
	if v == nil {
		s.misses.Add(1)
	} else {
		s.hits.Add(1)
		s.access(c, v)
	}
	return v
}

// store puts record r, whose key is key, in db, replacing and freeing
// whatever was there, and returns its variable.
func (s *Server) store(c *client, db int, key []byte, r keytab.Rec) *variable {
	v := s.storeUnsignalled(c, db, key, r)
	s.touched(db, key)
	return v
}

// storeUnsignalled is store without telling WATCH: Redis's dbAdd, for a
// command that signals the key only if it then changes it (BITFIELD).
func (s *Server) storeUnsignalled(c *client, db int, key []byte, r keytab.Rec) *variable {
	v := varOf(r)
	sh, h := s.loc(c, db, key)
	old := sh.Data.t.Set(h, r)
	if old != 0 && s.policy().lfu() {
		// An overwrite keeps the key's LFU counter, as Redis's
		// dbSetValue does.
		v.atime = varOf(old).atime
	} else {
		s.initAccess(v)
	}
	if old != 0 {
		s.unlinked(db, sh, old)
		s.freeRec(old)
	}
	s.keys[db].Add(1)
	if v.expireAt != 0 {
		sh.Data.vols++
		s.vols[db].Add(1)
	}
	return v
}

// putValue stores a copy of b at key as a variable of type tid (whose
// reference the new record takes over), replacing what was there.
func (s *Server) putValue(c *client, db int, key []byte, tid uint16, b []byte) *variable {
	r, _ := newValue(key, tid, b)
	return s.store(c, db, key, r)
}

// setString stores a copy of b at key as a plain Redis string expiring at
// exp (0: never), replacing old, the key's live variable or nil, and
// returns the variable. When old is an inline value whose area fits b with
// little to spare, it is rewritten where it is: a SET over a small string
// then allocates and frees nothing and touches the table once.
func (s *Server) setString(c *client, db int, key []byte, old *variable, b []byte, exp int64) *variable {
	if old != nil && !old.isTree() && len(b) <= int(old.vcap) && int(old.vcap)-len(b) < 32 {
		releaseType(old.tid)
		old.tid, old.flags = 0, 0
		old.pad = uint8(int(old.vcap) - len(b))
		copy(old.inline(), b)
		if !s.policy().lfu() {
			atomic.StoreUint32(&old.atime, lruClock()) // a new value, as Redis's new object
		}
		s.setExpire(c, db, key, old, exp)
		s.touched(db, key)
		return old
	}
	r, v := newValue(key, 0, b)
	v.expireAt = exp
	return s.store(c, db, key, r)
}

// putString stores a copy of b at key as a plain Redis string.
func (s *Server) putString(c *client, db int, key, b []byte) *variable {
	return s.putValue(c, db, key, 0, b)
}

// unlinked updates the counts for record r, which has just left db's slot
// sh.
func (s *Server) unlinked(db int, sh *shard, r keytab.Rec) {
	s.keys[db].Add(-1)
	if varOf(r).expireAt != 0 {
		sh.Data.vols--
		s.vols[db].Add(-1)
	}
}

// removeKey deletes key, frees its value, and reports whether it existed
// (expired or not).
func (s *Server) removeKey(c *client, db int, key []byte) bool {
	r := s.detach(c, db, key)
	s.freeRec(r)
	return r != 0
}

// detach deletes key and returns its record, which the caller now owns, or
// 0.
func (s *Server) detach(c *client, db int, key []byte) keytab.Rec {
	sh, h := s.loc(c, db, key)
	r := sh.Data.t.Delete(h, key)
	if r == 0 {
		return 0
	}
	s.unlinked(db, sh, r)
	s.touched(db, key)
	return r
}

// freeRec frees a record that is in no table: its type reference, its
// tree (a large one in the background, so that the slot's lock is not
// held while it is walked) and the record itself.
func (s *Server) freeRec(r keytab.Rec) {
	if r == 0 {
		return
	}
	v := varOf(r)
	releaseType(v.tid)
	if v.isTree() {
		s.dropTree(v.tree())
	}
	keytab.FreeRecord(r)
}

// moveKey gives the variable at src in srcDB the name dst in dstDB,
// replacing what was there, without copying its value. src must exist.
func (s *Server) moveKey(c *client, srcDB int, src []byte, dstDB int, dst []byte) *variable {
	old := s.detach(c, srcDB, src)
	ov := varOf(old)
	r := keytab.NewRecord(dst, int(ov.vcap))
	v := varOf(r)
	// The metadata and the value area move as bytes: a tree moves with
	// its reference, the type with its count.
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&v.expireAt)), 16+int(ov.vcap)), unsafe.Slice((*byte)(unsafe.Pointer(&ov.expireAt)), 16+int(ov.vcap)))
	keytab.FreeRecord(old)
	at := v.atime
	v = s.store(c, dstDB, dst, r)
	v.atime = at // the value keeps its access field, as in Redis
	return v
}

// copyKey stores at dst in dstDB a copy of the variable v: O(1) for a tree,
// which the copy shares copy-on-write.
func (s *Server) copyKey(c *client, v *variable, dstDB int, dst []byte) *variable {
	retainType(v.tid)
	var nv *variable
	var r keytab.Rec
	if v.isTree() {
		r, nv = newRecord(dst, v.tid, -1)
		v.tree().CloneTo(nv.tree())
	} else {
		r, nv = newValue(dst, v.tid, v.inline())
	}
	nv.expireAt = v.expireAt
	nv.flags = nv.flags&^encMask | v.flags&encMask
	return s.store(c, dstDB, dst, r)
}

// modified records a change to key for WATCH and the save rules.
func (s *Server) modified(db int, key []byte, n int64) {
	s.persist.dirty.Add(n)
	s.touched(db, key)
}

// dropTree releases a tree taken out of the keyspace. A small one is freed
// at once; a larger one, whose walk would hold the caller's slot lock for
// long, goes to the lazy freer.
func (s *Server) dropTree(t *memtree.Tree) {
	if t.Len() <= lazyFreeMin {
		t.Release()
		return
	}
	var x memtree.Tree
	t.MoveTo(&x)
	s.lazy.add(x)
}

// eachShard calls fn for every slot of db in turn, each under its own lock;
// it never holds two. It is for commands over the whole keyspace.
func (s *Server) eachShard(db int, write bool, fn func(sh *shard) bool) {
	if !s.tab.Allocated(db) {
		return // a database never used holds no keys
	}
	base := db * shardSlots
	for i := base; i < base+shardSlots; i++ {
		sh := s.tab.Shard(i)
		if write {
			sh.Lock()
			s.preserve(i, sh)
		} else {
			sh.RLock()
		}
		cont := true
		if sh.Data.t.Len() > 0 {
			cont = fn(sh)
		}
		if write {
			sh.Unlock()
		} else {
			sh.RUnlock()
		}
		if !cont {
			return
		}
	}
}

// lockShard and unlockShard take one slot's lock for a handler that walks
// the keyspace itself, unless EXEC already holds every slot for it
// (c.allLocked), since a lock is not re-entrant.
func (s *Server) lockShard(c *client, sh *shard, write bool) {
	switch {
	case c != nil && c.allLocked:
	case write:
		sh.Lock()
	default:
		sh.RLock()
	}
}

func (s *Server) unlockShard(c *client, sh *shard, write bool) {
	switch {
	case c != nil && c.allLocked:
	case write:
		sh.Unlock()
	default:
		sh.RUnlock()
	}
}

// walk is eachShard for handlers: it visits db's slots in order, each under
// its own lock unless EXEC holds them all already.
func (s *Server) walk(c *client, db int, write bool, fn func(sh *shard) bool) {
	if !c.allLocked {
		s.eachShard(db, write, fn)
		return
	}
	if !s.tab.Allocated(db) {
		return
	}
	for i := db * shardSlots; i < (db+1)*shardSlots; i++ {
		if sh := s.tab.Shard(i); sh.Data.t.Len() > 0 && !fn(sh) {
			return
		}
	}
}

const shardSlots = shardlock.Slots
