package tests

// numpy as the oracle of slice semantics.

import (
	"strconv"
	"testing"
	"time"
)

// TestNumpyOracle runs numpy_oracle.py against numkv: numpy slicing,
// list.insert and del are the oracle for NUM.READ, NUM.WRITE, NUM.INSERT,
// NUM.REMOVE and NUM.GATHER, with the test's seed. Missing Python modules
// fail the test: CI installs them and no test may be skipped.
func TestNumpyOracle(t *testing.T) {
	mustPython(t)
	p := mustStart(t, "", "--dbfilename", "")
	seed := testSeed(t)
	runPython(t, 60*time.Second, ".", nil, debianPython, "numpy_oracle.py", p.addr(), strconv.FormatUint(seed, 10))
}

// TestNumpyCastOracle runs numpy_cast_oracle.py against numkv: numpy's
// astype and can_cast(casting="same_kind") are the oracle for NUM.GATHER
// ... AS dtype over every pair of dtypes, bytes and VALUES, with the
// test's seed.
func TestNumpyCastOracle(t *testing.T) {
	mustPython(t)
	p := mustStart(t, "", "--dbfilename", "")
	seed := testSeed(t)
	runPython(t, 60*time.Second, ".", nil, debianPython, "numpy_cast_oracle.py", p.addr(), strconv.FormatUint(seed, 10))
}
