package snapshotio

import (
	"io"
	"sync/atomic"
)

// asyncWriter is WriteFile's buffer: two buffers, one being filled by the
// caller (which copies, checksums and compresses blocks) while a goroutine
// writes the other to the file, so that the CPU work of a save overlaps its
// write system calls instead of waiting for them. An error from the file is
// sticky and returned by later Writes and by Flush.
type asyncWriter struct {
	w      io.Writer
	buf    []byte
	full   chan []byte
	free   chan []byte
	done   chan struct{}
	err    atomic.Pointer[error]
	closed bool
}

func newAsyncWriter(w io.Writer, size int) *asyncWriter {
	a := &asyncWriter{w: w, buf: make([]byte, 0, size), full: make(chan []byte, 1),
		free: make(chan []byte, 2), done: make(chan struct{})} // room for both buffers
	a.free <- make([]byte, 0, size)
	go a.loop()
	return a
}

func (a *asyncWriter) loop() {
	defer close(a.done)
	for b := range a.full {
		if a.err.Load() == nil {
			if _, err := a.w.Write(b); err != nil {
				a.err.Store(&err)
			}
		}
		a.free <- b[:0]
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
