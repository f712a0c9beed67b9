package commands

import (
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkSmallKeyMemory reports what a plain 8-byte string costs per
// key, with its key, over 1,000,000 SETs: used_memory, and the Go heap,
// which should not grow with the keys at all.
func BenchmarkSmallKeyMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, c := mustLocal(b)
		runtime.GC()
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		before := s.usedMemory()
		const n = 1_000_000
		for k := 0; k < n; k++ {
			c.run("SET", "key:"+strconv.Itoa(k), "12345678")
		}
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		b.ReportMetric(float64(s.usedMemory()-before)/n, "B/key")
		b.ReportMetric(float64(int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc))/n, "heap-B/key")
		runtime.KeepAlive(s)
	}
}
