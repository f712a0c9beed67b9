//go:build !linux

package snapshotio

import (
	"errors"
	"os"
)

// openDirect: elsewhere saves go through the page cache.
func openDirect(path string) (*os.File, error) { return nil, errors.ErrUnsupported }

// mapBuf: elsewhere buffers come from the Go heap (see alignedBuf).
func mapBuf(size int) (buf, mapping []byte) { return nil, nil }

func unmapBuf(m []byte) {}
