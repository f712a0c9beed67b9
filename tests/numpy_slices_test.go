package tests

// numpy as the oracle of slice semantics.

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// debianPython is Debian's interpreter, which python3-redis and
// python3-numpy install into (a pyenv python3 on PATH has neither).
const debianPython = "/usr/bin/python3"

// TestNumpyOracle runs numpy_oracle.py against numkv: numpy slicing,
// list.insert and del are the oracle for NUM.READ, NUM.WRITE, NUM.INSERT,
// NUM.REMOVE and NUM.GATHER, with the test's seed. Missing Python modules
// fail the test: CI installs them and no test may be skipped.
func TestNumpyOracle(t *testing.T) {
	probe := exec.Command(debianPython, "-c", "import redis, numpy")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("the numpy oracle needs Debian's python3-redis and python3-numpy in %s: "+
			"run `make test` (the README's test command), which installs them.\n%v: %s",
			debianPython, err, strings.TrimSpace(string(out)))
	}

	p := mustStart(t, "", "--dbfilename", "")
	seed := testSeed(t)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, "numpy_oracle.py", p.addr(), strconv.FormatUint(seed, 10))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("numpy_oracle.py: %v", err)
	}
}

// TestNumpyCastOracle runs numpy_cast_oracle.py against numkv: numpy's
// astype and can_cast(casting="same_kind") are the oracle for NUM.GATHER
// ... AS dtype over every pair of dtypes, bytes and VALUES, with the
// test's seed.
func TestNumpyCastOracle(t *testing.T) {
	probe := exec.Command(debianPython, "-c", "import redis, numpy")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("the numpy oracle needs Debian's python3-redis and python3-numpy in %s: "+
			"run `make test` (the README's test command), which installs them.\n%v: %s",
			debianPython, err, strings.TrimSpace(string(out)))
	}
	p := mustStart(t, "", "--dbfilename", "")
	seed := testSeed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, "numpy_cast_oracle.py", p.addr(), strconv.FormatUint(seed, 10))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("numpy_cast_oracle.py: %v", err)
	}
}
