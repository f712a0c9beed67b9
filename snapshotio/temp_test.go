package snapshotio

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestParseTempName pins which names RemoveTemps takes for a temporary
// file: exactly "temp-<pid>-<digits>.numkv".
func TestParseTempName(t *testing.T) {
	for _, c := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{"temp-123-4567.numkv", 123, true},
		{"temp-1-0.numkv", 1, true},
		{"temp-0-1.numkv", 0, false},
		{"temp-123.numkv", 0, false},
		{"temp-123-.numkv", 0, false},
		{"temp--1.numkv", 0, false},
		{"temp-x-1.numkv", 0, false},
		{"temp-1-x.numkv", 0, false},
		{"temp-+1-2.numkv", 0, false},
		{"temp-1-2-3.numkv", 0, false},
		{"temp-1-2.rdb", 0, false},
		{"temp-1-2.numkv.bak", 0, false},
		{"dump.numkv", 0, false},
		{"temp-99999999999999999999-1.numkv", 0, false},
	} {
		pid, ok := parseTempName(c.name)
		if pid != c.pid && c.ok || ok != c.ok {
			t.Errorf("parseTempName(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}

// TestWriteFileTempName: the name WriteFile gives its temporary file is
// one parseTempName takes, with this process's pid.
func TestWriteFileTempName(t *testing.T) {
	dir := t.TempDir()
	var names []string
	_, err := WriteFile(dir, "dump.numkv", Options{}, func(w *Writer) error {
		names = mustDirEntries(t, dir)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 {
		t.Fatalf("during the write %s held %q, want one temporary file", dir, names)
	}
	if pid, ok := parseTempName(names[0]); !ok || pid != os.Getpid() {
		t.Fatalf("parseTempName(%q) = %d, %v; want %d, true", names[0], pid, ok, os.Getpid())
	}
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if !processAlive(1) {
		t.Error("process 1 is not alive")
	}
	if pid := deadPID(t); processAlive(pid) {
		t.Errorf("process %d, which has exited, is alive", pid)
	}
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := dead.Process.Pid
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		t.Fatalf("pid %d of an exited process: kill 0 = %v", pid, err)
	}
	return pid
}

// TestRemoveTemps: StaleTemps removes the temporary files of this process
// and of processes that are gone; OwnTemps only this process's; neither
// touches a live process's, a name not exactly WriteFile's, or a
// directory.
func TestRemoveTemps(t *testing.T) {
	dead := deadPID(t)
	own := fmt.Sprintf("temp-%d-1.numkv", os.Getpid())
	stale := fmt.Sprintf("temp-%d-123456.numkv", dead)
	live := "temp-1-42.numkv" // init's save, as far as names go
	others := []string{"dump.numkv", "temp-x-1.numkv", "temp-1-2.rdb", "temp-1.numkv", "notes.txt"}
	staleDir := fmt.Sprintf("temp-%d-7.numkv", dead)
	setup := func() string {
		dir := t.TempDir()
		for _, name := range append([]string{own, stale, live}, others...) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Mkdir(filepath.Join(dir, staleDir), 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, c := range []struct {
		scope   TempScope
		removed []string
	}{
		{OwnTemps, []string{own}},
		{StaleTemps, []string{own, stale}},
	} {
		dir := setup()
		got, err := RemoveTemps(dir, c.scope)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, r := range got {
			if r.Err != nil {
				t.Errorf("scope %d: %s: %v", c.scope, r.Path, r.Err)
			}
			if want, _ := parseTempName(filepath.Base(r.Path)); r.PID != want {
				t.Errorf("scope %d: %s reported with pid %d", c.scope, r.Path, r.PID)
			}
			paths = append(paths, filepath.Base(r.Path))
		}
		slices.Sort(paths)
		want := slices.Sorted(slices.Values(c.removed))
		if !slices.Equal(paths, want) {
			t.Errorf("scope %d removed %q, want %q", c.scope, paths, want)
		}
		left := mustDirEntries(t, dir)
		for _, name := range left {
			if slices.Contains(c.removed, name) {
				t.Errorf("scope %d: %s is still there", c.scope, name)
			}
		}
		if len(left)+len(c.removed) != len(others)+4 {
			t.Errorf("scope %d left %q", c.scope, left)
		}
	}

	if _, err := RemoveTemps(filepath.Join(t.TempDir(), "missing"), StaleTemps); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("RemoveTemps of a missing directory: %v, want ErrNotExist", err)
	}
}
