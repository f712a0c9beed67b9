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

func cmdDbsize(s *Server, c *client, args [][]byte) { c.int(s.keys[c.db].Load()) }

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
	})
	section("Clients", func() {
		s.mu.Lock()
		n := len(s.clients)
		s.mu.Unlock()
		kv("connected_clients", n)
		kv("maxclients", s.live.maxClients.Load())
		kv("blocked_clients", 0)
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
		kv("evicted_keys", 0)
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
	section("Cluster", func() { kv("cluster_enabled", 0) })
	section("Keyspace", func() {
		for db := range s.keys {
			if n := s.keys[db].Load(); n > 0 {
				fmt.Fprintf(&b, "db%d:keys=%d,expires=%d,avg_ttl=0\r\n", db, n, s.vols[db].Load())
			}
		}
	})
	c.verbatim(b.String())
}

func humanBytes(n int64) string {
	f := float64(n)
	for _, u := range []string{"B", "K", "M", "G", "T"} {
		if f < 1024 || u == "T" {
			if u == "B" {
				return fmt.Sprintf("%dB", n)
			}
			return fmt.Sprintf("%.2f%s", f, u)
		}
		f /= 1024
	}
	return ""
}

// Commands about commands. Everything here comes from the command table.

// topCommands returns the top-level commands sorted by name. It reads the
// copy init makes, since handlers may not refer to commandTable itself (the
// table refers to them).
func topCommands() []*command { return sortedCommands }

func cmdCommand(s *Server, c *client, args [][]byte) {
	cmds := topCommands()
	c.array(len(cmds))
	for _, cmd := range cmds {
		writeCommandInfo(c, cmd)
	}
}

func cmdCommandCount(s *Server, c *client, args [][]byte) { c.int(int64(len(sortedCommands))) }

func cmdCommandList(s *Server, c *client, args [][]byte) {
	filter := func(*command) bool { return true }
	if len(args) > 2 {
		if len(args) != 5 || strings.ToLower(string(args[2])) != "filterby" {
			c.err(msgSyntax)
			return
		}
		arg := string(args[4])
		switch strings.ToLower(string(args[3])) {
		case "module":
			filter = func(*command) bool { return false }
		case "aclcat":
			filter = func(cmd *command) bool { return slices.Contains(strings.Fields(cmd.acl), strings.ToLower(arg)) }
		case "pattern":
			filter = func(cmd *command) bool { return globMatch([]byte(arg), []byte(cmd.fullName), true) }
		default:
			c.err(msgSyntax)
			return
		}
	}
	var names []string
	for _, cmd := range topCommands() {
		for _, x := range append([]*command{cmd}, cmd.sub...) {
			if filter(x) {
				names = append(names, x.fullName)
			}
		}
	}
	c.array(len(names))
	for _, n := range names {
		c.bulkStr(n)
	}
}

// findCommand resolves "name" or "container|sub" as COMMAND INFO/DOCS do.
func findCommand(name string) *command {
	top, sub, isSub := strings.Cut(strings.ToLower(name), "|")
	cmd := commandIndex[top]
	if cmd == nil || !isSub {
		return cmd
	}
	return cmd.subs[sub]
}

func cmdCommandInfo(s *Server, c *client, args [][]byte) {
	if len(args) == 2 {
		cmdCommand(s, c, args)
		return
	}
	c.array(len(args) - 2)
	for _, a := range args[2:] {
		if cmd := findCommand(string(a)); cmd != nil {
			writeCommandInfo(c, cmd)
		} else {
			c.nullArray()
		}
	}
}

// writeCommandInfo writes Redis 7's ten-field COMMAND entry.
func writeCommandInfo(c *client, cmd *command) {
	c.array(10)
	c.bulkStr(cmd.fullName)
	c.int(int64(cmd.arity))
	flags := strings.Fields(cmd.flagText)
	c.setHeader(len(flags))
	for _, f := range flags {
		c.simple(f)
	}
	first, last, step := cmd.first, cmd.last, cmd.step
	c.int(int64(first))
	c.int(int64(last))
	c.int(int64(step))
	acl := strings.Fields(cmd.acl)
	c.setHeader(len(acl))
	for _, a := range acl {
		c.simple("@" + a)
	}
	c.setHeader(0) // tips
	if first > 0 {
		c.array(1)
		writeKeySpec(c, cmd)
	} else {
		c.emptyArray()
	}
	c.array(len(cmd.sub))
	for _, sc := range cmd.sub {
		writeCommandInfo(c, sc)
	}
}

// writeKeySpec describes the key range as one Redis 7 key specification.
func writeKeySpec(c *client, cmd *command) {
	var kf []string
	switch {
	case cmd.name == "del" || cmd.name == "unlink":
		kf = []string{"RM", "DELETE"}
	case cmd.flags&flagWrite != 0:
		kf = []string{"RW", "UPDATE"}
	default:
		kf = []string{"RO", "ACCESS"}
	}
	lastkey := cmd.last
	if lastkey > 0 {
		lastkey -= cmd.first
	}
	c.mapHeader(3)
	c.bulkStr("flags")
	c.setHeader(len(kf))
	for _, f := range kf {
		c.simple(f)
	}
	c.bulkStr("begin_search")
	c.mapHeader(2)
	c.bulkStr("type")
	c.bulkStr("index")
	c.bulkStr("spec")
	c.mapHeader(1)
	c.bulkStr("index")
	c.int(int64(cmd.first))
	c.bulkStr("find_keys")
	c.mapHeader(2)
	c.bulkStr("type")
	c.bulkStr("range")
	c.bulkStr("spec")
	c.mapHeader(3)
	c.bulkStr("lastkey")
	c.int(int64(lastkey))
	c.bulkStr("keystep")
	c.int(int64(cmd.step))
	c.bulkStr("limit")
	c.int(0)
}

func cmdCommandDocs(s *Server, c *client, args [][]byte) {
	var cmds []*command
	if len(args) == 2 {
		cmds = topCommands()
	} else {
		for _, a := range args[2:] {
			if cmd := findCommand(string(a)); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.mapHeader(len(cmds))
	for _, cmd := range cmds {
		c.bulkStr(cmd.fullName)
		writeCommandDocs(c, cmd)
	}
}

func writeCommandDocs(c *client, cmd *command) {
	n := 3
	if len(cmd.sub) > 0 {
		n++
	}
	c.mapHeader(n)
	c.bulkStr("summary")
	c.bulkStr(cmd.summary)
	c.bulkStr("since")
	c.bulkStr(cmd.since)
	c.bulkStr("group")
	c.bulkStr(cmd.group)
	if len(cmd.sub) > 0 {
		c.bulkStr("subcommands")
		c.mapHeader(len(cmd.sub))
		for _, sc := range cmd.sub {
			c.bulkStr(sc.fullName)
			writeCommandDocs(c, sc)
		}
	}
}

func cmdCommandGetkeys(s *Server, c *client, args [][]byte) {
	cmd := lookupCommand(args[2])
	rest := args[2:]
	if cmd != nil && cmd.subs != nil && len(rest) > 1 {
		cmd = cmd.subs[strings.ToLower(string(rest[1]))]
	}
	if cmd == nil {
		c.err("ERR Invalid command specified")
		return
	}
	if (cmd.arity > 0 && len(rest) != cmd.arity) || len(rest) < -cmd.arity {
		c.err("ERR Invalid number of arguments specified for command")
		return
	}
	if cmd.first == 0 {
		c.err("ERR The command has no key arguments")
		return
	}
	last := cmd.last
	if last < 0 {
		last += len(rest)
	}
	var keys [][]byte
	for i := cmd.first; i <= last && i < len(rest); i += cmd.step {
		keys = append(keys, rest[i])
	}
	c.array(len(keys))
	for _, k := range keys {
		c.bulk(k)
	}
}
