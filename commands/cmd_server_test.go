package commands

import "testing"

// TestServerCommands checks DBSIZE, FLUSHDB and FLUSHALL with their modes,
// and INFO keyspace, as redis-server 7.0.15 answers them.
func TestServerCommands(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"DBSIZE", intReply(0)},
		{"SET a 1", okReply},
		{"SET b 2", okReply},
		{"DBSIZE", intReply(2)},
		{"INFO keyspace", "$44\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n\r\n"},
		{"FLUSHDB foo", errReply(msgSyntax)},
		{"FLUSHALL ASYNC x", errReply(msgSyntax)},
		{"FLUSHDB SYNC", okReply},
		{"DBSIZE", intReply(0)},
		{"SELECT 1", okReply},
		{"SET c 3", okReply},
		{"SELECT 0", okReply},
		{"SET d 4", okReply},
		{"FLUSHALL ASYNC", okReply},
		{"DBSIZE", intReply(0)},
		{"SELECT 1", okReply},
		{"DBSIZE", intReply(0)},
		{"INFO keyspace", "$12\r\n# Keyspace\r\n\r\n"},
		{"TIME x", errReply("ERR wrong number of arguments for 'time' command")},
	})
}
