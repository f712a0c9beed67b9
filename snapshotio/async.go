package snapshotio

import (
	"io"
	"os"
	"sync/atomic"
)

// asyncWriter is WriteFile's buffer: two buffers, one being filled by the
// caller (which copies, checksums and compresses blocks) while a goroutine
// writes the other to the file, so that the CPU work of a save overlaps its
// write system calls instead of waiting for them. An error from the file is
// sticky and returned by later Writes and by Flush.
//
// When it writes to a file (fd set), it also keeps the disk busy while the
// save runs, the way Redis's rdb-save-incremental-fsync and RocksDB's
// bytes_per_sync do: after each buffer it starts the kernel's writeback of
// those bytes, and it waits for bytes more than writebackLag behind the
// end, so dirty pages never pile up. Without this the kernel would start
// writing only at the final fsync (its background threshold is a share of
// RAM, gigabytes here), and a save would take the time to fill the page
// cache plus the time to drain it instead of the larger of the two. A
// failure here only stops the hints: the final fsync decides.
type asyncWriter struct {
	w      io.Writer
	fd     uintptr
	hasFd  bool
	pos    int64 // bytes written to w
	waited int64 // on disk below here
	buf    []byte
	full   chan []byte
	free   chan []byte
	done   chan struct{}
	err    atomic.Pointer[error]
	closed bool
}

// newAsyncWriter writes through w; f, if not nil, is the file w ends in,
// for writeback hints.
func newAsyncWriter(w io.Writer, size int, f *os.File) *asyncWriter {
	a := &asyncWriter{w: w, buf: make([]byte, 0, size), full: make(chan []byte, 1),
		free: make(chan []byte, 2), done: make(chan struct{})} // room for both buffers
	a.free <- make([]byte, 0, size)
	if f != nil {
		a.fd, a.hasFd = f.Fd(), true
	}
	go a.loop()
	return a
}

func (a *asyncWriter) loop() {
	defer close(a.done)
	for b := range a.full {
		if a.err.Load() == nil {
			n, err := a.w.Write(b)
			a.pos += int64(n)
			if err != nil {
				a.err.Store(&err)
			} else if a.hasFd {
				a.writeback(int64(n))
			}
		}
		a.free <- b[:0]
	}
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
		a.hasFd = false
		return
	}
	if a.pos-a.waited > writebackLag {
		end := a.pos - writebackLag
		if err := waitWriteback(a.fd, a.waited, end-a.waited); err != nil {
			a.hasFd = false
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
	}
}
