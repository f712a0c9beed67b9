package commands

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// While loading, INFO persistence carries Redis's loading_* fields; after,
// it does not.
func TestInfoLoadingFields(t *testing.T) {
	s, c := mustLocal(t)
	s.loading.Store(true)
	s.persist.loadStart.Store(time.Now().Unix() - 10)
	s.persist.loadTotal.Store(4000)
	s.persist.loadedSoFar.Store(1000)
	got := c.run("INFO", "persistence")
	s.loading.Store(false)
	for _, want := range []string{"loading:1\r\n", "loading_total_bytes:4000\r\n", "loading_loaded_bytes:1000\r\n",
		"loading_loaded_perc:25.00\r\n", "loading_start_time:"} {
		if !strings.Contains(got, want) {
			t.Errorf("INFO persistence while loading lacks %q:\n%s", want, got)
		}
	}
	// 10 s for a quarter: 30 s to go (33 if the clock ticked meanwhile).
	if !strings.Contains(got, "loading_eta_seconds:30\r\n") && !strings.Contains(got, "loading_eta_seconds:33\r\n") {
		t.Errorf("loading_eta_seconds is not 30 or 33:\n%s", got)
	}
	if got := c.run("INFO", "persistence"); strings.Contains(got, "loading_total_bytes") || !strings.Contains(got, "loading:0\r\n") {
		t.Errorf("INFO persistence after loading:\n%s", got)
	}
}

// TestInfoSaveKeys: current_save_keys_total is the keys at the cut, across
// databases, and current_save_keys_processed counts the keys written; both
// are 0 between saves, as in Redis.
func TestInfoSaveKeys(t *testing.T) {
	s, c := mustLocal(t)
	s.cfg.Dir, s.cfg.DBFilename = t.TempDir(), "keys.numkv"
	c.run("MSET", "a", "1", "b", "2", "c", "3")
	c.run("SELECT", "3")
	c.run("SET", "d", "4")
	field := func(name string) string {
		for _, line := range strings.Split(c.run("INFO", "persistence"), "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == name {
				return v
			}
		}
		t.Fatalf("INFO persistence has no %s", name)
		return ""
	}
	snap, _, _ := s.cut()
	c.run("SET", "after", "cut")
	if tot, done := field("current_save_keys_total"), field("current_save_keys_processed"); tot != "4" || done != "0" {
		t.Fatalf("after the cut: current_save_keys_total:%s current_save_keys_processed:%s, want 4 and 0", tot, done)
	}
	if _, _, err := s.writeSnap(snap, false); err != nil {
		t.Fatal(err)
	}
	if done := field("current_save_keys_processed"); done != "4" {
		t.Fatalf("current_save_keys_processed:%s once every slot is written, want 4", done)
	}
	snap, dirty, _ := s.cut()
	if err := s.finishSave(snap, false, dirty, 0, false); err != nil {
		t.Fatal(err)
	}
	if tot, done := field("current_save_keys_total"), field("current_save_keys_processed"); tot != "0" || done != "0" {
		t.Fatalf("after the save: current_save_keys_total:%s current_save_keys_processed:%s, want 0 and 0", tot, done)
	}
}

// infoTitles returns the section titles of an INFO reply, in order.
func infoTitles(reply string) []string {
	var out []string
	for _, line := range strings.Split(reply, "\r\n") {
		if strings.HasPrefix(line, "# ") {
			out = append(out, line[2:])
		}
	}
	return out
}

// TestInfoChoosesSections: which sections INFO's arguments give, as Redis
// 7.0's genInfoSectionDict chooses them (the differential test compares
// the same with redis-server when one is installed).
func TestInfoChoosesSections(t *testing.T) {
	_, c := mustLocal(t)
	def := "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace"
	all := "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Latencystats Cluster Keyspace"
	for _, x := range []struct{ args, want string }{
		{"", def}, {"default", def}, {"all", all}, {"everything", all}, {"cpu all", all},
		{"server clients", "Server Clients"}, {"clients server", "Server Clients"}, {"CPU", "CPU"},
		{"cpu default", def}, {"commandSTATS", "Commandstats"}, {"module_list", "Modules"},
		{"nosuch", ""}, {"sentinel", ""}, {"keyspace keyspace", "Keyspace"},
	} {
		args := append([]string{"INFO"}, strings.Fields(x.args)...)
		if got := strings.Join(infoTitles(c.run(args...)), " "); got != x.want {
			t.Errorf("INFO %s: %q, want %q", x.args, got, x.want)
		}
	}
}

// TestInfoCommandStats counts calls, rejected and failed calls and error
// replies as Redis does, and CONFIG RESETSTAT clears them.
func TestInfoCommandStats(t *testing.T) {
	_, c := mustLocal(t)
	for _, args := range [][]string{{"SET", "k", "v"}, {"INCR", "k"}, {"GET"}, {"NOSUCH"}, {"GET", "k"},
		{"MULTI"}, {"INCR", "k"}, {"EXEC"}, {"CONFIG", "RESETSTAT"}, {"SET", "a", "1"}, {"GET"}, {"INCR", "k"}, {"CLIENT", "NOSUCH"}} {
		c.run(args...)
	}
	got := c.run("INFO", "commandstats", "errorstats")
	for _, want := range []string{
		"cmdstat_config|resetstat:calls=1,", "cmdstat_set:calls=1,", "cmdstat_get:calls=0,", "usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n",
		"cmdstat_incr:calls=1,", "rejected_calls=0,failed_calls=1\r\n", "errorstat_ERR:count=3\r\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("INFO commandstats errorstats lacks %q:\n%s", want, got)
		}
	}
	for _, absent := range []string{"cmdstat_multi", "cmdstat_exec", "cmdstat_nosuch"} {
		if strings.Contains(got, absent) {
			t.Errorf("%s survived CONFIG RESETSTAT:\n%s", absent, got)
		}
	}
	if got := c.run("INFO", "stats"); !strings.Contains(got, "total_error_replies:3\r\n") {
		t.Errorf("total_error_replies is not 3:\n%s", got)
	}
}

// TestLatencyBuckets: each value falls in a bucket whose top is at or
// above it and within 1/16 of it.
func TestLatencyBuckets(t *testing.T) {
	for _, v := range []int64{0, 1, 15, 16, 17, 31, 32, 33, 1000, 1023, 1024, 123456789, 1 << 40, 1<<62 + 12345} {
		b := latencyBucket(v)
		top := latencyBucketTop(b)
		if top < v || float64(top-v) > float64(v)/16+1 || (b > 0 && latencyBucketTop(b-1) >= v) {
			t.Errorf("%d: bucket %d, top %d (previous top %d)", v, b, top, latencyBucketTop(b-1))
		}
	}
	var h latencyHist
	for i := int64(1); i <= 1000; i++ {
		h.record(i * 1000)
	}
	if p := h.percentile(50); p < 500000 || p > 500000*17/16 {
		t.Errorf("p50 of 1..1000 µs: %d ns", p)
	}
	if p := h.percentile(99.9); p < 999000 || p > 1000000*17/16 {
		t.Errorf("p99.9 of 1..1000 µs: %d ns", p)
	}
}

// TestInfoRecentMaxBuffers: INFO clients reports the largest query buffer
// and pending reply of the last seconds, as Redis's client_recent_max_*.
func TestInfoRecentMaxBuffers(t *testing.T) {
	c := mustConn(t)
	big := strings.Repeat("x", 300<<10)
	c.do("SET", "big", big)
	c.do("GET", "big")
	info := c.do("INFO", "clients")
	for _, field := range []string{"client_recent_max_input_buffer", "client_recent_max_output_buffer"} {
		_, rest, ok := strings.Cut(info, field+":")
		n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(rest, "\r\n", 2)[0]))
		if !ok || err != nil || n < len(big) {
			t.Errorf("%s: %q, want at least %d", field, strings.SplitN(rest, "\r\n", 2)[0], len(big))
		}
	}
}
