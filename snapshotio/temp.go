package snapshotio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// WriteFile's temporary files are named
//
//	temp-<pid>-<random>.numkv
//
// in the snapshot's directory: <pid> is the writing process's id in
// decimal, and <random> the decimal digits os.CreateTemp puts for its "*".
// The pid lets RemoveTemps tell a dead process's leftovers from another
// live server's save in progress. Redis leaves its temp-<pid>.rdb files
// behind after a crash; numkv removes its own, since a snapshot can be as
// large as the data.
const (
	tempPrefix = "temp-"
	tempSuffix = ".numkv"
)

// tempPattern is the os.CreateTemp pattern of this process's temporary
// files.
func tempPattern() string {
	return fmt.Sprintf("%s%d-*%s", tempPrefix, os.Getpid(), tempSuffix)
}

// parseTempName returns the pid in a temporary file's name, and false for
// any name that is not exactly temp-<pid>-<digits>.numkv with a pid > 0.
func parseTempName(name string) (pid int, ok bool) {
	rest, ok1 := strings.CutPrefix(name, tempPrefix)
	rest, ok2 := strings.CutSuffix(rest, tempSuffix)
	pidText, random, ok3 := strings.Cut(rest, "-")
	if !ok1 || !ok2 || !ok3 || !allDigits(pidText) || !allDigits(random) {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// processAlive reports whether process pid exists. When it cannot tell (no
// permission, or a system without signal 0) it says yes, which keeps the
// file.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// TempScope says which temporary files RemoveTemps removes.
type TempScope int

const (
	// OwnTemps is this process's temporary files only: those of its saves
	// in progress, for an exit that will not let them finish. A WriteFile
	// whose file goes fails at its rename.
	OwnTemps TempScope = iota
	// StaleTemps is this process's temporary files and those of processes
	// that are gone. Call it before this process's first save: a file with
	// this process's pid is then a previous process's, since pids are
	// reused (and are often the same from one run to the next in a
	// container).
	StaleTemps
)

// RemovedTemp is one temporary file RemoveTemps removed or tried to.
type RemovedTemp struct {
	Path string
	PID  int   // the process that wrote it
	Err  error // why it could not be removed; nil when it was
}

// RemoveTemps removes from dir the temporary files of WriteFile that scope
// names, and reports each one it removed or failed to. It leaves alone the
// files of processes that are alive (other servers' saves in progress) and
// of any process whose state it cannot tell, anything not named exactly as
// WriteFile names them, and anything that is not a regular file. The error
// is dir's, when it cannot be read.
func RemoveTemps(dir string, scope TempScope) ([]RemovedTemp, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("snapshotio: remove temporary files: %w", err)
	}
	var removed []RemovedTemp
	for _, e := range ents {
		pid, ok := parseTempName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if pid != os.Getpid() && (scope == OwnTemps || processAlive(pid)) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		removed = append(removed, RemovedTemp{Path: path, PID: pid, Err: os.Remove(path)})
	}
	return removed, nil
}
