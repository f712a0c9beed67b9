//go:build linux

package offheap

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const mmapSupported = true

// reserve maps size bytes of address space with no access and no memory
// behind it.
func reserve(size int) ([]byte, error) {
	return unix.Mmap(-1, 0, size, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
}

// commit makes reserved pages readable and writable; memory is still only
// faulted in on first touch.
func commit(b []byte) error { return unix.Mprotect(b, unix.PROT_READ|unix.PROT_WRITE) }

// release hands the memory behind b back to the system; the range stays
// mapped and reads as zeros.
func release(b []byte) error { return unix.Madvise(b, unix.MADV_DONTNEED) }

// adviseHuge asks for transparent huge pages over b, or asks not to.
func adviseHuge(b []byte, on bool) error {
	adv := unix.MADV_HUGEPAGE
	if !on {
		adv = unix.MADV_NOHUGEPAGE
	}
	return unix.Madvise(b, adv)
}

// residentIn counts the bytes of b the system holds memory for.
func residentIn(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	vec := make([]byte, (len(b)+4095)/4096)
	_, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0])))
	if e != 0 {
		return -1
	}
	var n int64
	for _, v := range vec {
		n += int64(v & 1)
	}
	return n * 4096
}
