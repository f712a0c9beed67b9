package commands

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// Element types are interned: a key's record, which holds no Go pointers,
// names its variable's type by a 16-bit id. Id 0 is u8Type, every plain
// Redis string's, and is never counted or freed. Other ids count the
// records that hold them and are reused once none does, so that a user
// creating variables of ever new shapes does not run out of ids unless
// 65535 distinct types are in use at once.
var types struct {
	mu    sync.Mutex
	ids   map[string]uint16
	refs  [1 << 16]int64
	free  []uint16
	next  int // ids below next have been handed out at least once
	byKey [1 << 16]string
}

// typeByID resolves an id without a lock.
var typeByID [1 << 16]atomic.Pointer[elemType]

func init() {
	typeByID[0].Store(u8Type)
	types.ids = map[string]uint16{typeKey(u8Type): 0}
	types.next = 1
}

// typeKey is the interning key of t: its dtype and shape.
func typeKey(t *elemType) string {
	b := append([]byte(nil), t.dt.name...)
	for _, d := range t.shape {
		b = append(b, ',')
		b = strconv.AppendInt(b, d, 10)
	}
	return string(b)
}

// internType returns t's id with one reference taken, for a record about
// to hold it. It returns false when every id is in use.
func internType(t *elemType) (uint16, bool) {
	k := typeKey(t)
	types.mu.Lock()
	defer types.mu.Unlock()
	id, ok := types.ids[k]
	if !ok {
		switch {
		case len(types.free) > 0:
			id = types.free[len(types.free)-1]
			types.free = types.free[:len(types.free)-1]
		case types.next < 1<<16:
			id = uint16(types.next)
			types.next++
		default:
			return 0, false
		}
		c := *t
		c.shape = append([]int64(nil), t.shape...)
		typeByID[id].Store(&c)
		types.ids[k] = id
		types.byKey[id] = k
	}
	if id != 0 {
		types.refs[id]++
	}
	return id, true
}

// retainType takes one more reference to id, for another record.
func retainType(id uint16) {
	if id == 0 {
		return
	}
	types.mu.Lock()
	types.refs[id]++
	types.mu.Unlock()
}

// releaseType drops a record's reference to id.
func releaseType(id uint16) {
	if id == 0 {
		return
	}
	types.mu.Lock()
	defer types.mu.Unlock()
	types.refs[id]--
	switch {
	case types.refs[id] > 0:
		return
	case types.refs[id] < 0:
		panic("commands: internal error: element type released more often than held")
	}
	delete(types.ids, types.byKey[id])
	types.byKey[id] = ""
	typeByID[id].Store(nil)
	types.free = append(types.free, id)
}

// typeOf returns the element type of id, which a live record holds.
func typeOf(id uint16) *elemType { return typeByID[id].Load() }
