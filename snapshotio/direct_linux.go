package snapshotio

import (
	"os"
	"syscall"
)

// openDirect opens a second handle on the file at path for writing with
// O_DIRECT, or fails where the file system does not take it.
func openDirect(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|syscall.O_DIRECT, 0)
}
