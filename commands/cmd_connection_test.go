package commands

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
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

// postponedCount is how many clients a pause holds back.
func postponedCount(s *Server) int64 { return s.blocked.Load() }

// TestClientPause follows Redis 7.0's pause.tcl: under WRITE, reads and
// read-only transactions go on while writes, and an EXEC with a queued
// write, wait until CLIENT UNPAUSE; a shorter pause does not shorten a
// running one; a postponed client can be killed; a pause holds evictions
// and expiry back.
func TestClientPause(t *testing.T) {
	s, addr := mustNumkv(t, noPersistence)
	admin := mustDial(t, addr)
	runExchanges(t, admin, []exchange{
		{"CLIENT PAUSE", errReply("ERR wrong number of arguments for 'client|pause' command")},
		{"CLIENT PAUSE 1 WRITE x", errReply("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.")},
		{"CLIENT PAUSE -1", errReply("ERR timeout is negative")},
		{"CLIENT PAUSE 1.5", errReply("ERR timeout is not an integer or out of range")},
		{"CLIENT PAUSE abc foo", errReply("ERR CLIENT PAUSE mode must be WRITE or ALL")},
		{"CLIENT UNPAUSE x", errReply("ERR wrong number of arguments for 'client|unpause' command")},
		{"CLIENT PAUSE 0 WRITE", "+OK\r\n"},
		{"SET k v", "+OK\r\n"},          // a pause of 0 is over at once
		{"SET gone v PX 50", "+OK\r\n"}, // expires once the pause below holds expiry back
	})
	if s.evictPaused() {
		t.Fatal("evictPaused with no pause")
	}
	writer, txn := mustDial(t, addr), mustDial(t, addr)
	if got := txn.do("MULTI") + txn.do("SET", "t", "1"); got != "+OK\r\n+QUEUED\r\n" {
		t.Fatal(got)
	}
	if got := admin.do("CLIENT", "PAUSE", "100000", "WRITE"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := admin.do("CLIENT", "PAUSE", "1", "WRITE"); got != "+OK\r\n" { // does not shorten it
		t.Fatal(got)
	}
	if !s.evictPaused() || !s.expirePaused() {
		t.Fatal("a pause does not hold evictions and expiry back")
	}
	writer.nc.Write(encodeCommand(encodeCommand(nil, []string{"GET", "k"}), []string{"SET", "k", "w"}))
	txn.nc.Write(encodeCommand(nil, []string{"EXEC"}))
	waitUntil(t, "two postponed clients", func() bool { return postponedCount(s) == 2 })
	// The GET before the postponed SET has its reply already.
	if r, _ := readOne(writer); r != "$1\r\nv\r\n" {
		t.Fatalf("GET before the postponed SET: %q", r)
	}
	time.Sleep(60 * time.Millisecond) // gone's 50 ms are over, under the pause
	runExchanges(t, admin, []exchange{
		{"GET k", "$1\r\nv\r\n"},
		{"MULTI", "+OK\r\n"},
		{"GET k", "+QUEUED\r\n"},
		{"EXEC", "*1\r\n$1\r\nv\r\n"},
		{"EXISTS gone", ":0\r\n"}, // expired: reads as missing, but stays
		{"DBSIZE", ":2\r\n"},
	})
	if l := admin.do("CLIENT", "LIST"); strings.Count(l, "flags=b ") != 1 || strings.Count(l, "flags=xb ") != 1 {
		t.Fatalf("postponed clients' flags: %s", l)
	}
	// A killed postponed client leaves at once.
	victim := mustDial(t, addr)
	id := strings.TrimSpace(strings.TrimPrefix(victim.do("CLIENT", "ID"), ":"))
	victim.nc.Write(encodeCommand(nil, []string{"SET", "x", "1"}))
	waitUntil(t, "three postponed clients", func() bool { return postponedCount(s) == 3 })
	if got := admin.do("CLIENT", "KILL", "ID", id); got != ":1\r\n" {
		t.Fatal(got)
	}
	waitUntil(t, "the killed client to stop waiting", func() bool { return postponedCount(s) == 2 })

	if got := admin.do("CLIENT", "UNPAUSE"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if r, _ := readOne(writer); r != "+OK\r\n" {
		t.Fatalf("postponed SET: %q", r)
	}
	if r, _ := readOne(txn); r != "*1\r\n+OK\r\n" {
		t.Fatalf("postponed EXEC: %q", r)
	}
	runExchanges(t, admin, []exchange{
		{"GET k", "$1\r\nw\r\n"},
		{"EXISTS x", ":0\r\n"},
	})
	waitUntil(t, "expiry to resume", func() bool { return admin.do("DBSIZE") == ":2\r\n" })
}

// TestClientPauseAll holds every command back, CLIENT UNPAUSE from
// another connection included, as Redis 7.0 does, until the pause ends.
func TestClientPauseAll(t *testing.T) {
	s, addr := mustNumkv(t, noPersistence)
	admin, other := mustDial(t, addr), mustDial(t, addr)
	if got := admin.do("CLIENT", "PAUSE", "100000", "ALL"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	other.nc.Write(encodeCommand(nil, []string{"CLIENT", "UNPAUSE"}))
	admin.nc.Write(encodeCommand(nil, []string{"PING"}))
	waitUntil(t, "two postponed clients", func() bool { return postponedCount(s) == 2 })
	s.unpauseClients() // what only the deadline would do
	for _, c := range []*rconn{other, admin} {
		if r, _ := readOne(c); r != "+OK\r\n" && r != "+PONG\r\n" {
			t.Fatalf("after the pause: %q", r)
		}
	}
	// A pause whose end passes lets the postponed command run by itself.
	if got := admin.do("CLIENT", "PAUSE", "50", "ALL"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := other.do("PING"); got != "+PONG\r\n" {
		t.Fatal(got)
	}
}

// readOne reads one reply from c.
func readOne(c *rconn) (string, error) {
	var b bytes.Buffer
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	err := readReply(c.rd, &b)
	return b.String(), err
}
