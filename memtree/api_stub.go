package memtree

// THIS FILE IS A TEMPORARY FLAT STUB pinning the API while the real
// counted B+tree is written; it is replaced wholesale by tree.go.

import "errors"

// ErrRange is returned when an offset, length or element index falls
// outside the tree.
var ErrRange = errors.New("memtree: out of range")

// Tree is a byte sequence.
type Tree struct{ b []byte }

// New returns an empty tree.
func New() *Tree { return &Tree{} }

// Len returns the number of bytes stored.
func (t *Tree) Len() int { return len(t.b) }

// Clone returns a tree with the same contents.
func (t *Tree) Clone() *Tree { return &Tree{b: append([]byte(nil), t.b...)} }

// ReadAt copies bytes [off, off+len(p)) into p.
func (t *Tree) ReadAt(p []byte, off int) error {
	if off < 0 || off+len(p) > len(t.b) {
		return ErrRange
	}
	copy(p, t.b[off:])
	return nil
}

// AppendRange appends bytes [off, off+n) to dst.
func (t *Tree) AppendRange(dst []byte, off, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+n > len(t.b) {
		return dst, ErrRange
	}
	return append(dst, t.b[off:off+n]...), nil
}

func (t *Tree) inRange(elem, start, step, n int) bool {
	if elem <= 0 || n < 0 {
		return false
	}
	if n == 0 {
		return true
	}
	last := start + (n-1)*step
	cnt := len(t.b) / elem
	return start >= 0 && start < cnt && last >= 0 && last < cnt
}

// Gather appends n elements of elem bytes at element indexes start,
// start+step, ... to dst.
func (t *Tree) Gather(dst []byte, elem, start, step, n int) ([]byte, error) {
	if !t.inRange(elem, start, step, n) {
		return dst, ErrRange
	}
	for j := 0; j < n; j++ {
		i := (start + j*step) * elem
		dst = append(dst, t.b[i:i+elem]...)
	}
	return dst, nil
}

// WriteAt overwrites bytes from off on, extending and zero-filling.
func (t *Tree) WriteAt(p []byte, off int) error {
	if off < 0 {
		return ErrRange
	}
	if len(p) == 0 {
		return nil
	}
	if off+len(p) > len(t.b) {
		t.b = append(t.b, make([]byte, off+len(p)-len(t.b))...)
	}
	copy(t.b[off:], p)
	return nil
}

// Scatter overwrites n elements at start, start+step, ... with p.
func (t *Tree) Scatter(p []byte, elem, start, step, n int) error {
	if !t.inRange(elem, start, step, n) || len(p) != n*elem {
		return ErrRange
	}
	for j := 0; j < n; j++ {
		i := (start + j*step) * elem
		copy(t.b[i:i+elem], p[j*elem:])
	}
	return nil
}

// Insert inserts p before byte off.
func (t *Tree) Insert(off int, p []byte) error {
	if off < 0 || off > len(t.b) {
		return ErrRange
	}
	nb := make([]byte, 0, len(t.b)+len(p))
	nb = append(append(append(nb, t.b[:off]...), p...), t.b[off:]...)
	t.b = nb
	return nil
}

// Append adds p at the end.
func (t *Tree) Append(p []byte) { t.b = append(t.b, p...) }

// Remove deletes bytes [off, off+n).
func (t *Tree) Remove(off, n int) error {
	if off < 0 || n < 0 || off+n > len(t.b) {
		return ErrRange
	}
	t.b = append(t.b[:off:off], t.b[off+n:]...)
	return nil
}

// RemoveStrided deletes n elements at start, start+step, ...
func (t *Tree) RemoveStrided(elem, start, step, n int) error {
	if !t.inRange(elem, start, step, n) {
		return ErrRange
	}
	del := make(map[int]bool, n)
	for j := 0; j < n; j++ {
		del[start+j*step] = true
	}
	var nb []byte
	for i := 0; i < len(t.b)/elem; i++ {
		if !del[i] {
			nb = append(nb, t.b[i*elem:(i+1)*elem]...)
		}
	}
	t.b = nb
	return nil
}

// Chunks calls fn with successive read-only pieces covering [off, off+n).
func (t *Tree) Chunks(off, n int, fn func([]byte) bool) error {
	if off < 0 || n < 0 || off+n > len(t.b) {
		return ErrRange
	}
	if n > 0 {
		fn(t.b[off : off+n])
	}
	return nil
}

// Builder builds a tree from a sequence of writes.
type Builder struct{ t Tree }

// Write appends p; it never fails.
func (b *Builder) Write(p []byte) (int, error) { b.t.b = append(b.t.b, p...); return len(p), nil }

// Tree returns the built tree; the builder must not be used afterwards.
func (b *Builder) Tree() *Tree { t := b.t; return &t }
