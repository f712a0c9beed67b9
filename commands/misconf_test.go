package commands

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestDiffMisconf compares numkv with redis-server after a background save
// fails: with save rules set and stop-writes-on-bgsave-error on (the
// default), writes and PING get MISCONF, reads run, a queued write aborts
// EXEC, and turning either setting off lets writes through. The save fails
// because each server's directory is removed under it.
func TestDiffMisconf(t *testing.T) {
	const rules = "3600 1"
	redisAddr := mustRedis(t, "--save", rules)
	_, numAddr := mustNumkv(t, func(c *Config) { c.Save = rules })
	d := newDiffScript(t, redisAddr, numAddr, 2)
	// Redis would refuse to stop on SIGTERM once it cannot save.
	defer d.on(1, "CONFIG", "SET", "save", "")
	numDir := configDir(t, d.numkv[0])
	for _, c := range []*rconn{d.redis[0], d.numkv[0]} {
		if err := os.RemoveAll(configDir(t, c)); err != nil {
			t.Fatal(err)
		}
	}
	bgsaveFails := func() {
		t.Helper()
		d.on(1, "BGSAVE")
		waitIdle(t, d.redis[1], d.numkv[1])
		if got := persistField(t, d.numkv[1], "rdb_last_bgsave_status"); got != "err" {
			t.Fatalf("rdb_last_bgsave_status:%s after a failed BGSAVE", got)
		}
	}
	w := strings.Fields
	steps := func(name string, cmds ...[]string) {
		t.Helper()
		d.prefix = name + ": "
		for _, c := range cmds {
			d.do(c...)
		}
	}

	steps("before", w("SET a 1"), w("MULTI"), w("SET q 1"), w("GET a"))
	d.prefix = "failed SAVE: "
	d.on(1, "SAVE") // a failed SAVE does not stop writes, in Redis either
	d.on(1, "SET", "b", "1")
	bgsaveFails()
	steps("queued before the failure", w("EXEC"))
	steps("refused", w("SET b 2"), w("PING"), w("PING hi"), w("DEL a"), w("INCR n"), w("EXPIRE a 10"),
		w("APPEND a x"), w("SETRANGE a 0 x"), w("FLUSHDB"), w("FLUSHALL"), w("MSET a 1 b 2"))
	steps("allowed", w("GET a"), w("ECHO x"), w("DBSIZE"), w("EXISTS a b"), w("TTL a"), w("SELECT 1"), w("SELECT 0"),
		w("CONFIG GET stop-writes-on-bgsave-error"))
	steps("in MULTI", w("MULTI"), w("GET a"), w("SET x 1"), w("EXEC"), w("MULTI"), w("GET a"), w("EXEC"))
	steps("setting off", w("CONFIG SET stop-writes-on-bgsave-error maybe"), w("CONFIG SET stop-writes-on-bgsave-error NO"),
		w("CONFIG GET stop-writes-on-bgsave-error"), w("SET b 3"), w("PING"),
		w("CONFIG SET stop-writes-on-bgsave-error yes"), w("SET b 4"))
	steps("no save rules", w("CONFIG SET save"), []string{"CONFIG", "SET", "save", ""}, w("SET b 5"),
		[]string{"CONFIG", "SET", "save", rules}, w("SET b 6"))

	// What Redis cannot show here (its working directory is gone for
	// good): a save that works lifts the refusal, SAVE's as well as
	// BGSAVE's.
	n := d.numkv[0]
	d.prefix = ""
	if got := n.do("NUM.CREATE", "v", "f32"); !strings.HasPrefix(got, "-MISCONF ") {
		t.Errorf("NUM.CREATE after a failed BGSAVE: %q", got)
	}
	if got := n.do("GET", "a"); got != "$1\r\n1\r\n" {
		t.Errorf("GET a: %q", got)
	}
	if err := os.Mkdir(numDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := n.do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	if got := n.do("NUM.CREATE", "v", "f32"); got != "+OK\r\n" {
		t.Errorf("NUM.CREATE after a good SAVE: %q", got)
	}
	if err := os.RemoveAll(numDir); err != nil {
		t.Fatal(err)
	}
	n.do("BGSAVE")
	waitIdle(t, n)
	if got := n.do("SET", "c", "1"); !strings.HasPrefix(got, "-MISCONF ") {
		t.Errorf("SET after a second failed BGSAVE: %q", got)
	}
	if err := os.Mkdir(numDir, 0o755); err != nil {
		t.Fatal(err)
	}
	n.do("BGSAVE")
	waitIdle(t, n)
	if got := n.do("SET", "c", "1"); got != "+OK\r\n" {
		t.Errorf("SET after a good BGSAVE: %q", got)
	}
}

// configDir returns the server's CONFIG GET dir.
func configDir(t *testing.T, c *rconn) string {
	t.Helper()
	v, ok := parseReply(c.do("CONFIG", "GET", "dir")).([]any)
	if !ok || len(v) != 2 {
		t.Fatalf("CONFIG GET dir: %v", v)
	}
	return v[1].(string)
}

// persistField returns one field of the server's INFO persistence.
func persistField(t *testing.T, c *rconn, name string) string {
	t.Helper()
	info, _ := parseReply(c.do("INFO", "persistence")).(string)
	for _, line := range strings.Split(info, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == name {
			return v
		}
	}
	t.Fatalf("INFO persistence has no %s:\n%s", name, info)
	return ""
}

// waitIdle waits until no background save runs on any of the servers.
func waitIdle(t *testing.T, conns ...*rconn) {
	t.Helper()
	for _, c := range conns {
		for deadline := time.Now().Add(30 * time.Second); persistField(t, c, "rdb_bgsave_in_progress") != "0"; {
			if time.Now().After(deadline) {
				t.Fatal("a background save did not finish")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
