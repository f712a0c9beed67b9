package commands

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestBigRepliesWhileWriting reads 1 MiB values, which replies send from
// the trees' own chunks, while other clients overwrite them in place,
// replace them and delete them: every reply must be one whole value the
// key held, never a mix of two, and no chunk may be freed under a reply
// still being written (the invariants build would poison it).
func TestBigRepliesWhileWriting(t *testing.T) {
	_, addr := mustNumkv(t)
	const n = 1 << 20
	vals := make([]string, 3)
	for i := range vals {
		vals[i] = strings.Repeat(fmt.Sprintf("%c", 'a'+i), n)
	}
	w := mustDial(t, addr)
	w.do("SET", "k", vals[0])
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := mustDial(t, addr)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			switch i % 8 {
			case 0:
				w.do("SET", "k", vals[i%3])
			case 2:
				w.do("DEL", "k")
			case 4:
				w.do("COPY", "k", "k2", "REPLACE")
				w.do("RENAME", "k2", "k")
			default:
				// A whole new value in place: every leaf is rewritten.
				w.do("SETRANGE", "k", "0", vals[i%3])
			}
		}
	}()
	r := mustDial(t, addr)
	want := map[string]bool{"$-1\r\n": true}
	for _, v := range vals {
		want[fmt.Sprintf("$%d\r\n%s\r\n", n, v)] = true
	}
	for i := 0; i < 200; i++ {
		replies, err := r.pipeline([][]string{{"GET", "k"}, {"GET", "k"}, {"GETRANGE", "k", "1000", "200000"}})
		if err != nil {
			t.Fatal(err)
		}
		for j, got := range replies[:2] {
			if !want[got] {
				t.Fatalf("round %d reply %d: %d bytes starting %q: not one whole value", i, j, len(got), got[:min(len(got), 12)])
			}
		}
		if g := replies[2]; g != "$0\r\n\r\n" && !(len(g) == len("$199001\r\n")+199001+2 && bytes.Count([]byte(g[9:len(g)-2]), []byte{g[9]}) == 199001) {
			t.Fatalf("round %d: GETRANGE reply mixes values", i)
		}
	}
	close(stop)
	wg.Wait()
}
