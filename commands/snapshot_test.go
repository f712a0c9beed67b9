package commands

import (
	"testing"
	"time"
)

// TestSavesPerServer: each Server serializes its own saves only, so a save
// held up in one does not hold up another's in the same process.
func TestSavesPerServer(t *testing.T) {
	held, _ := mustLocal(t)
	held.saveMu.Lock() // a save in progress, as far as held is concerned
	defer held.saveMu.Unlock()
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "other.numkv"
	c.run("SET", "k", "v")
	if got := c.run("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE = %q", got)
	}
	if got := c.run("BGSAVE"); got != "+"+msgBgsaveStarted+"\r\n" {
		t.Fatalf("BGSAVE = %q", got)
	}
	for s.persist.inProgress.Load() {
		time.Sleep(time.Millisecond)
	}
	if s.persist.lastBgFailed.Load() {
		t.Fatal("the background save failed")
	}
}
