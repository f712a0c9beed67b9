package snapshotio

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/klauspost/compress/s2"
)

// The S2 probe stores incompressible blocks as they are, but a block with
// any compressible part is still compressed whole.
func TestS2Probe(t *testing.T) {
	w := NewWriter(&bytes.Buffer{}, Options{})
	dst := make([]byte, s2.MaxEncodedLen(1<<20))
	noise := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(noise)
	if w.s2Worthwhile(dst, noise) {
		t.Error("random bytes judged worth compressing")
	}
	mixed := append([]byte(nil), noise...)
	copy(mixed[3<<18:], bytes.Repeat([]byte("numkv "), 1<<16)) // the last quarter is text
	if !w.s2Worthwhile(dst, mixed) {
		t.Error("a block with a compressible quarter judged not worth compressing")
	}
	if stored, codec, _ := w.compress(mixed); codec != blockS2 || len(stored) >= len(mixed) {
		t.Errorf("mixed block stored with codec %d, %d bytes", codec, len(stored))
	}
	if _, codec, _ := w.compress(noise); codec != blockStored {
		t.Errorf("random block stored with codec %d", codec)
	}
}
