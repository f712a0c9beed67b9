package commands

import (
	"sync/atomic"
	"time"
)

// lockHeldMax, when a test or benchmark sets it, receives the longest time
// a command held its slot locks (the handler's run under run's lock). It
// is how the promise that long reads and reductions do not stall writers
// is measured in-process: a client's latency on a 2-core machine would
// measure the scheduler instead.
var lockHeldMax atomic.Pointer[atomic.Int64]

func lockHeldStart() time.Time {
	if lockHeldMax.Load() == nil {
		return time.Time{}
	}
	return time.Now()
}

func lockHeldEnd(start time.Time) {
	m := lockHeldMax.Load()
	if m == nil || start.IsZero() {
		return
	}
	d := int64(time.Since(start))
	for {
		cur := m.Load()
		if d <= cur || m.CompareAndSwap(cur, d) {
			return
		}
	}
}

// measureLockHeld starts recording the longest lock hold and returns a
// function that stops and returns it.
func measureLockHeld() func() time.Duration {
	m := new(atomic.Int64)
	lockHeldMax.Store(m)
	return func() time.Duration {
		lockHeldMax.Store(nil)
		return time.Duration(m.Load())
	}
}
