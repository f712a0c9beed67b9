package keytab

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"numkv/offheap"
)

// TestZeroTable: the zero Table is empty and every call copes with it.
func TestZeroTable(t *testing.T) {
	var tb Table
	h := Hash(nil)
	if tb.Get(h, nil) != 0 || tb.Delete(h, nil) != 0 || tb.Random(1) != 0 || tb.Len() != 0 || tb.Bytes() != 0 {
		t.Fatal("the zero table is not empty")
	}
	tb.Each(func(Rec) bool { t.Fatal("Each visited a record of the zero table"); return true })
	tb.Free()
	if err := tb.check(); err != nil {
		t.Fatal(err)
	}
	r := NewRecord(nil, 0)
	if old := tb.Set(h, r); old != 0 {
		t.Fatalf("Set into an empty table returned %#x", old)
	}
	if tb.Get(h, nil) != r || tb.Len() != 1 || tb.Bytes() != offheap.SizeOf(8*8) {
		t.Fatalf("after Set: Get %#x, Len %d, Bytes %d", tb.Get(h, nil), tb.Len(), tb.Bytes())
	}
	FreeRecord(tb.Delete(h, nil))
	tb.Free()
}

// clusterKeys makes n keys whose (fake) hashes all have the same home,
// near the end of the array so that the cluster wraps to the start.
func clusterKeys(n int) []tkey {
	keys := make([]tkey, n)
	for i := range keys {
		keys[i] = tkey{k: fmt.Appendf(nil, "c%d", i), h: ^uint64(0) - uint64(i%3)<<50}
	}
	return keys
}

// TestEachDeletes deletes records during Each, in tables whose entries form
// one cluster wrapping around the end of the array, so that every deletion
// shifts entries back across the wrap: each record must be visited once,
// and the table shrinks once the walk is over.
func TestEachDeletes(t *testing.T) {
	for _, n := range []int{1, 5, 6, 7, 50, 200} {
		for _, every := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%d_keys_delete_1_in_%d", n, every), func(t *testing.T) {
				keys := clusterKeys(n)
				setHash(t, keys)
				var tb Table
				for _, k := range keys {
					tb.Insert(k.h, NewRecord(k.k, 8))
				}
				bits := tb.bits
				seen := map[string]bool{}
				i := 0
				tb.Each(func(r Rec) bool {
					key := string(r.Key())
					if seen[key] {
						t.Fatalf("key %q visited twice", key)
					}
					seen[key] = true
					if i%every == 0 {
						if got := tb.Delete(keyHash(r.Key()), r.Key()); got != r {
							t.Fatalf("Delete returned %#x, want %#x", got, r)
						}
						FreeRecord(r)
						if tb.bits != bits {
							t.Fatal("the table resized during Each")
						}
					}
					i++
					return true
				})
				if len(seen) != n {
					t.Fatalf("visited %d of %d", len(seen), n)
				}
				if err := tb.check(); err != nil {
					t.Fatal(err)
				}
				if want := n - (n+every-1)/every; tb.Len() != want {
					t.Fatalf("%d left, want %d", tb.Len(), want)
				}
				tb.Each(func(r Rec) bool { FreeRecord(r); return true })
				tb.Free()
			})
		}
	}
}

func TestInsertDuringEach(t *testing.T) {
	var tb Table
	k := []byte("a")
	tb.Insert(Hash(k), NewRecord(k, 0))
	r := NewRecord([]byte("b"), 0)
	defer FreeRecord(r)
	mustPanic(t, "during Each", func() {
		tb.Each(func(Rec) bool { tb.Insert(Hash(r.Key()), r); return true })
	})
	mustPanic(t, "during Each", func() {
		tb.Each(func(Rec) bool { tb.Set(Hash(r.Key()), r); return true })
	})
	if tb.Len() != 1 || tb.walkers.Load() != 0 {
		t.Fatalf("after the panics: %d records, %d walkers", tb.Len(), tb.walkers.Load())
	}
	FreeRecord(tb.Delete(Hash(k), k))
	tb.Free()
}

// TestGrowShrink follows the sizes: 8 entries first, doubling past 0.8,
// halving under 1/8, never below 8.
func TestGrowShrink(t *testing.T) {
	var tb Table
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%d", i)
	}
	for i, k := range keys {
		tb.Insert(Hash(k), NewRecord(k, 0))
		n := i + 1
		want := 8
		for n*5 > want*4 {
			want *= 2
		}
		if 1<<tb.bits != want {
			t.Fatalf("%d records in %d entries, want %d", n, 1<<tb.bits, want)
		}
	}
	size := 1 << tb.bits
	for i, k := range keys {
		FreeRecord(tb.Delete(Hash(k), k))
		n := len(keys) - i - 1
		for size > 8 && n*8 < size {
			size /= 2
		}
		if n == 0 {
			size = 1 // no array: bits 0
		}
		if 1<<tb.bits != size {
			t.Fatalf("%d records in %d entries, want %d", n, 1<<tb.bits, size)
		}
	}
	if tb.Bytes() != 0 {
		t.Fatalf("an empty table holds %d bytes", tb.Bytes())
	}
}

// TestRandomUniform draws many times from a table of clustered and spread
// records: every record comes up about as often.
func TestRandomUniform(t *testing.T) {
	r := rand.New(rand.NewPCG(testSeed(t), 2))
	keys := clusterKeys(50)
	for _, k := range universe(r, 60, false, false) {
		if !bytes.HasPrefix(k.k, []byte("c")) && len(keys) < 100 {
			keys = append(keys, k)
		}
	}
	setHash(t, keys)
	var tb Table
	for _, k := range keys {
		tb.Insert(k.h, NewRecord(k.k, 0))
	}
	const draws = 200000
	count := map[Rec]int{}
	for range draws {
		count[tb.Random(r.Uint64())]++
	}
	want := draws / len(keys)
	for rec, c := range count {
		if c < want*3/4 || c > want*5/4 {
			t.Errorf("record %q drawn %d times, want about %d", rec.Key(), c, want)
		}
	}
	if len(count) != len(keys) {
		t.Errorf("%d records drawn of %d", len(count), len(keys))
	}
	tb.Each(func(r Rec) bool { FreeRecord(r); return true })
	tb.Free()
}

// TestMemory: a table and its records, filled and emptied by deletions or
// by Each then Free, give back every byte they took.
func TestMemory(t *testing.T) {
	before := offheap.LiveBytes()
	n := 100000
	if testing.Short() || raceEnabled {
		n = 10000
	}
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "memory:%d", i)
	}
	for _, drop := range []bool{false, true} {
		var tb Table
		var want int64
		for _, k := range keys {
			r := NewRecord(k, 16)
			want += int64(r.Size())
			tb.Insert(Hash(k), r)
		}
		want += int64(tb.Bytes())
		if got := offheap.LiveBytes() - before; got != want {
			t.Fatalf("%d bytes live, records and array %d", got, want)
		}
		if drop {
			tb.Each(func(r Rec) bool { FreeRecord(r); return true })
		} else {
			for _, k := range keys {
				FreeRecord(tb.Delete(Hash(k), k))
			}
		}
		tb.Free()
		if got := offheap.LiveBytes(); got != before {
			t.Fatalf("live bytes %d after freeing everything, %d before", got, before)
		}
	}
}

// TestConcurrentReaders runs Get, Random and Each in many goroutines under
// a read lock while a writer inserts and deletes under the lock: under
// -race it shows that the read calls write nothing.
func TestConcurrentReaders(t *testing.T) {
	var mu sync.RWMutex
	var tb Table
	keys := make([][]byte, 200)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "conc:%d", i)
	}
	for _, k := range keys[:100] {
		tb.Insert(Hash(k), NewRecord(k, 8))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := keys[(i*7+g)%len(keys)]
				mu.RLock()
				if r := tb.Get(Hash(k), k); r != 0 && !bytes.Equal(r.Key(), k) {
					t.Errorf("Get %q found %q", k, r.Key())
				}
				tb.Random(uint64(i))
				if i%100 == 0 {
					tb.Each(func(r Rec) bool { _ = r.Key(); return true })
				}
				mu.RUnlock()
			}
		}()
	}
	for i := range 2000 {
		k := keys[i%len(keys)]
		h := Hash(k)
		mu.Lock()
		if r := tb.Delete(h, k); r != 0 {
			FreeRecord(r)
		} else {
			tb.Insert(h, NewRecord(k, 8))
		}
		mu.Unlock()
	}
	wg.Wait()
	tb.Each(func(r Rec) bool { FreeRecord(r); return true })
	tb.Free()
}

// MoveTo moves every record, and leaves the source empty and usable.
func TestMoveTo(t *testing.T) {
	var a, b Table
	var recs []Rec
	for i := 0; i < 100; i++ {
		k := []byte{byte(i), 'k'}
		r := NewRecord(k, 8)
		a.Insert(Hash(k), r)
		recs = append(recs, r)
	}
	a.MoveTo(&b)
	if a.Len() != 0 || b.Len() != 100 || a.Get(Hash([]byte{5, 'k'}), []byte{5, 'k'}) != 0 {
		t.Fatalf("after MoveTo: %d and %d records", a.Len(), b.Len())
	}
	for i, r := range recs {
		k := []byte{byte(i), 'k'}
		if b.Get(Hash(k), k) != r {
			t.Fatalf("record %d did not move", i)
		}
	}
	a.Insert(Hash([]byte("x")), NewRecord([]byte("x"), 0))
	if err := a.check(); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []*Table{&a, &b} {
		tb.Each(func(r Rec) bool { FreeRecord(r); return true })
		tb.Free()
	}
}
