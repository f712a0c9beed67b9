package tests

// numpy as the oracle of NUM.REDUCE.

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNumpyReduceOracle runs numpy_reduce_oracle.py against numkv with the
// test's seed: numpy's sum, mean, min and max are the oracle for
// NUM.REDUCE over every dtype, axis and reply form, RESP2 and RESP3.
func TestNumpyReduceOracle(t *testing.T) {
	probe := exec.Command(debianPython, "-c", "import numpy")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("the numpy oracle needs Debian's python3-numpy in %s: "+
			"run `make test` (the README's test command), which installs it.\n%v: %s",
			debianPython, err, strings.TrimSpace(string(out)))
	}
	p := mustStart(t, "", "--dbfilename", "")
	seed := testSeed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, "numpy_reduce_oracle.py", p.addr(), strconv.FormatUint(seed, 10))
	out, err := cmd.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("numpy_reduce_oracle.py: %v", err)
	}
}
