package commands

import (
	"fmt"
	"numkv/keytab"
	"numkv/offheap"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"numkv/shardlock"
)

const shardSlots = shardlock.Slots

// persistence holds the save state the INFO persistence section reports.
type persistence struct {
	dirty      atomic.Int64 // changes since the last successful save
	lastSave   atomic.Int64 // unix seconds of the last successful save
	saves      atomic.Int64
	inProgress atomic.Bool
	lastStatus atomic.Bool // true when the last save failed
	lastTry    atomic.Int64
	scheduled  atomic.Bool

	lastBgFailed   atomic.Bool
	lastBgDuration atomic.Int64 // milliseconds; -1 before the first BGSAVE
	bgStart        atomic.Int64 // unix nanoseconds
	lastPauseUs    atomic.Int64

	// The save being written: keys at its cut and keys written so far
	// (current_save_keys_total and _processed); 0 between saves.
	saveKeysTotal     atomic.Int64
	saveKeysProcessed atomic.Int64

	// The last load at start-up: variables loaded, and those dropped
	// because they had expired meanwhile.
	lastLoadLoaded  atomic.Int64
	lastLoadExpired atomic.Int64

	// The snapshot being loaded at start-up, for INFO's loading_* fields.
	loadStart   atomic.Int64 // unix seconds
	loadTotal   atomic.Int64 // bytes, 0 when unknown (a pipe)
	loadedSoFar atomic.Int64
}

// saveRule is one "seconds changes" pair of --save.
type saveRule struct{ secs, changes int64 }

// parseSaveRules parses Redis's save syntax: pairs of integers, or "" for
// none.
func parseSaveRules(s string) ([]saveRule, error) {
	f := strings.Fields(s)
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("commands: invalid save %q: it takes pairs of seconds and changes", s)
	}
	var rules []saveRule
	for i := 0; i < len(f); i += 2 {
		a, err1 := strconv.ParseInt(f[i], 10, 64)
		b, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 != nil || err2 != nil || a < 1 || b < 0 {
			return nil, fmt.Errorf("commands: invalid save %q", s)
		}
		rules = append(rules, saveRule{a, b})
	}
	return rules, nil
}

// usedMemory is Redis's used_memory: the bytes numkv holds for the data,
// counted exactly as the allocator hands them out (keys and their records,
// values, tree nodes, hash tables, a save's copies, what the lazy freer
// has yet to free), and the connections' buffers. The Go runtime's own
// heap (the server's code, its goroutines, transient garbage) is not in
// it; INFO reports it apart.
func (s *Server) usedMemory() int64 {
	return offheap.LiveBytes() + s.clientMem.Load()
}

// cron runs the periodic work: active expiry.
func (s *Server) cron() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			tick()
			s.expireCycle()
			// Pages freed over a second ago and kept for reuse go back to
			// the system, so that RSS follows a FLUSHALL down.
			offheap.TrimRetained(time.Second)
			s.saveCron(now)
		}
	}
}

// expireCycle deletes expired keys in databases that have volatile keys,
// one slot at a time, so an idle expired key does not hold memory forever.
func (s *Server) expireCycle() {
	now := nowMs()
	for db := range s.vols {
		if s.vols[db].Load() == 0 {
			continue
		}
		s.eachShard(db, true, func(sh *shard) bool {
			if sh.Data.vols == 0 {
				return true
			}
			sh.Data.t.Each(func(r keytab.Rec) bool {
				if v := varOf(r); v.expireAt != 0 && v.expireAt <= now {
					s.removeKey(nil, db, v.key())
					s.expired.Add(1)
				}
				return true
			})
			return true
		})
	}
}
