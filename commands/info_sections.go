package commands

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// INFO's sections, in Redis 7.0's order, with Redis 7.0's field names in
// its order. A field for something numkv does not have (replication, Lua,
// AOF, active defragmentation, client tracking...) keeps the value Redis
// shows with it unused, so that monitoring reading INFO finds every field
// it knows. numkv's own fields come last in their section.
//
// INFO with no argument, and INFO default, give the sections marked def;
// INFO all and INFO everything give every one; other arguments name
// sections in any case, each given once whatever the order or repeats.
var infoSections = []struct {
	name, alias string // as INFO's arguments name it; alias is a second name
	title       string
	def         bool
	write       func(s *Server, w *infoWriter)
}{
	{name: "server", title: "Server", def: true, write: (*Server).infoServer},
	{name: "clients", title: "Clients", def: true, write: (*Server).infoClients},
	{name: "memory", title: "Memory", def: true, write: func(s *Server, w *infoWriter) { s.infoMemory(w.kv) }},
	{name: "persistence", title: "Persistence", def: true, write: func(s *Server, w *infoWriter) { s.infoPersistence(w.kv) }},
	{name: "stats", title: "Stats", def: true, write: (*Server).infoStats},
	{name: "replication", title: "Replication", def: true, write: (*Server).infoReplication},
	{name: "cpu", title: "CPU", def: true, write: (*Server).infoCPU},
	{name: "modules", alias: "module_list", title: "Modules", def: true, write: func(*Server, *infoWriter) {}},
	{name: "commandstats", title: "Commandstats", write: func(s *Server, w *infoWriter) { s.infoCommandStats(&w.b) }},
	{name: "errorstats", title: "Errorstats", def: true, write: func(s *Server, w *infoWriter) { s.infoErrorStats(&w.b) }},
	{name: "latencystats", title: "Latencystats", write: func(s *Server, w *infoWriter) { s.infoLatencyStats(&w.b) }},
	{name: "cluster", title: "Cluster", def: true, write: (*Server).infoCluster},
	{name: "keyspace", title: "Keyspace", def: true, write: (*Server).infoKeyspace},
}

// infoWriter builds INFO's text.
type infoWriter struct{ b strings.Builder }

func (w *infoWriter) kv(k string, v any) { fmt.Fprintf(&w.b, "%s:%v\r\n", k, v) }

// cmdInfo is INFO [section ...], as Redis 7.0's genInfoSectionDict and
// genRedisInfoString choose and write the sections.
func cmdInfo(s *Server, c *client, args [][]byte) {
	c.verbatim(s.infoText(args[1:]))
}

func (s *Server) infoText(args [][]byte) string {
	want := map[string]bool{}
	all := false
	if len(args) == 0 {
		want["default"] = true
	}
	for _, a := range args {
		switch name := strings.ToLower(string(a)); name {
		case "all", "everything":
			all = true
		default:
			want[name] = true
		}
	}
	var w infoWriter
	for _, sec := range infoSections {
		if !all && !want[sec.name] && !(sec.alias != "" && want[sec.alias]) && !(sec.def && want["default"]) {
			continue
		}
		if w.b.Len() > 0 {
			w.b.WriteString("\r\n")
		}
		fmt.Fprintf(&w.b, "# %s\r\n", sec.title)
		sec.write(s, &w)
	}
	return w.b.String()
}

// serverIdentity is what INFO server says of the build and the host, found
// once.
var serverIdentity = func() (id struct{ os, buildID, runID, executable string }) {
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		str := func(f [65]int8) string {
			b := make([]byte, 0, len(f))
			for _, c := range f {
				if c == 0 {
					break
				}
				b = append(b, byte(c))
			}
			return string(b)
		}
		id.os = str(u.Sysname) + " " + str(u.Release) + " " + str(u.Machine)
	} else {
		id.os = runtime.GOOS + " " + runtime.GOARCH
	}
	h := fnv.New64a()
	h.Write([]byte(Version + runtime.Version()))
	id.buildID = strconv.FormatUint(h.Sum64(), 16)
	var r [20]byte
	rand.Read(r[:])
	id.runID = hex.EncodeToString(r[:])
	id.executable = os.Args[0]
	if p, err := filepath.Abs(os.Args[0]); err == nil {
		id.executable = p
	}
	return id
}()

func (s *Server) infoServer(w *infoWriter) {
	now := time.Now()
	mode := "standalone"
	if s.cl != nil {
		mode = "cluster"
	}
	w.kv("redis_version", redisVersion)
	w.kv("redis_git_sha1", "00000000")
	w.kv("redis_git_dirty", 0)
	w.kv("redis_build_id", serverIdentity.buildID)
	w.kv("redis_mode", mode)
	w.kv("os", serverIdentity.os)
	w.kv("arch_bits", strconv.IntSize)
	w.kv("monotonic_clock", "POSIX clock_gettime")
	w.kv("multiplexing_api", "epoll")
	w.kv("atomicvar_api", "sync/atomic")
	w.kv("gcc_version", "0.0.0")
	w.kv("process_id", os.Getpid())
	w.kv("process_supervised", "no")
	w.kv("run_id", serverIdentity.runID)
	w.kv("tcp_port", s.live.port.Load())
	w.kv("server_time_usec", now.UnixMicro())
	w.kv("uptime_in_seconds", int64(now.Sub(s.startAt).Seconds()))
	w.kv("uptime_in_days", int64(now.Sub(s.startAt).Hours()/24))
	w.kv("hz", 10)
	w.kv("configured_hz", 10)
	w.kv("lru_clock", now.Unix()&(1<<24-1)) // Redis's: seconds, 24 bits
	w.kv("executable", serverIdentity.executable)
	w.kv("config_file", s.cfg.ConfigFile)
	w.kv("io_threads_active", 0)
	// numkv's own.
	w.kv("numkv_version", Version)
	w.kv("go_version", runtime.Version())
	w.kv("go_goroutines", runtime.NumGoroutine()) // one per connection, plus a few of the server's
}

func (s *Server) infoClients(w *infoWriter) {
	s.mu.Lock()
	n := len(s.clients)
	s.mu.Unlock()
	w.kv("connected_clients", n)
	w.kv("cluster_connections", 0)
	w.kv("maxclients", s.live.maxClients.Load())
	w.kv("client_recent_max_input_buffer", s.recentBufs.max(false))
	w.kv("client_recent_max_output_buffer", s.recentBufs.max(true))
	w.kv("blocked_clients", s.blocked.Load())
	w.kv("tracking_clients", 0)
	w.kv("clients_in_timeout_table", 0)
}

func (s *Server) infoStats(w *infoWriter) {
	kbps := func(i int) string { return fmt.Sprintf("%.2f", s.inst.rate(i)/1024) }
	w.kv("total_connections_received", s.connsTotal.Load())
	w.kv("total_commands_processed", s.cmdsTotal.Load())
	w.kv("instantaneous_ops_per_sec", int64(s.inst.rate(instOps)))
	w.kv("total_net_input_bytes", s.netIn.Load())
	w.kv("total_net_output_bytes", s.netOut.Load())
	w.kv("total_net_repl_input_bytes", 0)
	w.kv("total_net_repl_output_bytes", 0)
	w.kv("instantaneous_input_kbps", kbps(instNetIn))
	w.kv("instantaneous_output_kbps", kbps(instNetOut))
	w.kv("instantaneous_input_repl_kbps", "0.00")
	w.kv("instantaneous_output_repl_kbps", "0.00")
	w.kv("rejected_connections", s.rejected.Load())
	w.kv("sync_full", 0)
	w.kv("sync_partial_ok", 0)
	w.kv("sync_partial_err", 0)
	w.kv("expired_keys", s.expired.Load())
	w.kv("expired_stale_perc", "0.00")
	w.kv("expired_time_cap_reached_count", 0)
	w.kv("expire_cycle_cpu_milliseconds", 0)
	w.kv("evicted_keys", s.evicted.Load())
	w.kv("evicted_clients", s.evictedClients.Load())
	w.kv("total_eviction_exceeded_time", 0)
	w.kv("current_eviction_exceeded_time", 0)
	w.kv("keyspace_hits", s.hits.Load())
	w.kv("keyspace_misses", s.misses.Load())
	w.kv("pubsub_channels", 0)
	w.kv("pubsub_patterns", 0)
	w.kv("pubsubshard_channels", 0)
	w.kv("latest_fork_usec", 0) // saves need no fork
	w.kv("total_forks", 0)
	w.kv("migrate_cached_sockets", 0)
	w.kv("slave_expires_tracked_keys", 0)
	w.kv("active_defrag_hits", 0)
	w.kv("active_defrag_misses", 0)
	w.kv("active_defrag_key_hits", 0)
	w.kv("active_defrag_key_misses", 0)
	w.kv("total_active_defrag_time", 0)
	w.kv("current_active_defrag_time", 0)
	w.kv("tracking_total_keys", 0)
	w.kv("tracking_total_items", 0)
	w.kv("tracking_total_prefixes", 0)
	w.kv("unexpected_error_replies", 0)
	w.kv("total_error_replies", s.errorsTotal.Load())
	w.kv("dump_payload_sanitizations", 0)
	w.kv("total_reads_processed", s.readsTotal.Load())
	w.kv("total_writes_processed", s.writesTotal.Load())
	w.kv("io_threaded_reads_processed", 0)
	w.kv("io_threaded_writes_processed", 0)
	w.kv("reply_buffer_shrinks", 0)
	w.kv("reply_buffer_expands", 0)
}

func (s *Server) infoReplication(w *infoWriter) {
	w.kv("role", "master")
	w.kv("connected_slaves", 0)
	w.kv("master_failover_state", "no-failover")
	w.kv("master_replid", serverIdentity.runID)
	w.kv("master_replid2", strings.Repeat("0", 40))
	w.kv("master_repl_offset", 0)
	w.kv("second_repl_offset", -1)
	w.kv("repl_backlog_active", 0)
	w.kv("repl_backlog_size", 1048576)
	w.kv("repl_backlog_first_byte_offset", 0)
	w.kv("repl_backlog_histlen", 0)
}

// infoCPU reports the process's CPU time. The Go runtime has no main
// thread that runs the commands, so the main-thread fields are the
// process's too.
func (s *Server) infoCPU(w *infoWriter) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	secs := func(t syscall.Timeval) string {
		return fmt.Sprintf("%d.%06d", t.Sec, t.Usec)
	}
	w.kv("used_cpu_sys", secs(ru.Stime))
	w.kv("used_cpu_user", secs(ru.Utime))
	w.kv("used_cpu_sys_children", "0.000000") // saves need no child
	w.kv("used_cpu_user_children", "0.000000")
	w.kv("used_cpu_sys_main_thread", secs(ru.Stime))
	w.kv("used_cpu_user_main_thread", secs(ru.Utime))
}

func (s *Server) infoCluster(w *infoWriter) {
	w.kv("cluster_enabled", boolToInt(s.cl != nil))
}

func (s *Server) infoKeyspace(w *infoWriter) {
	for db := range s.keys {
		if n := s.keys[db].Load(); n > 0 {
			fmt.Fprintf(&w.b, "db%d:keys=%d,expires=%d,avg_ttl=0\r\n", db, n, s.vols[db].Load())
		}
	}
}

// totalSystemMemory is MemTotal from /proc/meminfo, in bytes, or 0.
func totalSystemMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
