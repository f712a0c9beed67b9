package commands

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"numkv/cluster"
)

// How nodes learn of each other without a gossip bus. CLUSTER MEET asks
// the node met for its layout over its ordinary RESP port (with AUTH when
// --requirepass is set: the nodes of one cluster share the password),
// merges it into this node's, and pushes the merged layout to every other
// node with CLUSTER LAYOUT, numkv's own subcommand, which merges it in
// turn. That is what lets redis-cli --cluster create converge: it has each
// node MEET only the first, and the first learns of each newcomer by the
// push.
//
// Merging (mergeLayout): nodes unknown here are added; a slot served here
// by nobody takes the other layout's owner; a slot both layouts give to
// different nodes goes to the node with the higher config epoch, as Redis
// settles such conflicts. A slot changes owner only under its write lock.

const meetTimeout = 5 * time.Second

// peerCall sends one command to the node at addr and returns its reply's
// first line and, for a bulk, its body.
func (s *Server) peerCall(addr string, args ...string) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, meetTimeout)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(meetTimeout))
	rd := bufio.NewReader(nc)
	if pw := s.requirePass(); pw != "" {
		if _, err := nc.Write(encodeArgs("AUTH", pw)); err != nil {
			return "", err
		}
		if line, err := rd.ReadString('\n'); err != nil || line != "+OK\r\n" {
			return "", fmt.Errorf("AUTH: %q %v", strings.TrimSpace(line), err)
		}
	}
	if _, err := nc.Write(encodeArgs(args...)); err != nil {
		return "", err
	}
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	switch line[0] {
	case '-':
		return "", fmt.Errorf("%s", strings.TrimSpace(line[1:]))
	case '$', '=':
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad reply %q", line)
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(rd, b); err != nil {
			return "", err
		}
		body := string(b[:n])
		if line[0] == '=' { // RESP3 verbatim: "txt:" first
			body = body[min(4, len(body)):]
		}
		return body, nil
	}
	return strings.TrimSpace(line), nil
}

func encodeArgs(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, "$"+strconv.Itoa(len(a))+"\r\n"+a+"\r\n"...)
	}
	return b
}

// mergeLayout merges other into cl's layout (holding the slots' write
// locks for the slots whose owner changes) and rewrites the file. It
// reports whether anything changed.
func (s *Server) mergeLayout(cl *clusterState, other *cluster.Layout) (bool, error) {
	cl.mu.RLock()
	var moving []int
	for slot := 0; slot < cluster.Slots; slot++ {
		o := other.Owner(slot)
		if o == nil {
			continue
		}
		m := cl.layout.Owner(slot)
		if m == nil || (m.ID != o.ID && o.Epoch > m.Epoch) {
			moving = append(moving, slot)
		}
	}
	cl.mu.RUnlock()
	changed := false
	var err error
	s.withSlotsLocked(moving, func() {
		cl.mu.Lock()
		defer cl.mu.Unlock()
		for _, n := range other.Nodes {
			if n.ID == cl.myID {
				continue
			}
			if m := cl.layout.Node(n.ID); m != nil {
				if m.Host != n.Host || m.Port != n.Port || m.CPort != n.CPort || m.Epoch < n.Epoch {
					m.Host, m.Port, m.CPort, m.Epoch = n.Host, n.Port, n.CPort, max(m.Epoch, n.Epoch)
					changed = true
				}
				continue
			}
			cp := *n
			cp.Migrating, cp.Importing = nil, nil
			if err = cl.layout.Add(&cp); err != nil {
				return
			}
			changed = true
		}
		for _, slot := range moving {
			o := other.Owner(slot)
			m := cl.layout.Owner(slot)
			if m == nil || (m.ID != o.ID && o.Epoch > m.Epoch) {
				cl.layout.Assign(slot, o.ID)
				changed = true
			}
		}
		if changed {
			err = cl.layout.WriteFile(cl.path, cl.myID)
		}
	})
	return changed, err
}

// pushLayout sends this node's layout to every other node it holds.
func (s *Server) pushLayout(cl *clusterState) []error {
	cl.mu.RLock()
	text := cl.layout.Format("")
	cl.mu.RUnlock()
	return s.pushCommand(cl, "CLUSTER", "LAYOUT", text)
}

// cmdClusterMeet is CLUSTER MEET ip port [cport]: learn the layout of the
// node there, merge, and push the result to every node.
func cmdClusterMeet(s *Server, c *client, cl *clusterState, args [][]byte) {
	if len(args) > 5 {
		c.err(fmt.Sprintf(msgWrongArgs, "cluster|meet"))
		return
	}
	port, err := strconv.Atoi(string(args[3]))
	if err != nil || port < 0 || port > 65535 {
		c.err(fmt.Sprintf(msgInvalidPort, args[3]))
		return
	}
	addr := net.JoinHostPort(string(args[2]), strconv.Itoa(port))
	text, err := s.peerCall(addr, "CLUSTER", "NODES")
	if err != nil {
		c.err(fmt.Sprintf(msgMeetFailed, addr, err))
		return
	}
	other, err := cluster.Parse(addr, text)
	if err != nil {
		c.err(fmt.Sprintf(msgMeetFailed, addr, err))
		return
	}
	if _, err := s.mergeLayout(cl, other); err != nil {
		c.err("ERR " + err.Error())
		return
	}
	for _, err := range s.pushLayout(cl) {
		s.log.warn("CLUSTER MEET: pushing the layout: %v", err)
	}
	c.ok()
}

// cmdClusterLayout is numkv's CLUSTER LAYOUT text: merge a layout another
// node pushed (CLUSTER MEET). It does not push further.
func cmdClusterLayout(s *Server, c *client, cl *clusterState, args [][]byte) {
	other, err := cluster.Parse("CLUSTER LAYOUT", string(args[2]))
	if err != nil {
		c.err("ERR " + err.Error())
		return
	}
	if _, err := s.mergeLayout(cl, other); err != nil {
		c.err("ERR " + err.Error())
		return
	}
	c.ok()
}

// cmdClusterSetConfigEpoch is Redis's CLUSTER SET-CONFIG-EPOCH, which
// redis-cli --cluster create sends each node before MEET.
func cmdClusterSetConfigEpoch(s *Server, c *client, cl *clusterState, args [][]byte) {
	n, ok := intArg(c, args[2])
	if !ok {
		return
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	me := cl.layout.Node(cl.myID)
	switch {
	case n < 0:
		c.err(fmt.Sprintf(msgInvalidEpoch, args[2]))
	case len(cl.layout.Nodes) > 1:
		c.err(msgEpochKnowsOthers)
	case me.Epoch != 0:
		c.err(msgEpochNonZero)
	default:
		me.Epoch = n
		if err := cl.layout.WriteFile(cl.path, cl.myID); err != nil {
			c.err("ERR " + err.Error())
			return
		}
		c.ok()
	}
}
