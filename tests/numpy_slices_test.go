// Package tests holds numkv's end-to-end tests: real clients against an
// in-process server or the real binary.
package tests

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"numkv/commands"
)

// debianPython is Debian's interpreter, which python3-redis and
// python3-numpy install into (a pyenv python3 on PATH has neither).
const debianPython = "/usr/bin/python3"

// TestNumpyOracle runs numpy_oracle.py against an in-process server: numpy
// slicing, list.insert and del are the oracle for NUM.READ, NUM.WRITE,
// NUM.INSERT, NUM.REMOVE and NUM.GATHER, with a fixed seed. Missing Python
// modules fail the test: CI installs them and no test may be skipped.
func TestNumpyOracle(t *testing.T) {
	probe := exec.Command(debianPython, "-c", "import redis, numpy")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("the numpy oracle needs Debian's python3-redis and python3-numpy in %s: "+
			"run `make test` (the README's test command), which installs them.\n%v: %s",
			debianPython, err, strings.TrimSpace(string(out)))
	}

	cfg := commands.DefaultConfig()
	cfg.Bind = "127.0.0.1"
	cfg.Port = 0
	cfg.Dir = t.TempDir()
	cfg.DBFilename = ""
	cfg.Save = ""
	s, err := commands.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	s.Serve()
	t.Cleanup(s.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, "numpy_oracle.py", s.Addr().String())
	out, err := cmd.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("numpy_oracle.py: %v", err)
	}
}
