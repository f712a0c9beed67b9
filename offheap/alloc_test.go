package offheap

import (
	"flag"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
	"unsafe"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized tests (0: random)")

func mustSeed(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -seed %d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed))
}

func TestSizeClasses(t *testing.T) {
	prev := 0
	for k := 1; k <= nClasses; k++ {
		s := int(classSize[k])
		if s <= prev || s%minAlign != 0 {
			t.Fatalf("class %d: size %d after %d", k, s, prev)
		}
		// The tail of a page that no block of the class fills.
		if tail := PageSize % s; float64(tail)/PageSize > 0.036 {
			t.Errorf("class %d (%d bytes) wastes %d bytes of a page", k, s, tail)
		}
		prev = s
	}
	if prev != maxSmall {
		t.Fatalf("largest class %d, want %d", prev, maxSmall)
	}
	for n := 1; n <= maxSmall; n += 1 + n/97 {
		c := sizeClass(n)
		s := int(classSize[c])
		if s < n || (c > 1 && int(classSize[c-1]) >= n) {
			t.Fatalf("request %d: class %d of %d bytes", n, c, s)
		}
		if n > 128 && n <= 128<<10 && float64(s-n)/float64(n) >= 0.125 {
			t.Fatalf("request %d wastes %d bytes", n, s-n)
		}
		if SizeOf(n) != s {
			t.Fatalf("SizeOf(%d) = %d, class says %d", n, SizeOf(n), s)
		}
	}
	if SizeOf(maxSmall+1) != PageSize || SizeOf(PageSize+1) != 2*PageSize {
		t.Fatalf("SizeOf(%d) = %d", maxSmall+1, SizeOf(maxSmall+1))
	}
	if SizeOf(0) != 0 || Alloc(Scratch, 0) != nil {
		t.Fatal("a zero-byte request must get nothing")
	}
}

// block is one allocation of the model test: its bytes must keep the
// pattern written when it was allocated until it is freed.
type block struct {
	b   []byte
	pat byte
	p   Purpose
}

func fill(b []byte, pat byte) {
	for i := range b {
		b[i] = pat + byte(i>>4)
	}
}

func intact(b []byte, pat byte) bool {
	for i := range b {
		if b[i] != pat+byte(i>>4) {
			return false
		}
	}
	return true
}

// randomSize draws from what numkv asks for: small records, tree nodes,
// chunks near 128 KiB, and now and then a large table.
func randomSize(r *rand.Rand) int {
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		return 1 + r.IntN(200)
	case 4, 5:
		return 1 + r.IntN(8192)
	case 6, 7, 8:
		return 64<<10 + r.IntN(64<<10)
	}
	if r.IntN(20) == 0 {
		return maxSmall + 1 + r.IntN(3*PageSize)
	}
	return 1 + r.IntN(maxSmall)
}

// TestModel allocates and frees at random, fills every block with its own
// pattern, and checks that no block ever overwrites another, that Live
// counts exactly the class sizes of the blocks held, and that once
// everything is freed the live count and the pages in use are back where
// they started.
func TestModel(t *testing.T) {
	r := mustSeed(t)
	steps := 20000
	if testing.Short() {
		steps = 4000
	}
	DrainQuarantine()
	before := ReadStats()
	var held []block
	var want int64
	for step := 0; step < steps; step++ {
		if len(held) > 0 && (r.IntN(2) == 0 || want > 512<<20) {
			i := r.IntN(len(held))
			bl := held[i]
			if !intact(bl.b, bl.pat) {
				t.Fatalf("step %d: a block of %d bytes was overwritten", step, len(bl.b))
			}
			Free(bl.p, bl.b)
			want -= int64(SizeOf(len(bl.b)))
			held[i] = held[len(held)-1]
			held = held[:len(held)-1]
		} else {
			n := randomSize(r)
			p := Purpose(r.IntN(int(NumPurposes)))
			b := Alloc(p, n)
			if len(b) != n || cap(b) != SizeOf(n) {
				t.Fatalf("Alloc(%d): len %d cap %d", n, len(b), cap(b))
			}
			if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%minAlign != 0 {
				t.Fatalf("Alloc(%d) not aligned: %p", n, b)
			}
			b = b[:cap(b)] // the whole capacity is the caller's
			bl := block{b, byte(r.Uint32()), p}
			fill(bl.b, bl.pat)
			held = append(held, bl)
			want += int64(cap(b))
		}
		if step%500 == 0 {
			Scavenge(1 << 20) // free blocks' pages given back mid-run
		}
		if step%1000 == 0 {
			if got := ReadStats().Total - before.Total; got != want {
				t.Fatalf("step %d: live %d, want %d", step, got, want)
			}
		}
	}
	for _, bl := range held {
		if !intact(bl.b, bl.pat) {
			t.Fatalf("a block of %d bytes was overwritten", len(bl.b))
		}
		Free(bl.p, bl.b)
	}
	DrainQuarantine()
	after := ReadStats()
	if after.Total != before.Total || after.Live != before.Live {
		t.Fatalf("live bytes %v after freeing everything, %v before", after.Live, before.Live)
	}
	if after.Pages != before.Pages {
		t.Fatalf("%d bytes of pages in use after freeing everything, %d before", after.Pages, before.Pages)
	}
	if after.Retained > int64((retainMax[0]+retainMax[1]))*PageSize {
		t.Fatalf("%d bytes retained, more than %d pages", after.Retained, (retainMax[0] + retainMax[1]))
	}
}

// TestConcurrent has goroutines allocate, fill, check and free at once; run
// under -race it also checks the locking.
func TestConcurrent(t *testing.T) {
	r := mustSeed(t)
	before := LiveBytes()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		seed := r.Uint64()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 1))
			var held []block
			for i := 0; i < 3000; i++ {
				if len(held) > 20 || (len(held) > 0 && r.IntN(2) == 0) {
					j := r.IntN(len(held))
					if !intact(held[j].b, held[j].pat) {
						t.Errorf("a block was overwritten")
						return
					}
					Free(Scratch, held[j].b)
					held[j] = held[len(held)-1]
					held = held[:len(held)-1]
					continue
				}
				n := 1 + r.IntN(1<<r.IntN(18))
				bl := block{Alloc(Scratch, n), byte(r.Uint32()), Scratch}
				fill(bl.b, bl.pat)
				held = append(held, bl)
			}
			for _, bl := range held {
				Free(Scratch, bl.b)
			}
		}()
	}
	wg.Wait()
	if got := LiveBytes(); got != before {
		t.Fatalf("live %d after, %d before", got, before)
	}
}

func TestRefs(t *testing.T) {
	before := LiveBytes()
	var refs []Ref
	for i := 0; i < 100; i++ {
		r, b := AllocRef(Record, 40+i)
		if r == 0 || r >= MaxRef || r.Pointer() != unsafe.Pointer(unsafe.SliceData(b)) {
			t.Fatalf("AllocRef: ref %d, pointer %p, block %p", r, r.Pointer(), b)
		}
		fill(b, byte(i))
		refs = append(refs, r)
	}
	for i, r := range refs {
		if !intact(r.Bytes(40+i), byte(i)) {
			t.Fatalf("block %d changed", i)
		}
		FreeRef(Record, r)
	}
	if Ref(0).Pointer() != nil {
		t.Fatal("Ref 0 must name nothing")
	}
	FreeRef(Record, 0)
	if got := LiveBytes(); got != before {
		t.Fatalf("live %d after, %d before", got, before)
	}
}

func BenchmarkAllocFree(b *testing.B) {
	for _, n := range []int{64, 1024, 128 << 10} {
		b.Run(byteSize(n), func(b *testing.B) {
			b.ReportAllocs()
			var ring [64][]byte
			for i := 0; i < b.N; i++ {
				j := i % len(ring)
				Free(Scratch, ring[j])
				ring[j] = Alloc(Scratch, n)
			}
			for _, x := range ring {
				Free(Scratch, x)
			}
		})
	}
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return itoa(n>>20) + "MiB"
	case n >= 1<<10:
		return itoa(n>>10) + "KiB"
	}
	return itoa(n) + "B"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestScavengeModel frees most of many small and chunk-sized blocks at
// random, has the scavenger give back the pages they leave empty, and
// allocates again, so that blocks come both from free lists rebuilt by
// the scavenger and from pages taken back: every block held must keep its
// bytes throughout, and once all are freed the live count, the pages in
// use and the pages given back are where they started.
func TestScavengeModel(t *testing.T) {
	r := mustSeed(t)
	defer func(m int64, a time.Duration) { scavengeMin, scavengeAge = m, a }(scavengeMin, scavengeAge)
	scavengeMin, scavengeAge = 0, 0 // look at every span every time; a page seen free twice goes
	DrainQuarantine()
	before := ReadStats()
	sizes := []int{16, 48, 100, 1000, 1500, 3000, 5000, 40 << 10, 128<<10 - 64}
	var held []block
	check := func(when string) {
		t.Helper()
		for _, bl := range held {
			if !intact(bl.b, bl.pat) {
				t.Fatalf("%s: a block of %d bytes was overwritten", when, len(bl.b))
			}
		}
	}
	for round := 0; round < 6; round++ {
		for i := 0; i < 20000; i++ {
			n := sizes[r.IntN(len(sizes))]
			if n > 1<<10 && r.IntN(8) != 0 {
				n = sizes[r.IntN(3)] // mostly small: many blocks per page
			}
			bl := block{Alloc(Record, n), byte(r.Uint32()), Record}
			fill(bl.b, bl.pat)
			held = append(held, bl)
		}
		check("after allocating")
		// Free 90% at random, scavenging now and then on the way.
		keep := held[:0]
		for i, bl := range held {
			if r.IntN(10) == 0 {
				keep = append(keep, bl)
			} else {
				Free(bl.p, bl.b)
			}
			if i%5000 == 0 {
				DrainQuarantine()
				Scavenge(1 << 20)
			}
			if i%5000 == 2500 {
				Scavenge(1 << 20)
			}
		}
		held = keep
		DrainQuarantine()
		Scavenge(1 << 20)
		Scavenge(1 << 20)
		check("after scavenging")
		if ReadStats().HeapMode {
			continue
		}
		if st := ReadStats(); round == 0 && st.Released == before.Released {
			t.Fatalf("nothing given back after freeing 90%% of %d blocks", 20000)
		}
	}
	for _, bl := range held {
		Free(bl.p, bl.b)
	}
	DrainQuarantine()
	after := ReadStats()
	if after.Total != before.Total || after.Pages != before.Pages || after.Released != before.Released {
		t.Fatalf("after freeing everything: live %d, pages %d, released %d; before: %d, %d, %d",
			after.Total, after.Pages, after.Released, before.Total, before.Pages, before.Released)
	}
}
