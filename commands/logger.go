package commands

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// logger writes Redis-style log lines: "pid:M 21 Nov 2026 10:00:00.000 * msg".
type logger struct {
	mu    sync.Mutex
	w     io.Writer
	level atomic.Int64 // CONFIG SET loglevel changes it while others log
}

var logLevels = map[string]int{"debug": 0, "verbose": 1, "notice": 2, "warning": 3, "nothing": 4}

func newLogger(file, level string) (*logger, error) {
	l, ok := logLevels[level]
	if !ok {
		return nil, fmt.Errorf("commands: invalid loglevel %q (debug, verbose, notice, warning, nothing)", level)
	}
	var w io.Writer = os.Stderr
	if file != "" {
		f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, fmt.Errorf("commands: logfile: %w", err)
		}
		w = f
	}
	lg := &logger{w: w}
	lg.level.Store(int64(l))
	return lg, nil
}

func (l *logger) setLevel(level int) { l.level.Store(int64(level)) }

// levelName is the level as CONFIG GET loglevel spells it.
func (l *logger) levelName() string {
	for name, v := range logLevels {
		if int64(v) == l.level.Load() {
			return name
		}
	}
	return ""
}

func (l *logger) printf(level int, mark byte, format string, args ...any) {
	if int64(level) < l.level.Load() {
		return
	}
	msg := fmt.Sprintf(format, args...)
	ts := time.Now().Format("02 Jan 2006 15:04:05.000")
	l.mu.Lock()
	fmt.Fprintf(l.w, "%d:M %s %c %s\n", os.Getpid(), ts, mark, msg)
	l.mu.Unlock()
}

func (l *logger) verbose(f string, a ...any) { l.printf(1, '-', f, a...) }
func (l *logger) notice(f string, a ...any)  { l.printf(2, '*', f, a...) }
func (l *logger) warn(f string, a ...any)    { l.printf(3, '#', f, a...) }
