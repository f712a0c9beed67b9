package commands

import (
	"strconv"
	"strings"
	"testing"
)

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

// TestClientKillPipeliningVictim kills a connection while it works through
// a long pipeline it never reads replies for, and one waiting in a read:
// each is closed, leaves the client list, and its goroutine ends without
// running the rest of its pipeline.
func TestClientKillPipeliningVictim(t *testing.T) {
	s, addr := mustNumkv(t, noPersistence)
	killer := mustDial(t, addr)
	idle := mustDial(t, addr)
	idleID := strings.TrimSpace(strings.TrimPrefix(idle.do("CLIENT", "ID"), ":"))

	victim := mustDial(t, addr)
	victimID := strings.TrimSpace(strings.TrimPrefix(victim.do("CLIENT", "ID"), ":"))
	const n = 200000
	var b []byte
	for range n {
		b = encodeCommand(b, []string{"INCR", "k"})
	}
	go victim.nc.Write(b) // fails once the server closes the connection
	waitUntil(t, "the victim's pipeline to start", func() bool { return killer.do("EXISTS", "k") == ":1\r\n" })
	if got := killer.do("CLIENT", "KILL", "ID", victimID); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL ID victim = %q", got)
	}
	if got := killer.do("CLIENT", "KILL", "ID", idleID, "SKIPME", "yes"); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL ID idle = %q", got)
	}
	// Both are out of the list at once; their goroutines end.
	list := killer.do("CLIENT", "LIST")
	if strings.Contains(list, "id="+victimID+" ") || strings.Contains(list, "id="+idleID+" ") {
		t.Fatalf("killed clients still listed: %s", list)
	}
	waitUntil(t, "the killed connections' goroutines to end", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.clients) == 1
	})
	if _, err := idle.pipeline([][]string{{"PING"}}); err == nil {
		t.Fatal("the idle victim's connection still answers")
	}
	// The rest of the pipeline did not run: the count stops short of n,
	// and stays put.
	got := killer.do("GET", "k")
	if got == "$6\r\n"+strconv.Itoa(n)+"\r\n" {
		t.Fatalf("the whole pipeline ran: %q", got)
	}
	if again := killer.do("GET", "k"); again != got {
		t.Fatalf("the killed pipeline goes on: %q then %q", got, again)
	}
}
