package commands

import (
	"net"
	"sync/atomic"
	"time"

	"numkv/resp"
)

// client is one connection's state. Only its own goroutine touches it,
// except the fields CLIENT LIST reads, which are guarded by Server.mu
// where noted.
type client struct {
	s      *Server
	id     int64
	nc     net.Conn
	rd     *resp.Reader
	w      resp.Writer // the pending replies, and the protocol version
	idx    []int       // scratch for lock sets
	db     int
	authed bool

	name, libName, libVer string // guarded by Server.mu for CLIENT LIST
	createdAt, lastCmdAt  time.Time
	errs                  int64
	closeAfterReply       bool
	deadline              bool // a read deadline is set (timeout > 0)
	multi                 *multiState
	watched               []*watchKey // guarded by Server.watch.mu
	dirtyCAS              atomic.Bool // a watched key changed: EXEC will fail
	inExec                bool        // EXEC holds the slot locks: run takes none
	allLocked             bool        // EXEC holds every slot: walkers lock none
}

func newClient(s *Server, nc net.Conn, id int64) *client {
	c := &client{s: s, id: id, nc: nc, createdAt: time.Now()}
	c.lastCmdAt = c.createdAt
	c.authed = s.requirePass() == ""
	c.rd = resp.NewReader(nc, &s.live.maxBulk, &s.live.maxQuery, func() bool { return c.authed || s.requirePass() == "" })
	return c
}

// flush writes the pending replies (Writer.Flush drops a large buffer
// afterwards, so an idle connection does not pin the memory of one big
// reply).
func (c *client) flush() error {
	n, err := c.w.Flush(c.nc)
	if n > 0 {
		c.s.netOut.Add(n)
	}
	return err
}
