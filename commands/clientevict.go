package commands

import (
	"math"
	"slices"
)

// clientEvictMin is the smallest limit client eviction uses, whatever
// maxmemory-clients says, so that a bad setting cannot cut every
// connection off (Redis's 128 KiB).
const clientEvictMin = 128 << 10

// clientEvictLimit is maxmemory-clients in bytes, as Redis's
// getClientEvictionLimit: a percentage applies to maxmemory (no limit
// without one), and a limit is at least clientEvictMin; 0 is none.
func (s *Server) clientEvictLimit() int64 {
	v := s.live.maxMemClients.Load()
	var n int64
	switch {
	case v < 0 && s.maxMemory() > 0:
		n = int64(min(float64(s.maxMemory())*float64(-v)/100, math.MaxInt64))
	case v > 0:
		n = v
	default:
		return 0
	}
	return max(n, clientEvictMin)
}

// evictClients closes the clients whose buffers use the most memory
// until the clients' total is under maxmemory-clients, never a NO-EVICT
// one, as Redis's evictClients (which goes by buckets of sizes; here the
// order is exact). c, the client whose buffers grew, may be among them:
// it is then killed like the others and its loop ends.
func (s *Server) evictClients() {
	limit := s.clientEvictLimit()
	if limit == 0 || s.clientMem.Load() < limit {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	total := s.clientMem.Load()
	var cands []*client
	for _, cl := range s.clients {
		if !cl.noEvict {
			cands = append(cands, cl)
		}
	}
	slices.SortFunc(cands, func(a, b *client) int {
		if d := b.memUsage.Load() - a.memUsage.Load(); d != 0 {
			return int(max(min(d, 1), -1))
		}
		return int(max(min(a.id-b.id, 1), -1))
	})
	for _, cl := range cands {
		if total < limit {
			return
		}
		s.log.notice("Evicting client: %s", s.infoLine(cl, nil))
		total -= cl.memUsage.Load()
		s.kill(cl)
		s.evictedClients.Add(1)
	}
	if total >= limit {
		s.log.warn("Over client maxmemory after evicting all evictable clients")
	}
}
