package commands

import (
	"fmt"
	"math"
	"numkv/cluster"
	"numkv/resp"
	"numkv/snapshotio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// Config holds the server's settings as parsed values, named after the Redis
// directives they mirror. The settings table below is the one place that
// names, parses and documents each of them: DefaultConfig, the command-line
// flags (Flags), NewServer's check, CONFIG GET/SET and --help all come from
// it.
type Config struct {
	Bind       string // addresses, separated by single spaces
	Port       int
	UnixSocket string
	// ProtectedMode: with no RequirePass, serve only loopback and
	// unix-socket clients (protectedDenies).
	ProtectedMode bool
	Dir           string
	DBFilename    string
	// Save is the save rules as CONFIG GET prints them: "seconds changes"
	// pairs separated by single spaces, "" for none.
	Save string
	// StopWritesOnBgsaveError: after a failed background save, writes fail
	// with MISCONF until a save works.
	StopWritesOnBgsaveError bool
	Databases               int
	RequirePass             string
	MaxMemory               uint64 // bytes, 0 for no limit
	// MaxMemoryClients caps the clients' buffers (client eviction): bytes,
	// or, negative, a percentage of maxmemory, as Redis stores it; 0 for
	// no limit.
	MaxMemoryClients int64
	// The eviction settings (evict.go): the policy's index in
	// policyNames, how many keys each round samples, how long a command
	// may spend evicting, and the LFU counter's growth and decay.
	MaxMemoryPolicy           evictPolicy
	MaxMemorySamples          int
	MaxMemoryEvictionTenacity int
	LFULogFactor              int
	LFUDecayTime              int
	MaxClients                int
	Timeout                   int   // seconds, 0 for never
	ProtoMaxBulkLen           int64 // bytes
	ClientQueryBufferLimit    int64 // bytes
	TLSPort                   int
	TLSCertFile               string
	TLSKeyFile                string
	LogLevel                  string // debug, verbose, notice or warning
	LogFile                   string
	Compression               string // the snapshot codec's name (snapshotio.ParseCodec)
	// HugePages asks Linux for transparent huge pages for array memory
	// (offheap.SetHugePages); it is process-wide and set by Run.
	HugePages bool
	// Cluster mode (cluster.go): on or off, the layout file (in Dir),
	// and this node's id ("": the layout file's node at bind:port, or a
	// new random one).
	ClusterEnabled    bool
	ClusterConfigFile string
	ClusterNodeID     string

	// ConfigFile is the configuration file's absolute path, "" when
	// numkv started without one (conffile.go). It is no setting: INFO
	// server reports it, CONFIG REWRITE writes it.
	ConfigFile string
}

// setting is one server setting. Its parse is the only parser of its
// values: the flags, NewServer and CONFIG SET all call it (save alone has
// a second entry point for CONFIG SET, as Redis has).
type setting struct {
	name string
	def  string // the default, as text parse reads
	help string // the --help line
	arg  string // the argument's name in --help
	valueCodec
	// setParse, when not nil, parses CONFIG SET's value instead of parse.
	setParse func(c *Config, v string) string
	// apply makes the value parse left in c the running server's. nil
	// means CONFIG SET refuses the setting: "can't set immutable config",
	// or "can't set protected config" when protected (dir and dbfilename,
	// as Redis without enable-protected-configs).
	apply func(s *Server, c *Config)
	// applyErr is apply for a setting whose change can fail (port: the
	// new port may be taken); it returns Redis's error text, and CONFIG
	// SET then puts back what it applied before (cmd_config.go).
	applyErr  func(s *Server, c *Config) string
	protected bool
	// get is CONFIG GET's answer; nil answers text(&s.cfg).
	get func(s *Server) string
	// probeOnly settings are no flag and keep a fixed value: Redis
	// settings that clients commonly probe with CONFIG GET.
	probeOnly bool
	// appends: a repeated flag adds to the value rather than replacing it
	// (--save, as Redis's config loader).
	appends bool
	// multiArg: a configuration file line may give the value as several
	// arguments, joined with spaces (bind, save: Redis's MULTI_ARG_CONFIG).
	multiArg bool
	// fixed settings are ones Redis changes at run time and numkv does
	// not (it cannot reopen its listeners, for one), or numkv's own
	// start-up-only settings: CONFIG SET accepts the current value, which
	// changes nothing, as Redis's set of an unchanged value, and refuses
	// any other as immutable.
	fixed bool
	// form is how CONFIG REWRITE writes the setting (conffile.go).
	form fileForm
}

// valueCodec is a setting's parser and its inverse.
type valueCodec struct {
	// parse reads v into its field of c, or returns Redis's reason for
	// refusing it. It touches no other field.
	parse func(c *Config, v string) string
	// text is c's value as parse reads it back.
	text func(c *Config) string
}

// settings lists every setting, in the order of --help and of CONFIG GET *.
var settings = []*setting{
	{name: "bind", def: "127.0.0.1", help: "addresses to listen on, space separated", arg: "addrs",
		valueCodec: valueCodec{parseBind, func(c *Config) string { return c.Bind }},
		multiArg:   true, fixed: true, form: formBind},
	{name: "port", def: "6379", help: "TCP port (0: no TCP)", arg: "int",
		valueCodec: intSetting(0, 65535, false, func(c *Config) *int { return &c.Port }),
		applyErr:   func(s *Server, c *Config) string { return s.changePort(c.Port) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.port.Load(), 10) }},
	{name: "unixsocket", def: "", help: "path of a unix socket to listen on too", arg: "path",
		valueCodec: stringSetting(func(c *Config) *string { return &c.UnixSocket }), form: formOptional},
	{name: "protected-mode", def: "yes", help: "yes: while requirepass is empty, refuse (DENIED) clients not on loopback or the unix socket", arg: "yes|no",
		valueCodec: yesNoSetting(func(c *Config) *bool { return &c.ProtectedMode }),
		apply:      func(s *Server, c *Config) { s.live.protectedMode.Store(c.ProtectedMode) },
		get:        func(s *Server) string { return yesNoText(s.live.protectedMode.Load()) }},
	{name: "dir", def: ".", help: "directory of the snapshot file", arg: "path",
		valueCodec: valueCodec{parseDir, func(c *Config) string { return c.Dir }}, protected: true, form: formDir,
		get: func(s *Server) string {
			if abs, err := filepath.Abs(s.cfg.Dir); err == nil {
				return abs
			}
			return s.cfg.Dir
		}},
	{name: "dbfilename", def: "dump.numkv", help: `snapshot file name ("" runs with no persistence)`, arg: "name",
		valueCodec: valueCodec{parseDBFilename, func(c *Config) string { return c.DBFilename }}, protected: true, form: formString},
	{name: "save", def: "3600 1 300 100 60 10000", help: `save rules, "seconds changes ..." ("" disables periodic saves)`, arg: "rules",
		valueCodec: valueCodec{
			func(c *Config, v string) string { return storeSave(c, v, parseSaveRules) },
			func(c *Config) string { return c.Save }},
		setParse: func(c *Config, v string) string { return storeSave(c, v, parseSaveConfigSet) },
		apply: func(s *Server, c *Config) {
			s.cfgMu.Lock()
			s.cfg.Save = c.Save
			s.cfgMu.Unlock()
		},
		get: func(s *Server) string { return s.saveRules() }, appends: true, multiArg: true, form: formSave},
	{name: "stop-writes-on-bgsave-error", def: "yes", help: "yes: after a failed background save, refuse writes (MISCONF) until a save works", arg: "yes|no",
		valueCodec: yesNoSetting(func(c *Config) *bool { return &c.StopWritesOnBgsaveError }),
		apply:      func(s *Server, c *Config) { s.live.stopWrites.Store(c.StopWritesOnBgsaveError) },
		get:        func(s *Server) string { return yesNoText(s.live.stopWrites.Load()) }},
	{name: "databases", def: "16", help: "number of databases", arg: "int",
		valueCodec: intSetting(1, math.MaxInt32, false, func(c *Config) *int { return &c.Databases })},
	{name: "requirepass", def: "", help: "password clients must AUTH with", arg: "string",
		valueCodec: stringSetting(func(c *Config) *string { return &c.RequirePass }),
		apply: func(s *Server, c *Config) {
			pass := c.RequirePass
			s.live.requirePass.Store(&pass)
		},
		get: func(s *Server) string { return s.requirePass() }, form: formOptional},
	{name: "maxmemory", def: "0", help: "evict, or refuse writes, above this memory (bytes, k/kb/m/mb/g/gb; 0: no limit)", arg: "size",
		valueCodec: valueCodec{func(c *Config, v string) string {
			n, ok := memtoull(v)
			if !ok {
				return "argument must be a memory value"
			}
			c.MaxMemory = n
			return ""
		}, func(c *Config) string { return strconv.FormatUint(c.MaxMemory, 10) }},
		apply: func(s *Server, c *Config) { s.live.maxMemory.Store(c.MaxMemory) },
		get:   func(s *Server) string { return strconv.FormatUint(s.live.maxMemory.Load(), 10) }, form: formMemory},
	{name: "maxmemory-clients", def: "0", help: "close the clients using the most buffer memory above this (bytes, k/kb/m/mb/g/gb, or N% of maxmemory; 0: never)", arg: "size|N%",
		valueCodec: valueCodec{func(c *Config, v string) string {
			n, msg := maxMemoryClientsConfig(v)
			if msg == "" {
				c.MaxMemoryClients = n
			}
			return msg
		}, func(c *Config) string { return maxMemoryClientsText(c.MaxMemoryClients) }},
		apply: func(s *Server, c *Config) { s.live.maxMemClients.Store(c.MaxMemoryClients) },
		get:   func(s *Server) string { return maxMemoryClientsText(s.live.maxMemClients.Load()) }, form: formMemory},
	{name: "maxmemory-policy", def: "noeviction", help: "what to evict above maxmemory: noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random or volatile-ttl", arg: "policy",
		valueCodec: valueCodec{func(c *Config, v string) string {
			p, ok := parsePolicy(v)
			if !ok {
				return "argument(s) must be one of the following: " + strings.Join(policyNames[:], ", ")
			}
			c.MaxMemoryPolicy = p
			return ""
		}, func(c *Config) string { return c.MaxMemoryPolicy.String() }},
		apply: func(s *Server, c *Config) { s.live.policy.Store(int32(c.MaxMemoryPolicy)) },
		get:   func(s *Server) string { return s.policy().String() }},
	{name: "maxmemory-samples", def: "5", help: "keys sampled per eviction round (more: closer to true LRU/LFU, slower)", arg: "int",
		valueCodec: intSetting(1, math.MaxInt32, false, func(c *Config) *int { return &c.MaxMemorySamples }),
		apply:      func(s *Server, c *Config) { s.live.samples.Store(int64(c.MaxMemorySamples)) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.samples.Load(), 10) }},
	{name: "maxmemory-eviction-tenacity", def: "10", help: "how long one command may evict: 10 is 500us, each step above 15% more, 100 without limit", arg: "int",
		valueCodec: intSetting(0, 100, false, func(c *Config) *int { return &c.MaxMemoryEvictionTenacity }),
		apply:      func(s *Server, c *Config) { s.live.tenacity.Store(int64(c.MaxMemoryEvictionTenacity)) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.tenacity.Load(), 10) }},
	{name: "lfu-log-factor", def: "10", help: "LFU: how slowly a key's counter grows with its hits", arg: "int",
		valueCodec: intSetting(0, math.MaxInt32, false, func(c *Config) *int { return &c.LFULogFactor }),
		apply:      func(s *Server, c *Config) { s.live.lfuLogFactor.Store(int64(c.LFULogFactor)) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.lfuLogFactor.Load(), 10) }},
	{name: "lfu-decay-time", def: "1", help: "LFU: minutes for a key's counter to lose one (0: never)", arg: "int",
		valueCodec: intSetting(0, math.MaxInt32, false, func(c *Config) *int { return &c.LFUDecayTime }),
		apply:      func(s *Server, c *Config) { s.live.lfuDecayTime.Store(int64(c.LFUDecayTime)) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.lfuDecayTime.Load(), 10) }},
	{name: "maxclients", def: "10000", help: "maximum simultaneous clients", arg: "int",
		valueCodec: intSetting(1, math.MaxUint32, true, func(c *Config) *int { return &c.MaxClients }),
		apply:      func(s *Server, c *Config) { s.live.maxClients.Store(int64(c.MaxClients)) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.maxClients.Load(), 10) }},
	{name: "timeout", def: "0", help: "close clients idle this many seconds (0: never)", arg: "int",
		valueCodec: intSetting(0, math.MaxInt32, false, func(c *Config) *int { return &c.Timeout }),
		apply:      func(s *Server, c *Config) { s.live.timeout.Store(int64(c.Timeout)) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.timeout.Load(), 10) }},
	{name: "proto-max-bulk-len", def: "512mb", help: "largest bulk string a request may carry (1mb and up)", arg: "size",
		valueCodec: sizeSetting(false, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }),
		apply:      func(s *Server, c *Config) { s.live.maxBulk.Store(c.ProtoMaxBulkLen) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.maxBulk.Load(), 10) }, form: formMemory},
	{name: "client-query-buffer-limit", def: "1gb", help: "largest pending request per client (1mb and up)", arg: "size",
		valueCodec: sizeSetting(true, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
		apply:      func(s *Server, c *Config) { s.live.maxQuery.Store(c.ClientQueryBufferLimit) },
		get:        func(s *Server) string { return strconv.FormatInt(s.live.maxQuery.Load(), 10) }, form: formMemory},
	{name: "tls-port", def: "0", help: "TLS port (0: no TLS)", arg: "int",
		valueCodec: intSetting(0, 65535, false, func(c *Config) *int { return &c.TLSPort }), fixed: true},
	{name: "tls-cert-file", def: "", help: "TLS certificate (PEM)", arg: "path",
		valueCodec: stringSetting(func(c *Config) *string { return &c.TLSCertFile }), fixed: true, form: formOptional},
	{name: "tls-key-file", def: "", help: "TLS private key (PEM)", arg: "path",
		valueCodec: stringSetting(func(c *Config) *string { return &c.TLSKeyFile }), fixed: true, form: formOptional},
	{name: "loglevel", def: "notice", help: "debug, verbose, notice or warning", arg: "level",
		valueCodec: valueCodec{func(c *Config, v string) string {
			l, ok := logLevels[strings.ToLower(v)]
			if !ok || l == logLevels["nothing"] { // "nothing" came with Redis 7.2
				return "argument(s) must be one of the following: debug, verbose, notice, warning"
			}
			c.LogLevel = strings.ToLower(v)
			return ""
		}, func(c *Config) string { return c.LogLevel }},
		apply: func(s *Server, c *Config) { s.log.setLevel(logLevels[c.LogLevel]) },
		get:   func(s *Server) string { return s.log.levelName() }},
	{name: "logfile", def: "", help: `log file ("" logs to standard error)`, arg: "path",
		valueCodec: valueCodec{parseLogFile, func(c *Config) string { return c.LogFile }}, form: formString},
	// numkv's own settings. The codec is read by saves in flight without a
	// lock, so it is set at start-up only.
	{name: "snapshot-compression", def: "s2", help: "snapshot block codec: none, s2 or zstd", arg: "codec",
		valueCodec: valueCodec{func(c *Config, v string) string {
			if _, err := snapshotio.ParseCodec(v); err != nil {
				return "argument must be one of the following: none, s2, zstd"
			}
			c.Compression = v
			return ""
		}, func(c *Config) string { return c.Compression }}, fixed: true},
	{name: "cluster-enabled", def: "no", help: "yes: serve as one node of a cluster, the slots of the layout file only", arg: "yes|no",
		valueCodec: yesNoSetting(func(c *Config) *bool { return &c.ClusterEnabled })},
	{name: "cluster-config-file", def: "nodes.conf", help: "the cluster's layout, in CLUSTER NODES's line format, in --dir", arg: "name",
		valueCodec: stringSetting(func(c *Config) *string { return &c.ClusterConfigFile }), form: formString},
	{name: "cluster-node-id", def: "", help: "this node's id in the layout (40 hex characters; \"\": found by address, or made)", arg: "id",
		valueCodec: valueCodec{func(c *Config, v string) string {
			if v != "" && !cluster.ValidID(v) {
				return "argument must be 40 lowercase hex characters"
			}
			c.ClusterNodeID = v
			return ""
		}, func(c *Config) string { return c.ClusterNodeID }}, fixed: true, form: formOptional},
	{name: "hugepages", def: "yes", help: "ask Linux for transparent huge pages for array memory (--hugepages=false: never)", arg: "yes|no",
		valueCodec: valueCodec{func(c *Config, v string) string {
			// yes or no as Redis's booleans, or true or false as Go's
			// flags (--hugepages=false).
			on, ok := yesNo(v)
			if !ok {
				var err error
				if on, err = strconv.ParseBool(v); err != nil {
					return "argument must be 'yes' or 'no'"
				}
			}
			c.HugePages = on
			return ""
		}, func(c *Config) string { return yesNoText(c.HugePages) }}, fixed: true},
	// Probed by clients; numkv has no append-only file and never runs in
	// the background.
	{name: "appendonly", probeOnly: true, fixed: true, get: func(s *Server) string { return "no" }},
	{name: "daemonize", probeOnly: true, get: func(s *Server) string { return "no" }},
}

// intSetting is a plain integer setting within [lo, hi] (intConfig).
func intSetting(lo, hi int64, unsigned bool, field func(c *Config) *int) valueCodec {
	return valueCodec{func(c *Config, v string) string {
		n, msg := intConfig(v, lo, hi, unsigned)
		if msg == "" {
			*field(c) = int(n)
		}
		return msg
	}, func(c *Config) string { return strconv.Itoa(*field(c)) }}
}

// stringSetting takes any text, "" included.
func stringSetting(field func(c *Config) *string) valueCodec {
	return valueCodec{func(c *Config, v string) string {
		*field(c) = v
		return ""
	}, func(c *Config) string { return *field(c) }}
}

// yesNoSetting is a Redis boolean: yes or no, in any case.
func yesNoSetting(field func(c *Config) *bool) valueCodec {
	return valueCodec{func(c *Config, v string) string {
		on, ok := yesNo(v)
		if !ok {
			return "argument must be 'yes' or 'no'"
		}
		*field(c) = on
		return ""
	}, func(c *Config) string { return yesNoText(*field(c)) }}
}

// sizeSetting is a memory value between 1mb and LONG_MAX (memoryConfig).
func sizeSetting(unsigned bool, field func(c *Config) *int64) valueCodec {
	return valueCodec{func(c *Config, v string) string {
		n, msg := memoryConfig(v, unsigned)
		if msg == "" {
			*field(c) = n
		}
		return msg
	}, func(c *Config) string { return strconv.FormatInt(*field(c), 10) }}
}

// maxBindAddrs is Redis's CONFIG_BINDADDR_MAX.
const maxBindAddrs = 16

// parseBind splits the addresses on blanks, as Redis's config loader does.
func parseBind(c *Config, v string) string {
	addrs := strings.Fields(v)
	if len(addrs) > maxBindAddrs {
		return "Too many bind addresses specified."
	}
	c.Bind = strings.Join(addrs, " ")
	return ""
}

// parseDir is Redis's setConfigDirOption without its chdir (numkv keeps
// the process's working directory, for the servers tests run in-process):
// the directory must exist and be searchable.
func parseDir(c *Config, v string) string {
	var st syscall.Stat_t
	err := syscall.Stat(v, &st)
	if err == nil && st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		err = syscall.ENOTDIR
	}
	if err == nil {
		err = syscall.Access(v, 1) // X_OK, what chdir needs
	}
	if err != nil {
		return strerror(err)
	}
	c.Dir = v
	return ""
}

// parseDBFilename is Redis's isValidDBfilename: a name, not a path.
func parseDBFilename(c *Config, v string) string {
	if strings.ContainsAny(v, `/\`) {
		return "dbfilename can't be a path, just a filename"
	}
	c.DBFilename = v
	return ""
}

// parseLogFile checks, as Redis's config loader does, that the log file
// can be opened for appending (which creates it).
func parseLogFile(c *Config, v string) string {
	if v != "" {
		f, err := os.OpenFile(v, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return "Can't open the log file: " + strerror(errnoOf(err))
		}
		f.Close()
	}
	c.LogFile = v
	return ""
}

// strerror is C's strerror for an errno: Go's text, capitalized as glibc's.
func strerror(err error) string {
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// SettingError is a value a setting refused, from a flag or in a Config
// given to NewServer.
type SettingError struct {
	Name   string // the setting, as its flag is named
	Value  string // the refused value
	Reason string // Redis's reason for refusing it
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("invalid --%s %q: %s", e.Name, e.Value, e.Reason)
}

// DefaultConfig returns the defaults of the settings table: loopback only,
// port 6379, Redis's save rules, a snapshot in the working directory.
func DefaultConfig() Config {
	var c Config
	for _, st := range settings {
		if st.probeOnly {
			continue
		}
		if msg := st.parse(&c, st.def); msg != "" {
			panic(fmt.Sprintf("commands: default of %s: %s", st.name, msg))
		}
	}
	return c
}

// checked reads every setting of c back through its parser and returns the
// result: c with its text normalized (loglevel in lower case, single
// spaces in bind and save), or the first value a setting refuses.
func (c Config) checked() (Config, error) {
	var out Config
	for _, st := range settings {
		if st.probeOnly {
			continue
		}
		v := st.text(&c)
		if msg := st.parse(&out, v); msg != "" {
			return Config{}, &SettingError{Name: st.name, Value: v, Reason: msg}
		}
	}
	out.ConfigFile = c.ConfigFile
	return out, nil
}

// Flag is a command-line flag for one setting. It implements pflag.Value
// (String, Set, Type): Set parses through the setting's parser into the
// Config given to Flags and returns a *SettingError when it refuses.
type Flag struct {
	st      *setting
	cfg     *Config
	changed bool
	given   []string // the values Set took, in order, for LoadConfigFile
}

// Flags returns one Flag per setting that has a flag, in --help order,
// each writing into cfg.
func Flags(cfg *Config) []*Flag {
	var out []*Flag
	for _, st := range settings {
		if !st.probeOnly {
			out = append(out, &Flag{st: st, cfg: cfg})
		}
	}
	return out
}

// Name is the flag's name, the setting's.
func (f *Flag) Name() string { return f.st.name }

// Usage is the flag's --help line.
func (f *Flag) Usage() string { return f.st.help }

// NoOptDefVal is the value of the flag given without one ("--hugepages"),
// or "" when it needs a value.
func (f *Flag) NoOptDefVal() string {
	if f.st.name == "hugepages" {
		return "yes"
	}
	return ""
}

// String is the flag's current value, in the default's own words ("512mb")
// while it is the default.
func (f *Flag) String() string {
	var def Config
	f.st.parse(&def, f.st.def)
	if v := f.st.text(f.cfg); v != f.st.text(&def) {
		return v
	}
	return f.st.def
}

// Type names the flag's argument in --help.
func (f *Flag) Type() string { return f.st.arg }

// Set parses v into the flag's Config. A repeated --save adds its rules to
// the earlier ones, and --save "" drops them, as in Redis.
func (f *Flag) Set(v string) error {
	if msg := f.st.setAtStartup(f.cfg, v, f.changed); msg != "" {
		return &SettingError{Name: f.st.name, Value: v, Reason: msg}
	}
	f.changed = true
	f.given = append(f.given, v)
	return nil
}

// setAtStartup parses v into c for a flag or a configuration file line.
// again says the setting was given before, in a file or a flag: then a
// save adds its rules to the earlier ones (save "" drops them), as
// Redis's config loader does.
func (st *setting) setAtStartup(c *Config, v string, again bool) string {
	prev := st.text(c)
	if msg := st.parse(c, v); msg != "" {
		return msg
	}
	if st.appends && again && v != "" {
		st.parse(c, strings.TrimSpace(prev+" "+st.text(c)))
	}
	return ""
}

// liveConfig holds the settings CONFIG SET changes at run time. They are
// read on hot paths (every command, every read from a connection), so each
// is an atomic; save alone lives in Config under Server.cfgMu, for the save
// rules.
type liveConfig struct {
	requirePass atomic.Pointer[string]
	maxMemory   atomic.Uint64
	// maxMemClients is maxmemory-clients as Config.MaxMemoryClients.
	maxMemClients atomic.Int64
	maxBulk       atomic.Int64
	maxQuery      atomic.Int64
	timeout       atomic.Int64
	maxClients    atomic.Int64
	stopWrites    atomic.Bool // stop-writes-on-bgsave-error
	// The eviction settings (evict.go).
	policy       atomic.Int32 // an evictPolicy
	samples      atomic.Int64
	tenacity     atomic.Int64
	lfuLogFactor atomic.Int64
	lfuDecayTime atomic.Int64
	// protectedMode is read once per accepted connection.
	protectedMode atomic.Bool
	port          atomic.Int64 // the TCP port listened on (server.go's changePort)
}

// initLive copies the start-up settings into the live ones.
func (s *Server) initLive() {
	pass := s.cfg.RequirePass
	s.live.requirePass.Store(&pass)
	s.live.maxMemory.Store(s.cfg.MaxMemory)
	s.live.maxMemClients.Store(s.cfg.MaxMemoryClients)
	s.live.maxBulk.Store(s.cfg.ProtoMaxBulkLen)
	s.live.maxQuery.Store(s.cfg.ClientQueryBufferLimit)
	s.live.timeout.Store(int64(s.cfg.Timeout))
	s.live.maxClients.Store(int64(s.cfg.MaxClients))
	s.live.stopWrites.Store(s.cfg.StopWritesOnBgsaveError)
	s.live.policy.Store(int32(s.cfg.MaxMemoryPolicy))
	s.live.samples.Store(int64(s.cfg.MaxMemorySamples))
	s.live.tenacity.Store(int64(s.cfg.MaxMemoryEvictionTenacity))
	s.live.lfuLogFactor.Store(int64(s.cfg.LFULogFactor))
	s.live.lfuDecayTime.Store(int64(s.cfg.LFUDecayTime))
	s.live.protectedMode.Store(s.cfg.ProtectedMode)
	s.live.port.Store(int64(s.cfg.Port))
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

func yesNoText(on bool) string {
	if on {
		return "yes"
	}
	return "no"
}

func (s *Server) requirePass() string { return *s.live.requirePass.Load() }

// maxMemory is maxmemory in bytes, 0 for no limit.
func (s *Server) maxMemory() int64 {
	return int64(min(s.live.maxMemory.Load(), math.MaxInt64))
}

// maxBulkLen is proto-max-bulk-len.
func (s *Server) maxBulkLen() int64 { return s.live.maxBulk.Load() }

// configGet is CONFIG GET's answer for st.
func (st *setting) configGet(s *Server) string {
	if st.get != nil {
		return st.get(s)
	}
	return st.text(&s.cfg)
}

// mutable reports whether CONFIG SET may change the setting.
func (st *setting) mutable() bool { return st.apply != nil || st.applyErr != nil }

// configSet parses CONFIG SET's value for st and returns the function that
// applies it, or Redis's error text. st must be mutable (apply != nil).
func (st *setting) configSet(s *Server, v string) (apply func() string, errstr string) {
	parse := st.parse
	if st.setParse != nil {
		parse = st.setParse
	}
	c := new(Config)
	if msg := parse(c, v); msg != "" {
		return nil, msg
	}
	if st.applyErr != nil {
		return func() string { return st.applyErr(s, c) }, ""
	}
	return func() string { st.apply(s, c); return "" }, ""
}

// isCurrent reports whether v is the setting's current value, as its
// parser reads v (a probe-only setting, which has none: as text, in any
// case).
func (st *setting) isCurrent(s *Server, v string) bool {
	if st.parse == nil {
		return strings.EqualFold(v, st.configGet(s))
	}
	var c Config
	return st.parse(&c, v) == "" && st.text(&c) == st.configGet(s)
}

func lookupConfig(name string) *setting {
	for _, st := range settings {
		if strings.EqualFold(st.name, name) {
			return st
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

// maxMemoryClientsConfig parses maxmemory-clients as Redis's numeric
// config with MEMORY_CONFIG|PERCENT_CONFIG, ssize_t from -100 up: a
// memory value (its unsigned value taken as signed, as the C cast does),
// else "N%" stored as -N; a negative result is a percentage, at most 100.
func maxMemoryClientsConfig(v string) (int64, string) {
	var n int64
	if u, ok := memtoull(v); ok {
		n = int64(u)
	} else if p, ok := resp.ParseInt([]byte(strings.TrimSuffix(v, "%"))); ok && len(v) > 1 && strings.HasSuffix(v, "%") && p >= 0 {
		n = -p
	} else {
		return 0, "argument must be a memory or percent value"
	}
	if n < -100 {
		return 0, "percentage argument must be less or equal to 100"
	}
	return n, ""
}

// maxMemoryClientsText is maxmemory-clients as CONFIG GET replies it.
func maxMemoryClientsText(n int64) string {
	if n < 0 {
		return strconv.FormatInt(-n, 10) + "%"
	}
	return strconv.FormatInt(n, 10)
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

// Save rules. Redis reads them in two ways, and numkv keeps both; each
// entry point then checks the fields as setConfigSaveOption does
// (saveRulesFrom):
//   - parseSaveRules, at start-up (flags, NewServer's check, and the
//     rules' canonical text): Redis's config loader splits a
//     multi-argument setting given as one argument on runs of blanks
//     (sdssplitargs), so --save "3600  1" is one rule;
//   - parseSaveConfigSet, for CONFIG SET: configSetCommand splits on single
//     spaces (sdssplitlen), so two spaces make an empty field and
//     CONFIG SET save "3600  1" is refused.

// saveRule is one "seconds changes" pair of --save.
type saveRule struct{ secs, changes int64 }

const msgInvalidSave = "Invalid save parameters"

// parseSaveRules reads save rules given at start-up: "" or blanks for none.
func parseSaveRules(v string) ([]saveRule, string) {
	return saveRulesFrom(strings.Fields(v))
}

// parseSaveConfigSet reads CONFIG SET save's value: "" for none.
func parseSaveConfigSet(v string) ([]saveRule, string) {
	if v == "" {
		return nil, ""
	}
	return saveRulesFrom(strings.Split(v, " "))
}

// saveRulesFrom is setConfigSaveOption's check: pairs of seconds >= 1 and
// changes >= 0, each field read whole by strtoll (an empty one reads as
// 0); changes is then a C int.
func saveRulesFrom(fields []string) ([]saveRule, string) {
	if len(fields)%2 != 0 {
		return nil, msgInvalidSave
	}
	rules := make([]saveRule, 0, len(fields)/2)
	for j := 0; j < len(fields); j += 2 {
		secs, end1 := strtoll(fields[j])
		changes, end2 := strtoll(fields[j+1])
		if end1 != len(fields[j]) || end2 != len(fields[j+1]) || secs < 1 || changes < 0 {
			return nil, msgInvalidSave
		}
		rules = append(rules, saveRule{secs, int64(int32(changes))})
	}
	return rules, ""
}

// storeSave parses v with one of the two entry points and stores the rules
// in c as CONFIG GET prints them.
func storeSave(c *Config, v string, parse func(string) ([]saveRule, string)) string {
	rules, msg := parse(v)
	if msg != "" {
		return msg
	}
	text := make([]string, len(rules))
	for i, r := range rules {
		text[i] = fmt.Sprintf("%d %d", r.secs, r.changes)
	}
	c.Save = strings.Join(text, " ")
	return ""
}

// saveRules returns the current --save rules.
func (s *Server) saveRules() string {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	return s.cfg.Save
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
			if u > (math.MaxInt64+1)/10 {
				u = math.MaxInt64 + 1 // saturated: past int64 whatever follows
			} else {
				u = u*10 + uint64(s[i]-'0')
			}
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
