package keytab

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"sync/atomic"
	"unsafe"

	"numkv/offheap"
)

var seed = maphash.MakeSeed()

// Hash returns the hash of key that every Table call takes: hash/maphash
// with a random seed chosen once per process.
func Hash(key []byte) uint64 { return maphash.Bytes(seed, key) }

// keyHash is the hash a table computes itself: to find the home of an entry
// in a table of more than 2^tagHomeBits entries, and to check the caller's
// hashes in the invariants build. Tests put their own hash here, one that
// collides on purpose.
var keyHash = Hash

// tagHomeBits is how many bits of home position an entry's tag holds: in a
// table of up to 2^tagHomeBits entries the entry alone gives its home. It
// is the tag's width; tests lower it to reach the path of larger tables.
var tagHomeBits = uint8(tagBits)

const (
	refBits  = 44 // offheap.MaxRef is 1<<refBits
	tagBits  = 64 - refBits
	refMask  = 1<<refBits - 1
	minBits  = 3  // the first array: 8 entries
	maxBits  = 32 // the counts are uint32
	entBytes = 8
)

// Table is a hash table of records, keyed by their keys. The zero value is
// an empty table. It holds no Go pointers, and must not be copied.
type Table struct {
	ents      offheap.Ref // the array of 1<<bits entries; 0 when bits == 0
	n         uint32      // records held
	walkers   atomic.Int32
	bits      uint8 // log2 of the array's length
	shrinkDue bool  // a deletion during Each left the table under 1/8 full
}

func (t *Table) entries() []uint64 { return entries(t.ents, t.bits) }

func entries(r offheap.Ref, bits uint8) []uint64 {
	return unsafe.Slice((*uint64)(r.Pointer()), 1<<bits)
}

func tag(h uint64) uint64 { return h &^ refMask }

// home returns the position of entry e in an array of 1<<bits entries.
func home(e uint64, bits uint8) uint64 {
	if bits <= tagHomeBits {
		return e >> (64 - bits)
	}
	return keyHash(Rec(e&refMask).Key()) >> (64 - bits)
}

// Len returns the number of records in the table.
func (t *Table) Len() int { return int(t.n) }

// Bytes returns the bytes of the table's array, as the allocator counts
// them.
func (t *Table) Bytes() int {
	if t.ents == 0 {
		return 0
	}
	return offheap.SizeOf(entBytes << t.bits)
}

// Get returns the record whose key is key, or 0. h must be Hash(key).
func (t *Table) Get(h uint64, key []byte) Rec {
	if t.n == 0 {
		return 0
	}
	_, r := t.find(h, key)
	return r
}

// find returns the position of key's entry and its record, or the empty
// entry where its probe ended and 0. The table must have an array.
func (t *Table) find(h uint64, key []byte) (uint64, Rec) {
	if offheap.Invariants && keyHash(key) != h {
		panic(fmt.Sprintf("keytab: hash %#x is not the key's", h))
	}
	ents := t.entries()
	mask := uint64(len(ents) - 1)
	tg := tag(h)
	for i := h >> (64 - t.bits); ; i = (i + 1) & mask {
		e := ents[i]
		if e == 0 {
			return i, 0
		}
		if tag(e) == tg {
			if r := Rec(e & refMask); bytes.Equal(r.Key(), key) {
				return i, r
			}
		}
	}
}

// Insert adds r, whose key must not be in the table yet; h must be the
// hash of r's key. It panics if called during Each.
func (t *Table) Insert(h uint64, r Rec) {
	if t.walkers.Load() != 0 {
		panic("keytab: Insert during Each")
	}
	if offheap.Invariants {
		if t.n > 0 {
			if _, old := t.find(h, r.Key()); old != 0 {
				panic("keytab: Insert of a key already in the table")
			}
		} else if keyHash(r.Key()) != h {
			panic(fmt.Sprintf("keytab: hash %#x is not the key's", h))
		}
	}
	if uint64(t.n+1)*5 > uint64(4)<<t.bits {
		if t.bits == maxBits {
			panic("keytab: table full")
		}
		t.resize(max(minBits, t.bits+1))
	}
	ents := t.entries()
	mask := uint64(len(ents) - 1)
	i := h >> (64 - t.bits)
	for ents[i] != 0 {
		i = (i + 1) & mask
	}
	ents[i] = tag(h) | uint64(r)
	t.n++
}

// Set puts r in place of the record with the same key and returns that
// record, or, when there is none, inserts r and returns 0. h must be the
// hash of r's key. During Each, fn may Set a replacement for the record it
// was given; Set panics if it would insert.
func (t *Table) Set(h uint64, r Rec) (old Rec) {
	if t.n > 0 {
		i, old := t.find(h, r.Key())
		if old != 0 {
			t.entries()[i] = tag(h) | uint64(r)
			return old
		}
	}
	t.Insert(h, r)
	return 0
}

// Delete removes the record whose key is key and returns it, or returns 0
// if there is none. It does not free the record. h must be Hash(key).
func (t *Table) Delete(h uint64, key []byte) Rec {
	if t.n == 0 {
		return 0
	}
	i, r := t.find(h, key)
	if r == 0 {
		return 0
	}
	// Backward shift: walk the run after the hole, and move into the hole
	// each entry whose home is not between the hole and the entry (the
	// hole lies on its probe path), which leaves a new hole behind.
	ents := t.entries()
	mask := uint64(len(ents) - 1)
	for j := (i + 1) & mask; ents[j] != 0; j = (j + 1) & mask {
		if (j-home(ents[j], t.bits))&mask >= (j-i)&mask {
			ents[i] = ents[j]
			i = j
		}
	}
	ents[i] = 0
	t.n--
	if (t.n == 0 || uint64(t.n)*8 < 1<<t.bits && t.bits > minBits) && t.walkers.Load() != 0 {
		t.shrinkDue = true
	} else {
		t.fit()
	}
	return r
}

// resize moves every entry into a new array of 1<<bits entries.
func (t *Table) resize(bits uint8) {
	nr, _ := offheap.AllocRef(offheap.Table, entBytes<<bits)
	ne := entries(nr, bits)
	clear(ne)
	mask := uint64(len(ne) - 1)
	if t.ents != 0 {
		for _, e := range t.entries() {
			if e == 0 {
				continue
			}
			i := home(e, bits)
			for ne[i] != 0 {
				i = (i + 1) & mask
			}
			ne[i] = e
		}
		offheap.FreeRef(offheap.Table, t.ents)
	}
	t.ents, t.bits = nr, bits
}

// fit frees an empty table's array, so that a slot whose last key goes
// holds nothing, and halves any other table until it is at least 1/8 full
// or of 8 entries.
func (t *Table) fit() {
	if t.n == 0 {
		t.Free()
		return
	}
	b := t.bits
	for b > minBits && uint64(t.n)*8 < 1<<b {
		b--
	}
	if b != t.bits {
		t.resize(b)
	}
}

// Each calls fn on every record of the table once, in no particular order,
// until fn returns false. fn may Delete the record it was given, or Set a
// replacement for it; Each then needs the table exclusively. It must make
// no other change to the table. An fn that changes nothing may run in
// many Each at once, with Get and Random.
//
// Each walks the array backwards from just below an empty entry e, to just
// above it. Deleting the entry at i, the one being visited, shifts back
// only entries of the run that follows i, up to its first empty entry.
// That run ends at e at the latest (e stays empty: a shift only writes
// into holes, and leaves its last hole empty), so the entries shifted lie
// between i and e, where the walk has already been, and they move to
// positions between i and e too: none is visited twice, and none that is
// still to come moves. A table left under 1/8 full shrinks when the walk
// ends, not during it.
func (t *Table) Each(fn func(r Rec) bool) {
	if t.n == 0 {
		return
	}
	t.walkers.Add(1)
	defer t.endWalk()
	ents := t.entries()
	mask := uint64(len(ents) - 1)
	e := uint64(0)
	for ents[e] != 0 {
		e++
	}
	for k := mask; k > 0; k-- {
		if x := ents[(e+k)&mask]; x != 0 && !fn(Rec(x&refMask)) {
			return
		}
	}
}

func (t *Table) endWalk() {
	if t.walkers.Add(-1) == 0 && t.shrinkDue {
		t.shrinkDue = false
		t.fit()
	}
}

// Random returns a record chosen from x, a random number, or 0 if the table
// is empty. Every record is about as likely.
func (t *Table) Random(x uint64) Rec {
	if t.n == 0 {
		return 0
	}
	ents := t.entries()
	// Positions drawn at random until one holds an entry: uniform, and
	// quick since a table is at least 1/8 full but for the smallest or
	// during Each. After that many misses, the next entry from the last
	// position drawn.
	var i uint64
	for k := 0; k < 64; k++ {
		x = mix(x)
		i = x >> (64 - t.bits)
		if e := ents[i]; e != 0 {
			return Rec(e & refMask)
		}
	}
	mask := uint64(len(ents) - 1)
	for ents[i] == 0 {
		i = (i + 1) & mask
	}
	return Rec(ents[i] & refMask)
}

// mix is splitmix64's step: consecutive calls give independent numbers.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Free frees the table's array, not its records, and leaves the table
// empty.
func (t *Table) Free() {
	offheap.FreeRef(offheap.Table, t.ents)
	t.ents, t.n, t.bits, t.shrinkDue = 0, 0, 0, false
}

// check verifies every invariant of the table and returns the first one
// broken: each entry's tag is its key's, no empty entry lies between an
// entry and its home, no key is held twice, the count is right and the
// load within bounds. Tests call it after every step.
func (t *Table) check() error {
	if t.ents == 0 {
		if t.n != 0 || t.bits != 0 {
			return fmt.Errorf("keytab: check: no array, but %d records and %d bits", t.n, t.bits)
		}
		return nil
	}
	if t.bits < minBits || t.bits > maxBits {
		return fmt.Errorf("keytab: check: array of 2^%d entries", t.bits)
	}
	ents := t.entries()
	mask := uint64(len(ents) - 1)
	n := 0
	seen := map[uint64][]Rec{} // by Hash, since keyHash may collide on purpose
	for i, e := range ents {
		if e == 0 {
			continue
		}
		n++
		r := Rec(e & refMask)
		key := r.Key()
		hk := Hash(key)
		for _, o := range seen[hk] {
			if bytes.Equal(o.Key(), key) {
				return fmt.Errorf("keytab: check: key %q held twice", key)
			}
		}
		seen[hk] = append(seen[hk], r)
		h := keyHash(key)
		if tag(e) != tag(h) {
			return fmt.Errorf("keytab: check: entry %d has tag %#x, its key %#x", i, tag(e), tag(h))
		}
		hm := h >> (64 - t.bits)
		if home(e, t.bits) != hm {
			return fmt.Errorf("keytab: check: entry %d: home %d from the entry, %d from the key", i, home(e, t.bits), hm)
		}
		for j := hm; j != uint64(i); j = (j + 1) & mask {
			if ents[j] == 0 {
				return fmt.Errorf("keytab: check: entry %d unreachable from its home %d: %d is empty", i, hm, j)
			}
		}
	}
	if n != int(t.n) {
		return fmt.Errorf("keytab: check: %d entries, count %d", n, t.n)
	}
	size := len(ents)
	if n*5 > size*4 {
		return fmt.Errorf("keytab: check: %d entries in %d, over 0.8", n, size)
	}
	if size > 1<<minBits && n*8 < size && t.walkers.Load() == 0 && !t.shrinkDue {
		return fmt.Errorf("keytab: check: %d entries in %d, under 1/8", n, size)
	}
	if t.walkers.Load() == 0 && t.shrinkDue {
		return errors.New("keytab: check: a shrink left due after Each")
	}
	return nil
}

// MoveTo hands t's array and records to dst, which must be empty, and
// leaves t empty: how a slot's keys move to another slot (SWAPDB) or to a
// freer, in O(1). Neither table may be walked meanwhile.
func (t *Table) MoveTo(dst *Table) {
	if t.walkers.Load() != 0 || dst.walkers.Load() != 0 || dst.n != 0 || dst.ents != 0 {
		panic("keytab: MoveTo during Each, or to a table that is not empty")
	}
	dst.ents, dst.n, dst.bits, dst.shrinkDue = t.ents, t.n, t.bits, t.shrinkDue
	t.ents, t.n, t.bits, t.shrinkDue = 0, 0, 0, false
}
