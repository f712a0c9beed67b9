package commands

import (
	"fmt"
	"time"
)

func (s *Server) infoPersistence(kv func(string, any)) {
	// Redis 7.0's fields, in its order. numkv saves without a fork, so the
	// fork's copy-on-write fields are 0, and it has no AOF and no modules.
	kv("loading", b2i(s.loading.Load()))
	kv("async_loading", 0)
	kv("current_cow_peak", 0)
	kv("current_cow_size", 0)
	kv("current_cow_size_age", 0)
	kv("current_fork_perc", "0.00")
	kv("current_save_keys_processed", s.persist.saveKeysProcessed.Load())
	kv("current_save_keys_total", s.persist.saveKeysTotal.Load())
	kv("rdb_changes_since_last_save", s.persist.dirty.Load())
	kv("rdb_bgsave_in_progress", b2i(s.persist.inProgress.Load()))
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
	// numkv's own: how long the last save's cut held every slot lock.
	kv("rdb_last_cut_pause_usec", s.persist.lastPauseUs.Load())
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
}

func b2i(b bool) int {
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
