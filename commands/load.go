package commands

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"numkv/keytab"
	"numkv/memtree"
	"numkv/snapshotio"
)

// errLoadAborted stops a load when SHUTDOWN or a signal asks to exit.
var errLoadAborted = errors.New("commands: loading stopped: shutdown requested")

// load reads the snapshot at start-up into the empty keyspace, after
// removing the temporary files of saves whose process died. A damaged file
// is an error naming the file, offset, record and reason; the caller exits
// without serving anything loaded half-way. A shutdown requested meanwhile
// stops it with errLoadAborted. With persistence off it does nothing.
func (s *Server) load() error {
	if s.cfg.DBFilename == "" {
		return nil
	}
	s.removeTemps(snapshotio.StaleTemps)
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
