package memtree

import (
	"strings"
	"unsafe"
)

// makeNoZero returns a buffer of length 0 and capacity c whose memory is
// not cleared. Clearing a fresh chunk that is about to be overwritten cost
// a third of Append's time; strings.Builder is the standard library's only
// way to reach the runtime's uncleared allocation. Callers must write every
// byte before they extend the length over it, and do.
func makeNoZero(c int) []byte {
	if c == 0 {
		return nil
	}
	var sb strings.Builder
	sb.Grow(c)
	sb.WriteByte(0)
	s := sb.String()
	return unsafe.Slice(unsafe.StringData(s), c)[:0]
}
