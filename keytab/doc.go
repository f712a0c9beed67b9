// Package keytab will hold numkv's keyspace outside the Go heap: one
// open-addressing hash table of key records per hash slot. In Go maps, a
// million keys made the collector scan every key, map entry and variable
// on every cycle, and cost 2.2 times Redis's memory per small key. Its
// records are offheap blocks that hold no Go pointers, so the collector
// never looks at them.
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
// # Concurrency
//
// Every read of a record may run in many goroutines at once; writes to a
// record's meta or value need the caller's lock exclusively. A field that
// readers update (numkv's access clock, in meta) must be written and read
// with sync/atomic: meta is 8-aligned for that.
//
// # Memory ownership
//
// Records are offheap blocks; nothing here frees one on its own. The
// caller makes a record with NewRecord and frees it with FreeRecord once
// no reader can hold it. The slices that Key and Value return point into
// the record and are valid until it is freed; copy what outlives it.
package keytab
