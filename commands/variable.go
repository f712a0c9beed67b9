package commands

import (
	"fmt"
	"unsafe"

	"numkv/keytab"
	"numkv/memtree"
	"numkv/offheap"
)

// variable is a key's record as commands sees it, laid over the first 24
// bytes of a keytab record: keytab's own header, then the 16 bytes of
// metadata keytab leaves to its user. The value area follows:
//
//	0   keylen, vcap   keytab's
//	8   expireAt       unix milliseconds; 0: no expiry
//	16  atime          the last access (LRU) or the access counter
//	                   (LFU): evict.go; set by Server.store (atomic)
//	20  tid            element type (types.go)
//	22  flags          encoding (low bits), flagTree
//	23  pad            inline: vcap minus the value's length
//	24  value area     vcap bytes: the value itself (inlines says
//	                   when), or a memtree.Tree holding it
//	..  key
//
// A value is inline when a command stores it whole (SET and the like, a
// load, NUM.CREATE) and inlines says it is worth it; any other value,
// and any value a command then changes in place (APPEND, SETRANGE, the
// NUM.* writes), is a tree. The value area is at least as large as a Tree,
// so an inline value becomes a tree where it is.
//
// A *variable points into offheap memory. It is valid while the caller
// holds its slot's lock and until the key is deleted or replaced.
type variable struct {
	keylen   uint32
	vcap     uint32
	expireAt int64
	atime    uint32
	tid      uint16
	flags    uint8
	pad      uint8
}

const (
	varHeader = int(unsafe.Sizeof(variable{}))
	treeSize  = int(unsafe.Sizeof(memtree.Tree{}))
	flagTree  = 0x80
	encMask   = 0x03
)

// embedMax is the largest value ever stored in its record. Up to it, a
// value is inline whenever that takes no more memory than a tree would
// (inlines); above it, it is a tree.
const embedMax = 4096

// inlines reports whether a value of n bytes under a key of keylen bytes
// lives in its record rather than in a tree of its own. The rule follows
// BenchmarkEmbedMax (BENCHMARKS.md, "embedMax"): an inline value is read
// as fast as a tree's, or faster, and written in 55-70% of the time at
// every size up to 4 KiB, so it wins unless the tree is smaller. That
// happens where the value itself fills a size class and the record's
// header would push it into the next one: 2048 or 4096 bytes, say, cost
// 5-9% less as a tree. Redis's embstr/raw split makes the same trade for
// its object header, at 44 bytes.
func inlines(keylen, n int) bool {
	switch {
	case embedRule != 0:
		return embedRule > 0 && n <= 1<<20
	case n <= treeSize:
		return true
	case n > embedMax:
		return false
	}
	rec := offheap.SizeOf(varHeader + (n+7)&^7 + keylen)
	tree := offheap.SizeOf(varHeader+treeSize+keylen) + memtree.SmallFootprint(n)
	return rec <= tree
}

// embedRule, set by BenchmarkEmbedMax only, overrides inlines: 1 stores
// every value inline, -1 none.
var embedRule int8

func init() {
	if varHeader != 24 || treeSize > 24 {
		panic("commands: variable layout does not match keytab's record")
	}
}

func varOf(r keytab.Rec) *variable { return (*variable)(r.Pointer()) }

func (v *variable) isTree() bool { return v.flags&flagTree != 0 }

// tree returns the tree holding v's value; v must be a tree.
func (v *variable) tree() *memtree.Tree {
	return (*memtree.Tree)(unsafe.Add(unsafe.Pointer(v), varHeader))
}

// inline returns v's value, which must be inline, in place.
func (v *variable) inline() []byte {
	n := int(v.vcap) - int(v.pad)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(v), varHeader)), n)
}

// key returns v's key, in place.
func (v *variable) key() []byte {
	if v.keylen == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(v), varHeader+int(v.vcap))), v.keylen)
}

func (v *variable) typ() *elemType { return typeOf(v.tid) }
func (v *variable) enc() encoding  { return encoding(v.flags & encMask) }
func (v *variable) setEnc(e encoding) {
	v.flags = v.flags&^encMask | uint8(e)
}

// The read methods below are memtree.Tree's, over either form of value.

// Len returns the value's length in bytes.
func (v *variable) Len() int {
	if v.isTree() {
		return v.tree().Len()
	}
	return int(v.vcap) - int(v.pad)
}

// AppendRange is memtree.Tree.AppendRange over the value.
func (v *variable) AppendRange(dst []byte, off, n int) ([]byte, error) {
	if v.isTree() {
		return v.tree().AppendRange(dst, off, n)
	}
	b := v.inline()
	if off < 0 || n < 0 || off > len(b) || n > len(b)-off {
		return dst, fmt.Errorf("%w: read of %d bytes at offset %d, length %d", memtree.ErrRange, n, off, len(b))
	}
	return append(dst, b[off:off+n]...), nil
}

// ReadAt is memtree.Tree.ReadAt over the value.
func (v *variable) ReadAt(p []byte, off int) error {
	if v.isTree() {
		return v.tree().ReadAt(p, off)
	}
	_, err := v.AppendRange(p[:0], off, len(p))
	return err
}

// Gather is memtree.Tree.Gather over the value.
func (v *variable) Gather(dst []byte, elem, start, step, n int) ([]byte, error) {
	if v.isTree() {
		return v.tree().Gather(dst, elem, start, step, n)
	}
	return memtree.GatherBytes(dst, v.inline(), elem, start, step, n)
}

// Chunks is memtree.Tree.Chunks over the value: an inline value is one
// chunk.
func (v *variable) Chunks(off, n int, fn func([]byte) bool) error {
	if v.isTree() {
		return v.tree().Chunks(off, n, fn)
	}
	b := v.inline()
	if off < 0 || n < 0 || off > len(b) || n > len(b)-off {
		return fmt.Errorf("%w: chunks of %d bytes at offset %d, length %d", memtree.ErrRange, n, off, len(b))
	}
	if n > 0 {
		fn(b[off : off+n : off+n])
	}
	return nil
}

// mut returns the tree of v's value for a change in place, making an
// inline value a tree first.
func (v *variable) mut() *memtree.Tree {
	if v.isTree() {
		return v.tree()
	}
	var t memtree.Tree
	t.Append(v.inline())
	v.flags |= flagTree
	v.pad = 0
	t.MoveTo(v.tree())
	return v.tree()
}

// newRecord returns a record for key holding a variable of type tid, whose
// reference the record takes over, with room for an inline value of n
// bytes, or for a tree when n < 0. The value area is left to the caller.
func newRecord(key []byte, tid uint16, n int) (keytab.Rec, *variable) {
	vc := max(n, treeSize)
	r := keytab.NewRecord(key, vc)
	v := varOf(r)
	v.tid = tid
	if n < 0 {
		v.flags = flagTree
		*v.tree() = memtree.Tree{}
	} else {
		v.pad = uint8(int(v.vcap) - n)
	}
	return r, v
}

// newValue returns a record for key holding a copy of b as a variable of
// type tid: inline when it is small, else a tree.
func newValue(key []byte, tid uint16, b []byte) (keytab.Rec, *variable) {
	if inlines(len(key), len(b)) {
		r, v := newRecord(key, tid, len(b))
		copy(v.inline(), b)
		return r, v
	}
	r, v := newRecord(key, tid, -1)
	if len(b) <= 64<<10 {
		v.tree().Append(b) // one chunk of exactly its size class
		return r, v
	}
	// A builder sizes the last chunk to what it holds, where Append would
	// leave it room to grow: a whole 128 KiB for the last 2 KiB of a 4 MiB
	// value.
	var bl memtree.Builder
	bl.Write(b)
	bl.BuildTo(v.tree())
	return r, v
}

// footprint returns the memory v takes: its record and, for a tree, every
// node and chunk of it.
func (v *variable) footprint() int {
	n := offheap.SizeOf(varHeader + int(v.vcap) + int(v.keylen))
	if v.isTree() {
		n += v.tree().Footprint()
	}
	return n
}
