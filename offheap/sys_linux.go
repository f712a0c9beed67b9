//go:build linux

package offheap

import "golang.org/x/sys/unix"

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
