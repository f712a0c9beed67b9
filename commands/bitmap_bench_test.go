package commands

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkBitmap runs the bitmap commands in-process over 64 MiB values
// loaded with SETRANGE in 1 MiB pieces, as scripts/bench_bitmap.sh loads
// them into a server: BITCOUNT of random bytes, BITPOS of the one set bit
// in zeros (and clear bit in ones) 100 bits before the end, BITOP AND of
// two random values. flat_skipRun is BITPOS's scan over one contiguous
// 64 MiB []byte: the memory bandwidth bound that the scan over the tree's
// chunks is measured against.
func BenchmarkBitmap(b *testing.B) {
	const n = 64 << 20
	_, c := mustLocal(b)
	rng := rand.New(rand.NewPCG(64, 0))
	flat := make([]byte, n)
	for i := range flat {
		flat[i] = 0xff // written, so that it is not the kernel's zero page
	}
	piece := make([]byte, 1<<20)
	zeros, ones := strings.Repeat("\x00", 1<<20), strings.Repeat("\xff", 1<<20)
	for off := 0; off < n; off += len(piece) {
		for _, k := range []string{"r1", "r2"} {
			for i := range piece {
				piece[i] = byte(rng.Uint32())
			}
			c.run("SETRANGE", k, strconv.Itoa(off), string(piece))
		}
		c.run("SETRANGE", "z", strconv.Itoa(off), zeros)
		c.run("SETRANGE", "o", strconv.Itoa(off), ones)
	}
	last := strconv.Itoa(n*8 - 100)
	c.run("SETBIT", "z", last, "1")
	c.run("SETBIT", "o", last, "0")
	for _, bc := range []struct {
		name string
		args []string
		want string
	}{
		{"BITCOUNT", []string{"BITCOUNT", "r1"}, ""},
		{"BITPOS_z_1", []string{"BITPOS", "z", "1"}, ":" + last + "\r\n"},
		{"BITPOS_o_0", []string{"BITPOS", "o", "0"}, ":" + last + "\r\n"},
		{"BITOP_AND", []string{"BITOP", "AND", "d", "r1", "r2"}, ":67108864\r\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(n)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if got := c.run(bc.args...); bc.want != "" && got != bc.want {
					b.Fatalf("%q: %q, want %q", bc.args, got, bc.want)
				}
			}
		})
	}
	b.Run("flat_skipRun", func(b *testing.B) {
		b.SetBytes(n)
		for i := 0; i < b.N; i++ {
			if skipRun(flat, ^uint64(0)) != n {
				b.Fatal("skipRun stopped early")
			}
		}
	})
}
