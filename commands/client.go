package commands

import (
	"net"
	"sync/atomic"
	"time"

	"numkv/memtree"
	"numkv/resp"
)

// client is one connection's state. Only its own goroutine touches it,
// except the fields CLIENT LIST reads, which are guarded by Server.mu
// where noted.
type client struct {
	// asking: the client sent ASKING, so its next command may use a slot
	// this node is importing (cluster mode). Cleared after that command.
	asking bool
	// staged: a variable arriving in parts (CLUSTER RESTORE-PART).
	staged *stagedRestore
	s      *Server
	id     int64
	nc     net.Conn
	rd     *resp.Reader
	w      resp.Writer    // the pending replies, and the protocol version
	idx    []int          // scratch for lock sets
	memo   keyMemo        // the last key located, hashed once (keyspace.go)
	held   []memtree.Tree // clones whose chunks pending replies reference
	// memUsage is the buffer bytes counted in Server.clientMem, -1 once
	// they are uncounted (killed or gone); client eviction reads it.
	memUsage atomic.Int64
	db       int
	authed   bool

	name, libName, libVer string // guarded by Server.mu for CLIENT LIST
	createdAt, lastCmdAt  time.Time
	errs                  int64
	errMark               int64 // errs when the last command was counted (stats.go)
	clock                 int64 // monoNow when the last command ended in this batch, or 0 (stats.go)
	closeAfterReply       bool
	deadline              bool // a read deadline is set (timeout > 0)
	multi                 *multiState
	watched               []*watchKey // guarded by Server.watch.mu
	dirtyCAS              atomic.Bool // a watched key changed: EXEC will fail
	inExec                bool        // EXEC holds the slot locks: run takes none
	allLocked             bool        // EXEC holds every slot: walkers lock none
	// unlocked is work the handler leaves for after its slot locks are
	// released: it reads only clones taken under the lock (dispatch.go).
	unlocked func()
	reply    replyMode // CLIENT REPLY (dispatch.go's settleReply)
	// noTouch is CLIENT NO-TOUCH; skipAccess says the running command
	// leaves access times alone (evict.go's access).
	// noTouch and noEvict are written under Server.mu (CLIENT LIST reads
	// them); noTouch is read by its own goroutine without it.
	noTouch, skipAccess bool
	noEvict             bool
	// addr and laddr are the peer and local addresses as Redis prints them
	// (ip:port, or the socket's path:0); they never change.
	addr, laddr string
	// lastCmd is the last command looked up, as Redis's c->lastcmd, for
	// CLIENT LIST's cmd= field.
	lastCmd atomic.Pointer[command]
	// killed is set by CLIENT KILL (or client eviction) from another
	// connection, which also closes nc: the connection's goroutine stops
	// before its next command.
	killed    atomic.Bool
	postponed atomic.Bool   // waiting out a CLIENT PAUSE (pause.go)
	killCh    chan struct{} // closed when killed is set, to wake a paused wait
	big       *bigRead      // a large NUM.READ's reply, for c.unlocked (cmd_num.go)
	runBig    func()        // c.big.run, made with it
}

func newClient(s *Server, nc net.Conn, id int64) *client {
	c := &client{s: s, id: id, nc: nc, createdAt: time.Now(), killCh: make(chan struct{})}
	c.lastCmdAt = c.createdAt
	c.addr, c.laddr = peerID(s, nc.RemoteAddr()), peerID(s, nc.LocalAddr())
	c.authed = s.requirePass() == ""
	c.rd = resp.NewReader(nc, &s.live.maxBulk, &s.live.maxQuery, func() bool { return c.authed || s.requirePass() == "" })
	return c
}

// peerID is an address as Redis's getClientPeerId prints it: ip:port,
// [ip6]:port, or the unix socket's path followed by ":0".
func peerID(s *Server, a net.Addr) string {
	if a == nil {
		return ""
	}
	if a.Network() == "unix" {
		return s.cfg.UnixSocket + ":0"
	}
	return a.String()
}

// kill closes c from another connection, as Redis's freeClient: it
// leaves the client list at once and its connection is closed, which ends
// a read in progress; its goroutine runs no further command. The caller
// holds s.mu.
func (s *Server) kill(c *client) {
	if c.killed.Swap(true) {
		return
	}
	close(c.killCh)
	delete(s.clients, c.id)
	c.uncount()
	c.nc.Close()
}

// flush writes the pending replies (Writer.Flush drops a large buffer
// afterwards, so an idle connection does not pin the memory of one big
// reply).
func (c *client) flush() error {
	if l := c.w.Len(); l > 0 {
		c.s.recentBufs.note(true, int64(l))
	}
	n, err := c.w.Flush(c.nc)
	if n > 0 {
		c.s.netOut.Add(n)
		c.s.writesTotal.Add(1)
	}
	c.releaseHeld()
	return err
}

// countBuffers brings the server's count of client buffer memory up to
// date with c's buffers, as they are after a batch.
func (c *client) countBuffers() {
	m := int64(c.rd.Cap() + c.w.Cap())
	for {
		old := c.memUsage.Load()
		if old < 0 || old == m {
			return
		}
		if c.memUsage.CompareAndSwap(old, m) {
			c.s.clientMem.Add(m - old)
			return
		}
	}
}

// uncount takes c's buffers out of Server.clientMem, once.
func (c *client) uncount() {
	if old := c.memUsage.Swap(-1); old > 0 {
		c.s.clientMem.Add(-old)
	}
}

// refMin is the smallest reply written from a tree's own chunks, with
// writev, instead of being copied into the output buffer: 64 KiB, half a
// leaf. Below it the copy costs less than the clone and the writev
// entries; above it the copy, and the buffer a large reply would need,
// are what a GET of a big value spent its time on.
const refMin = 64 << 10

// hold clones t for the replies being written, so that the chunks they
// reference stay as they are whatever writers do to t meanwhile, and
// returns the clone. The slot's lock must be held; flush releases it.
func (c *client) hold(t *memtree.Tree) *memtree.Tree {
	c.held = append(c.held, memtree.Tree{})
	h := &c.held[len(c.held)-1]
	t.CloneTo(h)
	return h
}

// releaseHeld releases the clones held for replies that are written.
func (c *client) releaseHeld() {
	for i := range c.held {
		c.held[i].Release()
	}
	c.held = c.held[:0]
}

// replyMode is what CLIENT REPLY set: replies on, off, or skipped for the
// next command (replySkipNext while the CLIENT REPLY SKIP itself runs).
type replyMode uint8

const (
	replyOn replyMode = iota
	replyOff
	replySkipNext
	replySkip
)
