package commands

import (
	"os"
	"testing"
)

// TestTempPID pins which names removeStaleTemps takes for a temporary
// snapshot: exactly snapshotio.WriteFile's "temp-<pid>-<digits>.numkv".
func TestTempPID(t *testing.T) {
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
		pid, ok := tempPID(c.name)
		if pid != c.pid && c.ok || ok != c.ok {
			t.Errorf("tempPID(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if !processAlive(1) {
		t.Error("process 1 is not alive")
	}
}
