package commands

import (
	"fmt"
	"math"
	"numkv/resp"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// Config holds the server's settings, named after the Redis directives they
// mirror. Sizes are kept as the text the user gave (e.g. "512mb") and parsed
// by NewServer, so CONFIG GET can answer in the user's terms.
type Config struct {
	Bind                   string
	Port                   int
	UnixSocket             string
	Dir                    string
	DBFilename             string
	Save                   string
	Databases              int
	RequirePass            string
	MaxMemory              string
	MaxClients             int
	Timeout                int
	ProtoMaxBulkLen        string
	ClientQueryBufferLimit string
	TLSPort                int
	TLSCertFile            string
	TLSKeyFile             string
	LogLevel               string
	LogFile                string
	Compression            string
	// StopWritesOnBgsaveError is "yes" or "no": whether a failed
	// background save makes writes fail with MISCONF until a save works.
	StopWritesOnBgsaveError string
	// HugePages asks Linux for transparent huge pages for array memory
	// (offheap.SetHugePages); it is process-wide and set by Run.
	HugePages bool
}

// DefaultConfig returns the embedded defaults: loopback only, port 6379,
// Redis's save rule, a snapshot in the working directory.
func DefaultConfig() Config {
	return Config{
		Bind:                    "127.0.0.1",
		Port:                    6379,
		Dir:                     ".",
		DBFilename:              "dump.numkv",
		Save:                    "3600 1 300 100 60 10000",
		Databases:               16,
		MaxMemory:               "0",
		MaxClients:              10000,
		ProtoMaxBulkLen:         "512mb",
		ClientQueryBufferLimit:  "1gb",
		LogLevel:                "notice",
		Compression:             "s2",
		StopWritesOnBgsaveError: "yes",
		HugePages:               true,
	}
}

// parseMemory parses a size the way Redis's memtoll does: a plain number of
// bytes, or one with k/kb/m/mb/g/gb (k = 1000, kb = 1024), in any case.
func parseMemory(s string) (int64, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	mul := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}} {
		if strings.HasSuffix(l, u.suf) {
			l, mul = strings.TrimSuffix(l, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil || n < 0 || (n > 0 && mul > (1<<62)/n) {
		return 0, fmt.Errorf("commands: invalid size %q", s)
	}
	return n * mul, nil
}

// liveConfig holds the settings CONFIG SET changes at run time. They are
// read on hot paths (every command, every read from a connection), so each
// is an atomic; save alone lives in Config under Server.cfgMu, for the save
// rules.
type liveConfig struct {
	requirePass atomic.Pointer[string]
	maxMemory   atomic.Uint64
	maxBulk     atomic.Int64
	maxQuery    atomic.Int64
	timeout     atomic.Int64
	maxClients  atomic.Int64
	stopWrites  atomic.Bool // stop-writes-on-bgsave-error
}

// initLive copies the start-up settings into the live ones.
func (s *Server) initLive() {
	pass := s.cfg.RequirePass
	s.live.requirePass.Store(&pass)
	s.live.maxMemory.Store(uint64(s.maxMem))
	s.live.maxBulk.Store(s.maxBulk)
	s.live.maxQuery.Store(s.maxQuery)
	s.live.timeout.Store(int64(s.cfg.Timeout))
	s.live.maxClients.Store(int64(s.cfg.MaxClients))
	stop, _ := yesNo(s.cfg.StopWritesOnBgsaveError)
	s.live.stopWrites.Store(stop)
}

// yesNo parses a Redis boolean setting: yes or no, in any case.
func yesNo(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

func (s *Server) requirePass() string { return *s.live.requirePass.Load() }

// maxMemory is maxmemory in bytes, 0 for no limit.
func (s *Server) maxMemory() int64 {
	return int64(min(s.live.maxMemory.Load(), math.MaxInt64))
}

// maxBulkLen is proto-max-bulk-len.
func (s *Server) maxBulkLen() int64 { return s.live.maxBulk.Load() }

// configParam is one CONFIG GET/SET parameter. set parses a value and
// returns the function that applies it, or Redis's error text; a nil set is
// a parameter fixed at start-up ("can't set immutable config", or
// "protected" for dir and dbfilename, as Redis without
// enable-protected-configs).
type configParam struct {
	name      string
	get       func(s *Server) string
	set       func(s *Server, v string) (apply func(), errstr string)
	protected bool
}

// configParams lists every server flag (see commands.md) and the two Redis
// settings clients commonly probe, in the order CONFIG GET * replies them.
var configParams = []*configParam{
	{name: "bind", get: func(s *Server) string { return strings.Join(strings.Fields(s.cfg.Bind), " ") }},
	{name: "port", get: func(s *Server) string { return strconv.Itoa(s.cfg.Port) }},
	{name: "unixsocket", get: func(s *Server) string { return s.cfg.UnixSocket }},
	{name: "dir", protected: true, get: func(s *Server) string {
		if abs, err := filepath.Abs(s.cfg.Dir); err == nil {
			return abs
		}
		return s.cfg.Dir
	}},
	{name: "dbfilename", protected: true, get: func(s *Server) string { return s.cfg.DBFilename }},
	{name: "save", get: func(s *Server) string { return s.saveRules() }, set: setSave},
	{name: "stop-writes-on-bgsave-error", get: func(s *Server) string {
		if s.live.stopWrites.Load() {
			return "yes"
		}
		return "no"
	}, set: func(s *Server, v string) (func(), string) {
		on, ok := yesNo(v)
		if !ok {
			return nil, "argument must be 'yes' or 'no'"
		}
		return func() { s.live.stopWrites.Store(on) }, ""
	}},
	{name: "databases", get: func(s *Server) string { return strconv.Itoa(s.cfg.Databases) }},
	{name: "requirepass", get: func(s *Server) string { return s.requirePass() }, set: func(s *Server, v string) (func(), string) {
		return func() { s.live.requirePass.Store(&v) }, ""
	}},
	{name: "maxmemory", get: func(s *Server) string { return strconv.FormatUint(s.live.maxMemory.Load(), 10) }, set: func(s *Server, v string) (func(), string) {
		n, ok := memtoull(v)
		if !ok {
			return nil, "argument must be a memory value"
		}
		return func() { s.live.maxMemory.Store(n) }, ""
	}},
	{name: "maxclients", get: func(s *Server) string { return strconv.FormatInt(s.live.maxClients.Load(), 10) }, set: func(s *Server, v string) (func(), string) {
		n, msg := intConfig(v, 1, math.MaxUint32, true)
		return func() { s.live.maxClients.Store(n) }, msg
	}},
	{name: "timeout", get: func(s *Server) string { return strconv.FormatInt(s.live.timeout.Load(), 10) }, set: func(s *Server, v string) (func(), string) {
		n, msg := intConfig(v, 0, math.MaxInt32, false)
		return func() { s.live.timeout.Store(n) }, msg
	}},
	{name: "proto-max-bulk-len", get: func(s *Server) string { return strconv.FormatInt(s.live.maxBulk.Load(), 10) }, set: func(s *Server, v string) (func(), string) {
		n, msg := memoryConfig(v, false)
		return func() { s.live.maxBulk.Store(n) }, msg
	}},
	{name: "client-query-buffer-limit", get: func(s *Server) string { return strconv.FormatInt(s.live.maxQuery.Load(), 10) }, set: func(s *Server, v string) (func(), string) {
		n, msg := memoryConfig(v, true)
		return func() { s.live.maxQuery.Store(n) }, msg
	}},
	{name: "tls-port", get: func(s *Server) string { return strconv.Itoa(s.cfg.TLSPort) }},
	{name: "tls-cert-file", get: func(s *Server) string { return s.cfg.TLSCertFile }},
	{name: "tls-key-file", get: func(s *Server) string { return s.cfg.TLSKeyFile }},
	{name: "loglevel", get: func(s *Server) string { return s.log.levelName() }, set: func(s *Server, v string) (func(), string) {
		l, ok := logLevels[strings.ToLower(v)]
		if !ok || l == logLevels["nothing"] {
			return nil, "argument(s) must be one of the following: debug, verbose, notice, warning"
		}
		return func() { s.log.setLevel(l) }, ""
	}},
	{name: "logfile", get: func(s *Server) string { return s.cfg.LogFile }},
	{name: "appendonly", get: func(s *Server) string { return "no" }},
	{name: "maxmemory-policy", get: func(s *Server) string { return "noeviction" }},
}

func lookupConfig(name string) *configParam {
	for _, p := range configParams {
		if strings.EqualFold(p.name, name) {
			return p
		}
	}
	return nil
}

// memtoull is Redis's memtoull: digits with an optional unit (b, k, kb, m,
// mb, g, gb in any case; k = 1000, kb = 1024), no sign; the product wraps
// as C's unsigned arithmetic does.
func memtoull(v string) (uint64, bool) {
	if strings.HasPrefix(v, "-") {
		return 0, false
	}
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(v[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var n uint64
	for _, ch := range v[:i] {
		d := uint64(ch - '0')
		if n > (math.MaxUint64-d)/10 {
			n = math.MaxUint64 // strtoull saturates; Redis does not check
			break
		}
		n = n*10 + d
	}
	return n * mul, true
}

// memoryConfig parses proto-max-bulk-len (a long long) or
// client-query-buffer-limit (a size_t): a memory value between 1mb and
// LONG_MAX.
func memoryConfig(v string, unsigned bool) (int64, string) {
	u, ok := memtoull(v)
	if !ok {
		return 0, "argument must be a memory value"
	}
	const lo, hi = 1024 * 1024, math.MaxInt64
	if unsigned && (u < lo || u > hi) || !unsigned && (int64(u) < lo) {
		return 0, fmt.Sprintf("argument must be between %d and %d inclusive", lo, hi)
	}
	return int64(u), ""
}

// intConfig parses a plain integer setting (string2ll) within [lo, hi];
// unsigned settings compare as C's unsigned, so -1 is out of range.
func intConfig(v string, lo, hi int64, unsigned bool) (int64, string) {
	n, ok := resp.ParseInt([]byte(v))
	if !ok {
		return 0, "argument couldn't be parsed into an integer"
	}
	out := n < lo || n > hi
	if unsigned {
		out = uint64(n) < uint64(lo) || uint64(n) > uint64(hi)
	}
	if out {
		return 0, fmt.Sprintf("argument must be between %d and %d inclusive", lo, hi)
	}
	return n, ""
}

// strtoll is C's strtoll in base 10 as setConfigSaveOption uses it: leading
// space, a sign, digits, saturating; end is where parsing stopped (0 when no
// digits were read).
func strtoll(s string) (n int64, end int) {
	i := 0
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if u <= math.MaxInt64 {
			u = u*10 + uint64(s[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	switch {
	case neg && u > math.MaxInt64:
		n = math.MinInt64
	case neg:
		n = -int64(u)
	case u > math.MaxInt64:
		n = math.MaxInt64
	default:
		n = int64(u)
	}
	return n, i
}

// setSave is setConfigSaveOption: the value split on single spaces (so two
// spaces make an empty field, read as 0), pairs of seconds >= 1 and changes
// >= 0, or "" for none. It stores the rules as CONFIG GET prints them.
func setSave(s *Server, v string) (func(), string) {
	const invalid = "Invalid save parameters"
	fields := strings.Split(v, " ")
	if v == "" {
		fields = nil
	}
	if len(fields)%2 != 0 {
		return nil, invalid
	}
	rules := make([]string, 0, len(fields)/2)
	for j := 0; j < len(fields); j += 2 {
		secs, end1 := strtoll(fields[j])
		changes, end2 := strtoll(fields[j+1])
		if end1 != len(fields[j]) || end2 != len(fields[j+1]) || secs < 1 || changes < 0 {
			return nil, invalid
		}
		rules = append(rules, fmt.Sprintf("%d %d", secs, int32(changes))) // changes is a C int
	}
	text := strings.Join(rules, " ")
	return func() {
		s.cfgMu.Lock()
		s.cfg.Save = text
		s.cfgMu.Unlock()
	}, ""
}

// saveRule is one "seconds changes" pair of --save.
type saveRule struct{ secs, changes int64 }

// parseSaveRules parses Redis's save syntax: pairs of integers, or "" for
// none.
func parseSaveRules(s string) ([]saveRule, error) {
	f := strings.Fields(s)
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("commands: invalid save %q: it takes pairs of seconds and changes", s)
	}
	var rules []saveRule
	for i := 0; i < len(f); i += 2 {
		a, err1 := strconv.ParseInt(f[i], 10, 64)
		b, err2 := strconv.ParseInt(f[i+1], 10, 64)
		if err1 != nil || err2 != nil || a < 1 || b < 0 {
			return nil, fmt.Errorf("commands: invalid save %q", s)
		}
		rules = append(rules, saveRule{a, b})
	}
	return rules, nil
}

// saveRules returns the current --save rules.
func (s *Server) saveRules() string {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	return s.cfg.Save
}
