package commands

import (
	"bytes"
	"fmt"
	"numkv/resp"
	"numkv/shardlock"
	"sync/atomic"
)

// call runs one command through Redis 7.0's processCommand checks, in its
// order: existence, arity, authentication, no_multi, memory, a failed
// background save (MISCONF), loading; then
// queues it inside MULTI or runs it. A refused command marks an open
// transaction failed, and a refused EXEC aborts it.
//
// A command a CLIENT PAUSE holds back waits, after the replies before it
// are flushed, and then goes through every check again, as Redis re-runs
// a postponed client's command.
func (s *Server) call(c *client, args [][]byte) {
	s.cmdsTotal.Add(1)
	for s.process(c, args) {
		if !s.awaitUnpause(c) {
			c.closeAfterReply = true
			return
		}
		c.clock = 0 // the wait is not the command's time
	}
}

// process is one pass of call's checks. It reports true, having written
// nothing, when a pause postpones the command.
func (s *Server) process(c *client, args [][]byte) (postponed bool) {
	m, start := c.w.Mark(), c.reply
	asking := c.asking
	defer func() {
		if !postponed {
			c.settleReply(m, start)
			// ASKING lasts one command (outside MULTI), as in Redis's call.
			if asking && c.multi == nil {
				c.asking = false
			}
		}
	}()
	c.memo = keyMemo{} // it lives for one command: the next one's arguments may reuse the buffer
	if equalFold(args[0], "host:") || equalFold(args[0], "post") {
		// Redis's securityWarningCommand: an HTTP request sent to the port
		// (cross-protocol scripting) gets no reply, only a closed connection.
		s.log.warn("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.")
		c.closeAfterReply = true
		return false
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		c.lastCmd.Store(nil)
		c.reject(nil, unknownCommandText(args))
		return false
	}
	if len(cmd.sub) > 0 && len(args) >= 2 {
		sub := cmd.subcommand(args[1])
		if sub == nil {
			c.lastCmd.Store(nil)
			c.reject(nil, fmt.Sprintf(msgUnknownSubcommand, cString(args[1], 128), upper(args[0])))
			return false
		}
		cmd = sub
	}
	c.lastCmd.Store(cmd)
	if (cmd.arity > 0 && len(args) != cmd.arity) || len(args) < -cmd.arity {
		c.reject(cmd, fmt.Sprintf(msgWrongArgs, cmd.fullName))
		return false
	}
	if !c.authed && cmd.flags&flagNoAuth == 0 && s.requirePass() != "" {
		c.reject(cmd, msgNoAuth)
		return false
	}
	if c.multi != nil && cmd.flags&flagNoMulti != 0 {
		c.reject(cmd, msgNotInMulti)
		return false
	}
	if s.cl != nil {
		// Cluster mode: a key of a slot served elsewhere is MOVED there
		// (Redis checks this before maxmemory, too).
		if msg := s.redirection(c, cmd, args); msg != "" {
			c.reject(cmd, msg)
			return false
		}
	}
	// EXEC in a transaction answers for its queue as well.
	runsQueue := c.multi != nil && cmd.flags&flagRunsQueue != 0
	if maxMem := s.maxMemory(); maxMem > 0 {
		// Above maxmemory every command first evicts what the policy
		// allows, before it takes its own slot locks (evict.go); one that
		// may use memory is refused if that could not get under it.
		oom := !s.evict(maxMem)
		deny := cmd.flags&flagDenyOOM != 0 || (runsQueue && c.multi.someQueued(flagDenyOOM, true))
		if c.multi != nil && cmd.flags&flagEndsMulti == 0 {
			deny = true // queueing itself costs memory
		}
		if deny && oom {
			c.reject(cmd, msgOOM)
			return false
		}
	}
	if s.writesDenied() {
		write := cmd.flags&flagWrite != 0 || (runsQueue && c.multi.someQueued(flagWrite, true))
		if write || cmd.flags&flagHealthCheck != 0 {
			c.reject(cmd, msgMisconf)
			return false
		}
	}
	if s.loading.Load() && (cmd.flags&flagLoading == 0 || (runsQueue && c.multi.someQueued(flagLoading, false))) {
		c.reject(cmd, msgLoading)
		return false
	}
	if s.postponed(c, cmd, runsQueue) {
		return true
	}
	if c.multi != nil && cmd.flags&flagNotQueued == 0 {
		c.multi.queue(cmd, args)
		c.queued()
		return false
	}
	s.run(c, cmd, args)
	return false
}

// settleReply applies CLIENT REPLY once a command has run, as the end of
// Redis's call does. A command that began with replies off or skipped
// has what it wrote since m dropped, unless it turned them back on (CLIENT
// REPLY ON replies OK); a SKIP asked for by this command applies to the
// next one. Inside EXEC, exec applies OFF to each queued command itself,
// so that EXEC's reply keeps what was written while replies were on, and
// a SKIP in the queue skips the command after EXEC, as in Redis.
func (c *client) settleReply(m resp.Mark, start replyMode) {
	if start == replyOn && c.reply == replyOn {
		return
	}
	if (start == replyOff || start == replySkip) && c.reply != replyOn {
		c.w.Rewind(m)
	}
	switch c.reply {
	case replySkip:
		c.reply = replyOn
	case replySkipNext:
		c.reply = replySkip
	}
}

// someQueued reports whether a queued command has flag f (want true) or
// lacks it (want false).
func (m *multiState) someQueued(f cmdFlag, want bool) bool {
	for _, q := range m.cmds {
		if (q.cmd.flags&f != 0) == want {
			return true
		}
	}
	return false
}

// reject answers a command dispatch refuses, as Redis's rejectCommand.
func (c *client) reject(cmd *command, msg string) {
	if c.multi != nil {
		c.multi.failed = true
	}
	if cmd != nil {
		c.s.stats[cmd.id].rejected.Add(1)
	}
	if cmd != nil && cmd.flags&flagRunsQueue != 0 {
		c.execAbort(msg)
	} else {
		c.err(msg)
	}
	c.errMark = c.errs
}

// run takes the command's slot locks and calls its handler, recovering a
// panic into an error reply so that one bad request cannot take the server
// down. Inside EXEC the transaction holds the locks already.
//
// A handler with long work to do on a value (a large NUM.READ, a
// NUM.REDUCE) clones the value under the lock, in O(1), and leaves the
// work to c.unlocked: run calls it once the locks are released, so that
// writers to the slot are not held up for the whole pass. Inside EXEC it
// runs at once, under the transaction's locks.
func (s *Server) run(c *client, cmd *command, args [][]byte) {
	start := c.clockStart()
	defer func() {
		if r := recover(); r != nil {
			c.unlocked = nil
			s.log.warn("panic in %s: %v", cmd.fullName, r)
			c.err(fmt.Sprintf(msgInternal, cmd.fullName, r))
		}
		s.recordCall(c, cmd, start)
	}()
	// CLIENT NO-TOUCH: the command's reads leave access times alone,
	// unless it is TOUCH.
	c.skipAccess = c.noTouch && cmd.flags&flagTouch == 0
	if c.inExec {
		cmd.handler(s, c, args)
		s.runUnlocked(c)
		return
	}
	set := s.lockSet(c, cmd, args)
	write := cmd.flags&flagWrite != 0
	s.tab.Lock(set, write)
	if s.cl != nil {
		if msg := s.lockedRedirection(c, cmd, args, c.idx); msg != "" {
			s.tab.Unlock(set, write)
			c.reject(cmd, msg)
			return
		}
	}
	if write {
		s.preserveSet(set)
	}
	held := lockHeldStart()
	func() {
		defer s.tab.Unlock(set, write)
		defer lockHeldEnd(held)
		cmd.handler(s, c, args)
	}()
	s.runUnlocked(c)
}

// runUnlocked runs the work a handler left for after its locks.
func (s *Server) runUnlocked(c *client) {
	if fn := c.unlocked; fn != nil {
		c.unlocked = nil
		if hook := testHookUnlocked.Load(); hook != nil {
			(*hook)()
		}
		fn()
	}
}

// testHookUnlocked, when a test sets it, runs before a handler's work
// after the locks, so that the test can pause it there.
var testHookUnlocked atomic.Pointer[func()]

// lockSet returns the sorted shard indexes a command's keys live in.
func (s *Server) lockSet(c *client, cmd *command, args [][]byte) shardlock.Set {
	c.idx = s.keySlots(c, cmd, args, c.idx[:0])
	return shardlock.NewSet(c.idx)
}

// keySlots appends the shard indexes of a command's keys in c's database:
// its keys function, or the table's key positions.
func (s *Server) keySlots(c *client, cmd *command, args [][]byte, idx []int) []int {
	if cmd.keys != nil {
		return cmd.keys(s, c, args, idx)
	}
	if cmd.first > 0 {
		last := cmd.last
		if last < 0 {
			last += len(args)
		}
		for i := cmd.first; i <= last && i < len(args); i += cmd.step {
			slot := s.tab.Index(c.db, args[i])
			if i == cmd.first {
				c.memoSlot(c.db, args[i], slot)
			}
			idx = append(idx, slot)
		}
	}
	return idx
}

// writesDenied reports whether writes must fail with MISCONF, as Redis's
// writeCommandsDeniedByDiskError: the last background save failed, save
// rules are set, and stop-writes-on-bgsave-error is on. Any save that
// succeeds lifts it. The common case costs one atomic load.
func (s *Server) writesDenied() bool {
	if !s.persist.lastBgFailed.Load() || !s.live.stopWrites.Load() {
		return false
	}
	rules, _ := parseSaveRules(s.saveRules())
	return len(rules) > 0
}

// cString is what C's "%.Ns" prints of b: up to the first NUL byte, at
// most n bytes (Go's precision counts runes, not bytes).
func cString(b []byte, n int) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) > n {
		b = b[:n]
	}
	return b
}

// unknownCommandText builds Redis's unknown-command error: the name cut at
// 128 bytes, then each argument quoted and followed by a space, while the
// list is shorter than 128 bytes, each cut to what is left of those 128.
func unknownCommandText(args [][]byte) string {
	var list []byte
	for _, a := range args[1:] {
		if len(list) >= 128 {
			break
		}
		room := 128 - len(list)
		list = append(list, '\'')
		list = append(list, cString(a, room)...)
		list = append(list, '\'', ' ')
	}
	return fmt.Sprintf(msgUnknownCommand, cString(args[0], 128), list)
}
