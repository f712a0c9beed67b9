// Package commands is the numkv server: the connection loop, the single
// command table that drives dispatch, arity checks, locking and COMMAND
// replies, the handlers, and persistence wiring.
//
// # Concurrency
//
// Each connection has one goroutine, which parses pipelined commands from
// its buffer, runs them in order and flushes their replies once per batch.
// Dispatch takes the slot locks named by a command's key positions (read
// locks for read-only commands, write locks otherwise) in ascending order
// before calling the handler and releases them before any network write.
// Handlers therefore touch only keys whose slots are locked; whole-keyspace
// commands (KEYS, SCAN, FLUSHDB, DBSIZE...) lock one slot at a time, and the
// snapshot cut alone takes every slot.
//
// # Memory
//
// Command arguments alias the connection's read buffer and are valid only
// during the handler: anything kept (keys, values) is copied.
package commands

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"numkv/resp"
	"numkv/shardlock"
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

// Server is one numkv instance.
type Server struct {
	cfg Config
	// The sizes as parsed at start-up. CONFIG SET changes the live copies
	// in s.live: read those (maxBulkLen, maxMemory) on request paths.
	maxBulk  int64
	maxQuery int64
	maxMem   int64
	log      *logger

	tab  *shardlock.Table[slotData]
	lazy lazyFreer
	// clientMem is the memory of the connections' buffers, which
	// used_memory counts besides the keyspace's.
	clientMem atomic.Int64
	keys      []atomic.Int64 // keys per database
	vols      []atomic.Int64 // keys with an expiry per database

	mu        sync.Mutex // guards clients, listeners, nextID
	clients   map[int64]*client
	listeners []net.Listener
	nextID    int64
	closing   atomic.Bool
	done      chan struct{}
	wg        sync.WaitGroup

	loading atomic.Bool
	startAt time.Time

	// Statistics for INFO.
	connsTotal  atomic.Int64
	cmdsTotal   atomic.Int64
	netIn       atomic.Int64
	netOut      atomic.Int64
	hits        atomic.Int64
	misses      atomic.Int64
	expired     atomic.Int64
	rejected    atomic.Int64
	errorsTotal atomic.Int64

	live  liveConfig    // the settings CONFIG SET changes (cmd_config.go)
	watch watchRegistry // WATCHed keys (multi.go)

	persist    persistence
	snap       atomic.Pointer[snapState] // the save in progress, see save.go
	shutdownMu sync.Mutex
	exit       chan struct{} // closed when SHUTDOWN or a signal asks Run to stop
	exitOnce   sync.Once
	forceExit  func(code int) // os.Exit, except in tests
	cfgMu      sync.Mutex     // guards the settings CONFIG SET may change
}

// saveRules returns the current --save rules.
func (s *Server) saveRules() string {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	return s.cfg.Save
}

// writesDenied reports whether writes must fail with MISCONF, as Redis's
// writeCommandsDeniedByDiskError: the last background save failed, save
// rules are set, and stop-writes-on-bgsave-error is on. Any save that
// succeeds lifts it. The common case costs one atomic load.
func (s *Server) writesDenied() bool {
	if !s.persist.lastBgFailed.Load() || !s.live.stopWrites.Load() {
		return false
	}
	rules, _ := parseSaveRules(s.saveRules())
	return len(rules) > 0
}

// NewServer validates cfg and returns a server that is not yet listening.
func NewServer(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, clients: map[int64]*client{}, done: make(chan struct{}), exit: make(chan struct{}), startAt: time.Now(), forceExit: os.Exit}
	var err error
	if s.maxBulk, err = parseMemory(cfg.ProtoMaxBulkLen); err != nil || s.maxBulk < 1 {
		return nil, fmt.Errorf("commands: invalid proto-max-bulk-len %q", cfg.ProtoMaxBulkLen)
	}
	if s.maxQuery, err = parseMemory(cfg.ClientQueryBufferLimit); err != nil || s.maxQuery < 1024*1024 {
		return nil, fmt.Errorf("commands: invalid client-query-buffer-limit %q (at least 1mb)", cfg.ClientQueryBufferLimit)
	}
	if s.maxMem, err = parseMemory(cfg.MaxMemory); err != nil || s.maxMem < 0 {
		return nil, fmt.Errorf("commands: invalid maxmemory %q", cfg.MaxMemory)
	}
	if cfg.Databases < 1 || cfg.Databases > 1<<16 {
		return nil, fmt.Errorf("commands: invalid databases %d", cfg.Databases)
	}
	if cfg.Port < 0 || cfg.Port > 65535 || cfg.TLSPort < 0 || cfg.TLSPort > 65535 {
		return nil, errors.New("commands: port out of range")
	}
	if _, err := parseSaveRules(cfg.Save); err != nil {
		return nil, err
	}
	if _, ok := yesNo(cfg.StopWritesOnBgsaveError); !ok {
		return nil, fmt.Errorf("commands: invalid stop-writes-on-bgsave-error %q (yes or no)", cfg.StopWritesOnBgsaveError)
	}
	if s.log, err = newLogger(cfg.LogFile, cfg.LogLevel); err != nil {
		return nil, err
	}
	s.initLive()
	// As in Redis, the save rules count time from start-up.
	s.persist.lastSave.Store(time.Now().Unix())
	s.persist.lastBgDuration.Store(-1)
	s.tab = shardlock.New[slotData](cfg.Databases)
	s.lazy.start()
	s.keys = make([]atomic.Int64, cfg.Databases)
	s.vols = make([]atomic.Int64, cfg.Databases)
	return s, nil
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

// Listen opens every configured listener. With port 0 and no unix socket
// nothing is opened (as Redis, port 0 disables TCP).
func (s *Server) Listen() error {
	var lns []net.Listener
	fail := func(err error) error {
		for _, ln := range lns {
			ln.Close()
		}
		return err
	}
	addrs := strings.Fields(s.cfg.Bind)
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1"}
	}
	if s.cfg.Port > 0 || (s.cfg.Port == 0 && s.cfg.UnixSocket == "" && s.cfg.TLSPort == 0) {
		for _, a := range addrs {
			ln, err := net.Listen("tcp", net.JoinHostPort(strings.TrimPrefix(a, "-"), strconv.Itoa(s.cfg.Port)))
			if err != nil {
				return fail(fmt.Errorf("commands: listen: %w", err))
			}
			lns = append(lns, ln)
		}
	}
	if s.cfg.TLSPort > 0 {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		if err != nil {
			return fail(fmt.Errorf("commands: tls: %w", err))
		}
		for _, a := range addrs {
			ln, err := tls.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(s.cfg.TLSPort)), &tls.Config{Certificates: []tls.Certificate{cert}})
			if err != nil {
				return fail(fmt.Errorf("commands: listen tls: %w", err))
			}
			lns = append(lns, ln)
		}
	}
	if s.cfg.UnixSocket != "" {
		os.Remove(s.cfg.UnixSocket)
		ln, err := net.Listen("unix", s.cfg.UnixSocket)
		if err != nil {
			return fail(fmt.Errorf("commands: listen unix: %w", err))
		}
		lns = append(lns, ln)
	}
	s.mu.Lock()
	s.listeners = lns
	s.mu.Unlock()
	return nil
}

// Addr returns the first listener's address (the TCP one when there is one).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

// Serve accepts connections on every listener until Close.
func (s *Server) Serve() {
	s.mu.Lock()
	lns := s.listeners
	s.mu.Unlock()
	for _, ln := range lns {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	s.wg.Add(1)
	go s.cron()
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.warn("accept: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.connsTotal.Add(1)
		s.mu.Lock()
		if int64(len(s.clients)) >= s.live.maxClients.Load() {
			s.mu.Unlock()
			s.rejected.Add(1)
			nc.Write([]byte("-ERR max number of clients reached\r\n"))
			nc.Close()
			continue
		}
		s.nextID++
		c := newClient(s, nc, s.nextID)
		s.clients[c.id] = c
		s.mu.Unlock()
		go s.handle(c)
	}
}

// Close stops listening and closes every connection. It does not save.
func (s *Server) Close() {
	if s.closing.Swap(true) {
		return
	}
	close(s.done)
	s.mu.Lock()
	for _, ln := range s.listeners {
		ln.Close()
	}
	for _, c := range s.clients {
		c.nc.Close()
	}
	s.mu.Unlock()
	if s.cfg.UnixSocket != "" {
		os.Remove(s.cfg.UnixSocket)
	}
	s.wg.Wait()
	s.lazy.close()
}

// handle runs one connection: parse every complete command in the buffer,
// run them in order, flush the replies once, then read more.
func (s *Server) handle(c *client) {
	defer func() {
		c.nc.Close()
		c.releaseHeld()
		c.rd.Release()
		s.clientMem.Add(-int64(c.bufMem))
		c.unwatchAll()
		s.mu.Lock()
		delete(s.clients, c.id)
		s.mu.Unlock()
	}()
	for {
		now := tick()
		for {
			args, err := c.rd.Next()
			if err != nil {
				var pe *resp.ProtocolError
				if errors.As(err, &pe) {
					c.err(pe.Error())
					c.flush()
					s.log.verbose("protocol error from client %d: %s", c.id, pe.Error())
				}
				return
			}
			if args == nil {
				break
			}
			c.lastCmdAt = now
			s.call(c, args)
			if c.w.Len() > 64*1024 {
				if c.flush() != nil {
					return
				}
			}
			if c.closeAfterReply {
				c.flush()
				return
			}
		}
		if c.flush() != nil {
			return
		}
		c.countBuffers()
		if t := s.live.timeout.Load(); t > 0 {
			c.nc.SetReadDeadline(now.Add(time.Duration(t) * time.Second))
		} else if t == 0 && c.deadline {
			c.nc.SetReadDeadline(time.Time{}) // CONFIG SET timeout 0
		}
		c.deadline = s.live.timeout.Load() > 0
		n, err := c.rd.Fill()
		if err != nil {
			if err == resp.ErrQueryLimit {
				s.log.warn("closing client %d that reached max query buffer length", c.id)
			} else if err != io.EOF && !s.closing.Load() {
				s.log.verbose("client %d: %v", c.id, err)
			}
			return
		}
		s.netIn.Add(int64(n))
	}
}

// call runs one command through Redis 7.0's processCommand checks, in its
// order: existence, arity, authentication, no_multi, memory, a failed
// background save (MISCONF), loading; then
// queues it inside MULTI or runs it. A refused command marks an open
// transaction failed, and a refused EXEC aborts it.
func (s *Server) call(c *client, args [][]byte) {
	s.cmdsTotal.Add(1)
	c.memo = keyMemo{} // it lives for one command: the next one's arguments may reuse the buffer
	if is(args[0], "host:") || is(args[0], "post") {
		// Redis's securityWarningCommand: an HTTP request sent to the port
		// (cross-protocol scripting) gets no reply, only a closed connection.
		s.log.warn("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.")
		c.closeAfterReply = true
		return
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		c.reject(nil, unknownCommandText(args))
		return
	}
	if cmd.subs != nil && len(args) >= 2 {
		sub := cmd.subs[strings.ToLower(string(args[1]))]
		if sub == nil {
			c.reject(nil, fmt.Sprintf(msgUnknownSubcommand, cString(args[1], 128), upper(args[0])))
			return
		}
		cmd = sub
	}
	if (cmd.arity > 0 && len(args) != cmd.arity) || len(args) < -cmd.arity {
		c.reject(cmd, fmt.Sprintf(msgWrongArgs, cmd.fullName))
		return
	}
	if !c.authed && cmd.flags&flagNoAuth == 0 && s.requirePass() != "" {
		c.reject(cmd, msgNoAuth)
		return
	}
	if c.multi != nil && cmd.flags&flagNoMulti != 0 {
		c.reject(cmd, msgNotInMulti)
		return
	}
	isExec := cmd.handler != nil && cmd.name == "exec" && cmd.parent == nil
	if maxMem := s.maxMemory(); maxMem > 0 {
		deny := cmd.flags&flagDenyOOM != 0 || (isExec && c.multi != nil && c.multi.any(flagDenyOOM, true))
		if c.multi != nil && !(cmd.parent == nil && (isExec || cmd.name == "discard" || cmd.name == "quit" || cmd.name == "reset")) {
			deny = true // queueing itself costs memory
		}
		if deny && s.usedMemory() > maxMem {
			c.reject(cmd, msgOOM)
			return
		}
	}
	if s.writesDenied() {
		write := cmd.flags&flagWrite != 0 || (isExec && c.multi != nil && c.multi.any(flagWrite, true))
		if write || (cmd.parent == nil && cmd.name == "ping") {
			c.reject(cmd, msgMisconf)
			return
		}
	}
	if s.loading.Load() && (cmd.flags&flagLoading == 0 || (isExec && c.multi != nil && c.multi.any(flagLoading, false))) {
		c.reject(cmd, msgLoading)
		return
	}
	if c.multi != nil && cmd.flags&flagNotQueued == 0 {
		c.multi.queue(cmd, args)
		c.queued()
		return
	}
	s.run(c, cmd, args)
}

// any reports whether a queued command has flag f (want true) or lacks it
// (want false).
func (m *multiState) any(f cmdFlag, want bool) bool {
	for _, q := range m.cmds {
		if (q.cmd.flags&f != 0) == want {
			return true
		}
	}
	return false
}

// reject answers a command dispatch refuses, as Redis's rejectCommand.
func (c *client) reject(cmd *command, msg string) {
	if c.multi != nil {
		c.multi.failed = true
	}
	if cmd != nil && cmd.parent == nil && cmd.name == "exec" {
		c.execAbort(msg)
		return
	}
	c.err(msg)
}

// run takes the command's slot locks and calls its handler, recovering a
// panic into an error reply so that one bad request cannot take the server
// down. Inside EXEC the transaction holds the locks already.
func (s *Server) run(c *client, cmd *command, args [][]byte) {
	if c.inExec {
		defer func() {
			if r := recover(); r != nil {
				s.log.warn("panic in %s: %v", cmd.fullName, r)
				c.err(fmt.Sprintf(msgInternal, cmd.fullName, r))
			}
		}()
		cmd.handler(s, c, args)
		return
	}
	set := s.lockSet(c, cmd, args)
	write := cmd.flags&flagWrite != 0
	s.tab.Lock(set, write)
	if write {
		s.preserveSet(set)
	}
	defer func() {
		s.tab.Unlock(set, write)
		if r := recover(); r != nil {
			s.log.warn("panic in %s: %v", cmd.fullName, r)
			c.err(fmt.Sprintf(msgInternal, cmd.fullName, r))
		}
	}()
	cmd.handler(s, c, args)
}

// lockSet returns the sorted shard indexes a command's keys live in.
func (s *Server) lockSet(c *client, cmd *command, args [][]byte) shardlock.Set {
	c.idx = s.keySlots(c, cmd, args, c.idx[:0])
	return shardlock.NewSet(c.idx)
}

// keySlots appends the shard indexes of a command's keys in c's database:
// its keys function, or the table's key positions.
func (s *Server) keySlots(c *client, cmd *command, args [][]byte, idx []int) []int {
	if cmd.keys != nil {
		return cmd.keys(s, c, args, idx)
	}
	if cmd.first > 0 {
		last := cmd.last
		if last < 0 {
			last += len(args)
		}
		for i := cmd.first; i <= last && i < len(args); i += cmd.step {
			slot := s.tab.Index(c.db, args[i])
			if i == cmd.first {
				c.memoSlot(c.db, args[i], slot)
			}
			idx = append(idx, slot)
		}
	}
	return idx
}

// cString is what C's "%.Ns" prints of b: up to the first NUL byte, at
// most n bytes (Go's precision counts runes, not bytes).
func cString(b []byte, n int) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) > n {
		b = b[:n]
	}
	return b
}

// unknownCommandText builds Redis's unknown-command error: the name cut at
// 128 bytes, then each argument quoted and followed by a space, while the
// list is shorter than 128 bytes, each cut to what is left of those 128.
func unknownCommandText(args [][]byte) string {
	var list []byte
	for _, a := range args[1:] {
		if len(list) >= 128 {
			break
		}
		room := 128 - len(list)
		list = append(list, '\'')
		list = append(list, cString(a, room)...)
		list = append(list, '\'', ' ')
	}
	return fmt.Sprintf(msgUnknownCommand, cString(args[0], 128), list)
}
