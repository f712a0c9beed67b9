package tests

// numpy as the oracle of NUM.REDUCE.

import (
	"strconv"
	"testing"
	"time"
)

// TestNumpyReduceOracle runs numpy_reduce_oracle.py against numkv with the
// test's seed: numpy's sum, mean, min and max are the oracle for
// NUM.REDUCE over every dtype, axis and reply form, RESP2 and RESP3.
func TestNumpyReduceOracle(t *testing.T) {
	mustPython(t)
	p := mustStart(t, "", "--dbfilename", "")
	seed := testSeed(t)
	runPython(t, 60*time.Second, ".", nil, debianPython, "numpy_reduce_oracle.py", p.addr(), strconv.FormatUint(seed, 10))
}
