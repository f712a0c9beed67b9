package commands

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The statistics behind INFO's commandstats, errorstats and latencystats
// sections and the instantaneous_* fields, counted as Redis 7.0 counts
// them:
//   - a command that runs counts a call, its time (the handler and the work
//     it leaves for after its locks), and a failure when it replied an
//     error; EXEC counts as a call and so does each command it runs;
//   - a command dispatch refuses (arity, NOAUTH, OOM, MOVED...) counts a
//     rejected call, and is not run;
//   - every error reply counts under its first word (ERR, WRONGTYPE...),
//     whether the command ran, was refused, or was unknown.

// cmdStat is one command's figures. Rows of the table get an index each
// (command.id) into Server.stats.
type cmdStat struct {
	nanos, rejected, failed atomic.Int64
	// hist counts the calls by duration; their number is its total.
	hist atomic.Pointer[latencyHist] // made at the first call
}

// calls returns how many times the command ran.
func (st *cmdStat) calls() int64 {
	h := st.hist.Load()
	if h == nil {
		return 0
	}
	return h.total()
}

// monoEpoch is where monoNow counts from.
var monoEpoch = time.Now()

// monoNow reads the monotonic clock, in nanoseconds: one clock read,
// where time.Now makes two (the wall clock too).
func monoNow() int64 { return int64(time.Since(monoEpoch)) }

// clockStart returns when the command about to run started: when the one
// before it in the same batch ended (c.clock), or now. Chaining the
// commands of a batch costs one clock read per command rather than two;
// a command's time so includes reading its arguments and dispatch's
// checks, a few tens of nanoseconds.
func (c *client) clockStart() int64 {
	if c.clock == 0 {
		c.clock = monoNow()
	}
	return c.clock
}

// commandsByID holds every command and subcommand, at its id.
var commandsByID []*command

// latencyHist is a log-linear histogram of durations in nanoseconds:
// values below 16 have a bucket each, then every power of two is cut into
// 16 buckets, so a bucket's width is at most 1/16 of its values (Redis's
// HDR histogram keeps 2 significant digits; this keeps a little over 1).
type latencyHist struct {
	counts [latencyBuckets]atomic.Int64
}

const latencyBuckets = (64 - 3) * 16

func latencyBucket(ns int64) int {
	v := uint64(max(ns, 0))
	if v < 16 {
		return int(v)
	}
	e := bits.Len64(v) - 1 // 4 and up
	return (e-3)*16 + int(v>>(e-4)&15)
}

// latencyBucketTop is the highest value of bucket i.
func latencyBucketTop(i int) int64 {
	if i < 16 {
		return int64(i)
	}
	e, sub := i/16+3, uint64(i%16)
	return int64((16+sub+1)<<(e-4) - 1)
}

func (h *latencyHist) record(ns int64) { h.counts[latencyBucket(ns)].Add(1) }

func (h *latencyHist) total() int64 {
	var n int64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// percentile returns the value at or below which p percent of the
// recorded durations fall, as the top of its bucket.
func (h *latencyHist) percentile(p float64) int64 {
	total := h.total()
	if total == 0 {
		return 0
	}
	want := int64(math.Ceil(p / 100 * float64(total)))
	want = max(want, 1)
	var seen int64
	for i := range h.counts {
		if seen += h.counts[i].Load(); seen >= want {
			return latencyBucketTop(i)
		}
	}
	return latencyBucketTop(latencyBuckets - 1)
}

// latencyPercentiles are the percentiles latencystats reports: Redis's
// default latency-tracking-info-percentiles.
var latencyPercentiles = []float64{50, 99, 99.9}

// recordCall counts a command that ran for d, and a failure if it replied
// an error since the last command counted (c.errMark), as Redis's call.
func (s *Server) recordCall(c *client, cmd *command, start int64) {
	end := monoNow()
	c.clock = end
	d := end - start
	st := &s.stats[cmd.id]
	st.nanos.Add(d)
	h := st.hist.Load()
	if h == nil {
		st.hist.CompareAndSwap(nil, new(latencyHist))
		h = st.hist.Load()
	}
	h.record(d)
	if c.errs != c.errMark {
		st.failed.Add(1)
	}
	c.errMark = c.errs
}

// countError counts an error reply in total_error_replies and under its
// first word in errorstats: the word before the first space in the first
// 32 bytes of "-msg", or ERR when there is none, as Redis's afterErrorReply.
func (s *Server) countError(msg string) {
	s.errorsTotal.Add(1)
	name := "ERR"
	if i := strings.IndexByte(msg[:min(len(msg), 31)], ' '); i > 0 {
		name = msg[:i]
	}
	s.errStats.Lock()
	if s.errStats.m == nil {
		s.errStats.m = map[string]int64{}
	}
	s.errStats.m[name]++
	s.errStats.Unlock()
}

// errorStats is errorstats' counts by error name.
type errorStats struct {
	sync.Mutex
	m map[string]int64
}

// resetStats zeroes what CONFIG RESETSTAT resets of these statistics.
func (s *Server) resetStats() {
	for i := range s.stats {
		st := &s.stats[i]
		st.nanos.Store(0)
		st.rejected.Store(0)
		st.failed.Store(0)
		st.hist.Store(nil)
	}
	s.errStats.Lock()
	s.errStats.m = nil
	s.errStats.Unlock()
	s.inst.reset()
}

// infoCommandStats writes a cmdstat_ line for each command with a call, a
// rejection or a failure, subcommands as container|sub, in the table's
// order by name.
func (s *Server) infoCommandStats(b *strings.Builder) {
	eachCommandSorted(func(cmd *command) {
		st := &s.stats[cmd.id]
		calls, nanos, rej, fail := st.calls(), st.nanos.Load(), st.rejected.Load(), st.failed.Load()
		if calls == 0 && rej == 0 && fail == 0 {
			return
		}
		usec := nanos / 1000
		per := 0.0
		if calls > 0 {
			per = float64(nanos) / 1000 / float64(calls)
		}
		fmt.Fprintf(b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
			cmd.fullName, calls, usec, per, rej, fail)
	})
}

// infoLatencyStats writes a latency_percentiles_usec_ line for each
// command that has run.
func (s *Server) infoLatencyStats(b *strings.Builder) {
	eachCommandSorted(func(cmd *command) {
		h := s.stats[cmd.id].hist.Load()
		if h == nil {
			return
		}
		fmt.Fprintf(b, "latency_percentiles_usec_%s:", cmd.fullName)
		for i, p := range latencyPercentiles {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, "p%s=%.3f", trimFloat(p), float64(h.percentile(p))/1000)
		}
		b.WriteString("\r\n")
	})
}

// trimFloat prints p as Redis's trimDoubleString does: no trailing zeros.
func trimFloat(p float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%f", p), "0"), ".")
}

// infoErrorStats writes an errorstat_ line for each error name seen, in
// name order.
func (s *Server) infoErrorStats(b *strings.Builder) {
	s.errStats.Lock()
	names := make([]string, 0, len(s.errStats.m))
	for n := range s.errStats.m {
		names = append(names, n)
	}
	slices.Sort(names)
	counts := make([]int64, len(names))
	for i, n := range names {
		counts[i] = s.errStats.m[n]
	}
	s.errStats.Unlock()
	for i, n := range names {
		fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", n, counts[i])
	}
}

// eachCommandSorted visits the commands by name, each container followed
// by its subcommands.
func eachCommandSorted(fn func(*command)) {
	for _, cmd := range sortedCommands {
		fn(cmd)
		for _, sc := range cmd.sub {
			fn(sc)
		}
	}
}

// instMetrics are Redis's instantaneous_* figures: the rate of a counter
// over the last 16 samples the cron takes, 100 ms apart.
type instMetrics struct {
	mu      sync.Mutex
	last    [3]int64 // commands, bytes in, bytes out at the last sample
	lastAt  time.Time
	samples [3][16]float64 // per second
	idx     int
}

const (
	instOps = iota
	instNetIn
	instNetOut
)

// sample records the rates since the last sample.
func (m *instMetrics) sample(now time.Time, counters [3]int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.lastAt.IsZero() {
		if dt := now.Sub(m.lastAt).Seconds(); dt > 0 {
			for i := range counters {
				m.samples[i][m.idx] = float64(counters[i]-m.last[i]) / dt
			}
			m.idx = (m.idx + 1) % 16
		}
	}
	m.last, m.lastAt = counters, now
}

// rate returns the mean of metric i's samples.
func (m *instMetrics) rate(i int) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum float64
	for _, v := range m.samples[i] {
		sum += v
	}
	return sum / 16
}

func (m *instMetrics) reset() {
	m.mu.Lock()
	m.samples = [3][16]float64{}
	m.lastAt = time.Time{}
	m.mu.Unlock()
}

// recentMax is Redis's client_recent_max_input_buffer and
// client_recent_max_output_buffer: the largest query buffer and pending
// reply any connection had, over the last 8 seconds, kept a second a slot.
type recentMax struct {
	sec     [8]atomic.Int64 // the unix second each slot holds
	in, out [8]atomic.Int64
}

// note records a buffer of n bytes, input or output, in this second's slot.
func (m *recentMax) note(output bool, n int64) {
	sec := nowMs() / 1000
	i := sec % 8
	if m.sec[i].Load() != sec {
		// A new second: the slot starts over. Two connections may both
		// reset it; a size noted in between is lost, which only makes
		// the figure a little low for that second.
		m.sec[i].Store(sec)
		m.in[i].Store(0)
		m.out[i].Store(0)
	}
	slot := &m.in[i]
	if output {
		slot = &m.out[i]
	}
	for {
		old := slot.Load()
		if n <= old || slot.CompareAndSwap(old, n) {
			return
		}
	}
}

// max returns the largest input or output buffer of the last 8 seconds.
func (m *recentMax) max(output bool) int64 {
	now := nowMs() / 1000
	var best int64
	for i := range m.sec {
		if now-m.sec[i].Load() >= 8 {
			continue
		}
		v := m.in[i].Load()
		if output {
			v = m.out[i].Load()
		}
		best = max(best, v)
	}
	return best
}
