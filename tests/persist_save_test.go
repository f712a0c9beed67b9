package tests

// Saves that fail on a full disk, the --save rules, and --dbfilename "".

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ---------- full disk ----------

// TestPersistFullDisk saves onto a 2 MiB tmpfs: a save that does not fit
// fails cleanly, leaves the previous snapshot whole and no temporary file,
// and the server serves on.
func TestPersistFullDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m"); err != nil {
		t.Fatalf("mount a 2 MiB tmpfs on %s: %v (this test needs root, as in CI: run make test as root)", dir, err)
	}
	t.Cleanup(func() {
		for i := 0; ; i++ {
			err := syscall.Unmount(dir, 0)
			if err == nil {
				return
			}
			if i == 100 {
				t.Errorf("unmount %s: %v", dir, err)
				syscall.Unmount(dir, syscall.MNT_DETACH)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	flags := []string{"--save", ""}
	p := mustStart(t, dir, flags...)
	rdb := newClient(p, 0, 2)
	defer rdb.Close()
	for i := 0; i < 10; i++ {
		mustDo(t, rdb, "SET", fmt.Sprintf("small:%d", i), randBytes(uint64(i), 10<<10))
	}
	want := mustDump(t, p, nil)
	mustDo(t, rdb, "SAVE")
	path := filepath.Join(dir, dumpName)
	wantRecs := mustReadSnapshot(t, path)
	lastSave := mustDo(t, rdb, "LASTSAVE")

	mustDo(t, rdb, "SET", "big", randBytes(99, 3<<20))
	mustErrText(t, rdb, "ERR", "SAVE") // Redis's reply to a failed SAVE
	mustOnlySnapshot(t, dir)
	if v := mustDo(t, rdb, "LASTSAVE"); v != lastSave {
		t.Fatalf("LASTSAVE moved to %v after a failed save", v)
	}
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 1 {
		t.Fatalf("rdb_changes_since_last_save:%d after a failed save, want 1", n)
	}
	if v, err := rdb.Do(ctx, "BGSAVE").Text(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE = %q, %v", v, err)
	}
	waitBgsave(t, rdb)
	if s := info(t, rdb, "rdb_last_bgsave_status"); s != "err" {
		t.Fatalf("rdb_last_bgsave_status:%s after a failed BGSAVE", s)
	}
	mustOnlySnapshot(t, dir)
	if v := mustDo(t, rdb, "PING"); v != "PONG" {
		t.Fatalf("PING = %v", v)
	}
	if n := mustDo(t, rdb, "STRLEN", "big"); n != int64(3<<20) {
		t.Fatalf("STRLEN big = %v", n)
	}
	mustCheckOK(t, path)
	if got := mustReadSnapshot(t, path); !slices.Equal(got, wantRecs) {
		t.Fatal("the failed saves changed the snapshot")
	}

	// Had save rules been set, as they are by default, writes would now
	// fail with MISCONF until a save works, as in Redis.
	mustDo(t, rdb, "CONFIG", "SET", "save", "3600 1")
	if err := rdb.Do(ctx, "DEL", "big").Err(); err == nil || !strings.HasPrefix(err.Error(), "MISCONF ") {
		t.Fatalf("DEL after a failed BGSAVE, with a save rule: %v, want MISCONF", err)
	}
	mustDo(t, rdb, "CONFIG", "SET", "save", "")

	// Once there is room again, saving works and resets the status, as in
	// Redis.
	mustDo(t, rdb, "DEL", "big")
	if v := mustDo(t, rdb, "SAVE"); v != "OK" {
		t.Fatalf("SAVE = %v", v)
	}
	if s := info(t, rdb, "rdb_last_bgsave_status"); s != "ok" {
		t.Fatalf("rdb_last_bgsave_status:%s after a successful SAVE", s)
	}
	p.kill()
	p = mustStart(t, dir, flags...)
	mustEqualDataset(t, mustDump(t, p, nil), want)
}

// ---------- --save rules and --dbfilename "" ----------

// TestPersistSaveRules: --save "1 1" saves soon after one write; --save ""
// never saves by itself; --dbfilename "" never writes a file at all.
func TestPersistSaveRules(t *testing.T) {
	t.Parallel()
	dirRule, dirNone, dirOff := t.TempDir(), t.TempDir(), t.TempDir()
	rule := mustStart(t, dirRule, "--save", "1 1")
	none := mustStart(t, dirNone, "--save", "")
	off := mustStart(t, dirOff, "--dbfilename", "")
	for _, p := range []*proc{rule, none, off} {
		rdb := newClient(p, 0, 2)
		mustDo(t, rdb, "SET", "k", "v")
		rdb.Close()
	}
	rdb := newClient(rule, 0, 2)
	defer rdb.Close()
	waitFor(t, `a save by the rule "1 1"`, func() bool { return infoInt(t, rdb, "rdb_saves") >= 1 })
	mustOnlySnapshot(t, dirRule)
	if recs := mustReadSnapshot(t, filepath.Join(dirRule, dumpName)); len(recs) != 1 || recs[0].Key != "k" {
		t.Fatalf("the rule's snapshot holds %+v", recs)
	}
	if n := infoInt(t, rdb, "rdb_changes_since_last_save"); n != 0 {
		t.Fatalf("rdb_changes_since_last_save:%d after the rule's save", n)
	}
	// The other two had their write as long ago, and a second more.
	time.Sleep(time.Second)
	rnone, roff := newClient(none, 0, 2), newClient(off, 0, 2)
	defer rnone.Close()
	defer roff.Close()
	if names := dirNames(t, dirNone); len(names) != 0 || infoInt(t, rnone, "rdb_saves") != 0 || infoInt(t, rnone, "rdb_changes_since_last_save") != 1 {
		t.Fatalf(`--save "" saved: %q`, names)
	}

	const msgOff = `ERR persistence is off (--dbfilename "")`
	mustErrText(t, roff, msgOff, "SAVE")
	mustErrText(t, roff, msgOff, "BGSAVE")
	shutdownByCommand(t, off)
	if code := mustExit(t, off); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if names := dirNames(t, dirOff); len(names) != 0 {
		t.Fatalf(`--dbfilename "" wrote %q`, names)
	}
}
