package commands

import (
	"bytes"
	"fmt"
	"math/rand"
	"net"
	"strconv"
	"sync"
	"testing"
)

// Saves run while clients write, COPY and read the same variables: every
// reply must match each client's own model, and, under -race, no access
// may race. Each client owns its keys (so it can keep a model), but keys of
// different clients share slots, and the saver preserves, writes and
// reclaims those slots while the clients take copy-on-write clones (COPY)
// and write into trees that were shared with a snapshot a moment before.
func TestSaveWhileCopyingAndWriting(t *testing.T) {
	s, _ := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "race.numkv"
	const clients, keys = 4, 3
	steps := 300
	if testing.Short() {
		steps = 120
	}
	rng := testRand(t)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for g := range clients {
		seed := rng.Int64()
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		c := newClient(s, a, int64(10+g))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- raceClient(c, g, seed, keys, steps)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	saves := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if err := s.save(); err != nil {
			t.Fatal(err)
		}
		saves++
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d saves during %d clients × %d steps", saves, clients, steps)
}

func raceClient(c *client, g int, seed int64, keys, steps int) error {
	rng := rand.New(rand.NewSource(seed))
	model := map[string][]byte{}
	name := func(i int) string { return "c" + strconv.Itoa(g) + "k" + strconv.Itoa(i) }
	page := func() []byte { return bytes.Repeat([]byte{byte('a' + rng.Intn(26))}, 1+rng.Intn(8<<10)) }
	for step := range steps {
		k := name(rng.Intn(keys))
		switch rng.Intn(5) {
		case 0: // a value of several leaves
			v := bytes.Repeat(page(), 1+rng.Intn(64))
			c.run("SET", k, string(v))
			model[k] = v
		case 1:
			p := page()
			off := rng.Intn(len(model[k]) + 1)
			c.run("SETRANGE", k, strconv.Itoa(off), string(p))
			v := model[k]
			if off+len(p) > len(v) {
				v = append(v, make([]byte, off+len(p)-len(v))...)
			}
			copy(v[off:], p)
			model[k] = v
		case 2:
			p := page()
			c.run("APPEND", k, string(p))
			model[k] = append(model[k], p...)
		case 3:
			d := name(rng.Intn(keys))
			c.run("COPY", k, d, "REPLACE")
			if v, ok := model[k]; ok && d != k {
				model[d] = bytes.Clone(v)
			}
		case 4:
			c.run("DEL", k)
			delete(model, k)
		}
		for i := range keys {
			k := name(i)
			got := c.run("GET", k)
			want := "$-1\r\n"
			if v, ok := model[k]; ok {
				want = "$" + strconv.Itoa(len(v)) + "\r\n" + string(v) + "\r\n"
			}
			if got != want {
				return fmt.Errorf("client %d step %d: GET %s differs from the model (reply of %d bytes, want %d)", g, step, k, len(got), len(want))
			}
		}
	}
	return nil
}
