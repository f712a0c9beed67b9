//go:build !linux

package offheap

import "errors"

// Elsewhere blocks come from the Go heap (heap.go).
const mmapSupported = false

var errNoMmap = errors.New("offheap: no mmap on this system")

func reserve(size int) ([]byte, error)   { return nil, errNoMmap }
func commit(b []byte) error              { return errNoMmap }
func release(b []byte) error             { return errNoMmap }
func adviseHuge(b []byte, on bool) error { return nil }
