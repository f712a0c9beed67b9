package commands

import (
	"fmt"
	"numkv/offheap"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func (s *Server) infoPersistence(kv func(string, any)) {
	// Redis 7.0's fields, in its order. numkv saves without a fork, so the
	// fork's copy-on-write fields are 0, and it has no AOF and no modules.
	kv("loading", boolToInt(s.loading.Load()))
	kv("async_loading", 0)
	kv("current_cow_peak", 0)
	kv("current_cow_size", 0)
	kv("current_cow_size_age", 0)
	kv("current_fork_perc", "0.00")
	kv("current_save_keys_processed", s.persist.saveKeysProcessed.Load())
	kv("current_save_keys_total", s.persist.saveKeysTotal.Load())
	kv("rdb_changes_since_last_save", s.persist.dirty.Load())
	kv("rdb_bgsave_in_progress", boolToInt(s.persist.inProgress.Load()))
	kv("rdb_last_save_time", s.persist.lastSave.Load())
	status := "ok"
	if s.persist.lastBgFailed.Load() {
		status = "err"
	}
	kv("rdb_last_bgsave_status", status)
	last := s.persist.lastBgDuration.Load()
	if last > 0 {
		last /= 1000
	}
	kv("rdb_last_bgsave_time_sec", last)
	cur := int64(-1)
	if s.persist.inProgress.Load() {
		cur = (time.Now().UnixNano() - s.persist.bgStart.Load()) / 1e9
	}
	kv("rdb_current_bgsave_time_sec", cur)
	kv("rdb_saves", s.persist.saves.Load())
	kv("rdb_last_cow_size", 0)
	kv("rdb_last_load_keys_expired", s.persist.lastLoadExpired.Load())
	kv("rdb_last_load_keys_loaded", s.persist.lastLoadLoaded.Load())
	kv("aof_enabled", 0)
	kv("aof_rewrite_in_progress", 0)
	kv("aof_rewrite_scheduled", 0)
	kv("aof_last_rewrite_time_sec", -1)
	kv("aof_current_rewrite_time_sec", -1)
	kv("aof_last_bgrewrite_status", "ok")
	kv("aof_rewrites", 0)
	kv("aof_rewrites_consecutive_failures", 0)
	kv("aof_last_write_status", "ok")
	kv("aof_last_cow_size", 0)
	kv("module_fork_in_progress", 0)
	kv("module_fork_last_cow_size", 0)
	if s.loading.Load() {
		s.infoLoading(kv)
	}
	// numkv's own: how long the last save's cut held every slot lock.
	kv("rdb_last_cut_pause_usec", s.persist.lastPauseUs.Load())
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// infoLoading writes Redis's loading_* fields while the snapshot loads. With
// the size unknown (a pipe) the percentage and the estimate are 0.
func (s *Server) infoLoading(kv func(string, any)) {
	start, total, done := s.persist.loadStart.Load(), s.persist.loadTotal.Load(), s.persist.loadedSoFar.Load()
	kv("loading_start_time", start)
	kv("loading_total_bytes", total)
	kv("loading_rdb_used_mem", 0) // the file does not record it
	kv("loading_loaded_bytes", done)
	perc, eta := 0.0, int64(0)
	if total > 0 {
		perc = 100 * float64(done) / float64(total)
		if el := time.Now().Unix() - start; done > 0 && el > 0 {
			eta = int64(float64(el) * float64(total-done) / float64(done))
		}
	}
	kv("loading_loaded_perc", fmt.Sprintf("%.2f", perc))
	kv("loading_eta_seconds", eta)
}

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
	clients := s.clientMem.Load() + st.Live[offheap.Buffer]
	overhead := st.Live[offheap.Record] + st.Live[offheap.Table] + clients
	dataset := max(used-overhead, 0)
	startup := s.startupMem
	ratio := func(a, b int64) string {
		if b <= 0 {
			return "0.00"
		}
		return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64)
	}
	perc := func(a, b int64) string {
		if b <= 0 {
			return "0.00%"
		}
		return strconv.FormatFloat(100*float64(a)/float64(b), 'f', 2, 64) + "%"
	}
	sys := totalSystemMemory()
	w := kv
	w("used_memory", used)
	w("used_memory_human", humanBytes(used))
	w("used_memory_rss", res)
	w("used_memory_rss_human", humanBytes(res))
	w("used_memory_peak", peak)
	w("used_memory_peak_human", humanBytes(peak))
	w("used_memory_peak_perc", perc(used, peak))
	w("used_memory_overhead", overhead)
	w("used_memory_startup", startup)
	w("used_memory_dataset", dataset)
	w("used_memory_dataset_perc", perc(dataset, used-startup))
	// The allocator: what it handed out, the spans it carved them from, and
	// the process's resident memory.
	w("allocator_allocated", st.Total)
	w("allocator_active", st.Pages)
	w("allocator_resident", res)
	w("total_system_memory", sys)
	w("total_system_memory_human", humanBytes(sys))
	// No scripting: Lua and functions use nothing.
	w("used_memory_lua", 0)
	w("used_memory_vm_eval", 0)
	w("used_memory_lua_human", "0B")
	w("used_memory_scripts_eval", 0)
	w("number_of_cached_scripts", 0)
	w("number_of_functions", 0)
	w("number_of_libraries", 0)
	w("used_memory_vm_functions", 0)
	w("used_memory_vm_total", 0)
	w("used_memory_vm_total_human", "0B")
	w("used_memory_functions", 0)
	w("used_memory_scripts", 0)
	w("used_memory_scripts_human", "0B")
	w("maxmemory", s.live.maxMemory.Load())
	w("maxmemory_human", humanBytes(s.maxMemory()))
	w("maxmemory_policy", s.policy().String())
	w("allocator_frag_ratio", ratio(st.Pages, st.Total))
	w("allocator_frag_bytes", st.Pages-st.Total)
	w("allocator_rss_ratio", ratio(res, st.Pages))
	w("allocator_rss_bytes", res-st.Pages)
	w("rss_overhead_ratio", "1.00") // allocator_resident is the RSS itself
	w("rss_overhead_bytes", 0)
	w("mem_fragmentation_ratio", ratio(res, used))
	w("mem_fragmentation_bytes", res-used)
	w("mem_not_counted_for_evict", 0)
	w("mem_replication_backlog", 0)
	w("mem_total_replication_buffers", 0)
	w("mem_clients_slaves", 0)
	w("mem_clients_normal", clients)
	w("mem_cluster_links", 0)
	w("mem_aof_buffer", 0)
	kv("mem_allocator", "numkv-offheap")
	kv("active_defrag_running", 0)
	kv("lazyfree_pending_objects", s.lazy.pending.Load())
	kv("lazyfreed_objects", s.lazy.freed.Load())
	// numkv's own: what used_memory is made of, and the Go runtime's share
	// of the process, which used_memory does not count.
	kv("used_memory_values", st.Live[offheap.Chunk]+st.Live[offheap.Node])
	kv("used_memory_keys", st.Live[offheap.Record])
	kv("used_memory_tables", st.Live[offheap.Table])
	// The connections' buffers: on the heap, and large request buffers
	// offheap (resp.Reader).
	kv("used_memory_clients", clients)
	kv("used_memory_spans", st.Pages)
	kv("used_memory_retained", st.Retained)
	kv("used_memory_scavenged", st.Released)
	kv("go_heap_objects", samples[0].Value.Uint64())
	kv("go_runtime_memory", samples[1].Value.Uint64())
	kv("gc_cycles", samples[2].Value.Uint64())
	kv("gc_cpu_seconds", strconv.FormatFloat(samples[3].Value.Float64(), 'f', 6, 64))
}

func humanBytes(n int64) string {
	f := float64(n)
	for _, u := range []string{"B", "K", "M", "G", "T"} {
		if f < 1024 || u == "T" {
			if u == "B" {
				return fmt.Sprintf("%dB", n)
			}
			return fmt.Sprintf("%.2f%s", f, u)
		}
		f /= 1024
	}
	return ""
}

// usedMemory is Redis's used_memory: the bytes numkv holds for the data,
// counted exactly as the allocator hands them out (keys and their records,
// values, tree nodes, hash tables, a save's copies, what the lazy freer
// has yet to free), and the connections' buffers. The Go runtime's own
// heap (the server's code, its goroutines, transient garbage) is not in
// it; INFO reports it apart.
func (s *Server) usedMemory() int64 {
	return offheap.LiveBytes() + s.clientMem.Load()
}
