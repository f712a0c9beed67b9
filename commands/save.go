package commands

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"numkv/keytab"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"numkv/memtree"
	"numkv/shardlock"
	"numkv/snapshotio"
)

// Persistence. A save captures one point in time without stopping clients
// for longer than it takes to visit every slot once, and without a fork.
//
// The cut takes every slot lock in ascending order, publishes a snapshot
// marker (s.snap) recording that instant, and releases the locks: O(slots),
// whatever the number of keys. From then on a slot is "preserved" at most
// once, by whoever reaches it first under its lock: a writer about to
// change it (dispatch, EXEC and the slot walkers call preserve after taking
// a write lock), or the saver, which visits the slots in order. Preserving
// a slot takes an O(1) copy-on-write Clone of each of its trees and copies
// its keys and small values into one buffer, so the snapshot sees every
// slot exactly as it was at the cut: fork-like copy-on-write, at the
// granularity of a slot. The saver writes each slot
// as it goes through snapshotio's WriteFile, a temporary file renamed over
// the snapshot, so a crash leaves the old file or the new one, never a mix.

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

// saveMu serializes whole saves (SAVE, BGSAVE, shutdown) so that two never
// write the file at once.
var saveMu sync.Mutex

// cut publishes a snapshot marker at one instant and returns how long it
// held the slot locks.
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

// msgPersistenceOff answers SAVE and BGSAVE under --dbfilename "".
const msgPersistenceOff = "ERR persistence is off (--dbfilename \"\")"

// save runs one whole save in the calling goroutine.
func (s *Server) save() error {
	if s.cfg.DBFilename == "" {
		return errors.New("persistence is off (--dbfilename \"\")")
	}
	saveMu.Lock()
	defer saveMu.Unlock()
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
		s.persist.lastStatus.Store(true)
		return err
	}
	s.persist.dirty.Add(-dirty)
	s.persist.lastSave.Store(time.Now().Unix())
	s.persist.saves.Add(1)
	s.persist.lastStatus.Store(false)
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
		if !saveMu.TryLock() {
			s.persist.inProgress.Store(false)
			return false
		}
		start := time.Now()
		snap = &snapState{}
		dirty = s.cutHeld(snap)
		pause = time.Since(start)
	} else {
		saveMu.Lock()
		snap, dirty, pause = s.cut()
	}
	s.persist.bgStart.Store(time.Now().UnixNano())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer saveMu.Unlock()
		defer s.persist.inProgress.Store(false)
		if err := s.finishSave(snap, false, dirty, pause, true); err != nil {
			s.persist.lastBgFailed.Store(true)
		}
		s.persist.lastBgDuration.Store(time.Since(time.Unix(0, s.persist.bgStart.Load())).Milliseconds())
	}()
	return true
}

func cmdSave(s *Server, c *client, args [][]byte) {
	if s.persist.inProgress.Load() {
		c.err(msgBgsaveInProgress)
		return
	}
	if s.cfg.DBFilename == "" {
		c.err(msgPersistenceOff)
		return
	}
	if err := s.save(); err != nil {
		c.err("ERR") // Redis's reply to a failed SAVE; the log says why
		return
	}
	c.ok()
}

func cmdBgsave(s *Server, c *client, args [][]byte) {
	schedule := false
	if len(args) == 2 {
		if strings.ToLower(string(args[1])) != "schedule" {
			c.err(msgSyntax)
			return
		}
		schedule = true
	} else if len(args) > 2 {
		c.err(msgSyntax)
		return
	}
	if s.cfg.DBFilename == "" {
		c.err(msgPersistenceOff)
		return
	}
	if !s.bgsave(c.allLocked) {
		if schedule {
			s.persist.scheduled.Store(true)
			c.simple("Background saving scheduled")
			return
		}
		c.err(msgBgsaveInProgress)
		return
	}
	c.simple("Background saving started")
}

func cmdLastsave(s *Server, c *client, args [][]byte) { c.int(s.persist.lastSave.Load()) }

// cmdShutdown saves (unless NOSAVE) and stops the server. A failed save
// keeps the server running, as in Redis, unless FORCE. NOW has nothing to
// skip: there are no replicas to wait for.
func cmdShutdown(s *Server, c *client, args [][]byte) {
	save, nosave, force := false, false, false
	for _, a := range args[1:] {
		switch strings.ToLower(string(a)) {
		case "save":
			save = true
		case "nosave":
			nosave = true
		case "now":
		case "force":
			force = true
		case "abort":
			c.err("ERR No shutdown in progress.")
			return
		default:
			c.err(msgSyntax)
			return
		}
	}
	if save && nosave {
		c.err(msgSyntax)
		return
	}
	if err := s.shutdown(!nosave, force); err != nil {
		c.err(msgShutdownErr)
		return
	}
	// Like Redis, the client sees the connection close, not a reply.
	c.closeAfterReply = true
}

// shutdown saves when asked and persistence is on, then asks Run to stop.
// If the save fails it returns the error and the server serves on, unless
// force: then it exits anyway, leaving the previous snapshot in place.
//
// While the snapshot is still loading it never saves, whatever it was
// asked, as Redis does: the keyspace is only part of the file, and saving it
// would replace the snapshot with less.
func (s *Server) shutdown(save, force bool) error {
	s.shutdownMu.Lock()
	defer s.shutdownMu.Unlock()
	if s.closing.Load() || s.exitRequested() {
		return nil
	}
	if s.loading.Load() {
		s.log.warn("Shutdown requested while loading the snapshot: exiting without saving.")
		s.exitOnce.Do(func() { close(s.exit) })
		return nil
	}
	if s.persist.inProgress.Load() {
		// Wait for the background save; the final save below supersedes it.
		saveMu.Lock()
		saveMu.Unlock()
	}
	if save && s.cfg.DBFilename != "" {
		s.log.notice("Saving the final snapshot before exiting.")
		if err := s.finalSave(); err != nil {
			if !force {
				s.log.warn("Error trying to save the DB, can't exit.")
				return err
			}
			s.log.warn("Error trying to save the DB. Exit anyway.")
		}
	}
	s.log.notice("numkv is now ready to exit, bye bye...")
	s.exitOnce.Do(func() { close(s.exit) })
	return nil
}

// exitRequested reports whether SHUTDOWN or a signal has asked Run to stop.
func (s *Server) exitRequested() bool {
	select {
	case <-s.exit:
		return true
	default:
		return false
	}
}

// finalSave is the save before exiting. Unlike SAVE, it keeps every slot
// locked from the cut until the file is written, so that no write is
// acknowledged after the cut and then lost at exit: clients wait, as they
// do while Redis's SHUTDOWN saves. On success it closes every connection
// before it releases the locks, so that a command that was waiting for them
// runs with nobody to acknowledge it to. On failure the server serves on.
func (s *Server) finalSave() error {
	saveMu.Lock()
	defer saveMu.Unlock()
	snap, dirty, pause := s.cutLocked()
	defer s.tab.UnlockAll()
	if err := s.finishSave(snap, true, dirty, pause, false); err != nil {
		return err
	}
	s.disconnectAll()
	return nil
}

// disconnectAll stops listening and closes every connection, without the
// rest of Close, which waits for the cron, which may wait for a slot lock.
func (s *Server) disconnectAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ln := range s.listeners {
		ln.Close()
	}
	for _, c := range s.clients {
		c.nc.Close()
	}
}

// handleSignals turns SIGTERM and SIGINT into a shutdown with a save. A
// save that fails leaves the server running, as in Redis; the next signal
// tries again. A SIGINT while that shutdown still runs (a second Ctrl-C
// during a long final save) exits at once without saving, as Redis does:
// the snapshot on disk stays the previous complete one.
func (s *Server) handleSignals(sig <-chan os.Signal) {
	var busy atomic.Bool
	for g := range sig {
		if busy.Load() {
			if g == syscall.SIGINT {
				s.log.warn("You insist... exiting now.")
				s.removeTemps(true)
				s.forceExit(1) // not a clean shutdown
			}
			continue
		}
		s.log.notice("Received %s scheduling shutdown...", signalName(g))
		busy.Store(true)
		go func() {
			defer busy.Store(false)
			s.shutdown(true, false)
		}()
	}
}

// signalName is Redis's name for the shutdown signals.
func signalName(g os.Signal) string {
	switch g {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return g.String()
}

// saveRulesDue reports whether a --save rule asks for a save now.
func (s *Server) saveRulesDue(now time.Time) bool {
	rules, _ := parseSaveRules(s.saveRules())
	dirty := s.persist.dirty.Load()
	since := now.Unix() - s.persist.lastSave.Load()
	if s.persist.lastStatus.Load() && now.Unix()-s.persist.lastTry.Load() < 5 {
		return false // after a failure, retry no sooner than Redis does
	}
	for _, r := range rules {
		if dirty >= r.changes && since >= r.secs && dirty > 0 {
			return true
		}
	}
	return false
}

// saveCron runs the periodic save rules and scheduled BGSAVEs.
func (s *Server) saveCron(now time.Time) {
	if s.cfg.DBFilename == "" || s.loading.Load() || s.persist.inProgress.Load() || s.exitRequested() {
		return
	}
	if s.persist.scheduled.Swap(false) || s.saveRulesDue(now) {
		s.persist.lastTry.Store(now.Unix())
		s.bgsave(false)
	}
}

// errLoadAborted stops a load when SHUTDOWN or a signal asks to exit.
var errLoadAborted = errors.New("commands: loading stopped: shutdown requested")

// load reads the snapshot at start-up into the empty keyspace. A damaged
// file is an error naming the file, offset, record and reason; the caller
// exits without serving anything loaded half-way. A shutdown requested
// meanwhile stops it with errLoadAborted.
func (s *Server) load() error {
	if s.cfg.DBFilename == "" {
		return nil
	}
	s.removeStaleTemps()
	path := filepath.Join(s.cfg.Dir, s.cfg.DBFilename)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		s.log.notice("No snapshot at %s: starting empty.", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening snapshot: %w", err)
	}
	defer f.Close()
	var size int64 // unknown for a pipe
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	start := time.Now()
	s.persist.loadStart.Store(start.Unix())
	s.persist.loadTotal.Store(size)
	pr := &progressReader{loaded: &s.persist.loadedSoFar, r: f, size: size, log: s.log, start: start, next: start.Add(time.Second), stop: s.exit}
	// No buffer of our own: snapshotio buffers small reads and reads large
	// blocks straight into their destination, so a second buffer would only
	// add a copy of every byte.
	rd, err := snapshotio.NewReader(pr, snapshotio.ReaderOptions{Path: path})
	if err != nil {
		return err
	}
	// Two stages on two cores: readSnapshot reads, checks and decodes
	// blocks into a few reused buffers, while this goroutine copies them
	// into the trees, whose fresh memory the kernel must fault in page by
	// page. One after the other, they loaded 1 GiB at half the speed.
	msgs := make(chan loadMsg, loadRing)
	quit := make(chan struct{})
	defer close(quit)
	go readSnapshot(rd, msgs, quit)
	var n, expired int64
	// The record being loaded: its value collects in small until it
	// outgrows an inline value, then in a tree builder.
	var (
		cur      *snapshotio.Record
		tid      uint16
		small    []byte
		b        memtree.Builder
		building bool
	)
	defer b.Discard() // what a failed load built so far
	finish := func() {
		if cur == nil {
			return
		}
		var r keytab.Rec
		var v *variable
		if building {
			r, v = newRecord(cur.Key, tid, -1)
			b.Tree().MoveTo(v.tree())
		} else {
			r, v = newValue(cur.Key, tid, small)
		}
		v.expireAt = cur.ExpireAtMs
		sh := s.tab.Shard(s.tab.Index(cur.DB, cur.Key))
		sh.Lock()
		if v.expireAt == 0 || v.expireAt > time.Now().UnixMilli() {
			s.store(nil, cur.DB, cur.Key, r)
		} else {
			s.freeRec(r)
			expired++
		}
		sh.Unlock()
		cur, small, building = nil, small[:0], false
		n++
	}
	for m := range msgs {
		switch {
		case m.err != nil:
			return m.err
		case m.rec != nil:
			finish()
			rec := m.rec
			typ, err := recordType(rec)
			if err == nil && rec.DB >= s.cfg.Databases {
				err = fmt.Errorf("database %d, but --databases is %d", rec.DB, s.cfg.Databases)
			}
			var ok bool
			if err == nil {
				if tid, ok = internType(typ); !ok {
					err = errors.New("more distinct element types than numkv can hold")
				}
			}
			if err != nil {
				return fmt.Errorf("%s: record %d (key %q) ending at offset %d: %w", path, n, rec.Key, m.off, err)
			}
			cur = rec
		default:
			switch {
			case building:
				b.Write(m.data)
			case len(small)+len(m.data) <= embedMax:
				small = append(small, m.data...)
			default:
				b.Write(small)
				b.Write(m.data)
				building = true
			}
			m.ring <- m.buf
		}
	}
	finish()
	s.persist.dirty.Store(0)
	s.persist.lastLoadLoaded.Store(n - expired)
	s.persist.lastLoadExpired.Store(expired)
	d := time.Since(start)
	s.log.notice("DB loaded from disk: %d keys, %d bytes in %v (%.0f MB/s)", n, rd.Offset(), d.Round(time.Millisecond), float64(rd.Offset())/1e6/max(d.Seconds(), 1e-9))
	return nil
}

// loadRing is how many block buffers the reading stage of load may fill
// ahead of the building stage.
const loadRing = 4

// loadMsg is one step of the snapshot from the reading stage: a record's
// header, a piece of its data in a ring buffer to hand back, or an error.
// The channel closes after the trailer checked out.
type loadMsg struct {
	rec  *snapshotio.Record
	off  int64 // the reader's offset after rec
	data []byte
	buf  []byte
	ring chan []byte
	err  error
}

// readSnapshot is load's reading stage: it reads every record and its
// blocks, each straight into a buffer of the ring (snapshotio decodes a
// whole block into a buffer of the block size), and sends them in order.
// It stops early when quit closes.
func readSnapshot(rd *snapshotio.Reader, out chan<- loadMsg, quit <-chan struct{}) {
	defer close(out)
	ring := make(chan []byte, loadRing)
	for i := 0; i < loadRing; i++ {
		ring <- make([]byte, rd.BlockSize())
	}
	send := func(m loadMsg) bool {
		select {
		case out <- m:
			return true
		case <-quit:
			return false
		}
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			send(loadMsg{err: err})
			return
		}
		if !send(loadMsg{rec: rec, off: rd.Offset()}) {
			return
		}
		for {
			var buf []byte
			select {
			case buf = <-ring:
			case <-quit:
				return
			}
			k, err := rd.Read(buf)
			if err == io.EOF {
				ring <- buf
				break
			}
			if err != nil {
				send(loadMsg{err: err})
				return
			}
			if !send(loadMsg{data: buf[:k], buf: buf, ring: ring}) {
				return
			}
		}
	}
}

// removeStaleTemps deletes the temporary snapshots that dead numkv
// processes left in --dir. A process killed during a save leaves its
// "temp-<pid>-<random>.numkv" (snapshotio.WriteFile's naming), and a crash
// loop would otherwise fill the disk with them. Redis leaves its
// temp-<pid>.rdb files; we do not, since ours can be as large as the data.
// A file whose process is alive is another server's save in progress and
// stays; so does anything not named exactly so, and anything not a regular
// file. Called before the first save, so none of ours is in progress; one
// with our own pid is a previous process's (pids are reused, and are often
// the same in a container).
func (s *Server) removeStaleTemps() { s.removeTemps(false) }

// removeTemps removes temporary snapshots: this process's own if own is
// set, else also those of processes that are gone.
func (s *Server) removeTemps(own bool) {
	ents, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return // the load reports a missing directory, a save a bad one
	}
	for _, e := range ents {
		pid, ok := tempPID(e.Name())
		if !ok || !e.Type().IsRegular() || pid != os.Getpid() && (own || processAlive(pid)) {
			continue
		}
		path := filepath.Join(s.cfg.Dir, e.Name())
		if err := os.Remove(path); err != nil {
			s.log.warn("Could not remove the stale temporary snapshot %s: %v", path, err)
			continue
		}
		if own {
			s.log.notice("Removed %s, the unfinished temporary snapshot of this process.", path)
		} else {
			s.log.notice("Removed %s, a temporary snapshot of process %d, which is gone.", path, pid)
		}
	}
}

// tempPID parses "temp-<pid>-<digits>.numkv", the temporary file name of
// snapshotio.WriteFile.
func tempPID(name string) (int, bool) {
	rest, ok1 := strings.CutPrefix(name, "temp-")
	rest, ok2 := strings.CutSuffix(rest, ".numkv")
	pidText, random, ok3 := strings.Cut(rest, "-")
	if !ok1 || !ok2 || !ok3 || !allDigits(pidText) || !allDigits(random) {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// processAlive reports whether process pid exists. When it cannot tell (no
// permission, or a system without signal 0) it says yes, which keeps the
// file.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// recordType rebuilds a variable's element type from a record.
func recordType(rec *snapshotio.Record) (*elemType, error) {
	dt, ok := parseDtype([]byte(rec.Dtype))
	if !ok {
		return nil, fmt.Errorf("unknown dtype %q", rec.Dtype)
	}
	for _, d := range rec.Shape {
		if d < 1 {
			return nil, fmt.Errorf("invalid shape %v", rec.Shape)
		}
	}
	t := newElemType(dt, rec.Shape)
	if t.size > 0 && rec.Length%int64(t.size) != 0 {
		return nil, fmt.Errorf("length %d is not a multiple of the element size %d", rec.Length, t.size)
	}
	if t.dt.name == dtU8.name && len(t.shape) == 0 {
		return u8Type, nil // plain strings share one type
	}
	return &t, nil
}

// progressReader logs loading progress about once a second, and stops the
// load with errLoadAborted once stop is closed.
type progressReader struct {
	r           io.Reader
	size, done  int64         // size is 0 when unknown
	loaded      *atomic.Int64 // done, for INFO from other goroutines
	log         *logger
	start, next time.Time
	stop        <-chan struct{}
}

func (p *progressReader) Read(b []byte) (int, error) {
	select {
	case <-p.stop:
		return 0, errLoadAborted
	default:
	}
	n, err := p.r.Read(b)
	p.done += int64(n)
	p.loaded.Store(p.done)
	if now := time.Now(); now.After(p.next) {
		p.next = now.Add(time.Second)
		rate := float64(p.done) / 1e6 / now.Sub(p.start).Seconds()
		if p.size > 0 {
			p.log.notice("Loading: %d of %d bytes (%.1f%%), %.0f MB/s", p.done, p.size, 100*float64(p.done)/float64(p.size), rate)
		} else {
			p.log.notice("Loading: %d bytes, %.0f MB/s", p.done, rate)
		}
	}
	return n, err
}

// CheckFile verifies a snapshot file offline, like redis-check-rdb, and
// prints a summary to w. It returns the process exit code.
func CheckFile(path string, w io.Writer) int {
	sum, err := snapshotio.CheckFile(path)
	if err != nil {
		fmt.Fprintf(w, "numkv check: %s: FAILED: %v\n", path, err)
		return 1
	}
	fmt.Fprintf(w, "numkv check: %s: OK\n%s\n", path, sum)
	return 0
}
