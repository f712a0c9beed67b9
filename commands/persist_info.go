package commands

import "time"

func (s *Server) infoPersistence(kv func(string, any)) {
	kv("loading", b2i(s.loading.Load()))
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
