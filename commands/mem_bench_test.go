package commands

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
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

// BenchmarkEmbedMax decides embedMax: for values of each size it stores
// 100,000 keys inline (in the record) and then as trees (a node and a
// chunk of their own), and reports the memory per key and the time of a
// GET and of an overwriting SET through dispatch, for each.
//
//	go test ./commands -run '^$' -bench EmbedMax -benchtime 1000000x
func BenchmarkEmbedMax(b *testing.B) {
	defer func() { embedRule = 0 }()
	for _, size := range benchSizes {
		for _, inline := range []bool{true, false} {
			name := "size=" + strconv.Itoa(size) + "/tree"
			embedRule = -1
			if inline {
				name = "size=" + strconv.Itoa(size) + "/inline"
				embedRule = 1
			}
			b.Run(name, func(b *testing.B) {
				s, c := mustLocal(b)
				const n = 100_000
				val := []byte(strings.Repeat("v", size))
				keys := make([][]byte, n)
				before := s.usedMemory()
				for k := range keys {
					keys[k] = []byte("key:" + strconv.Itoa(k))
					s.call(c, [][]byte{[]byte("SET"), keys[k], val})
					c.w.Reset()
				}
				perKey := float64(s.usedMemory()-before) / n
				get := [][]byte{[]byte("GET"), nil}
				set := [][]byte{[]byte("SET"), nil, val}
				b.ResetTimer()
				start := time.Now()
				for i := 0; i < b.N; i++ {
					get[1] = keys[i%n]
					s.call(c, get)
					c.w.Reset()
				}
				mid := time.Now()
				for i := 0; i < b.N; i++ {
					set[1] = keys[(i*7919)%n]
					s.call(c, set)
					c.w.Reset()
				}
				end := time.Now()
				b.ReportMetric(float64(mid.Sub(start).Nanoseconds())/float64(b.N), "GET-ns")
				b.ReportMetric(float64(end.Sub(mid).Nanoseconds())/float64(b.N), "SET-ns")
				b.ReportMetric(perKey, "B/key")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

var benchSizes = []int{64, 256, 512, 1024, 1536, 2048, 3000, 4096}
