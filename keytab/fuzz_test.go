package keytab

import (
	"math/rand/v2"
	"testing"
)

// FuzzTable decodes the input into the model test's operations, on a small
// universe of keys whose hashes collide on purpose, with tables past 16
// entries rehashing keys as those over 2^20 do when the input's first
// byte is odd. Besides the seeds below, testdata/fuzz/FuzzTable holds
// inputs that fuzzing found interesting, and is where crashers go, so
// plain go test replays them.
func FuzzTable(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x00\x01\x00\x00\x02\x00\x00\x03\x00\x00\x04"))
	f.Add([]byte("\x01insert, insert, delete inside each, then random and drop"))
	seed := make([]byte, 0, 600)
	for i := 0; i < 600; i++ {
		seed = append(seed, byte(i*37+i/7))
	}
	f.Add(seed)
	keys := universe(rand.New(rand.NewPCG(1, 2)), 48, true, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		setHash(t, keys)
		if len(data) > 0 && data[0]%2 == 1 {
			setTagHomeBits(t, 4)
		}
		h := newHarness(t, &byteSrc{b: data}, keys)
		for i := 0; i < 300 && !h.r.done(); i++ {
			h.step()
			h.verify()
		}
		h.verifyAll()
	})
}
