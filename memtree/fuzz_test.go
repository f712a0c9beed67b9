package memtree

import (
	"testing"

	"numkv/offheap"
)

// FuzzOps decodes the input into the model test's operations, on small
// sizes so that short inputs reach many leaves and levels. Besides the
// seeds below, testdata/fuzz/FuzzOps holds inputs that fuzzing found
// interesting, and is where crashers go, so plain go test replays them.
func FuzzOps(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x05\x00\x00\x01\x00\x00\x40\x00\x00\x0b\x00\x00\x03"))
	f.Add([]byte("append then insert then strided remove, then clone and write both sides"))
	seed := make([]byte, 0, 600)
	for i := 0; i < 600; i++ {
		seed = append(seed, byte(i*37+i/7))
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		setSizes(t, 64, 8, 4)
		before := offheap.LiveBytes()
		h := newHarness(t, &byteSrc{b: data}, 16<<10)
		for i := 0; i < 300 && !h.r.done(); i++ {
			h.step()
			h.verify()
		}
		h.releaseAll(before)
	})
}
