package commands

import (
	"strings"
	"testing"
	"time"
)

// While loading, INFO persistence carries Redis's loading_* fields; after,
// it does not.
func TestInfoLoadingFields(t *testing.T) {
	s, c := mustLocal(t)
	s.loading.Store(true)
	s.persist.loadStart.Store(time.Now().Unix() - 10)
	s.persist.loadTotal.Store(4000)
	s.persist.loadedSoFar.Store(1000)
	got := c.run("INFO", "persistence")
	s.loading.Store(false)
	for _, want := range []string{"loading:1\r\n", "loading_total_bytes:4000\r\n", "loading_loaded_bytes:1000\r\n",
		"loading_loaded_perc:25.00\r\n", "loading_start_time:"} {
		if !strings.Contains(got, want) {
			t.Errorf("INFO persistence while loading lacks %q:\n%s", want, got)
		}
	}
	// 10 s for a quarter: 30 s to go (33 if the clock ticked meanwhile).
	if !strings.Contains(got, "loading_eta_seconds:30\r\n") && !strings.Contains(got, "loading_eta_seconds:33\r\n") {
		t.Errorf("loading_eta_seconds is not 30 or 33:\n%s", got)
	}
	if got := c.run("INFO", "persistence"); strings.Contains(got, "loading_total_bytes") || !strings.Contains(got, "loading:0\r\n") {
		t.Errorf("INFO persistence after loading:\n%s", got)
	}
}

// TestInfoSaveKeys: current_save_keys_total is the keys at the cut, across
// databases, and current_save_keys_processed counts the keys written; both
// are 0 between saves, as in Redis.
func TestInfoSaveKeys(t *testing.T) {
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "keys.numkv"
	c.run("MSET", "a", "1", "b", "2", "c", "3")
	c.run("SELECT", "3")
	c.run("SET", "d", "4")
	field := func(name string) string {
		for _, line := range strings.Split(c.run("INFO", "persistence"), "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == name {
				return v
			}
		}
		t.Fatalf("INFO persistence has no %s", name)
		return ""
	}
	snap, _, _ := s.cut()
	c.run("SET", "after", "cut")
	if tot, done := field("current_save_keys_total"), field("current_save_keys_processed"); tot != "4" || done != "0" {
		t.Fatalf("after the cut: current_save_keys_total:%s current_save_keys_processed:%s, want 4 and 0", tot, done)
	}
	if _, _, err := s.writeSnap(snap, false); err != nil {
		t.Fatal(err)
	}
	if done := field("current_save_keys_processed"); done != "4" {
		t.Fatalf("current_save_keys_processed:%s once every slot is written, want 4", done)
	}
	snap, dirty, _ := s.cut()
	if err := s.finishSave(snap, false, dirty, 0, false); err != nil {
		t.Fatal(err)
	}
	if tot, done := field("current_save_keys_total"), field("current_save_keys_processed"); tot != "0" || done != "0" {
		t.Fatalf("after the save: current_save_keys_total:%s current_save_keys_processed:%s, want 0 and 0", tot, done)
	}
}
