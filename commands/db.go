package commands

import (
	"time"

	"numkv/shardlock"
)

// Keyspace access. Every function here expects the caller to hold the lock
// of the key's slot: dispatch takes it from the command table's key
// positions. Keys are copied into the map, never aliased.

func nowMs() int64 { return time.Now().UnixMilli() }

// lookup returns the live variable at key in db, or nil. An expired key is
// reported missing; it is deleted when write is true (the caller holds the
// write lock), and otherwise left for a writer or the expiry cycle.
func (s *Server) lookup(db int, key []byte, write bool) *variable {
	sh := s.tab.Shard(s.tab.Index(db, key))
	v := sh.M[string(key)]
	if v == nil {
		return nil
	}
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

// access records a use of v for OBJECT IDLETIME, as Redis's LRU clock does,
// at one-second resolution. The store is skipped within the same second so
// that parallel readers of one variable do not fight over its cache line.
func access(v *variable) {
	now := time.Now().Unix()
	if v.atime.Load() != now {
		v.atime.Store(now)
	}
}

// put stores v at key, replacing and freeing whatever was there.
func (s *Server) put(db int, key []byte, v *variable) {
	sh := s.tab.Shard(s.tab.Index(db, key))
	if sh.M == nil {
		sh.M = make(map[string]*variable)
	}
	old, had := sh.M[string(key)]
	sh.M[string(key)] = v
	if !had {
		s.keys[db].Add(1)
	} else {
		if old.expireAt != 0 {
			s.vols[db].Add(-1)
		}
		if old != v {
			old.tree.Release()
		}
	}
	if v.expireAt != 0 {
		s.vols[db].Add(1)
	}
	s.touched(db, key)
}

// removeKey deletes key, frees its value, and reports whether it existed
// (expired or not).
func (s *Server) removeKey(db int, key []byte) bool {
	v := s.detachKey(db, key)
	if v == nil {
		return false
	}
	v.tree.Release()
	return true
}

// detachKey deletes key and returns its variable, which the caller now
// owns (to put under another name, or to free), or nil.
func (s *Server) detachKey(db int, key []byte) *variable {
	sh := s.tab.Shard(s.tab.Index(db, key))
	v, ok := sh.M[string(key)]
	if !ok {
		return nil
	}
	delete(sh.M, string(key))
	s.keys[db].Add(-1)
	if v.expireAt != 0 {
		s.vols[db].Add(-1)
	}
	s.touched(db, key)
	return v
}

// setExpire changes v's expiry, keeping the volatile-key count right.
func (s *Server) setExpire(db int, v *variable, at int64) {
	if (v.expireAt != 0) != (at != 0) {
		if at != 0 {
			s.vols[db].Add(1)
		} else {
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

// eachShard calls fn for every slot of db in turn, each under its own lock;
// it never holds two. It is for commands over the whole keyspace.
func (s *Server) eachShard(db int, write bool, fn func(m map[string]*variable) bool) {
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
		if len(sh.M) > 0 {
			cont = fn(sh.M)
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
func (s *Server) lockShard(c *client, sh *shardlock.Shard[*variable], write bool) {
	switch {
	case c != nil && c.allLocked:
	case write:
		sh.Lock()
	default:
		sh.RLock()
	}
}

func (s *Server) unlockShard(c *client, sh *shardlock.Shard[*variable], write bool) {
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
func (s *Server) walk(c *client, db int, write bool, fn func(m map[string]*variable) bool) {
	if !c.allLocked {
		s.eachShard(db, write, fn)
		return
	}
	if !s.tab.Allocated(db) {
		return
	}
	for i := db * shardSlots; i < (db+1)*shardSlots; i++ {
		if m := s.tab.Shard(i).M; len(m) > 0 && !fn(m) {
			return
		}
	}
}
