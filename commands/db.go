package commands

import (
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
type slotData struct {
	t    keytab.Table
	vols int
}

type shard = shardlock.Shard[slotData]

func nowMs() int64 { return time.Now().UnixMilli() }

// loc returns the shard of key in db and its hash in the slot's table.
func (s *Server) loc(db int, key []byte) (*shard, uint64) {
	return s.tab.Shard(s.tab.Index(db, key)), keytab.Hash(key)
}

// lookup returns the live variable at key in db, or nil. An expired key is
// reported missing; it is deleted when write is true (the caller holds the
// write lock), and otherwise left for a writer or the expiry cycle.
func (s *Server) lookup(db int, key []byte, write bool) *variable {
	sh, h := s.loc(db, key)
	r := sh.Data.t.Get(h, key)
	if r == 0 {
		return nil
	}
	v := varOf(r)
	if v.expireAt != 0 && v.expireAt <= nowMs() {
		if write {
			s.removeKey(db, key)
			s.expired.Add(1)
		}
		return nil
	}
	if write {
		access(v)
	}
	return v
}

// lookupAny returns the variable at key even when it has expired (MEMORY
// USAGE, WATCH), or nil.
func (s *Server) lookupAny(db int, key []byte) *variable {
	sh, h := s.loc(db, key)
	if r := sh.Data.t.Get(h, key); r != 0 {
		return varOf(r)
	}
	return nil
}

// lookupRead is lookup for read commands, counting keyspace hits and misses
// and recording the access for OBJECT IDLETIME.
func (s *Server) lookupRead(c *client, key []byte) *variable {
	v := s.lookup(c.db, key, false)
	if v == nil {
		s.misses.Add(1)
	} else {
		s.hits.Add(1)
		access(v)
	}
	return v
}

// store puts record r at its key in db, replacing and freeing whatever was
// there, and returns its variable.
func (s *Server) store(db int, r keytab.Rec) *variable {
	v := varOf(r)
	key := v.key()
	sh, h := s.loc(db, key)
	if old := sh.Data.t.Set(h, r); old != 0 {
		s.unlinked(db, sh, old)
		s.freeRec(old)
	}
	s.keys[db].Add(1)
	if v.expireAt != 0 {
		sh.Data.vols++
		s.vols[db].Add(1)
	}
	s.touched(db, key)
	return v
}

// putValue stores a copy of b at key as a variable of type tid (whose
// reference the new record takes over), replacing what was there.
func (s *Server) putValue(db int, key []byte, tid uint16, b []byte) *variable {
	r, _ := newValue(key, tid, b)
	return s.store(db, r)
}

// putString stores a copy of b at key as a plain Redis string.
func (s *Server) putString(db int, key, b []byte) *variable {
	return s.putValue(db, key, 0, b)
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
func (s *Server) removeKey(db int, key []byte) bool {
	r := s.detach(db, key)
	s.freeRec(r)
	return r != 0
}

// detach deletes key and returns its record, which the caller now owns, or
// 0.
func (s *Server) detach(db int, key []byte) keytab.Rec {
	sh, h := s.loc(db, key)
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
func (s *Server) moveKey(srcDB int, src []byte, dstDB int, dst []byte) *variable {
	old := s.detach(srcDB, src)
	ov := varOf(old)
	r := keytab.NewRecord(dst, int(ov.vcap))
	v := varOf(r)
	// The metadata and the value area move as bytes: a tree moves with
	// its reference, the type with its count.
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&v.expireAt)), 16+int(ov.vcap)), unsafe.Slice((*byte)(unsafe.Pointer(&ov.expireAt)), 16+int(ov.vcap)))
	keytab.FreeRecord(old)
	return s.store(dstDB, r)
}

// copyKey stores at dst in dstDB a copy of the variable v: O(1) for a tree,
// which the copy shares copy-on-write.
func (s *Server) copyKey(v *variable, dstDB int, dst []byte) *variable {
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
	return s.store(dstDB, r)
}

// setExpire changes v's expiry, keeping the volatile-key counts right.
func (s *Server) setExpire(db int, v *variable, at int64) {
	if (v.expireAt != 0) != (at != 0) {
		sh := s.tab.Shard(s.tab.Index(db, v.key()))
		if at != 0 {
			sh.Data.vols++
			s.vols[db].Add(1)
		} else {
			sh.Data.vols--
			s.vols[db].Add(-1)
		}
	}
	v.expireAt = at
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
