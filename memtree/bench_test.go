package memtree

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"testing"

	"numkv/offheap"
)

var hugeFlag = flag.Bool("hugepages", true, "advise chunk memory for huge pages (offheap.SetHugePages), to compare both")

func TestMain(m *testing.M) {
	flag.Parse()
	offheap.SetHugePages(*hugeFlag)
	os.Exit(m.Run())
}

// Benchmark trees are built once per size and leaf size, and kept: the
// 1 GiB one costs about 1 GiB of RAM. Benchmarks that mutate them put the
// length back, so the next benchmark sees the same size. A benchmark that
// clones one drops it afterwards, since the clone took away the tree's
// ownership of its nodes and later writes would all copy.
var benchTrees = map[[2]int]*Tree{}

func benchTree(b *testing.B, size int) *Tree {
	b.Helper()
	k := [2]int{size, leafMax}
	if t, ok := benchTrees[k]; ok {
		return t
	}
	if size >= 1<<30 { // keep at most one huge tree around
		for k, t := range benchTrees {
			t.Release()
			delete(benchTrees, k)
		}
	}
	var bl Builder
	p := pattern(1 << 20)
	for n := 0; n < size; n += len(p) {
		bl.Write(p[:min(len(p), size-n)])
	}
	t := bl.Tree()
	benchTrees[k] = t
	return t
}

func dropBenchTree(size int) {
	k := [2]int{size, leafMax}
	if t, ok := benchTrees[k]; ok {
		t.Release()
		delete(benchTrees, k)
	}
}

func sizeName(n int) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

// BenchmarkMemcpy is the machine's copy speed, for comparison.
func BenchmarkMemcpy(b *testing.B) {
	for _, n := range []int{4 << 10, 1 << 20, 64 << 20} {
		b.Run(sizeName(n), func(b *testing.B) {
			src, dst := pattern(n), make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				copy(dst, src)
			}
		})
	}
}

// BenchmarkShiftYardstick is the memory traffic of an insert without the
// tree: in a 128 KiB buffer picked at random from a pool of the tree's
// size, it shifts the bytes after a random offset 4 KiB along and copies
// 4 KiB into the gap, as an insert into a leaf with room does. Comparing
// its 1 GiB and 1 MiB cases shows what the memory hierarchy alone makes
// of the insert benchmarks' ratio.
func BenchmarkShiftYardstick(b *testing.B) {
	const buf, fill, n = 128 << 10, 96 << 10, 4 << 10
	for _, size := range treeSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			pool := make([][]byte, size/buf)
			for i := range pool {
				pool[i] = pattern(buf)
			}
			r := rand.New(rand.NewSource(2))
			p := pattern(n)
			b.SetBytes(n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d := pool[r.Intn(len(pool))]
				x := r.Intn(fill)
				copy(d[x+n:fill+n], d[x:fill])
				copy(d[x:], p)
			}
		})
	}
}

// BenchmarkAppend appends chunks of each size to a tree, starting a new
// tree every 64 MiB.
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{4 << 10, 64 << 10, 1 << 20} {
		b.Run(sizeName(n), func(b *testing.B) {
			p := pattern(n)
			t := New()
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if t.Len() >= 64<<20 {
					t.Release()
				}
				t.Append(p)
			}
			t.Release()
		})
	}
}

// BenchmarkBuilder is snapshot loading's path.
func BenchmarkBuilder(b *testing.B) {
	p := pattern(1 << 20)
	b.SetBytes(64 << 20)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var bl Builder
		for k := 0; k < 64; k++ {
			bl.Write(p)
		}
		bl.Tree().Release()
	}
}

// BenchmarkReadAt reads at random offsets of a 1 MiB tree, which stays in
// cache, and of a 64 MiB one, which mostly does not.
func BenchmarkReadAt(b *testing.B) {
	for _, size := range []int{1 << 20, 64 << 20} {
		for _, n := range []int{4 << 10, 1 << 20} {
			if n >= size {
				continue
			}
			b.Run(sizeName(size)+"/"+sizeName(n), func(b *testing.B) {
				t := benchTree(b, size)
				r := rand.New(rand.NewSource(1))
				p := make([]byte, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					t.ReadAt(p, r.Intn(t.Len()-n))
				}
			})
		}
	}
}

var treeSizes = []int{1 << 20, 64 << 20, 1 << 30}

// BenchmarkInsert inserts 4 KiB at random offsets. Every 64 inserts the
// timer stops while as many random 4 KiB removes restore the size.
func BenchmarkInsert(b *testing.B) {
	for _, size := range treeSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			benchInsertRemove(b, benchTree(b, size), true)
		})
	}
}

// BenchmarkRemove removes 4 KiB at random offsets, restoring the size
// with untimed inserts.
func BenchmarkRemove(b *testing.B) {
	for _, size := range treeSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			benchInsertRemove(b, benchTree(b, size), false)
		})
	}
}

// warmed records trees that benchInsertRemove has brought to a steady
// state: a freshly built tree has every leaf full, so its first inserts
// all rewrite leaves into buffers fresh from the OS, which measures page
// faults rather than the tree.
var warmed = map[*Tree]bool{}

func benchInsertRemove(b *testing.B, t *Tree, insert bool) {
	const n, batch = 4 << 10, 64
	r := rand.New(rand.NewSource(2))
	p := pattern(n)
	ins, rem := func() { t.Insert(r.Intn(t.Len()+1), p) }, func() { t.Remove(r.Intn(t.Len()-n), n) }
	if !warmed[t] {
		for i := 0; i < 2*t.Len()/leafMax; i++ {
			ins()
			rem()
		}
		warmed[t] = true
	}
	timed, untimed := ins, rem
	if !insert {
		timed, untimed = untimed, timed
	}
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		timed()
		if i%batch == batch-1 || i == b.N-1 {
			b.StopTimer()
			for k := 0; k <= i%batch; k++ {
				untimed()
			}
			b.StartTimer()
		}
	}
}

// gatherTree builds a 64 MiB tree for the gather benchmarks, apart from
// benchTree's, which the insert and remove benchmarks churn: a gather's
// speed depends on the leaves' layout, so each shape gets its own tree.
// "built" is the layout a load or a run of appends leaves; "churned" has
// had 4 KiB inserts and removes at random offsets, twice per leaf.
func gatherTree(shape string) *Tree {
	var bl Builder
	p := pattern(1 << 20)
	for n := 0; n < 64<<20; n += len(p) {
		bl.Write(p)
	}
	t := bl.Tree()
	if shape == "churned" {
		r := rand.New(rand.NewSource(3))
		q := pattern(4 << 10)
		for i := 0; i < 2*t.Len()/leafMax; i++ {
			t.Insert(r.Intn(t.Len()+1), q)
			t.Remove(r.Intn(t.Len()-len(q)), len(q))
		}
	}
	return t
}

// BenchmarkGather gathers 16384 elements of 4 bytes at a stride of 1024
// elements, a 64 MiB span, starting at successive elements, like reading
// neighbouring columns of a matrix with 4 KiB rows. BenchmarkReadSpan
// reads that whole span, which is what a walk of every leaf would cost.
func BenchmarkGather(b *testing.B) {
	const n, elem, step = 16384, 4, 1024
	for _, shape := range []string{"built", "churned"} {
		b.Run(shape, func(b *testing.B) {
			t := gatherTree(shape)
			dst := make([]byte, 0, n*elem)
			b.SetBytes(n * elem)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dst, _ = t.Gather(dst[:0], elem, i%step, step, n)
			}
			b.StopTimer()
			t.Release()
		})
	}
}

func BenchmarkReadSpan(b *testing.B) {
	const span = 16383*1024*4 + 4
	t := gatherTree("built")
	dst := make([]byte, 0, span)
	b.SetBytes(span)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst, _ = t.AppendRange(dst[:0], 0, span)
	}
	b.StopTimer()
	t.Release()
}

// BenchmarkScatter is BenchmarkGather's write twin.
func BenchmarkScatter(b *testing.B) {
	const n, elem, step = 16384, 4, 1024
	t := gatherTree("built")
	p := pattern(n * elem)
	b.SetBytes(n * elem)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t.Scatter(p, elem, i%step, step, n)
	}
}

// BenchmarkWrite4K overwrites 4 KiB at a random offset of a 1 GiB tree
// that owns its nodes; AfterClone clones first, so every write copies its
// path and its leaf: the first write after a Clone. The clone is released
// after the write, which frees the old path (counted in the time).
func BenchmarkWrite4K(b *testing.B) {
	t := benchTree(b, 1<<30)
	for _, clone := range []bool{false, true} {
		name := "Owned"
		if clone {
			name = "AfterClone"
		}
		b.Run(name, func(b *testing.B) {
			r := rand.New(rand.NewSource(3))
			p := pattern(4 << 10)
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var c Tree
				if clone {
					t.CloneTo(&c)
				}
				t.WriteAt(p, r.Intn(t.Len()-len(p)))
				c.Release()
			}
		})
	}
	dropBenchTree(1 << 30)
}

// BenchmarkClone clones a 1 GiB tree and drops the clone.
func BenchmarkClone(b *testing.B) {
	t := benchTree(b, 1<<30)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var c Tree
		t.CloneTo(&c)
		c.Release()
	}
	b.StopTimer()
	dropBenchTree(1 << 30)
}

// BenchmarkLeafSize sweeps the chunk size over the main operations on a
// 1 GiB tree; it is how leafMax was chosen.
func BenchmarkLeafSize(b *testing.B) {
	for _, leaf := range []int{16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10} {
		b.Run(fmt.Sprintf("leaf=%dKiB", leaf>>10), func(b *testing.B) {
			setSizes(b, leaf, allocUnit, nodeMax)
			t := benchTree(b, 1<<30)
			b.Run("insert4K", func(b *testing.B) { benchInsertRemove(b, t, true) })
			b.Run("remove4K", func(b *testing.B) { benchInsertRemove(b, t, false) })
			b.Run("read1M", func(b *testing.B) {
				r := rand.New(rand.NewSource(1))
				p := make([]byte, 1<<20)
				b.SetBytes(int64(len(p)))
				for i := 0; i < b.N; i++ {
					t.ReadAt(p, r.Intn(t.Len()-len(p)))
				}
			})
			b.Run("gather", func(b *testing.B) {
				dst := make([]byte, 0, 16384*4)
				b.SetBytes(16384 * 4)
				for i := 0; i < b.N; i++ {
					dst, _ = t.Gather(dst[:0], 4, i%1024, 1024, 16384)
				}
			})
			b.Run("append64K", func(b *testing.B) {
				p := pattern(64 << 10)
				a := New()
				b.SetBytes(int64(len(p)))
				for i := 0; i < b.N; i++ {
					if a.Len() >= 64<<20 {
						a.Release()
					}
					a.Append(p)
				}
				a.Release()
			})
		})
		if t, ok := benchTrees[[2]int{1 << 30, leaf}]; ok {
			t.Release()
			delete(benchTrees, [2]int{1 << 30, leaf})
		}
	}
}
