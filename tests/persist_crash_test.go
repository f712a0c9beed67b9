package tests

// kill -9 during saves: every restart loads one complete point in time, and
// the temporary files of killed saves do not pile up.

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"numkv/shardlock"
)

const (
	crashChunk  = 64 << 10
	crashChunks = 128 // 8 MiB in all, so that saves take a while
)

// TestPersistCrashLoop kills the server with SIGKILL at random moments while
// a writer writes and a SAVE or BGSAVE runs, and restarts it, in a loop.
// Every restart must load a complete snapshot, at least as new as the last
// acknowledged SAVE, and exactly one point in time of the writer's sequence;
// the temporary files of killed saves must be gone after the restart.
//
// The writer's value n rewrites chunk n%crashChunks of "big" with data
// derived from n, then sets the counter to n. A snapshot with counter c thus
// holds, in chunk j, the data of the last m <= c with m%crashChunks == j,
// except that chunk (c+1)%crashChunks may already hold c+1's. The counter
// lives in a slot far from big's, with 30,000 small keys in between, so
// that a cut that took the slots one at a time, not all at once, would let
// the writer in between and be caught.
func TestPersistCrashLoop(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(testSeed(t), 0)) // the kill timing
	dir := t.TempDir()
	flags := []string{"--save", ""}

	counterKey, dist := "", 0
	for i := 0; i < 1000; i++ {
		k := fmt.Sprintf("counter-%d", i)
		if d := abs(shardlock.HashSlot([]byte(k)) - shardlock.HashSlot([]byte("big"))); d > dist {
			counterKey, dist = k, d
		}
	}
	chunkData := func(n int64) []byte { return randBytes(uint64(n)<<8|1, crashChunk) }
	writeChunk := func(rdb *redis.Client, n int64) error {
		return rdb.SetRange(ctx, "big", (n%crashChunks)*crashChunk, string(chunkData(n))).Err()
	}
	// verify checks the invariant and returns the counter.
	verify := func(p *proc) int64 {
		t.Helper()
		c := mustCounter(t, p, counterKey)
		rdb := newClient(p, 0, 2)
		defer rdb.Close()
		big, err := rdb.Get(ctx, "big").Bytes()
		if err != nil || len(big) != crashChunk*crashChunks {
			t.Fatalf("GET big: %d bytes, %v", len(big), err)
		}
		for j := int64(0); j < crashChunks; j++ {
			got := big[j*crashChunk : (j+1)*crashChunk]
			m := c - ((c-j)%crashChunks+crashChunks)%crashChunks
			if bytes.Equal(got, chunkData(m)) {
				continue
			}
			if j == (c+1)%crashChunks && bytes.Equal(got, chunkData(c+1)) {
				continue
			}
			t.Fatalf("counter %d, but chunk %d holds neither value %d's data nor a later one's: not one point in time", c, j, m)
		}
		return c
	}

	p := mustStart(t, dir, flags...)
	rdb := newClient(p, 0, 2)
	for n := int64(1); n <= crashChunks; n++ {
		mustNoErr(t, writeChunk(rdb, n))
	}
	mustDo(t, rdb, "SET", counterKey, crashChunks)
	for i := 0; i < 30000; i += 1000 {
		args := []any{"MSET"}
		for j := i; j < i+1000; j++ {
			args = append(args, fmt.Sprintf("f:%d", j), j)
		}
		mustDo(t, rdb, args...)
	}
	mustDo(t, rdb, "SAVE")
	rdb.Close()
	p.kill()
	durable := int64(crashChunks) // the counter at the last acknowledged SAVE

	const iterations = 20
	start := time.Now()
	var midSave, saves, saveAcks int
	for it := 0; it < iterations; it++ {
		if time.Since(start) > 40*time.Second {
			t.Logf("stopping after %d iterations, %v", it, time.Since(start))
			break
		}
		p := mustStart(t, dir, flags...) // fails if the file is refused
		mustOnlySnapshot(t, dir)
		c := verify(p)
		if c < durable {
			t.Fatalf("iteration %d: counter %d after the restart, but a SAVE acknowledged %d", it, c, durable)
		}
		w := startCounterWriter(p, counterKey, c+1, writeChunk)
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)

		// 0: SAVE, killed at a random moment, often during the write;
		// 1: SAVE, killed just after its reply; 2: BGSAVE, killed at a
		// random moment; 3: no save, a plain crash.
		mode := rng.IntN(4)
		before := w.acked.Load()
		res := make(chan error, 1)
		if mode < 3 {
			saves++
			cmd := [...]string{"SAVE", "SAVE", "BGSAVE"}[mode]
			sc := newClient(p, 0, 2)
			go func() {
				defer sc.Close()
				res <- sc.Do(ctx, cmd).Err()
			}()
			if mode == 1 {
				if err := <-res; err != nil {
					t.Fatalf("iteration %d: SAVE: %v", it, err)
				}
				res <- nil
				time.Sleep(time.Duration(rng.IntN(10)) * time.Millisecond)
			} else {
				time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
			}
		} else {
			res <- errors.New("no save")
		}
		p.kill()
		if err := <-res; mode < 2 && err == nil {
			saveAcks++
			durable = max(durable, before)
		}
		w.wait(t)
		if len(dirNames(t, dir)) > 1 {
			midSave++ // the kill interrupted a save: its temp file remains
		}
	}
	p = mustStart(t, dir, flags...)
	mustOnlySnapshot(t, dir)
	if c := verify(p); c < durable {
		t.Fatalf("counter %d after the last restart, but a SAVE acknowledged %d", c, durable)
	}
	t.Logf("%d saves, %d SAVEs acknowledged, %d kills interrupted a save's file, in %v", saves, saveAcks, midSave, time.Since(start))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestPersistStaleTempFiles: at start-up the server removes the temporary
// snapshots of numkv processes that died, and nothing else.
func TestPersistStaleTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.Process.Pid
	if err := syscall.Kill(deadPID, 0); err != syscall.ESRCH {
		t.Fatalf("pid %d of an exited process: kill 0 = %v", deadPID, err)
	}
	stale := fmt.Sprintf("temp-%d-123456.numkv", deadPID)
	keep := []string{
		fmt.Sprintf("temp-%d-42.numkv", os.Getpid()), // a live process's save
		"temp-x-1.numkv", "temp-1-2.rdb", "temp-1.numkv", "notes.txt",
	}
	for _, name := range append([]string{stale}, keep...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A directory with a temp name is not a file to remove.
	keepDir := fmt.Sprintf("temp-%d-7.numkv", deadPID)
	if err := os.Mkdir(filepath.Join(dir, keepDir), 0o755); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, keepDir)
	p := mustStart(t, dir, "--save", "")
	slices.Sort(keep)
	if got := dirNames(t, dir); !slices.Equal(got, keep) {
		t.Fatalf("after start-up %s holds %q, want %q", dir, got, keep)
	}
	p.kill()
	// With persistence off the directory is not touched.
	if err := os.WriteFile(filepath.Join(dir, stale), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustStart(t, dir, "--dbfilename", "")
	if got := dirNames(t, dir); !slices.Contains(got, stale) {
		t.Fatalf("--dbfilename \"\" removed %s", stale)
	}
}
