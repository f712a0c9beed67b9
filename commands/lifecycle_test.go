package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
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
