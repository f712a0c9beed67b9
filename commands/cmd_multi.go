package commands

import (
	"fmt"
	"strings"

	"numkv/shardlock"
)

func cmdMulti(s *Server, c *client, args [][]byte) {
	if c.multi != nil {
		c.err(msgMultiNested)
		return
	}
	c.multi = &multiState{}
	c.ok()
}

func cmdDiscard(s *Server, c *client, args [][]byte) {
	if c.multi == nil {
		c.err(msgDiscardNoMulti)
		return
	}
	c.discardTransaction()
	c.ok()
}

func cmdWatch(s *Server, c *client, args [][]byte) {
	if c.multi != nil {
		c.err(msgWatchInMulti)
		return
	}
	if !c.dirtyCAS.Load() { // no point watching once dirty
		now := nowMs()
		for _, k := range args[1:] {
			s.addWatch(c, k, now)
		}
	}
	c.ok()
}

func cmdUnwatch(s *Server, c *client, args [][]byte) {
	c.unwatchAll()
	c.dirtyCAS.Store(false)
	c.ok()
}

// execLocks is the lock plan of a transaction: the union of the slots its
// commands name, computed as each would be with the database SELECTs
// before it leave current, plus the slots of the watched keys; write when
// any command writes. all is set when a command walks the keyspace or
// takes every slot lock itself (flagWalks, flagLocksAll): then EXEC takes
// every slot, after making sure every database the queue can reach exists
// (LockAll cannot allocate one).
func (s *Server) execLocks(c *client) (set shardlock.Set, write, all bool) {
	var idx []int
	saved := c.db
	dbs := map[int]bool{c.db: true}
	for _, q := range c.multi.cmds {
		if q.cmd.flags&flagWrite != 0 {
			write = true
		}
		if q.cmd.flags&(flagWalks|flagLocksAll) != 0 {
			all = true
		}
		idx = s.keySlots(c, q.cmd, q.args, idx)
		if q.cmd.flags&flagSelectsDB != 0 {
			if db, ok := s.dbIndex(q.args[1]); ok {
				c.db = db
				dbs[db] = true
			}
		}
	}
	c.db = saved
	s.watch.mu.Lock()
	for _, wk := range c.watched {
		idx = append(idx, s.tab.Index(wk.db, []byte(wk.key)))
	}
	s.watch.mu.Unlock()
	if all {
		for _, i := range idx {
			dbs[i/shardSlots] = true
		}
		for db := range dbs {
			s.tab.Shard(db * shardSlots) // allocate before LockAll
		}
		return nil, true, true
	}
	return shardlock.NewSet(idx), write, false
}

func (s *Server) execLock(c *client, set shardlock.Set, write, all bool) {
	if all {
		s.tab.LockAll()
		s.preserveAll()
		c.allLocked = true
		return
	}
	s.tab.Lock(set, write)
	if write {
		s.preserveSet(set)
	}
}

func (s *Server) execUnlock(c *client, set shardlock.Set, write, all bool) {
	if all {
		c.allLocked = false
		s.tab.UnlockAll()
		return
	}
	s.tab.Unlock(set, write)
}

// cmdExec runs the queue atomically: it takes the slots of every queued
// command (and of the watched keys) at once, in ascending order, checks
// WATCH with them held, and runs the handlers without locking again.
// Replies go to the output buffer; nothing is written to the network until
// the locks are released.
func cmdExec(s *Server, c *client, args [][]byte) {
	m := c.multi
	if m == nil {
		c.err(msgExecNoMulti)
		return
	}
	if m.failed {
		c.err(msgExecAbort)
		c.discardTransaction()
		return
	}
	set, write, all := s.execLocks(c)
	s.execLock(c, set, write, all)
	locked := true
	defer func() {
		c.inExec = false
		if locked {
			s.execUnlock(c, set, write, all)
		}
	}()
	if s.cl != nil {
		// Cluster mode: every queued command's slot must still be this
		// node's, decided under the locks; else EXEC answers the
		// redirection and drops the transaction, as Redis's does.
		for _, q := range m.cmds {
			if msg := s.lockedRedirection(c, q.cmd, q.args, s.keySlots(c, q.cmd, q.args, nil)); msg != "" {
				c.err(msg)
				c.discardTransaction()
				return
			}
		}
	}
	if c.dirtyCAS.Load() || s.watchedKeyExpired(c) {
		c.nullArray()
		c.discardTransaction()
		return
	}
	c.unwatchAll()
	c.multi = nil // queued commands now run instead of queueing
	c.array(len(m.cmds))
	cut := false
	for _, q := range m.cmds {
		if cut && q.cmd.flags&flagWrite != 0 {
			// A BGSAVE earlier in the queue cut a save: the slots locked
			// above were not preserved for it, so each later write
			// preserves its own, as dispatch does outside EXEC.
			if q.cmd.flags&flagWalks != 0 {
				s.preserveAll()
			} else {
				s.preserveSet(shardlock.NewSet(s.keySlots(c, q.cmd, q.args, nil)))
			}
		}
		c.inExec = true
		mark, mode := c.w.Mark(), c.reply
		s.run(c, q.cmd, q.args)
		if mode == replyOff && c.reply == replyOff {
			c.w.Rewind(mark) // CLIENT REPLY OFF in the queue silences what follows it, as in Redis; SKIP waits for EXEC's end
		}
		c.inExec = false
		cut = cut || q.cmd.flags&flagLocksAll != 0
	}
	c.dirtyCAS.Store(false)
}

// execAbort answers an EXEC that dispatch refused (NOAUTH, OOM, LOADING),
// as Redis's execCommandAbort: the transaction is dropped.
func (c *client) execAbort(msg string) {
	c.discardTransaction()
	// Redis quotes the error as it was built: errors with their own code
	// (NOAUTH, OOM, LOADING) keep it, formatted ones have no "ERR ".
	c.err(fmt.Sprintf(msgExecAbortBecause, strings.TrimPrefix(msg, "ERR ")))
}
