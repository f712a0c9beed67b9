package commands

import (
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkSmallKeyMemory reports the heap a plain 8-byte string costs per
// key, with its key, over 1,000,000 SETs.
func BenchmarkSmallKeyMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, c := mustLocal(b)
		runtime.GC()
		before := usedMemory()
		const n = 1_000_000
		for k := 0; k < n; k++ {
			c.run("SET", "key:"+strconv.Itoa(k), "12345678")
		}
		runtime.GC()
		b.ReportMetric(float64(usedMemory()-before)/n, "B/key")
		runtime.KeepAlive(s)
	}
}
