package commands

import (
	"io"
	"strings"
	"testing"
)

// TestRequestPathAllocs checks that the common commands allocate nothing
// on the Go heap once warm: parsing reuses its buffers, keys and values
// live off the heap, and large replies go out from the trees' chunks. What
// the collector never sees, it never scans.
func TestRequestPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	s, c := mustLocal(t)
	t.Cleanup(s.Close)
	c.run("SET", "small", "0123456789abcdef")
	c.run("SET", "n", "10")
	c.run("SET", "big", strings.Repeat("x", 1<<20))
	c.run("NUM.CREATE", "v", "f32", "SHAPE", "4")
	c.run("NUM.APPEND", "v", "VALUES", "1", "2", "3", "4", "5", "6", "7", "8")
	for _, cmd := range [][]string{
		{"GET", "small"},
		{"GET", "missing"},
		{"SET", "small", "fedcba9876543210"},
		{"SET", "fresh", "value"},
		{"DEL", "fresh"},
		{"GET", "big"},
		{"GETRANGE", "big", "1000", "5095"},
		{"MGET", "small", "n", "missing"},
		{"INCR", "n"},
		{"EXISTS", "small", "big"},
		{"EXPIRE", "small", "1000"},
		{"TTL", "small"},
		{"NUM.READ", "v", "1:2"},
		{"NUM.LEN", "v"},
		{"PING"},
	} {
		argv := make([][]byte, len(cmd))
		for i, a := range cmd {
			argv[i] = []byte(a)
		}
		step := func() {
			c.s.call(c, argv)
			c.w.Flush(io.Discard)
			c.releaseHeld()
		}
		step() // warm: buffers grow once
		if n := testing.AllocsPerRun(200, step); n != 0 {
			t.Errorf("%s allocates %.1f times per call", strings.Join(cmd, " "), n)
		}
	}
}
