package commands

import (
	"slices"
	"sync"
	"sync/atomic"
)

// multiState is a connection's open MULTI: the queued commands and whether
// one of them was refused while queueing (EXEC then aborts).
type multiState struct {
	cmds   []queuedCmd
	failed bool
}

type queuedCmd struct {
	cmd  *command
	args [][]byte
}

// queue keeps a copy of args: they alias the read buffer.
func (m *multiState) queue(cmd *command, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	m.cmds = append(m.cmds, queuedCmd{cmd, cp})
}

// WATCH.
//
// The registry maps each watched key to the clients watching it. Every
// change to a key reaches touched (from put, removeKey and modified) with
// the key's slot write-locked; while nobody watches anything that costs one
// atomic load. A client learns it has been dirtied through an atomic flag,
// read by EXEC with the transaction's slots locked, so a change is either
// seen by EXEC or ordered after it.

// watchKey is one key one client watches. expired is Redis's flag for a key
// that was stored but already expired when WATCH ran: its later deletion is
// no change. It is guarded by watchRegistry.mu.
type watchKey struct {
	db      int
	key     string
	c       *client
	expired bool
}

type watchRegistry struct {
	n  atomic.Int64 // watched entries, over all clients
	mu sync.Mutex   // guards m, every watchKey and every client's watched list
	m  []map[string][]*watchKey
}

// touched tells the clients watching key that it changed. The caller holds
// the key's slot lock.
func (s *Server) touched(db int, key []byte) {
	if s.watch.n.Load() == 0 {
		return
	}
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	if s.watch.m == nil || s.watch.m[db] == nil {
		return
	}
	list := s.watch.m[db][string(key)]
	if len(list) == 0 {
		return
	}
	stored := s.lookupAny(nil, db, key) != nil
	for _, wk := range list {
		if wk.expired && !stored {
			// The expired key was deleted: logically nothing changed, and
			// from now on the key counts as missing, not expired.
			wk.expired = false
			continue
		}
		wk.c.dirtyCAS.Store(true)
	}
}

// touchSwap is touchAllWatchedKeysInDb(emptied, replacedWith) for SWAPDB:
// a watched key of db a is dirtied when it exists in a or in b, except that
// an expired key that stays expired, or disappears, is no change. The
// caller holds every slot of both databases.
func (s *Server) touchSwap(a, b int) {
	if s.watch.n.Load() == 0 {
		return
	}
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	if s.watch.m == nil || s.watch.m[a] == nil {
		return
	}
	now := nowMs()
	for key, list := range s.watch.m[a] {
		k := []byte(key)
		inA := s.lookupAny(nil, a, k) != nil
		vb := s.lookupAny(nil, b, k)
		if !inA && vb == nil {
			continue
		}
		expiredInB := vb != nil && vb.expireAt != 0 && vb.expireAt <= now
		for _, wk := range list {
			switch {
			case wk.expired && vb == nil:
				wk.expired = false
				continue
			case wk.expired && expiredInB:
				continue
			case !wk.expired && !inA && expiredInB:
				wk.expired = true
				continue
			}
			wk.c.dirtyCAS.Store(true)
		}
	}
}

// addWatch adds key in c's database to c's watched keys, once. The caller
// holds the key's slot lock.
func (s *Server) addWatch(c *client, key []byte, now int64) {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	for _, wk := range c.watched {
		if wk.db == c.db && wk.key == string(key) {
			return
		}
	}
	if s.watch.m == nil {
		s.watch.m = make([]map[string][]*watchKey, s.cfg.Databases)
	}
	if s.watch.m[c.db] == nil {
		s.watch.m[c.db] = map[string][]*watchKey{}
	}
	v := s.lookupAny(nil, c.db, key)
	wk := &watchKey{db: c.db, key: string(key), c: c, expired: v != nil && v.expireAt != 0 && v.expireAt <= now}
	s.watch.m[c.db][wk.key] = append(s.watch.m[c.db][wk.key], wk)
	c.watched = append(c.watched, wk)
	s.watch.n.Add(1)
}

// unwatchAll forgets every key c watches (Redis's unwatchAllKeys); it
// leaves c's dirty flag alone.
func (c *client) unwatchAll() {
	s := c.s
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	for _, wk := range c.watched {
		m := s.watch.m[wk.db]
		list := slices.DeleteFunc(m[wk.key], func(x *watchKey) bool { return x == wk })
		if len(list) == 0 {
			delete(m, wk.key)
		} else {
			m[wk.key] = list
		}
		s.watch.n.Add(-1)
	}
	c.watched = nil
}

// watchedKeyExpired is isWatchedKeyExpired: a key watched while alive has
// expired since, though no one deleted it yet. The caller holds the slots
// of c's watched keys.
func (s *Server) watchedKeyExpired(c *client) bool {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	now := nowMs()
	for _, wk := range c.watched {
		if wk.expired {
			continue
		}
		v := s.lookupAny(nil, wk.db, []byte(wk.key))
		if v != nil && v.expireAt != 0 && v.expireAt <= now {
			return true
		}
	}
	return false
}

// discardTransaction ends c's transaction and forgets its watched keys, as
// Redis's discardTransaction (also used by EXEC and RESET).
func (c *client) discardTransaction() {
	c.multi = nil
	c.unwatchAll()
	c.dirtyCAS.Store(false)
}
