//go:build !linux

package snapshotio

import (
	"errors"
	"os"
)

// openDirect: elsewhere saves go through the page cache.
func openDirect(path string) (*os.File, error) { return nil, errors.ErrUnsupported }
