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
