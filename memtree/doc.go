// Package memtree holds a variable's bytes in a counted B+tree of byte
// chunks (a rope), so that inserting or removing a few KiB in the middle of
// a 1 GiB value costs microseconds instead of a rewrite of the value.
//
// # Layout
//
//	         inner: kids [k0 k1 k2], sums [n0, n0+n1, n0+n1+n2]
//	        /        |         \
//	leaf [chunk]  leaf [chunk]  leaf [chunk]     all leaves at one depth
//
// Leaves hold one contiguous chunk of at most leafMax bytes (128 KiB) and,
// except in a tree of a single leaf and for the rightmost leaf, at least
// half of that. Append and Builder fill leaves to a cache line short of
// 128 KiB, so that rows of a power-of-two size do not all start at the
// same page offset and compete for a few cache sets. Inner nodes keep
// inclusive prefix sums of their children's byte counts, so a seek is a
// binary search per level.
//
// Chunk buffers are allocated at their length rounded up to the 8 KiB page
// the Go allocator uses for large objects, so a chunk wastes less than a
// page. When a chunk outgrows its buffer, the overflow goes into spare room
// of the left neighbour if it fits, else the chunk is rewritten into a
// fresh buffer, and the bytes beyond whole pages go into the left
// neighbour's spare room where they fit, which keeps most buffers exactly
// full. Buffers a tree drops are recycled through a sync.Pool, which the
// garbage collector empties. Append instead gives the rightmost chunk room
// to grow, so sequential appends run at memcpy speed; that one chunk may
// carry up to a chunk of spare room.
//
// # Copy on write
//
// Every tree has an id and every node records the id of the tree that
// created it. A tree mutates a node in place only if the ids match; any
// other node is copied first, together with the path above it. Clone gives
// both trees fresh ids, so after a Clone every existing node is shared and
// read-only to both, and each tree copies only the paths it writes. A
// snapshot's clones are short-lived: CloneTo returns a Lease, and once the
// clone is dropped Reclaim gives the original back its old id (and
// relabels what it wrote meanwhile), so it stops copying nodes nobody else
// holds.
//
// # Concurrency and memory ownership
//
// A Tree is not safe for concurrent mutation: the caller serialises
// mutations (numkv holds the slot lock) and must not read a tree while it
// is being mutated. Any number of goroutines may read one tree, and call
// Clone on it, concurrently. A clone is an independent tree: it may be read
// from another goroutine while the original is mutated, which is how a
// snapshot is saved while clients keep writing.
//
// The tree copies every slice passed to it; the caller keeps ownership of
// its buffers. Slices handed to a Chunks callback belong to the tree: they
// are read-only, and valid only until the next mutation of that tree, which
// may overwrite or recycle them. A chunk reached through a Clone that is
// never mutated stays valid for as long as the caller keeps it.
package memtree
