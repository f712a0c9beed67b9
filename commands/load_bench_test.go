package commands

import (
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkLoad loads a snapshot of 256 f32 variables of 1 MiB elements
// (1 GiB) of random bytes, written once by the benchmark itself, from the page cache.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	s, c := mustLocal(b)
	s.cfg.Dir, s.cfg.DBFilename = dir, "load.numkv"
	blob := make([]byte, 4<<20) // random: like float weights, S2 stores it raw
	rand.New(rand.NewSource(1)).Read(blob)
	for i := 0; i < 256; i++ {
		k := "w" + strconv.Itoa(i)
		c.run("NUM.CREATE", k, "f32")
		c.run("NUM.APPEND", k, string(blob))
	}
	if err := s.save(); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, "load.numkv"))
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s2, _ := mustLocal(b)
		s2.cfg.Dir, s2.cfg.DBFilename = dir, "load.numkv"
		if err := s2.load(); err != nil {
			b.Fatal(err)
		}
	}
}
