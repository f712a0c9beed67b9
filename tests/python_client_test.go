package tests

// The Python client (clients/python/numkv.py): its own unittest suite, its
// offline install into a virtual environment, and the training-loop
// example, each against the real binary.

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// repoRoot is the repository's root: the tests run in tests/.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestPythonClient runs clients/python/test_numkv.py, which checks the
// whole client API against numpy, with the test's seed.
func TestPythonClient(t *testing.T) {
	mustPython(t)
	p := mustStart(t, "", "--dbfilename", "")
	seed := testSeed(t)
	runPython(t, 90*time.Second, filepath.Join(repoRoot(t), "clients", "python"),
		[]string{"NUMKV_HOST=127.0.0.1", "NUMKV_PORT=" + strconv.Itoa(p.port), "NUMKV_SEED=" + strconv.FormatUint(seed%(1<<31), 10)},
		debianPython, "-m", "unittest", "-v", "test_numkv")
}

// TestPythonClientInstall installs the client as the README says, offline
// into a venv that sees Debian's numpy and redis-py, and imports it from
// that venv's python in another directory.
func TestPythonClientInstall(t *testing.T) {
	mustPython(t)
	root := repoRoot(t)
	venv := filepath.Join(t.TempDir(), "venv")
	runPython(t, 60*time.Second, root, nil, debianPython, "-m", "venv", "--system-site-packages", venv)
	env := []string{"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PIP_NO_CACHE_DIR=1"}
	runPython(t, 120*time.Second, root, env, filepath.Join(venv, "bin", "pip"),
		"install", "--no-build-isolation", "--no-index", "./clients/python")

	p := mustStart(t, "", "--dbfilename", "")
	elsewhere := t.TempDir()
	out := runPython(t, 30*time.Second, elsewhere, []string{"PYTHONPATH="}, filepath.Join(venv, "bin", "python"), "-c", `
import sys, numpy as np, numkv
db = numkv.Client(port=`+strconv.Itoa(p.port)+`)
db.put("x", np.arange(6, dtype=np.float32).reshape(2, 3))
assert (db["x", 1] == np.float32([3, 4, 5])).all()
print(numkv.__file__)
`)
	if want := filepath.Join(venv, "lib"); !strings.HasPrefix(strings.TrimSpace(out), want) {
		t.Fatalf("numkv imported from %q, not from the venv %s", strings.TrimSpace(out), want)
	}
}

// TestTrainLoopExample runs examples/train_loop.py for 3 epochs on a small
// data set: it exits non-zero unless its loss falls.
func TestTrainLoopExample(t *testing.T) {
	mustPython(t)
	p := mustStart(t, "", "--dbfilename", "")
	runPython(t, 60*time.Second, repoRoot(t), nil, debianPython, "examples/train_loop.py",
		"--host", "127.0.0.1", "--port", strconv.Itoa(p.port), "--epochs", "3", "--rows", "5000")
}
