package commands

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"

	"numkv/offheap"
)

// peakMemory is the highest used_memory INFO has seen.
var peakMemory atomic.Int64

// rss returns the process's resident memory, from /proc/self/statm, or -1
// where there is none.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return pages * int64(os.Getpagesize())
}

var goMetrics = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/total:bytes",
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
}

// infoMemory writes INFO's memory section: Redis's fields, with used_memory
// counted as usedMemory says, and numkv's own breakdown of it, the Go
// runtime's heap beside it, and what the collector costs.
func (s *Server) infoMemory(kv func(string, any)) {
	st := offheap.ReadStats()
	used := st.Total + s.clientMem.Load()
	peak := peakMemory.Load()
	for used > peak && !peakMemory.CompareAndSwap(peak, used) {
		peak = peakMemory.Load()
	}
	peak = max(peak, used)
	res := rss()
	samples := make([]metrics.Sample, len(goMetrics))
	for i, name := range goMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	kv("used_memory", used)
	kv("used_memory_human", humanBytes(used))
	kv("used_memory_rss", res)
	kv("used_memory_rss_human", humanBytes(res))
	kv("used_memory_peak", peak)
	kv("used_memory_peak_human", humanBytes(peak))
	kv("maxmemory", s.live.maxMemory.Load())
	kv("maxmemory_human", humanBytes(s.maxMemory()))
	kv("maxmemory_policy", "noeviction")
	if used > 0 {
		kv("mem_fragmentation_ratio", strconv.FormatFloat(float64(res)/float64(used), 'f', 2, 64))
	}
	kv("mem_allocator", "numkv-offheap")
	kv("lazyfree_pending_objects", s.lazy.pending.Load())
	// numkv's own: what used_memory is made of, and the Go runtime's share
	// of the process, which used_memory does not count.
	kv("used_memory_values", st.Live[offheap.Chunk]+st.Live[offheap.Node])
	kv("used_memory_keys", st.Live[offheap.Record])
	kv("used_memory_tables", st.Live[offheap.Table])
	kv("used_memory_clients", s.clientMem.Load())
	kv("used_memory_spans", st.Pages)
	kv("used_memory_retained", st.Retained)
	kv("go_heap_objects", samples[0].Value.Uint64())
	kv("go_runtime_memory", samples[1].Value.Uint64())
	kv("gc_cycles", samples[2].Value.Uint64())
	kv("gc_cpu_seconds", strconv.FormatFloat(samples[3].Value.Float64(), 'f', 6, 64))
}
