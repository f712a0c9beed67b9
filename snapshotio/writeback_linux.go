package snapshotio

import "syscall"

// Flags of sync_file_range(2).
const (
	syncRangeWaitBefore = 0x1
	syncRangeWrite      = 0x2
	syncRangeWaitAfter  = 0x4
)

// startWriteback asks the kernel to begin writing [off, off+n) of fd to
// the disk now, without waiting for it.
func startWriteback(fd uintptr, off, n int64) error {
	return syncFileRange(fd, off, n, syncRangeWrite)
}

// waitWriteback waits until [off, off+n) of fd has reached the disk
// (data only: the final fsync still covers metadata and anything missed).
func waitWriteback(fd uintptr, off, n int64) error {
	return syncFileRange(fd, off, n, syncRangeWaitBefore|syncRangeWrite|syncRangeWaitAfter)
}

func syncFileRange(fd uintptr, off, n int64, flags int) error {
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, fd, uintptr(off), uintptr(n), uintptr(flags), 0, 0)
		switch e {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		default:
			return e
		}
	}
}
