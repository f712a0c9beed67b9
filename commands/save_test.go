package commands

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSecondSIGINT: a SIGINT that arrives while the shutdown of an earlier
// signal still saves exits at once with status 1, as Redis does, and
// removes this process's unfinished temporary snapshot; a SIGTERM then
// changes nothing, and the first shutdown goes on to save and stop.
func TestSecondSIGINT(t *testing.T) {
	dir := t.TempDir()
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = dir, "sig.numkv"
	c.run("SET", "k", "v")
	var mu sync.Mutex
	var codes []int
	exited := make(chan struct{}, 4)
	s.forceExit = func(code int) {
		mu.Lock()
		codes = append(codes, code)
		mu.Unlock()
		exited <- struct{}{}
	}
	tmp := filepath.Join(dir, fmt.Sprintf("temp-%d-123.numkv", os.Getpid()))
	if err := os.WriteFile(tmp, []byte("unfinished"), 0o644); err != nil {
		t.Fatal(err)
	}

	s.saveMu.Lock() // the final save waits here, as behind a long save
	sig, done := make(chan os.Signal, 3), make(chan struct{})
	go func() { s.handleSignals(sig); close(done) }()
	sig <- syscall.SIGINT // starts the shutdown
	sig <- syscall.SIGTERM
	sig <- syscall.SIGINT
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("a second SIGINT during the shutdown did not exit")
	}
	close(sig)
	<-done
	mu.Lock()
	if len(codes) != 1 || codes[0] != 1 {
		t.Errorf("exit codes %v, want one exit with 1", codes)
	}
	mu.Unlock()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the temporary snapshot is still there: %v", err)
	}
	if s.exitRequested() {
		t.Error("the first shutdown finished while its save was blocked")
	}

	s.saveMu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); !s.exitRequested(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first shutdown did not finish")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sig.numkv")); err != nil {
		t.Errorf("the first shutdown did not save: %v", err)
	}
}

// TestLoadProgress: once its second is up, the loading reader logs the
// bytes read, the percentage when the file's size is known, and the rate;
// it then waits another second.
func TestLoadProgress(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want string
	}{
		{3000, "Loading: 1000 of 3000 bytes (33.3%), 0 MB/s\n"},
		{0, "Loading: 1000 bytes, 0 MB/s\n"}, // a pipe
	} {
		var out strings.Builder
		lg := &logger{w: &out}
		lg.setLevel(logLevels["notice"])
		var loaded atomic.Int64
		now := time.Now()
		p := &progressReader{r: bytes.NewReader(make([]byte, 3000)), size: tc.size, loaded: &loaded, log: lg,
			start: now.Add(-2 * time.Second), next: now.Add(-time.Millisecond)}
		b := make([]byte, 1000)
		for range 2 {
			if n, err := p.Read(b); n != 1000 || err != nil {
				t.Fatalf("Read = %d, %v", n, err)
			}
		}
		if _, line, _ := strings.Cut(out.String(), " * "); line != tc.want {
			t.Errorf("size %d: logged %q, want one line ending %q", tc.size, out.String(), tc.want)
		}
		if loaded.Load() != 2000 {
			t.Errorf("loading_loaded_bytes source says %d after 2000 bytes", loaded.Load())
		}
	}
}

// TestSavesPerServer: each Server serializes its own saves only, so a save
// held up in one does not hold up another's in the same process.
func TestSavesPerServer(t *testing.T) {
	held, _ := mustLocal(t)
	held.saveMu.Lock() // a save in progress, as far as held is concerned
	defer held.saveMu.Unlock()
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "other.numkv"
	c.run("SET", "k", "v")
	if got := c.run("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE = %q", got)
	}
	if got := c.run("BGSAVE"); got != "+"+msgBgsaveStarted+"\r\n" {
		t.Fatalf("BGSAVE = %q", got)
	}
	for s.persist.inProgress.Load() {
		time.Sleep(time.Millisecond)
	}
	if s.persist.lastBgFailed.Load() {
		t.Fatal("the background save failed")
	}
}
