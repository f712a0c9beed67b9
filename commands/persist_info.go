package commands

import (
	"fmt"
	"time"
)

func (s *Server) infoPersistence(kv func(string, any)) {
	kv("loading", b2i(s.loading.Load()))
	if s.loading.Load() {
		s.infoLoading(kv)
	}
	kv("rdb_changes_since_last_save", s.persist.dirty.Load())
	kv("rdb_bgsave_in_progress", b2i(s.persist.inProgress.Load()))
	kv("rdb_last_save_time", s.persist.lastSave.Load())
	kv("rdb_saves", s.persist.saves.Load())
	status := "ok"
	if s.persist.lastBgFailed.Load() {
		status = "err"
	}
	kv("rdb_last_bgsave_status", status)
	kv("rdb_last_bgsave_time_sec", s.persist.lastBgDuration.Load()/1000)
	cur := int64(-1)
	if s.persist.inProgress.Load() {
		cur = (time.Now().UnixNano() - s.persist.bgStart.Load()) / 1e9
	}
	kv("rdb_current_bgsave_time_sec", cur)
	kv("rdb_last_cut_pause_usec", s.persist.lastPauseUs.Load())
	kv("aof_enabled", 0)
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
