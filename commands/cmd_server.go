package commands

import (
	"fmt"
	"numkv/keytab"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func sortedClientIDs(m map[int64]*client) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func cmdTime(s *Server, c *client, args [][]byte) {
	now := time.Now()
	c.array(2)
	c.bulkStr(strconv.FormatInt(now.Unix(), 10))
	c.bulkStr(strconv.Itoa(now.Nanosecond() / 1000))
}

func cmdDbsize(s *Server, c *client, args [][]byte) { c.integer(s.keys[c.db].Load()) }

// parseFlushMode parses FLUSHDB/FLUSHALL's optional ASYNC or SYNC, and
// reports whether the memory is to be freed in the background.
func parseFlushMode(c *client, args [][]byte) (async, ok bool) {
	if len(args) > 2 {
		c.err(msgSyntax)
		return false, false
	}
	if len(args) == 2 {
		m := strings.ToLower(string(args[1]))
		if m != "async" && m != "sync" {
			c.err(msgSyntax)
			return false, false
		}
		return m == "async", true
	}
	return false, true
}

// flushDB empties db slot by slot. With async, each slot's table is
// detached whole, in O(1) under the slot's lock, and the lazy freer frees
// it and its records; otherwise the records are freed in place (large
// trees still go to the lazy freer).
func (s *Server) flushDB(c *client, db int, async bool) {
	s.walk(c, db, true, func(sh *shard) bool {
		t := &sh.Data.t
		s.keys[db].Add(-int64(t.Len()))
		s.vols[db].Add(-int64(sh.Data.vols))
		if s.watch.n.Load() > 0 {
			t.Each(func(r keytab.Rec) bool {
				s.touched(db, varOf(r).key())
				return true
			})
		}
		if async {
			d := new(keytab.Table)
			t.MoveTo(d)
			s.lazy.addTable(d)
		} else {
			t.Each(func(r keytab.Rec) bool {
				s.freeRec(r)
				return true
			})
			t.Free()
		}
		sh.Data.vols = 0
		return true
	})
}

func cmdFlushdb(s *Server, c *client, args [][]byte) {
	async, ok := parseFlushMode(c, args)
	if !ok {
		return
	}
	n := s.keys[c.db].Load()
	s.flushDB(c, c.db, async)
	s.persist.dirty.Add(n)
	c.ok()
}

func cmdFlushall(s *Server, c *client, args [][]byte) {
	async, ok := parseFlushMode(c, args)
	if !ok {
		return
	}
	var n int64
	for db := range s.keys {
		n += s.keys[db].Load()
		s.flushDB(c, db, async)
	}
	s.persist.dirty.Add(n + 1) // Redis counts FLUSHALL itself as a change
	c.ok()
}

// cmdInfo writes Redis's INFO text for the sections asked, with Redis's field
// names, so that monitoring that reads INFO keeps working.
func cmdInfo(s *Server, c *client, args [][]byte) {
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[strings.ToLower(string(a))] = true
	}
	all := len(want) == 0 || want["all"] || want["everything"] || want["default"]
	var b strings.Builder
	section := func(name string, body func()) {
		if all || want[strings.ToLower(name)] {
			if b.Len() > 0 {
				b.WriteString("\r\n")
			}
			fmt.Fprintf(&b, "# %s\r\n", name)
			body()
		}
	}
	kv := func(k string, v any) { fmt.Fprintf(&b, "%s:%v\r\n", k, v) }
	now := time.Now()
	section("Server", func() {
		kv("redis_version", redisVersion)
		kv("numkv_version", Version)
		kv("redis_mode", "standalone")
		kv("os", runtime.GOOS+" "+runtime.GOARCH)
		kv("arch_bits", strconv.Itoa(strconv.IntSize))
		kv("go_version", runtime.Version())
		kv("process_id", os.Getpid())
		kv("tcp_port", s.cfg.Port)
		kv("server_time_usec", now.UnixMicro())
		kv("uptime_in_seconds", int64(now.Sub(s.startAt).Seconds()))
		kv("uptime_in_days", int64(now.Sub(s.startAt).Hours()/24))
		kv("executable", os.Args[0])
		kv("config_file", s.cfg.ConfigFile)
		// numkv's own: one per connection, plus a few of the server's.
		kv("go_goroutines", runtime.NumGoroutine())
	})
	section("Clients", func() {
		s.mu.Lock()
		n := len(s.clients)
		s.mu.Unlock()
		kv("connected_clients", n)
		kv("maxclients", s.live.maxClients.Load())
		kv("blocked_clients", s.blocked.Load())
	})
	section("Memory", func() { s.infoMemory(kv) })
	section("Persistence", func() { s.infoPersistence(kv) })
	section("Stats", func() {
		kv("total_connections_received", s.connsTotal.Load())
		kv("total_commands_processed", s.cmdsTotal.Load())
		kv("total_net_input_bytes", s.netIn.Load())
		kv("total_net_output_bytes", s.netOut.Load())
		kv("rejected_connections", s.rejected.Load())
		kv("expired_keys", s.expired.Load())
		kv("evicted_keys", s.evicted.Load())
		kv("evicted_clients", s.evictedClients.Load())
		kv("keyspace_hits", s.hits.Load())
		kv("keyspace_misses", s.misses.Load())
	})
	section("Replication", func() {
		kv("role", "master")
		kv("connected_slaves", 0)
	})
	section("CPU", func() {
		kv("used_cpu_sys", "0.000000")
		kv("used_cpu_user", "0.000000")
	})
	section("Cluster", func() {
		if s.cl != nil {
			kv("cluster_enabled", 1)
		} else {
			kv("cluster_enabled", 0)
		}
	})
	section("Keyspace", func() {
		for db := range s.keys {
			if n := s.keys[db].Load(); n > 0 {
				fmt.Fprintf(&b, "db%d:keys=%d,expires=%d,avg_ttl=0\r\n", db, n, s.vols[db].Load())
			}
		}
	})
	c.verbatim(b.String())
}

// Commands about commands. Everything here comes from the command table.

// cmdFunctionFlush is FUNCTION FLUSH [ASYNC|SYNC]. numkv runs no scripts,
// so there is no library to remove: it checks the arguments as Redis does
// and counts the change as Redis does, so that tools which flush functions
// along with the keys (Redis's own test suite among them) work.
func cmdFunctionFlush(s *Server, c *client, args [][]byte) {
	switch {
	case len(args) > 3:
		c.err(fmt.Sprintf(msgSubcommandSyntax, cString(args[1], 128), upper(args[0])))
		return
	case len(args) == 3 && !equalFold(args[2], "sync") && !equalFold(args[2], "async"):
		c.err(msgFunctionFlushOption)
		return
	}
	s.persist.dirty.Add(1)
	c.ok()
}

var functionHelp = []string{
	"FLUSH [ASYNC|SYNC]",
	"    Remove every library. numkv runs no scripts, so there are none: it replies OK.",
}

func cmdFunctionHelp(s *Server, c *client, args [][]byte) { c.help(args[0], functionHelp) }
