package commands

import (
	"errors"
	"sync/atomic"
	"time"

	"numkv/keytab"
	"numkv/memtree"
	"numkv/shardlock"
	"numkv/snapshotio"
)

// Persistence. A save writes every variable of every database to one
// snapshot file as it was at one instant, without a fork and without
// stopping clients for longer than it takes to visit every slot once.
//
// This file holds the save: the cut, preserve, the writer, the outcome's
// bookkeeping and the cleanup of temporary files. load.go reads the
// snapshot at start-up; lifecycle.go holds the final save at shutdown and
// the cron, which runs the save rules and scheduled BGSAVEs; cmd_persist.go
// holds SAVE, BGSAVE, LASTSAVE and SHUTDOWN.
//
// The cut takes every slot lock in ascending order, publishes a snapshot
// marker (s.snap) recording that instant, and releases the locks: O(slots),
// whatever the number of keys. (The final save at shutdown keeps them until
// the file is written; a BGSAVE inside EXEC cuts under the transaction's
// locks.) From then on a slot is "preserved" at most
// once, by whoever reaches it first under its lock: a writer about to
// change it (dispatch, EXEC and the slot walkers, active expiry among them,
// call preserve after taking a write lock), or the saver, which visits the
// slots in order. Preserving a slot takes an O(1) copy-on-write clone of
// each of its trees and copies its keys and small values into one buffer,
// so the snapshot sees every slot exactly as it was at the cut: fork-like
// copy-on-write, at the granularity of a slot. The saver writes each slot
// as it goes through snapshotio's WriteFile, a temporary file renamed over
// the snapshot, so a crash leaves the old file or the new one, never a
// mix. The temporary file a crash leaves behind is removed at the next
// start (removeTemps).
//
// One save runs at a time: s.saveMu serializes whole saves (SAVE, BGSAVE
// and the final save), so that two never write the file at once.

// snapItem is one variable as it was at the cut. Its key, and its value
// when inline, are in its slot's blob, one item after the other; a tree
// is a clone, which the saver releases once written.
type snapItem struct {
	keyLen int
	valLen int       // inline value's length; -1 for a tree
	typ    *elemType // held here, so that it outlives the variable's id
	exp    int64
	tree   memtree.Tree
}

// snapState is a save in progress: the instant of its cut, and per slot of
// each database that existed then, whether the slot was preserved and its
// variables as they were. A slot's entry is read and written only under
// that slot's lock (a writer's write lock, or the saver's read lock: the
// saver is the only reader that touches it).
type snapState struct {
	now int64         // the cut's clock, for expiry
	dbs [][]snapShard // nil for a database that did not exist at the cut
}

type snapShard struct {
	done  bool
	items []snapItem
	blob  []byte
}

// cut publishes a snapshot marker at one instant and returns it, the change
// count it covers, and how long it held the slot locks.
func (s *Server) cut() (snap *snapState, dirty int64, pause time.Duration) {
	snap, dirty, pause = s.cutLocked()
	s.tab.UnlockAll()
	return snap, dirty, pause
}

// cutLocked is cut without the final UnlockAll: the caller releases the
// slot locks.
func (s *Server) cutLocked() (snap *snapState, dirty int64, pause time.Duration) {
	snap = &snapState{dbs: make([][]snapShard, s.cfg.Databases)}
	for db := range snap.dbs {
		if s.tab.Allocated(db) {
			snap.dbs[db] = make([]snapShard, shardSlots) // before the pause
		}
	}
	start := time.Now()
	s.tab.LockAll()
	dirty = s.cutHeld(snap)
	return snap, dirty, time.Since(start)
}

// cutHeld marks the cut of snap while the caller holds every slot lock,
// and returns the change count it covers.
func (s *Server) cutHeld(snap *snapState) (dirty int64) {
	if snap.dbs == nil {
		snap.dbs = make([][]snapShard, s.cfg.Databases)
	}
	for db := range snap.dbs {
		if snap.dbs[db] == nil && s.tab.Allocated(db) { // allocated meanwhile
			snap.dbs[db] = make([]snapShard, shardSlots)
		}
	}
	snap.now = tick().UnixMilli()
	s.snap.Store(snap)
	var keys int64
	for db := range snap.dbs {
		keys += s.keys[db].Load()
	}
	s.persist.saveKeysTotal.Store(keys)
	s.persist.saveKeysProcessed.Store(0)
	return s.persist.dirty.Load()
}

// preserve captures slot i as it was at the cut of the save in progress,
// if there is one and nobody has yet. The caller holds slot i's lock: for
// writing, or for reading when it is the saver.
func (s *Server) preserve(i int, sh *shard) {
	snap := s.snap.Load()
	if snap == nil {
		return
	}
	shards := snap.dbs[i/shardSlots]
	if shards == nil {
		return // its database did not exist at the cut: it was empty
	}
	ss := &shards[i%shardSlots]
	if ss.done {
		return
	}
	ss.done = true
	if sh.Data.t.Len() == 0 {
		return
	}
	ss.items = make([]snapItem, 0, sh.Data.t.Len())
	sh.Data.t.Each(func(r keytab.Rec) bool {
		v := varOf(r)
		if v.expireAt != 0 && v.expireAt <= snap.now {
			return true
		}
		key := v.key()
		ss.items = append(ss.items, snapItem{keyLen: len(key), valLen: -1, typ: v.typ(), exp: v.expireAt})
		it := &ss.items[len(ss.items)-1]
		ss.blob = append(ss.blob, key...)
		if v.isTree() {
			v.tree().CloneTo(&it.tree)
		} else {
			it.valLen = v.Len()
			ss.blob = append(ss.blob, v.inline()...)
		}
		return true
	})
}

// preserveSet preserves the slots of a write lock set.
func (s *Server) preserveSet(set shardlock.Set) {
	if s.snap.Load() == nil {
		return
	}
	for _, i := range set {
		s.preserve(i, s.tab.Shard(i))
	}
}

// preserveAll preserves every slot; the caller holds them all.
func (s *Server) preserveAll() {
	if s.snap.Load() != nil {
		s.tab.Each(s.preserve)
	}
}

// snapshotOptions returns the writer options from the configuration.
func (s *Server) snapshotOptions() (snapshotio.Options, error) {
	codec, err := snapshotio.ParseCodec(s.cfg.Compression)
	if err != nil {
		return snapshotio.Options{}, err
	}
	return snapshotio.Options{Codec: codec}, nil
}

// writeSnap writes the save in progress, slot by slot, preserving each
// slot that no writer has, and ends it. locked says the caller holds every
// slot lock already (the final save); otherwise each slot is read-locked
// while it is preserved. It returns the file's size and the keys written.
func (s *Server) writeSnap(snap *snapState, locked bool) (n int64, keys int, err error) {
	defer func() {
		s.snap.Store(nil)
		s.dropSnap(snap, locked)
	}()
	opt, err := s.snapshotOptions()
	if err != nil {
		return 0, 0, err
	}
	n, err = snapshotio.WriteFile(s.cfg.Dir, s.cfg.DBFilename, opt, func(w *snapshotio.Writer) error {
		for db, shards := range snap.dbs {
			for j := range shards {
				i := db*shardSlots + j
				sh := s.tab.Shard(i)
				if !locked {
					sh.RLock()
				}
				s.preserve(i, sh)
				items, blob := shards[j].items, shards[j].blob
				shards[j].items, shards[j].blob = nil, nil // let the clones go as soon as written
				if !locked {
					sh.RUnlock()
				}
				err := writeItems(w, db, items, blob)
				if err != nil {
					return err
				}
				keys += len(items)
				s.persist.saveKeysProcessed.Store(int64(keys))
			}
		}
		return nil
	})
	return n, keys, err
}

// writeItems writes a slot's variables and releases their clones, written
// or not: once released, a variable that shared its nodes with its clone
// owns them alone again and writes them in place, instead of copying each
// 128 KiB leaf on its first write after the save.
func writeItems(w *snapshotio.Writer, db int, items []snapItem, blob []byte) error {
	var err error
	for i := range items {
		it := &items[i]
		key := blob[:it.keyLen]
		blob = blob[it.keyLen:]
		var val []byte
		if it.valLen >= 0 {
			val = blob[:it.valLen]
			blob = blob[it.valLen:]
		}
		if err == nil {
			err = writeRecord(w, db, key, it, val)
		}
		it.tree.Release()
	}
	return err
}

// dropSnap ends a save: it marks every slot preserved, so that no writer
// clones for it any more, and releases the clones of the slots it did not
// write (a save that failed part way). The caller has cleared s.snap.
func (s *Server) dropSnap(snap *snapState, locked bool) {
	for db, shards := range snap.dbs {
		for j := range shards {
			sh := s.tab.Shard(db*shardSlots + j)
			if !locked {
				sh.Lock()
			}
			shards[j].done = true
			items := shards[j].items
			shards[j].items, shards[j].blob = nil, nil
			if !locked {
				sh.Unlock()
			}
			for i := range items {
				items[i].tree.Release()
			}
		}
	}
}

// writeRecord writes one variable: its inline value val, or its tree's
// clone.
func writeRecord(w *snapshotio.Writer, db int, key []byte, it *snapItem, val []byte) error {
	n := len(val)
	if it.valLen < 0 {
		n = it.tree.Len()
	}
	rec := snapshotio.Record{
		DB: db, Key: key, Dtype: it.typ.dt.name, Itemsize: it.typ.dt.size,
		Shape: it.typ.shape, ExpireAtMs: it.exp, Length: int64(n),
	}
	if it.typ.dt.kind == kindOpaque {
		rec.Itemsize = 1
	}
	if err := w.BeginRecord(&rec); err != nil {
		return err
	}
	if it.valLen >= 0 {
		if _, err := w.Write(val); err != nil {
			return err
		}
		return w.EndRecord()
	}
	var werr error
	it.tree.Chunks(0, it.tree.Len(), func(b []byte) bool {
		_, werr = w.Write(b)
		return werr == nil
	})
	if werr != nil {
		return werr
	}
	return w.EndRecord()
}

// errPersistenceOff is save's error under --dbfilename "". SAVE and BGSAVE
// check first and answer msgPersistenceOff.
var errPersistenceOff = errors.New(`commands: persistence is off (--dbfilename "")`)

// save runs one whole save in the calling goroutine.
func (s *Server) save() error {
	if s.cfg.DBFilename == "" {
		return errPersistenceOff
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	snap, dirty, pause := s.cut()
	return s.finishSave(snap, false, dirty, pause, false)
}

// finishSave writes the save whose cut is snap and records the outcome,
// logging it in Redis's words for a SAVE or a background save.
func (s *Server) finishSave(snap *snapState, locked bool, dirty int64, pause time.Duration, background bool) error {
	start := time.Now()
	n, keys, err := s.writeSnap(snap, locked)
	s.persist.saveKeysTotal.Store(0)
	s.persist.saveKeysProcessed.Store(0)
	done, failed := "DB saved on disk", "Error saving DB on disk"
	if background {
		done, failed = "Background saving terminated with success", "Background saving error"
	}
	if err != nil {
		s.log.warn("%s: %v", failed, err)
		s.persist.lastSaveFailed.Store(true)
		return err
	}
	s.persist.dirty.Add(-dirty)
	s.persist.lastSave.Store(time.Now().Unix())
	s.persist.saves.Add(1)
	s.persist.lastSaveFailed.Store(false)
	// Any successful save, SAVE's too, clears rdb_last_bgsave_status, as
	// in Redis.
	s.persist.lastBgFailed.Store(false)
	s.persist.lastPauseUs.Store(pause.Microseconds())
	d := time.Since(start)
	s.log.notice("%s: %d keys, %d bytes written in %v (%.0f MB/s), cut paused writers for %v",
		done, keys, n, d.Round(time.Millisecond), float64(n)/1e6/max(d.Seconds(), 1e-9), pause)
	return nil
}

// bgsave starts a background save. It returns false if one is running.
// held says the caller, an EXEC, holds every slot lock: the cut then
// happens at once, between the transaction's commands, and the save
// writes once the transaction has released the locks. A SAVE running
// elsewhere then counts as a save in progress, since waiting for it while
// holding the slots its writer needs would never end.
func (s *Server) bgsave(held bool) bool {
	if !s.persist.inProgress.CompareAndSwap(false, true) {
		return false
	}
	var snap *snapState
	var dirty int64
	var pause time.Duration
	if held {
		if !s.saveMu.TryLock() {
			s.persist.inProgress.Store(false)
			return false
		}
		start := time.Now()
		snap = &snapState{}
		dirty = s.cutHeld(snap)
		pause = time.Since(start)
	} else {
		// A SAVE holds saveMu for as long as it writes. Waiting for it
		// would stall the cron (expiry, trimming) or the client; Redis,
		// whose SAVE blocks everything, never meets the case. Answer as to
		// a save in progress instead.
		if !s.saveMu.TryLock() {
			s.persist.inProgress.Store(false)
			return false
		}
		snap, dirty, pause = s.cut()
	}
	s.persist.bgStart.Store(time.Now().UnixNano())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.saveMu.Unlock()
		defer s.persist.inProgress.Store(false)
		if err := s.finishSave(snap, false, dirty, pause, true); err != nil {
			s.persist.lastBgFailed.Store(true)
		}
		s.persist.lastBgDuration.Store(time.Since(time.Unix(0, s.persist.bgStart.Load())).Milliseconds())
	}()
	return true
}

// removeTemps removes the temporary snapshots in --dir that scope names
// (see snapshotio.RemoveTemps), and logs each. At start-up, before the
// first save, it removes those of numkv processes that died during a save,
// which a crash loop would otherwise pile up until the disk is full; on an
// exit that cuts a save short, this process's own.
func (s *Server) removeTemps(scope snapshotio.TempScope) {
	removed, err := snapshotio.RemoveTemps(s.cfg.Dir, scope)
	if err != nil {
		return // the load reports a missing directory, a save a bad one
	}
	for _, r := range removed {
		switch {
		case r.Err != nil:
			s.log.warn("Could not remove the stale temporary snapshot %s: %v", r.Path, r.Err)
		case scope == snapshotio.OwnTemps:
			s.log.notice("Removed %s, the unfinished temporary snapshot of this process.", r.Path)
		default:
			s.log.notice("Removed %s, a temporary snapshot of process %d, which is gone.", r.Path, r.PID)
		}
	}
}

// persistence holds the state of saves and loads: what INFO persistence
// reports, and what the cron's save rules go by.
type persistence struct {
	dirty          atomic.Int64 // changes since the last successful save
	lastSave       atomic.Int64 // unix seconds of the last successful save, or of start-up
	saves          atomic.Int64 // successful saves since start-up
	inProgress     atomic.Bool  // a background save runs
	lastSaveFailed atomic.Bool  // true when the last save failed
	lastTry        atomic.Int64 // unix seconds of the cron's last attempt
	scheduled      atomic.Bool  // a BGSAVE SCHEDULE waits for the cron

	lastBgFailed   atomic.Bool  // the last BGSAVE failed, and no save has worked since
	lastBgDuration atomic.Int64 // milliseconds; -1 before the first BGSAVE
	bgStart        atomic.Int64 // unix nanoseconds, of the last BGSAVE's start
	lastPauseUs    atomic.Int64 // how long the last successful save's cut held the slots

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
