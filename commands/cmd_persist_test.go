package commands

import (
	"strings"
	"testing"
	"time"
)

// TestPersistCommands checks SAVE, BGSAVE, LASTSAVE and SHUTDOWN ABORT's
// replies, and SAVE and BGSAVE with persistence off.
func TestPersistCommands(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"SET a 1", okReply},
		{"SAVE", okReply},
		{"SAVE x", errReply("ERR wrong number of arguments for 'save' command")},
		{"LASTSAVE x", errReply("ERR wrong number of arguments for 'lastsave' command")},
		{"SHUTDOWN ABORT", errReply("ERR No shutdown in progress.")},
	})
	if got := c.do("LASTSAVE"); !strings.HasPrefix(got, ":") {
		t.Errorf("LASTSAVE: got %q, want an integer", got)
	}
	if got := c.do("BGSAVE", "SCHEDULE"); got != "+Background saving started\r\n" && got != "+Background saving scheduled\r\n" {
		t.Errorf("BGSAVE SCHEDULE: got %q", got)
	}

	_, addr := mustNumkv(t, func(cfg *Config) { cfg.DBFilename = "" })
	off := mustDial(t, addr)
	runExchanges(t, off, []exchange{
		{"SAVE", errReply(msgPersistenceOff)},
		{"BGSAVE", errReply(msgPersistenceOff)},
	})
}

// TestBgsaveDuringSave: while a SAVE writes (it holds saveMu), BGSAVE
// answers as to a save in progress, BGSAVE SCHEDULE schedules, and the
// cron neither blocks on the SAVE nor loses the scheduled save: it starts
// it once the SAVE is done.
func TestBgsaveDuringSave(t *testing.T) {
	s, addr := mustNumkv(t)
	c := mustDial(t, addr)
	s.saveMu.Lock() // a SAVE in progress
	runExchanges(t, c, []exchange{
		{"BGSAVE", errReply(msgBgsaveInProgress)},
		{"BGSAVE SCHEDULE", "+" + msgBgsaveScheduled + "\r\n"},
	})
	s.saveCron(time.Now()) // returns: it must not wait for the SAVE
	if !s.persist.scheduled.Load() {
		t.Fatal("the cron dropped the scheduled BGSAVE while a SAVE held saveMu")
	}
	before := s.persist.saves.Load()
	s.saveMu.Unlock()
	s.saveCron(time.Now())
	for deadline := time.Now().Add(10 * time.Second); s.persist.inProgress.Load() || s.persist.saves.Load() == before; {
		if time.Now().After(deadline) {
			t.Fatal("the scheduled BGSAVE did not run after the SAVE")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
