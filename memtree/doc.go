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
// Nodes and chunks live off the Go heap, in memory from package offheap:
// the collector never scans them, and they are freed the moment nothing
// holds them. A chunk below half a leaf takes its offheap size class; a
// larger one takes whole 8 KiB units (which are size classes too). When a
// chunk outgrows its buffer, the overflow goes into spare room of the left
// neighbour if it fits, else the chunk is rewritten into a fresh buffer,
// and the bytes beyond whole units go into the left neighbour's spare room
// where they fit, which keeps most buffers exactly full. Append instead
// gives the rightmost chunk room to grow, so sequential appends run at
// memcpy speed; that one chunk may carry up to a chunk of spare room.
//
// # Copy on write
//
// Every node counts the parents and trees that hold it. A tree writes a
// node in place only when it reached it through nodes that are all held
// once; any other node is copied first, together with the path above it,
// and the copy holds the kids of the original once more. Clone adds one
// reference to the root, so after a Clone every node is shared and
// read-only to both trees, and each copies only the paths it writes.
// Release drops a tree's reference: nodes nobody else holds are freed, and
// those the other tree still holds are then held once, so it writes them
// in place again. A snapshot's clones are therefore free to drop: the
// trees they were taken from need no help to own their nodes again.
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
// Reference counts change atomically, so that a clone released in one
// goroutine and its original written in another (under its lock) agree on
// who holds what. A Tree value holds one reference: copying the struct
// does not take another (use Clone, CloneTo or MoveTo), and a Tree that is
// dropped without Release keeps its memory forever.
//
// The tree copies every slice passed to it; the caller keeps ownership of
// its buffers. Slices handed to a Chunks callback belong to the tree: they
// are read-only, and valid only until the next mutation of that tree, which
// may overwrite or recycle them. A chunk reached through a Clone that is
// never mutated stays valid for as long as the caller keeps it.
package memtree
