// Package offheap is numkv's allocator for memory the Go garbage collector
// must not see: array chunks, tree nodes, key records and hash tables. A
// store holding tens of gigabytes in millions of small heap objects makes
// the collector scan all of them on every cycle and lets the heap goal grow
// to twice the live data; memory taken from here is neither scanned nor
// counted by the runtime, and is returned to the system the moment the
// span holding it is empty.
//
// # Layout
//
// At the first allocation the package reserves one large range of address
// space (PROT_NONE, no memory behind it) and carves it into pages of 2 MiB,
// the size of an x86-64 transparent huge page, in two pools:
//
//	base                                          3/4                base+reserved
//	| page 0 (unused) | span | large (k pages) | ... | span | span | ... |
//	  \ huge pool: large allocations, chunks,       \ small pool: spans of
//	    blocks of 32 KiB up; huge pages asked for    other blocks; never huge
//
// Pages become readable and writable as they are first handed out. A page
// is either part of a span, which holds blocks of one size class, or part of
// a large allocation (over 1 MiB) made of whole pages. Size classes step by
// an eighth of each power of two from 128 bytes up (16-byte steps below),
// so a block wastes at most an eighth of what was asked and on average
// about 6%; spans of the larger classes take several pages where that keeps
// the tail a span cannot use under 1.5%. Free blocks form a list threaded
// through the blocks themselves; a span's never-used blocks are handed out
// from a bump index, so a span costs resident memory only as it fills. A
// span that becomes empty gives its pages back: up to a few per pool are
// kept resident for reuse, the rest are returned with MADV_DONTNEED. The
// huge pool asks for huge pages with MADV_HUGEPAGE unless
// SetHugePages(false); the small pool never does, since a huge page is
// faulted in whole by a span's first small block.
//
// A span whose blocks are freed at random (keys deleted or evicted in no
// particular order) rarely empties; the scavenger (scavenge.go) gives back
// the system pages (4 KiB) inside it that hold only free blocks, and the
// pages past its bump index that a page kept for reuse brought with it:
// at once in the small pool, woken after every 2 MiB freed there, and in
// the huge pool, where giving back splits a huge page, only from a span
// three quarters empty and for pages free for a second, from numkv's cron.
//
// Every block lies inside one reservation, so a block can be named by its
// offset from the base, a Ref: structures that must stay free of Go
// pointers (so that the collector does not even look at them) store Refs.
//
// # Accounting
//
// Live counts the bytes of every block handed out and not yet freed, per
// Purpose, at the block's class size: what numkv holds, exactly, which is
// what INFO's used_memory reports and --maxmemory compares.
//
// # Build modes
//
// Under the race detector (which does not watch memory outside the Go heap)
// blocks come from the Go heap instead, kept alive by a table until freed,
// so that races on chunks and nodes are still reported. The invariants
// build tag (go test -tags invariants) turns on checks that make misuse
// impossible to miss: freed blocks are filled with poison and quarantined
// before reuse, a poisoned block that was written after its free is
// reported when it is reused, fresh blocks are filled with garbage rather
// than zeros, a double or foreign Free panics, and every block carries a
// generation that CheckGen compares, so that a reader holding a stale
// reference panics instead of reading someone else's bytes.
//
// # Concurrency and ownership
//
// Every function may be called from any goroutine. A block belongs to the
// caller from Alloc until Free; nothing here reads or writes it in between.
// The memory must never hold the only reference to a Go heap object: the
// collector does not scan it.
package offheap
