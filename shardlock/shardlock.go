// Package shardlock splits a keyspace into Redis Cluster's 16384 hash slots
// per database, each slot guarded by its own RWMutex and holding its own
// data (numkv's: the slot's table of keys).
//
// Slots are numbered globally as db*Slots + HashSlot(key), so one Table serves
// every database and a single ascending order exists across all of them.
//
// # Concurrency contract
//
// A slot's data and everything reachable from it may be read only while
// that slot's read or write lock is held, and changed only under its write
// lock. Code that needs more than one slot must take them through Lock or
// LockAll, which sort and de-duplicate the slots and acquire them in
// ascending order, so two multi-slot callers can never deadlock. Nothing in
// this package blocks on I/O; callers must not either while holding a lock.
//
// # Memory
//
// The shards of a database are one array, allocated on its first use. When
// the data type holds no Go pointers (numkv's does not), the collector never
// scans that array.
package shardlock

import (
	"bytes"
	"slices"
	"sync"
	"sync/atomic"
)

// Slots is the number of hash slots per database, as in Redis Cluster.
const Slots = 16384

// HashSlot returns the Redis Cluster slot of key: CRC16 (XMODEM) of the key,
// or of the part between the first '{' and the next '}' when that part is
// non-empty, modulo 16384.
func HashSlot(key []byte) int {
	if i := bytes.IndexByte(key, '{'); i >= 0 {
		if j := bytes.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return int(crc16(key)) & (Slots - 1)
}

// crc16 is CRC-16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster
// uses for key slots. It takes four bytes a step (slicing by four): a CRC
// is linear, so the four bytes' contributions come from four tables
// looked up independently, instead of one lookup waiting on the last.
func crc16(b []byte) uint16 {
	var crc uint16
	for len(b) >= 4 {
		crc = crc16tab[3][byte(crc>>8)^b[0]] ^ crc16tab[2][byte(crc)^b[1]] ^
			crc16tab[1][b[2]] ^ crc16tab[0][b[3]]
		b = b[4:]
	}
	for _, c := range b {
		crc = crc<<8 ^ crc16tab[0][byte(crc>>8)^c]
	}
	return crc
}

// crc16tab[0] is the classic table: the CRC of one byte. crc16tab[k] is
// that CRC carried through k more zero bytes.
var crc16tab = func() (t [4][256]uint16) {
	for i := range t[0] {
		c := uint16(i) << 8
		for j := 0; j < 8; j++ {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[0][i] = c
	}
	for k := 1; k < 4; k++ {
		for i := range t[k] {
			c := t[k-1][i]
			t[k][i] = c<<8 ^ t[0][byte(c>>8)]
		}
	}
	return t
}()

// Shard is one slot: its lock and its data, zero until first used.
type Shard[V any] struct {
	sync.RWMutex
	Data V
}

// Table holds dbs*Slots shards. A database's shards are allocated on first
// use, so that whole-keyspace work (the snapshot cut above all) only pays
// for the databases that have ever been touched.
type Table[V any] struct {
	grow sync.Mutex // guards allocation of databases; LockAll holds it
	dbs  []atomic.Pointer[[Slots]Shard[V]]
}

// New returns a table for dbs databases.
func New[V any](dbs int) *Table[V] {
	return &Table[V]{dbs: make([]atomic.Pointer[[Slots]Shard[V]], dbs)}
}

// Index returns the global shard index of key in database db.
func (t *Table[V]) Index(db int, key []byte) int { return db*Slots + HashSlot(key) }

// Shard returns shard i, allocating its database on first use. Its fields
// may be used only under its lock.
func (t *Table[V]) Shard(i int) *Shard[V] {
	p := t.dbs[i/Slots].Load()
	if p == nil {
		p = t.alloc(i / Slots)
	}
	return &p[i%Slots]
}

func (t *Table[V]) alloc(db int) *[Slots]Shard[V] {
	t.grow.Lock()
	defer t.grow.Unlock()
	if p := t.dbs[db].Load(); p != nil {
		return p
	}
	p := new([Slots]Shard[V])
	t.dbs[db].Store(p)
	return p
}

// Allocated reports whether database db has ever been used. A database that
// has not holds no keys.
func (t *Table[V]) Allocated(db int) bool { return t.dbs[db].Load() != nil }

// Len returns the number of shards.
func (t *Table[V]) Len() int { return len(t.dbs) * Slots }

// Set is a sorted, de-duplicated set of shard indexes, locked together.
type Set []int

// NewSet sorts and de-duplicates idx in place and returns it as a Set.
func NewSet(idx []int) Set {
	slices.Sort(idx)
	return Set(slices.Compact(idx))
}

// Lock takes the shards of s in ascending order, for writing when write is
// true and for reading otherwise.
func (t *Table[V]) Lock(s Set, write bool) {
	// Allocate every database of s before taking any slot: allocation takes
	// the mutex LockAll holds while it waits for slots, so allocating with a
	// slot already held (a set spanning two databases) could deadlock.
	for _, i := range s {
		if t.dbs[i/Slots].Load() == nil {
			t.alloc(i / Slots)
		}
	}
	for _, i := range s {
		if write {
			t.Shard(i).Lock()
		} else {
			t.Shard(i).RLock()
		}
	}
}

// Unlock releases what Lock took.
func (t *Table[V]) Unlock(s Set, write bool) {
	for k := len(s) - 1; k >= 0; k-- {
		if write {
			t.Shard(s[k]).Unlock()
		} else {
			t.Shard(s[k]).RUnlock()
		}
	}
}

// LockAll takes every shard of every allocated database for writing, in
// ascending order, and stops new databases from being allocated until
// UnlockAll. It is for the rare whole-keyspace operations (the snapshot cut,
// SWAPDB); it waits for every in-flight command to leave its shard.
func (t *Table[V]) LockAll() {
	t.grow.Lock()
	for db := range t.dbs {
		if p := t.dbs[db].Load(); p != nil {
			for i := range p {
				p[i].Lock()
			}
		}
	}
}

// UnlockAll releases what LockAll took.
func (t *Table[V]) UnlockAll() {
	for db := len(t.dbs) - 1; db >= 0; db-- {
		if p := t.dbs[db].Load(); p != nil {
			for i := len(p) - 1; i >= 0; i-- {
				p[i].Unlock()
			}
		}
	}
	t.grow.Unlock()
}

// Each calls fn with every shard of every allocated database, in ascending
// order, taking no locks: the caller holds LockAll.
func (t *Table[V]) Each(fn func(i int, sh *Shard[V])) {
	for db := range t.dbs {
		if p := t.dbs[db].Load(); p != nil {
			for i := range p {
				fn(db*Slots+i, &p[i])
			}
		}
	}
}
