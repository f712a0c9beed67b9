package commands

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadProgress: once its second is up, the loading reader logs the
// bytes read, the percentage when the file's size is known, and the rate;
// it then waits another second.
func TestLoadProgress(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want string
	}{
		{3000, "Loading: 1000 of 3000 bytes (33.3%), 0 MB/s\n"},
		{0, "Loading: 1000 bytes, 0 MB/s\n"}, // a pipe
	} {
		var out strings.Builder
		lg := &logger{w: &out}
		lg.setLevel(logLevels["notice"])
		var loaded atomic.Int64
		now := time.Now()
		p := &progressReader{r: bytes.NewReader(make([]byte, 3000)), size: tc.size, loaded: &loaded, log: lg,
			start: now.Add(-2 * time.Second), next: now.Add(-time.Millisecond)}
		b := make([]byte, 1000)
		for range 2 {
			if n, err := p.Read(b); n != 1000 || err != nil {
				t.Fatalf("Read = %d, %v", n, err)
			}
		}
		if _, line, _ := strings.Cut(out.String(), " * "); line != tc.want {
			t.Errorf("size %d: logged %q, want one line ending %q", tc.size, out.String(), tc.want)
		}
		if loaded.Load() != 2000 {
			t.Errorf("loading_loaded_bytes source says %d after 2000 bytes", loaded.Load())
		}
	}
}
