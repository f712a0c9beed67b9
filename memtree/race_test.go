package memtree

import (
	"bytes"
	"math/rand"
	"sync"
	"testing"
)

// TestCloneReadWhileMutating reads clones from other goroutines while the
// original is mutated; run it with -race. Readers also clone the clone
// concurrently, which is allowed because Clone only reads the nodes.
func TestCloneReadWhileMutating(t *testing.T) {
	setSizes(t, 512, 64, 4)
	seed := testSeed(t)
	r := rand.New(rand.NewSource(seed))
	tr := New()
	m := pattern(300 * leafMax)
	tr.Append(m)
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	for round := 0; round < rounds; round++ {
		snap := tr.Clone()
		want := append([]byte(nil), m...)
		var wg sync.WaitGroup
		errs := make(chan string, 8)
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					src := snap
					if g == 2 {
						src = snap.Clone()
					}
					got, err := src.AppendRange(nil, 0, src.Len())
					if err != nil || !bytes.Equal(got, want) {
						errs <- "clone contents changed under a concurrent writer"
						return
					}
					var cat []byte
					src.Chunks(0, src.Len(), func(b []byte) bool { cat = append(cat, b...); return true })
					if !bytes.Equal(cat, want) {
						errs <- "clone chunks changed under a concurrent writer"
						return
					}
					el, _ := src.Gather(nil, 3, 5, 97, len(want)/3/97-1)
					for j := 0; j < len(el)/3; j++ {
						o := (5 + j*97) * 3
						if !bytes.Equal(el[3*j:3*j+3], want[o:o+3]) {
							errs <- "clone gather changed under a concurrent writer"
							return
						}
					}
				}
			}(g)
		}
		// Mutate the original meanwhile, through every write path.
		p := pattern(3 * leafMax)
		for i := 0; i < 60; i++ {
			l := tr.Len()
			switch i % 6 {
			case 0:
				off := r.Intn(l)
				tr.Insert(off, p[:r.Intn(len(p))])
			case 1:
				off := r.Intn(l / 2)
				tr.Remove(off, r.Intn(leafMax))
			case 2:
				tr.WriteAt(p, r.Intn(l))
			case 3:
				tr.Scatter(p[:40], 4, 3, 101, 10)
			case 4:
				tr.Append(p[:r.Intn(len(p))])
			case 5:
				tr.RemoveStrided(1, 7, 131, 5)
			}
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatal(e)
		}
		if err := snap.check(); err != nil {
			t.Fatal(err)
		}
		if err := tr.check(); err != nil {
			t.Fatal(err)
		}
		m, _ = tr.AppendRange(nil, 0, tr.Len())
	}
}
