package commands

import (
	"runtime"
	"sync"
	"sync/atomic"

	"numkv/keytab"
	"numkv/memtree"
)

// lazyFreeMin is the largest tree freed where it is dropped, under the
// slot's lock: 1 MiB, eight leaves, a few microseconds. Larger ones go to
// the lazy freer, as Redis's lazyfree takes values of more than 64
// allocations, so that dropping a 1 GiB variable holds its slot for no
// longer than dropping a small one.
const lazyFreeMin = 1 << 20

// lazyFreer frees, on a goroutine of its own, what the keyspace dropped:
// large trees (dropTree), and whole slot tables that UNLINK-like commands
// (FLUSHALL ASYNC) detached. Until it has, their memory still counts in
// used_memory, and INFO reports lazyfree_pending_objects.
type lazyFreer struct {
	mu      sync.Mutex
	cond    *sync.Cond
	trees   []memtree.Tree
	tables  []*keytab.Table
	pending atomic.Int64 // objects queued or being freed
	freed   atomic.Int64 // objects freed, for INFO's lazyfreed_objects
	stop    bool
	done    chan struct{}
	// gate, when a test sets it before start, holds each round of
	// freeing until the test sends on it.
	gate chan struct{}
}

func (l *lazyFreer) start() {
	l.cond = sync.NewCond(&l.mu)
	l.done = make(chan struct{})
	go l.run()
}

func (l *lazyFreer) add(t memtree.Tree) {
	l.pending.Add(1)
	l.mu.Lock()
	l.trees = append(l.trees, t)
	l.mu.Unlock()
	l.cond.Signal()
}

// addTable queues a slot's table with every record in it.
func (l *lazyFreer) addTable(t *keytab.Table) {
	l.pending.Add(int64(t.Len()))
	l.mu.Lock()
	l.tables = append(l.tables, t)
	l.mu.Unlock()
	l.cond.Signal()
}

func (l *lazyFreer) run() {
	defer close(l.done)
	for {
		l.mu.Lock()
		for len(l.trees) == 0 && len(l.tables) == 0 && !l.stop {
			l.cond.Wait()
		}
		trees, tables, stop := l.trees, l.tables, l.stop
		l.trees, l.tables = nil, nil
		l.mu.Unlock()
		if l.gate != nil && (len(trees) > 0 || len(tables) > 0) {
			<-l.gate
		}
		for i := range trees {
			trees[i].Release()
			l.pending.Add(-1)
			l.freed.Add(1)
		}
		for _, t := range tables {
			n := freeTable(t)
			l.pending.Add(-int64(n))
			l.freed.Add(int64(n))
		}
		if stop && len(trees) == 0 && len(tables) == 0 {
			return
		}
	}
}

// close frees what is queued and stops the goroutine.
func (l *lazyFreer) close() {
	l.mu.Lock()
	l.stop = true
	l.mu.Unlock()
	l.cond.Signal()
	<-l.done
}

// wait returns once everything queued so far is freed (for tests).
func (l *lazyFreer) wait() {
	for l.pending.Load() > 0 {
		runtime.Gosched()
	}
}

// freeTable frees every record of a table nothing else can reach, their
// values with them, and the table, and returns how many records it held.
func freeTable(t *keytab.Table) int {
	n := t.Len()
	t.Each(func(r keytab.Rec) bool {
		v := varOf(r)
		releaseType(v.tid)
		if v.isTree() {
			v.tree().Release()
		}
		keytab.FreeRecord(r)
		return true
	})
	t.Free()
	return n
}
