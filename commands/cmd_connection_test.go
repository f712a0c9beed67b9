package commands

import "testing"

// TestConnectionCommands checks the connection group's replies and error
// texts, each as redis-server 7.0.15 answers it (the differential test
// compares the rest).
func TestConnectionCommands(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"PING", "+PONG\r\n"},
		{"PING hi", "$2\r\nhi\r\n"},
		{"ECHO x", "$1\r\nx\r\n"},
		{"SELECT 1", okReply},
		{"SELECT 99", errReply(msgDBIndex)},
		{"SELECT x", errReply(msgNotInt)},
		{"HELLO 4", errReply(msgNoProto)},
		{"HELLO x", errReply(msgProtoVersion)},
		{"HELLO 2 FOO", errReply("ERR Syntax error in HELLO option 'FOO'")},
		{`CLIENT SETNAME "a\x20b"`, errReply(msgClientName)},
		{"CLIENT SETNAME n1", okReply},
		{"CLIENT GETNAME", "$2\r\nn1\r\n"},
		{"CLIENT LIST TYPE foo", errReply("ERR Unknown client type 'foo'")},
		{"CLIENT LIST ID abc", errReply(msgInvalidClientID)},
		{"AUTH x", errReply(msgAuthNotSet)},
		{"RESET", "+RESET\r\n"},
		{"CLIENT GETNAME", nullBulk},
	})
}

// TestHelloNeedsAuth: with a password set, HELLO without AUTH is refused
// with Redis's long NOAUTH text, and HELLO AUTH authenticates.
func TestHelloNeedsAuth(t *testing.T) {
	_, addr := mustNumkv(t, func(cfg *Config) { cfg.RequirePass = "pw" })
	c := mustDial(t, addr)
	runExchanges(t, c, []exchange{
		{"HELLO 2", errReply(msgHelloNoAuth)},
		{"GET a", errReply(msgNoAuth)},
		{"AUTH nope", errReply(msgWrongPass)},
		{"AUTH pw", okReply},
		{"GET a", nullBulk},
	})
}
