// Package keytab holds numkv's keyspace outside the Go heap: one
// open-addressing hash table of key records per hash slot. In Go maps, a
// million keys made the collector scan every key, map entry and variable
// on every cycle, and cost 2.2 times Redis's memory per small key. A
// table's array and its records are offheap blocks that hold no Go
// pointers, so the collector never looks at them.
//
// # Records
//
// A record is one offheap block (purpose offheap.Record) holding one key,
// 16 bytes of metadata and a value area, both the caller's:
//
//	0        4        8                  24                   24+vcap
//	+--------+--------+------------------+--------------------+----------------+
//	| keylen | vcap   | meta             | value              | key            |
//	| uint32 | uint32 | [16]byte         | [vcap]byte         | [keylen]byte   |
//	+--------+--------+------------------+--------------------+----------------+
//
// keylen and vcap are in the machine's byte order. vcap is a multiple of 8,
// so the value area is whole words, and the value starts 8-aligned (blocks
// are 16-aligned), so that the caller can keep a fixed struct there or an
// inline small value. The caller keeps what it likes in meta (numkv keeps
// the expiry, access clock, type and flags); NewRecord zeroes it. Keys are
// anything Redis allows: empty, binary, up to 4 GiB. The layout never
// leaves the process (snapshots store keys by content), so it is not a file
// format and may change.
//
// # Tables
//
// A Table is linear probing over an array of uint64 entries, with
// backward-shift deletion, so there are no tombstones. An entry names a
// record by its Ref and carries the top 20 bits of its key's hash:
//
//	63            44 43                                        0
//	+---------------+-------------------------------------------+
//	| hash >> 44    | record Ref (offheap.MaxRef = 2^44)        |
//	+---------------+-------------------------------------------+
//	0 is the empty entry (no record has Ref 0).
//
// A key's home position is the top log2(size) bits of its hash. The tag
// thus holds the home of every entry in a table of up to 2^20 entries, so
// growing, shrinking and the shifts of a deletion place entries without
// touching their records or hashing again. Only a table of more entries
// (over 838,860 keys in one slot, which takes hash tags piling keys into
// it) rehashes the keys of the entries it moves. A lookup compares tags
// before keys: an entry of another home never matches, and among those of
// the same home the 20-log2(size) bits left tell keys apart; in a table of
// 128 entries (64 keys, what a slot holds with a million keys) another
// key of the same home matches the tag, and costs a record read, once in
// 8192.
//
// The load stays at most 0.8: a table doubles when an insertion would pass
// it, and halves when under 1/8 full (never below 8 entries, the first
// array). While a table grows, between loads 0.4 (just doubled) and 0.8,
// its array costs 10 to 20 bytes per key, and a probe sequence stays in a
// cache line or two: linear probing expects (1+1/(1-a)^2)/2 probes for a
// miss at load a, 13 at 0.8 but 50 at 0.9, and tags reject nearly all of
// them without a record read. A table shrunk by half is under 1/4 full,
// far from growing again, so insertions and deletions around one size
// never resize over and over.
//
// # Hashing
//
// Hash is hash/maphash with one random seed per process: fast, and a
// client cannot choose keys that collide. The caller hashes a key once per
// command and passes the hash to every call; hashes differ between runs
// and must never be stored outside the process.
//
// # Concurrency
//
// The caller, numkv, guards each slot's Table with the slot's lock. Get,
// Random, Each (with an fn that does not mutate), Len, Bytes and every
// read of a record only read, and may run in many goroutines at once under
// the read lock; Insert, Set, Delete, Free, Each with an fn that deletes
// or replaces, and writes to a record's meta or value need the lock
// exclusively. A field that readers update (numkv's access clock, in
// meta) must be written and read with sync/atomic: meta is 8-aligned for
// that.
//
// # Memory ownership
//
// Records and table arrays are offheap blocks; nothing here frees a
// record. The caller makes a record with NewRecord, hands it to a Table
// with Insert or Set, takes it back from Delete or Set (which return the
// record they removed), and frees it with FreeRecord once it is out of
// every table and no reader can hold it. Free frees a table's array but
// not its records: to drop a table, Each over it freeing the records (or
// deleting and freeing them), then Free. The slices that Key and Value
// return point into the record and are valid until it is freed; copy what
// outlives it.
package keytab
