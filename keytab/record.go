package keytab

import (
	"fmt"
	"math"
	"unsafe"

	"numkv/offheap"
)

// Rec names a record: the Ref of its offheap block. The zero Rec is no
// record.
type Rec offheap.Ref

// The record's header (see the package doc).
const (
	offKeylen = 0
	offVcap   = 4
	offMeta   = 8
	hdrSize   = 24 // where the value area starts

	// MetaSize is the size of a record's metadata.
	MetaSize = 16
	// MaxKey is the longest key a record holds.
	MaxKey = math.MaxUint32
	// MaxValueCap is the largest value area a record holds.
	MaxValueCap = math.MaxUint32 &^ 7
)

// NewRecord returns a new record holding a copy of key, zeroed metadata
// and a value area of vcap rounded up to a multiple of 8 bytes, whose
// contents are undefined. It panics if the key is longer than MaxKey or
// vcap is negative or above MaxValueCap, or if the allocator is out of
// address space.
func NewRecord(key []byte, vcap int) Rec {
	if vcap < 0 || vcap > MaxValueCap || len(key) > MaxKey {
		panic(fmt.Sprintf("keytab: record of a %d-byte key and a %d-byte value", len(key), vcap))
	}
	vc := (vcap + 7) &^ 7
	r, b := offheap.AllocRef(offheap.Record, hdrSize+vc+len(key))
	p := unsafe.Pointer(unsafe.SliceData(b))
	*(*uint32)(unsafe.Add(p, offKeylen)) = uint32(len(key))
	*(*uint32)(unsafe.Add(p, offVcap)) = uint32(vc)
	clear(b[offMeta:hdrSize])
	copy(b[hdrSize+vc:], key)
	return Rec(r)
}

// FreeRecord frees a record. It must be in no table, and nobody may use it
// afterwards. FreeRecord(0) does nothing.
func FreeRecord(r Rec) { offheap.FreeRef(offheap.Record, offheap.Ref(r)) }

// Pointer returns the address where the record starts.
func (r Rec) Pointer() unsafe.Pointer { return offheap.Ref(r).Pointer() }

// fields returns the record's address, key length and value capacity.
func (r Rec) fields() (p unsafe.Pointer, keylen, vcap uintptr) {
	p = r.Pointer()
	return p, uintptr(*(*uint32)(unsafe.Add(p, offKeylen))), uintptr(*(*uint32)(unsafe.Add(p, offVcap)))
}

// Key returns the record's key, which the caller must not modify. It
// points into the record.
func (r Rec) Key() []byte {
	p, kl, vc := r.fields()
	if kl == 0 {
		return []byte{} // not a pointer to the end of the block
	}
	return unsafe.Slice((*byte)(unsafe.Add(p, hdrSize+vc)), kl)
}

// Meta returns the address of the record's 16 bytes of metadata, 8-aligned.
func (r Rec) Meta() unsafe.Pointer { return unsafe.Add(r.Pointer(), offMeta) }

// Value returns the record's value area, of its capacity (a multiple of
// 8). It points into the record, starting 8-aligned.
func (r Rec) Value() []byte {
	p, _, vc := r.fields()
	if vc == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Add(p, hdrSize)), vc)
}

// Size returns the bytes of the record's block, as the allocator counts
// them: what MEMORY USAGE reports for it.
func (r Rec) Size() int {
	_, kl, vc := r.fields()
	return offheap.SizeOf(hdrSize + int(vc) + int(kl))
}
