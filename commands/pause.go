package commands

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// pauseType is a CLIENT PAUSE's kind, ordered by how much it holds back,
// as Redis's pause_type.
type pauseType int32

const (
	pauseOff pauseType = iota
	pauseWrite
	pauseAll
)

// pauseState is CLIENT PAUSE: the kind and the end, in Unix milliseconds.
// typ and end are read without mu on every command; mu orders the
// changes, and wake is closed (and replaced) whenever the pause ends or
// loosens, so that postponed clients look again.
type pauseState struct {
	typ  atomic.Int32
	end  atomic.Int64
	mu   sync.Mutex
	wake chan struct{}
}

// pauseClients starts or extends the pause, as Redis's pauseClients: a
// running pause keeps the stricter kind and the later end, so a shorter
// or laxer CLIENT PAUSE does not shorten or loosen it. An end in the past
// (timeout 0, or one that overflowed) ends at once.
func (s *Server) pauseClients(end int64, typ pauseType) {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wake == nil {
		p.wake = make(chan struct{})
	}
	if s.pausedLocked(time.Now().UnixMilli()) != pauseOff {
		typ = max(typ, pauseType(p.typ.Load()))
		end = max(end, p.end.Load())
	}
	p.end.Store(end)
	p.typ.Store(int32(typ))
	s.pausedLocked(time.Now().UnixMilli()) // an end already past lifts it
}

// unpauseClients lifts the pause, waking the postponed clients.
func (s *Server) unpauseClients() {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	s.setPauseOffLocked()
}

func (s *Server) setPauseOffLocked() {
	p := &s.pause
	if pauseType(p.typ.Load()) == pauseOff {
		return
	}
	p.typ.Store(int32(pauseOff))
	p.end.Store(0)
	if p.wake != nil {
		close(p.wake)
	}
	p.wake = make(chan struct{})
}

// pausedLocked is the pause in force at now (ms), lifting one whose end
// has passed, as Redis's checkClientPauseTimeoutAndReturnIfPaused. The
// caller holds s.pause.mu.
func (s *Server) pausedLocked(now int64) pauseType {
	p := &s.pause
	t := pauseType(p.typ.Load())
	if t != pauseOff && p.end.Load() < now {
		s.setPauseOffLocked()
		return pauseOff
	}
	return t
}

// paused is the pause in force now. It costs one atomic load when there
// is none.
func (s *Server) paused() pauseType {
	if pauseType(s.pause.typ.Load()) == pauseOff {
		return pauseOff
	}
	s.pause.mu.Lock()
	defer s.pause.mu.Unlock()
	return s.pausedLocked(time.Now().UnixMilli())
}

// evictPaused reports whether a CLIENT PAUSE holds evictions back: any
// pause does in Redis 7.0 (isSafeToPerformEvictions), so that the data
// set stays still.
func (s *Server) evictPaused() bool { return s.paused() != pauseOff }

// expirePaused reports whether expired keys must stay in place: while a
// pause holds, Redis 7.0 neither deletes them on access (they read as
// missing) nor runs the active expiry cycle.
func (s *Server) expirePaused() bool { return s.paused() != pauseOff }

// postponed reports whether the pause holds cmd back, as the check in
// Redis's processCommand: a pause ALL holds every command, a pause WRITE
// those that may write (EXEC with a queued write among them).
func (s *Server) postponed(c *client, cmd *command, runsQueue bool) bool {
	switch s.paused() {
	case pauseAll:
		return true
	case pauseWrite:
		return cmd.flags&flagWrite != 0 || (runsQueue && c.multi.someQueued(flagWrite, true))
	}
	return false
}

// awaitUnpause flushes c's earlier replies and waits, without polling,
// until the pause ends, loosens, or c is killed; then the command is
// processed again from the start, as Redis re-runs a postponed client's
// command. It reports false when c must close instead.
func (s *Server) awaitUnpause(c *client) bool {
	if c.flush() != nil {
		return false
	}
	c.postponed.Store(true)
	defer c.postponed.Store(false)
	s.blocked.Add(1)
	defer s.blocked.Add(-1)
	for {
		p := &s.pause
		p.mu.Lock()
		t := s.pausedLocked(time.Now().UnixMilli())
		wake, end := p.wake, p.end.Load()
		p.mu.Unlock()
		if t == pauseOff {
			return true
		}
		timer := time.NewTimer(time.Until(time.UnixMilli(min(end, math.MaxInt64-1) + 1)))
		select {
		case <-wake:
			timer.Stop()
			return !c.killed.Load()
		case <-timer.C:
		case <-c.killCh:
			timer.Stop()
			return false
		case <-s.done:
			timer.Stop()
			return false
		}
	}
}
