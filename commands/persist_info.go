package commands

func (s *Server) infoPersistence(kv func(string, any)) {
	kv("loading", b2i(s.loading.Load()))
	kv("rdb_changes_since_last_save", s.persist.dirty.Load())
	kv("rdb_bgsave_in_progress", b2i(s.persist.inProgress.Load()))
	kv("rdb_last_save_time", s.persist.lastSave.Load())
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
