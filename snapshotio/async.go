package snapshotio

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// asyncWriter is WriteFile's buffer: two buffers, one being filled by the
// caller (which copies, checksums and compresses blocks) while a goroutine
// writes the other to the file, so that the CPU work of a save overlaps its
// write system calls instead of waiting for them. An error from the file is
// sticky and returned by later Writes and by Flush.
//
// Given an O_DIRECT handle on the file (see openDirect), it writes every
// full buffer through it, straight from its memory to the disk, and only
// the last, partial buffer through the page cache. On this VM a 1 GiB
// write then fsync ran at 2.0-2.7 GB/s that way against 0.7-1.1 GB/s
// through the page cache (BENCHMARKS.md, "Persistence"): the kernel's copy
// into the cache and its writeback of 4 KiB pages cost more than the disk.
// It also leaves no gigabyte of dirty cache behind a save. If the file
// system refuses a direct write (EINVAL), that write and the rest go
// through the page cache.
//
// Through the page cache it keeps the disk busy while the save runs, the
// way Redis's rdb-save-incremental-fsync and RocksDB's bytes_per_sync do:
// after each buffer it starts the kernel's writeback of those bytes, and
// it waits for bytes more than writebackLag behind the end, so dirty pages
// never pile up. Without this the kernel would start writing only at the
// final fsync (its background threshold is a share of RAM, gigabytes
// here), and a save would take the time to fill the page cache plus the
// time to drain it instead of the larger of the two. A failure here only
// stops the hints: the final fsync decides.
type asyncWriter struct {
	w      io.Writer
	f      *os.File   // the file w ends in, for hints; or nil
	fd     uintptr    // f's descriptor
	direct directFile // an O_DIRECT handle on f, or nil
	at     bool       // write with f.WriteAt: direct writes do not move f's offset
	hints  bool       // writeback hints still work
	pos    int64      // bytes written
	waited int64      // on disk below here
	buf    []byte
	full   chan []byte
	free   chan []byte
	done   chan struct{}
	err    atomic.Pointer[error]
	closed bool
	maps   [][]byte // the buffers' mappings, unmapped by stop
}

// directFile is the part of *os.File that direct writes use; tests put a
// refusing one in its place.
type directFile interface {
	WriteAt(p []byte, off int64) (int, error)
	Close() error
}

// directAlign is the alignment O_DIRECT needs of a write's memory, file
// offset and length: 4096 covers the logical block sizes of the disks it
// runs on (512 or 4096 bytes). fileBufSize is a multiple of it.
const directAlign = 4096

// newAsyncWriter writes through w with buffers of size bytes. f, if not
// nil, is the file w ends in, for writeback hints; direct, if not nil, is
// an O_DIRECT handle on f that takes the full buffers, and then w must be
// f. The asyncWriter closes direct.
func newAsyncWriter(w io.Writer, size int, f *os.File, direct directFile) *asyncWriter {
	a := &asyncWriter{w: w, f: f, direct: direct, at: direct != nil,
		full: make(chan []byte, 1), free: make(chan []byte, 2), done: make(chan struct{})} // room for both buffers
	a.buf = a.newBuf(size)
	a.free <- a.newBuf(size)
	if f != nil {
		a.fd, a.hints = f.Fd(), true
	}
	go a.loop()
	return a
}

// newBuf returns an empty buffer of capacity size, mapped for huge pages
// where it can be (mapBuf), else from the Go heap; either way it starts at
// a multiple of directAlign.
func (a *asyncWriter) newBuf(size int) []byte {
	if b, m := mapBuf(size); m != nil {
		a.maps = append(a.maps, m)
		return b
	}
	return alignedBuf(size)
}

// alignedBuf returns an empty buffer of capacity size from the Go heap whose
// memory starts at a multiple of directAlign.
func alignedBuf(size int) []byte {
	b := make([]byte, size+directAlign)
	skip := (directAlign - alignOf(b, directAlign)) % directAlign
	return b[skip : skip : skip+size]
}

// alignOf returns the address of b's first byte modulo n.
func alignOf(b []byte, n int) int { return int(uintptr(unsafe.Pointer(&b[0])) % uintptr(n)) }

func (a *asyncWriter) loop() {
	defer close(a.done)
	defer a.closeDirect()
	for b := range a.full {
		if a.err.Load() == nil {
			if err := a.write(b); err != nil {
				a.err.Store(&err)
			}
		}
		a.free <- b[:0]
	}
}

func (a *asyncWriter) closeDirect() {
	if a.direct != nil {
		a.direct.Close()
		a.direct = nil
	}
}

// write writes b at a.pos: directly when it can, else through the page
// cache with writeback hints.
func (a *asyncWriter) write(b []byte) error {
	if a.direct != nil && len(b)%directAlign == 0 {
		n, err := a.direct.WriteAt(b, a.pos)
		a.pos += int64(n)
		if !errors.Is(err, syscall.EINVAL) {
			return err
		}
		a.closeDirect() // refused here: the page cache from now on
		b = b[n:]
	}
	var n int
	var err error
	if a.at {
		n, err = a.f.WriteAt(b, a.pos)
	} else {
		n, err = a.w.Write(b)
	}
	a.pos += int64(n)
	if err == nil && a.hints {
		a.writeback(int64(n))
	}
	return err
}

// writebackLag is how far behind the end of the file writeback may lag
// before the writer waits for it. With any lag from 8 to 64 MiB a 1 GiB
// save ran at 1.3-2.8 GB/s on this VM's disk, against 0.76-1.56 GB/s with
// no hints (scripts/bench_persist.py; too noisy to rank the lags); 32 MiB
// bounds the dirty pages. A variable only
// so that tests can reach the waiting path with small files.
var writebackLag int64 = 32 << 20

// writeback starts the writeback of the n bytes just written, and waits
// for what lies more than writebackLag behind them.
func (a *asyncWriter) writeback(n int64) {
	if err := startWriteback(a.fd, a.pos-n, n); err != nil {
		a.hints = false
		return
	}
	if a.pos-a.waited > writebackLag {
		end := a.pos - writebackLag
		if err := waitWriteback(a.fd, a.waited, end-a.waited); err != nil {
			a.hints = false
			return
		}
		a.waited = end
	}
}
func (a *asyncWriter) failed() error {
	if p := a.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Write copies p into the current buffer, handing each full buffer to the
// writing goroutine.
func (a *asyncWriter) Write(p []byte) (int, error) {
	if err := a.failed(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(a.buf[len(a.buf):cap(a.buf)], p)
		a.buf, p = a.buf[:len(a.buf)+k], p[k:]
		if len(a.buf) == cap(a.buf) {
			a.full <- a.buf
			a.buf = <-a.free
		}
	}
	return n, nil
}

// Flush writes what is buffered, waits for the goroutine and stops it. The
// writer cannot be used afterwards.
func (a *asyncWriter) Flush() error {
	if len(a.buf) > 0 {
		a.full <- a.buf
		a.buf = nil
	}
	a.stop()
	return a.failed()
}

// stop ends the goroutine; it is safe to call more than once.
func (a *asyncWriter) stop() {
	if !a.closed {
		a.closed = true
		close(a.full)
		<-a.done
		// Neither the caller (Flush took a.buf) nor the goroutine holds a
		// buffer now.
		a.buf = nil
		for _, m := range a.maps {
			unmapBuf(m)
		}
		a.maps = nil
	}
}
