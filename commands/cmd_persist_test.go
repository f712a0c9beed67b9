package commands

import (
	"strings"
	"testing"
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
