// Package commands is the numkv server: the connection loop, the single
// command table that drives dispatch, arity checks, locking and COMMAND
// replies, the handlers, the keyspace and persistence. Its files are named
// for their concern: server.go (listeners, connection loop), dispatch.go
// (Redis's processCommand checks, locks), table.go, config.go (every
// setting), keyspace.go, expire.go, snapshot.go (the cut and the writer),
// load.go, lifecycle.go (Run, shutdown, signals, cron), info.go, msgs.go
// (wire texts) and one cmd_<group>.go per command group.
//
// # Concurrency
//
// Each connection has one goroutine, which parses pipelined commands from
// its buffer, runs them in order and flushes their replies once per batch.
// Dispatch takes the slot locks named by a command's key positions (read
// locks for read-only commands, write locks otherwise) in ascending order
// before calling the handler and releases them before any network write.
// Handlers therefore touch only keys whose slots are locked; whole-keyspace
// commands (KEYS, SCAN, FLUSHDB, RANDOMKEY...) lock one slot at a time,
// DBSIZE reads a per-database counter, and the snapshot cut alone takes
// every slot.
//
// # Memory
//
// Command arguments alias the connection's read buffer and are valid only
// during the handler: anything kept (keys, values) is copied.
package commands

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"numkv/resp"
	"numkv/shardlock"
)

// Server is one numkv instance.
type Server struct {
	cfg Config
	log *logger
	cl  *clusterState // nil unless cluster mode (cluster.go)

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
	tcp       []net.Listener // the plain TCP ones among listeners (changePort)
	nextID    int64
	closing   atomic.Bool
	done      chan struct{}
	wg        sync.WaitGroup

	loading atomic.Bool
	startAt time.Time
	// startupMem is used_memory when the server was made, INFO's
	// used_memory_startup.
	startupMem int64

	// Statistics for INFO.
	connsTotal atomic.Int64
	cmdsTotal  atomic.Int64
	netIn      atomic.Int64
	netOut     atomic.Int64
	hits       atomic.Int64
	misses     atomic.Int64
	expired    atomic.Int64
	evicted    atomic.Int64
	rejected   atomic.Int64
	// evictedClients counts the clients maxmemory-clients closed.
	evictedClients atomic.Int64
	errorsTotal    atomic.Int64
	readsTotal     atomic.Int64 // reads from connections
	writesTotal    atomic.Int64 // writes to connections
	stats          []cmdStat    // by command.id (stats.go)
	errStats       errorStats
	inst           instMetrics
	recentBufs     recentMax

	live      liveConfig    // the settings CONFIG SET changes (config.go)
	watch     watchRegistry // WATCHed keys (multi.go)
	evictPool evictPool     // eviction's candidates (evict.go)
	pause     pauseState    // CLIENT PAUSE (pause.go)
	blocked   atomic.Int64  // clients postponed by a pause, for INFO

	persist    persistence
	snap       atomic.Pointer[snapState] // the save in progress, see snapshot.go
	saveMu     sync.Mutex                // held by the save that runs, see snapshot.go
	shutdownMu sync.Mutex
	exit       chan struct{} // closed when SHUTDOWN or a signal asks Run to stop
	exitOnce   sync.Once
	forceExit  func(code int) // os.Exit, except in tests
	cfgMu      sync.Mutex     // guards the settings CONFIG SET may change
}

// NewServer checks every setting of cfg with its parser and returns a
// server that is not yet listening. A refused setting is a *SettingError.
func NewServer(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, clients: map[int64]*client{}, done: make(chan struct{}), exit: make(chan struct{}), startAt: time.Now(), forceExit: os.Exit}
	var err error
	if s.cfg, err = cfg.checked(); err != nil {
		return nil, err
	}
	cfg = s.cfg
	if s.log, err = newLogger(cfg.LogFile, cfg.LogLevel); err != nil {
		return nil, err
	}
	s.initLive()
	s.stats = make([]cmdStat, len(commandsByID))
	s.startupMem = s.usedMemory()
	// As in Redis, the save rules count time from start-up.
	s.persist.lastSave.Store(time.Now().Unix())
	s.persist.lastBgDuration.Store(-1)
	s.tab = shardlock.New[slotData](cfg.Databases)
	s.lazy.start()
	s.keys = make([]atomic.Int64, cfg.Databases)
	s.vols = make([]atomic.Int64, cfg.Databases)
	if cfg.ClusterEnabled {
		if s.cl, err = openCluster(cfg); err != nil {
			return nil, err
		}
	}
	return s, nil
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
	addrs := s.bindAddrs()
	if s.cfg.Port > 0 || (s.cfg.Port == 0 && s.cfg.UnixSocket == "" && s.cfg.TLSPort == 0) {
		tcp, err := listenTCP(addrs, s.cfg.Port)
		if err != nil {
			return fail(err)
		}
		lns = append(lns, tcp...)
	}
	ntcp := len(lns)
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
	s.listeners, s.tcp = lns, lns[:ntcp:ntcp]
	s.mu.Unlock()
	return nil
}

func (s *Server) bindAddrs() []string {
	addrs := strings.Fields(s.cfg.Bind)
	if len(addrs) == 0 {
		addrs = []string{"127.0.0.1"}
	}
	return addrs
}

// listenTCP listens on port at every address, or on none.
func listenTCP(addrs []string, port int) ([]net.Listener, error) {
	var lns []net.Listener
	for _, a := range addrs {
		ln, err := net.Listen("tcp", net.JoinHostPort(strings.TrimPrefix(a, "-"), strconv.Itoa(port)))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("commands: listen: %w", err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// changePort moves the plain TCP listeners to port, as CONFIG SET port
// does in Redis: the new port is listened on at every bind address first,
// and only then are the old listeners closed, so that a port already
// taken leaves everything as it was. Open connections stay. Port 0 stops
// TCP. In cluster mode the layout names the node's port, so it stays.
func (s *Server) changePort(port int) string {
	if int64(port) == s.live.port.Load() {
		return ""
	}
	if s.cl != nil {
		return "can't change the port in cluster mode: the cluster layout names it"
	}
	var lns []net.Listener
	if port > 0 {
		var err error
		if lns, err = listenTCP(s.bindAddrs(), port); err != nil {
			s.log.warn("CONFIG SET port %d: %v", port, err)
			return "Unable to listen on this port"
		}
	}
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		for _, ln := range lns {
			ln.Close()
		}
		return "the server is shutting down"
	}
	old := s.tcp
	rest := s.listeners[len(old):]
	s.listeners = append(slices.Clip(lns), rest...)
	s.tcp = s.listeners[:len(lns):len(lns)]
	for _, ln := range lns {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	s.live.port.Store(int64(port))
	s.mu.Unlock()
	for _, ln := range old {
		ln.Close()
	}
	s.log.notice("Listening on port %d now (CONFIG SET port)", port)
	return ""
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
		s.logAccepted(nc)
		s.mu.Lock()
		if int64(len(s.clients)) >= s.live.maxClients.Load() {
			s.mu.Unlock()
			s.rejected.Add(1)
			nc.Write([]byte("-" + msgMaxClients + "\r\n"))
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

// logAccepted logs a new connection at verbose level, as Redis's accept
// handlers do.
func (s *Server) logAccepted(nc net.Conn) {
	if s.log.level.Load() > 1 {
		return
	}
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		s.log.verbose("Accepted %s:%d", a.IP, a.Port)
	} else {
		s.log.verbose("Accepted connection to %s", s.cfg.UnixSocket)
	}
}

// protectedDenies is Redis's protected mode (clientAcceptHandler): with
// protected mode on and no password, a client is refused unless it is
// local, which islocalClient takes to mean a unix socket, or a TCP peer
// whose address reads exactly "127.0.0.1" or "::1" (so not the rest of
// 127.0.0.0/8). The bind addresses play no part, as in Redis 7.0. An IPv4
// client of a dual-stack listener counts by its IPv4 address, as it would
// reach Redis's separate IPv4 socket. An unknown kind of address is
// refused.
func protectedDenies(protected bool, requirePass string, peer net.Addr) bool {
	if !protected || requirePass != "" {
		return false
	}
	switch a := peer.(type) {
	case *net.UnixAddr:
		return false
	case *net.TCPAddr:
		return a == nil || !a.IP.Equal(net.IPv4(127, 0, 0, 1)) && !a.IP.Equal(net.IPv6loopback)
	}
	return true
}

// deniedWriteTimeout bounds the write of the DENIED text, which on a TLS
// connection waits for the handshake.
const deniedWriteTimeout = 10 * time.Second

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
		c.uncount()
		c.unwatchAll()
		if c.staged != nil {
			c.staged.discard() // a migration cut short
		}
		s.mu.Lock()
		delete(s.clients, c.id)
		s.mu.Unlock()
	}()
	// Created and then refused, as in Redis: a refused client is briefly
	// counted against maxclients, and only an accepted one in
	// total_connections_received.
	if protectedDenies(s.live.protectedMode.Load(), s.requirePass(), c.nc.RemoteAddr()) {
		s.rejected.Add(1)
		c.nc.SetWriteDeadline(time.Now().Add(deniedWriteTimeout))
		c.nc.Write([]byte("-" + msgProtectedMode + "\r\n"))
		return
	}
	s.connsTotal.Add(1)
	for {
		now := tick()
		c.clock = 0 // the batch's first command reads the clock
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
			if c.killed.Load() {
				return
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
		s.evictClients()
		if c.killed.Load() {
			return
		}
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
		s.readsTotal.Add(1)
		s.recentBufs.note(false, int64(c.rd.Size()))
	}
}
