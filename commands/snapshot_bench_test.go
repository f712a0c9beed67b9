package commands

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkCut measures the pause of the snapshot cut: every slot lock
// taken, the snapshot marker published, the locks released (the clones are
// taken after, slot by slot). The goal is under 1 ms per 10,000 keys;
// us/10k-keys reports it.
func BenchmarkCut(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s, c := mustLocal(b)
			for i := 0; i < n; i++ {
				c.run("SET", "key:"+strconv.Itoa(i), "value")
			}
			b.ReportAllocs()
			b.ResetTimer()
			var total time.Duration
			for i := 0; i < b.N; i++ {
				snap, _, pause := s.cut()
				if snap.dbs[0] == nil {
					b.Fatal("the cut did not cover database 0")
				}
				s.snap.Store(nil) // abandon this save unwritten
				total += pause
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N)/float64(n)*10_000, "us/10k-keys")
		})
	}
}
