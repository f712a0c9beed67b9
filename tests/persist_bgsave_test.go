package tests

// BGSAVE: the file holds exactly the state at its cut while clients write
// during the save.

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestPersistPointInTime checks that a BGSAVE of 200 MiB holds exactly the
// state at its cut while writes change that state during the save.
func TestPersistPointInTime(t *testing.T) {
	t.Parallel()
	const piece, pieces = 4 << 20, 50
	dir := t.TempDir()
	flags := []string{"--save", ""}
	p := mustStart(t, dir, flags...)
	rdb := newClient(p, 0, 2)
	h := sha256.New()
	for i := 0; i < pieces; i++ {
		b := randBytes(uint64(1000+i), piece)
		h.Write(b)
		mustDo(t, rdb, "APPEND", "big", b)
	}
	wantBig := h.Sum(nil)
	mustDo(t, rdb, "SET", "marker", "A")
	mustDo(t, rdb, "SET", "gone", "still here")
	mustDo(t, rdb, "NUM.CREATE", "vec", "f32")
	mustDo(t, rdb, "NUM.APPEND", "vec", "VALUES", 1, 2, 3)

	// One connection runs commands in order: everything after BGSAVE comes
	// after its cut, and 200 MiB take far longer to write than the few
	// commands that follow take to run.
	pipe := rdb.Pipeline()
	bg := pipe.Do(ctx, "BGSAVE")
	inProgress := pipe.Info(ctx, "persistence")
	bg2 := pipe.Do(ctx, "BGSAVE")
	save := pipe.Do(ctx, "SAVE")
	pipe.Set(ctx, "marker", "B", 0)
	pipe.SetRange(ctx, "big", 0, strings.Repeat("B", 1<<20))
	pipe.SetRange(ctx, "big", 150<<20, strings.Repeat("B", 1<<20))
	pipe.Append(ctx, "big", "more")
	pipe.Del(ctx, "gone")
	pipe.Set(ctx, "new", "after the cut", 0)
	pipe.Do(ctx, "NUM.WRITE", "vec", 0, "VALUES", 9)
	pipe.Exec(ctx)
	if v, err := bg.Text(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE = %q, %v", v, err)
	}
	if s := inProgress.Val(); !strings.Contains(s, "rdb_bgsave_in_progress:1\r\n") {
		t.Fatalf("INFO right after BGSAVE:\n%s", s)
	}
	// Redis's errors for a save while one runs.
	for _, c := range []*redis.Cmd{bg2, save} {
		if err := c.Err(); err == nil || err.Error() != "ERR Background save already in progress" {
			t.Fatalf("%v while a BGSAVE runs: %v", c.Args(), err)
		}
	}
	if v := mustDo(t, rdb, "GET", "marker"); v != "B" {
		t.Fatalf("marker = %v", v)
	}
	waitBgsave(t, rdb)
	if s := info(t, rdb, "rdb_last_bgsave_status"); s != "ok" {
		t.Fatalf("rdb_last_bgsave_status:%s", s)
	}
	rdb.Close()
	p.kill()

	p = mustStart(t, dir, flags...)
	rdb = newClient(p, 0, 2)
	defer rdb.Close()
	if v := mustDo(t, rdb, "GET", "marker"); v != "A" {
		t.Fatalf("marker = %v after the restart, want the cut's A", v)
	}
	if v := mustDo(t, rdb, "GET", "gone"); v != "still here" {
		t.Fatalf("gone = %v", v)
	}
	if n := mustDo(t, rdb, "EXISTS", "new"); n != int64(0) {
		t.Fatalf("EXISTS new = %v", n)
	}
	if v := fmt.Sprint(mustDo(t, rdb, "NUM.READ", "vec", ":", "VALUES")); v != "[1 2 3]" {
		t.Fatalf("vec = %v", v)
	}
	if n := mustDo(t, rdb, "STRLEN", "big"); n != int64(piece*pieces) {
		t.Fatalf("STRLEN big = %v", n)
	}
	h.Reset()
	for off := 0; off < piece*pieces; off += 8 << 20 {
		b, err := rdb.GetRange(ctx, "big", int64(off), int64(off+8<<20-1)).Bytes()
		mustNoErr(t, err)
		h.Write(b)
	}
	if !bytes.Equal(h.Sum(nil), wantBig) {
		t.Fatal("big differs from its state at the cut")
	}

	// BGSAVE SCHEDULE while one runs queues one more save.
	pipe = rdb.Pipeline()
	bg = pipe.Do(ctx, "BGSAVE")
	sched := pipe.Do(ctx, "BGSAVE", "SCHEDULE")
	pipe.Exec(ctx)
	if v, err := sched.Text(); err != nil || v != "Background saving scheduled" {
		t.Fatalf("BGSAVE SCHEDULE = %q, %v (BGSAVE %v)", v, err, bg.Val())
	}
	waitFor(t, "the scheduled save", func() bool {
		return infoInt(t, rdb, "rdb_saves") == 2 && info(t, rdb, "rdb_bgsave_in_progress") == "0"
	})
}
