package tests

// INFO persistence, against redis-server's for the same commands.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestPersistInfo follows INFO persistence through writes, SAVE and BGSAVE,
// and compares the change counter with redis-server's for the same
// commands.
func TestPersistInfo(t *testing.T) {
	t.Parallel()
	before := time.Now().Unix()
	p := mustStart(t, "", "--save", "")
	after := time.Now().Unix()
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	lastsave := func() int64 { return mustDo(t, rdb, "LASTSAVE").(int64) }
	// As in Redis, start-up counts as a save.
	if ls := lastsave(); ls < before || ls > after || infoInt(t, rdb, "rdb_last_save_time") != ls {
		t.Fatalf("LASTSAVE %d at a start between %d and %d, rdb_last_save_time:%s", ls, before, after, info(t, rdb, "rdb_last_save_time"))
	}
	for field, want := range map[string]string{"loading": "0", "rdb_changes_since_last_save": "0",
		"rdb_bgsave_in_progress": "0", "rdb_last_bgsave_status": "ok", "rdb_saves": "0"} {
		if got := info(t, rdb, field); got != want {
			t.Fatalf("%s:%s at start, want %s", field, got, want)
		}
	}

	rr := newClient(startRedis(t), 0, 2)
	defer rr.Close()
	// Redis's fields, in its order and, at start, with its values but for
	// the clock's; numkv adds rdb_last_cut_pause_usec.
	if got, want := infoSection(t, rdb, "rdb_last_cut_pause_usec", "rdb_last_save_time"), infoSection(t, rr, "rdb_last_save_time"); !slices.Equal(got, want) {
		t.Fatalf("INFO persistence at start:\n%s\nredis-server:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The change counter, compared with Redis's for the same commands.
	for _, cmd := range [][]any{
		{"SET", "a", "1"}, {"SET", "a", "2", "NX"}, {"APPEND", "a", "x"}, {"DEL", "nokey"},
		{"MSET", "b", "1", "c", "2"}, {"SETRANGE", "a", 0, "z"}, {"GET", "a"}, {"DEL", "b", "c"},
		{"SET", "t", "1", "EX", 100}, {"PERSIST", "t"},
	} {
		if err := rdb.Do(ctx, cmd...).Err(); err != nil && err != redis.Nil {
			t.Fatalf("%v: %v", cmd, err)
		}
		if err := rr.Do(ctx, cmd...).Err(); err != nil && err != redis.Nil {
			t.Fatalf("redis-server %v: %v", cmd, err)
		}
		got, want := infoInt(t, rdb, "rdb_changes_since_last_save"), infoInt(t, rr, "rdb_changes_since_last_save")
		if got != want {
			t.Fatalf("after %v: rdb_changes_since_last_save:%d, redis-server says %d", cmd, got, want)
		}
	}

	ls := lastsave()
	if v := mustDo(t, rdb, "SAVE"); v != "OK" {
		t.Fatalf("SAVE = %v", v)
	}
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 0 {
		t.Fatalf("rdb_changes_since_last_save:%d after SAVE", n)
	}
	if n := infoInt(t, rdb, "rdb_saves"); n != 1 {
		t.Fatalf("rdb_saves:%d after SAVE", n)
	}
	if now := lastsave(); now < ls || infoInt(t, rdb, "rdb_last_save_time") != now {
		t.Fatalf("LASTSAVE %d (was %d), rdb_last_save_time:%s", now, ls, info(t, rdb, "rdb_last_save_time"))
	}

	// A write after BGSAVE's reply is after its cut: it is still a change
	// once the save is done.
	if v, err := rdb.Do(ctx, "BGSAVE").Text(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE = %q, %v", v, err)
	}
	mustDo(t, rdb, "SET", "after", "cut")
	waitBgsave(t, rdb)
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 1 {
		t.Fatalf("rdb_changes_since_last_save:%d after a BGSAVE and one write after its cut", n)
	}
	if n, s := infoInt(t, rdb, "rdb_saves"), info(t, rdb, "rdb_last_bgsave_status"); n != 2 || s != "ok" {
		t.Fatalf("rdb_saves:%d rdb_last_bgsave_status:%s after BGSAVE", n, s)
	}
	if n := infoInt(t, rdb, "rdb_last_bgsave_time_sec"); n < 0 {
		t.Fatalf("rdb_last_bgsave_time_sec:%d after a BGSAVE", n)
	}
	if n, k := infoInt(t, rdb, "current_save_keys_processed"), infoInt(t, rdb, "current_save_keys_total"); n != 0 || k != 0 {
		t.Fatalf("current_save_keys_processed:%d current_save_keys_total:%d with no save running", n, k)
	}
	if infoInt(t, rdb, "rdb_last_save_time") != lastsave() {
		t.Fatal("rdb_last_save_time differs from LASTSAVE")
	}
}

// infoSection returns INFO persistence's lines, in order, without the
// named fields.
func infoSection(t testing.TB, rdb *redis.Client, skip ...string) []string {
	t.Helper()
	text, err := rdb.Info(ctx, "persistence").Result()
	if err != nil {
		t.Fatalf("INFO persistence: %v", err)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\r\n") {
		if k, _, _ := strings.Cut(line, ":"); !slices.Contains(skip, k) {
			lines = append(lines, line)
		}
	}
	return lines
}
