package snapshotio

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// openDirect opens a second handle on the file at path for writing with
// O_DIRECT, or fails where the file system does not take it.
func openDirect(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|syscall.O_DIRECT, 0)
}

// hugeAlign is the size of a transparent huge page on amd64 and arm64.
const hugeAlign = 2 << 20

// mapBuf returns size bytes of fresh memory outside the Go heap, starting
// on a 2 MiB boundary and advised for transparent huge pages, and the whole
// mapping to hand to unmapBuf. An O_DIRECT write takes its pages straight
// from the buffer: from a Go-heap buffer, backed by scattered 4 KiB pages
// once the heap is small (as it is with the arrays off the heap), a save of
// 1 GiB ran about 40% longer than from huge pages (BENCHMARKS.md,
// "Persistence"), for the same CPU. It returns nil when mmap fails.
func mapBuf(size int) (buf, mapping []byte) {
	m, err := unix.Mmap(-1, 0, size+hugeAlign, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, nil
	}
	skip := (hugeAlign - alignOf(m, hugeAlign)) % hugeAlign
	buf = m[skip : skip+size : skip+size]
	_ = unix.Madvise(buf, unix.MADV_HUGEPAGE) // advice only: 4 KiB pages still work
	return buf[:0], m
}

// unmapBuf releases a mapping from mapBuf.
func unmapBuf(m []byte) { _ = unix.Munmap(m) }
