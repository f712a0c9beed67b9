package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"numkv/cluster"
	"numkv/keytab"
	"numkv/shardlock"
)

// Cluster mode. The node serves the slots the layout (package cluster)
// gives it, and answers a command on any other slot's key with Redis's
// MOVED, so that cluster clients route by themselves. There is no gossip
// bus: the layout file is the same on every node and changes by command.
//
// The redirection is decided twice: in dispatch before the slot locks
// (which settles CROSSSLOT, and refuses a queued command inside MULTI as
// Redis does), and again under the command's slot locks (run, EXEC),
// which is the decision that counts: a slot changes owner only under its
// write lock.
//
// MEET and the pushes between nodes are in cluster_meet.go; SETSLOT, ASK
// and MIGRATE in cluster_migrate.go.

type clusterState struct {
	mu     sync.RWMutex
	layout *cluster.Layout
	myID   string
	path   string
}

// openCluster reads the layout file, or makes a layout of this node alone
// and writes it. This node is the one --cluster-node-id names, else the
// one at the first bind address and the port.
func openCluster(cfg Config) (*clusterState, error) {
	cl := &clusterState{path: filepath.Join(cfg.Dir, cfg.ClusterConfigFile)}
	host := strings.TrimPrefix(strings.Fields(cfg.Bind + " 127.0.0.1")[0], "-")
	text, err := os.ReadFile(cl.path)
	switch {
	case err == nil:
		if cl.layout, err = cluster.Parse(cl.path, string(text)); err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist):
		cl.layout = cluster.New()
	default:
		return nil, err
	}
	cl.myID = cfg.ClusterNodeID
	if cl.myID == "" {
		for _, n := range cl.layout.Nodes {
			if n.Port == cfg.Port && n.Host == host {
				cl.myID = n.ID
			}
		}
	}
	if cl.myID == "" {
		var b [20]byte
		rand.Read(b[:])
		cl.myID = hex.EncodeToString(b[:])
	}
	if cl.layout.Node(cl.myID) == nil {
		n := &cluster.Node{ID: cl.myID, Host: host, Port: cfg.Port, CPort: cfg.Port + 10000, Flags: []string{"master"}, Master: "-"}
		if err := cl.layout.Add(n); err != nil {
			return nil, err
		}
	}
	if err := cl.layout.WriteFile(cl.path, cl.myID); err != nil {
		return nil, fmt.Errorf("writing the cluster layout %s: %w", cl.path, err)
	}
	return cl, nil
}

// redirection returns the error that sends a command elsewhere in cluster
// mode (Redis's getNodeByQuery), or "" when this node serves it: keys in
// more than one slot are CROSSSLOT; with slots unserved the cluster is
// down; a slot another node serves is MOVED to it.
func (s *Server) redirection(c *client, cmd *command, args [][]byte) string {
	if cmd.first == 0 && cmd.keys == nil {
		return ""
	}
	idx := s.keySlots(c, cmd, args, c.idx[:0])
	if len(idx) == 0 {
		return ""
	}
	slot := idx[0] % shardlock.Slots
	for _, i := range idx[1:] {
		if i%shardlock.Slots != slot {
			return msgCrossSlot
		}
	}
	return s.cl.ownerError(slot, c.asking || cmd.fullName == "restore-asking" || cmd.fullName == "cluster|restore-part")
}

// ownerError is the error for a command on slot, "" when this node serves
// it. Called with the slot's lock held, its answer stands until the lock
// is released: the layout changes a slot's owner only under the slot's
// write lock (changeSlots).
//
// A slot this node is importing is served to a client that sent ASKING
// just before (Redis's ASK protocol), and MOVED to its owner otherwise.
func (cl *clusterState) ownerError(slot int, asking bool) string {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	if cl.layout.Covered() < cluster.Slots {
		return msgClusterDown
	}
	if me := cl.layout.Node(cl.myID); asking && me != nil && me.Importing[slot] != "" {
		return ""
	}
	o := cl.layout.Owner(slot)
	if o == nil {
		return msgSlotNotServed
	}
	if o.ID != cl.myID {
		return fmt.Sprintf("MOVED %d %s", slot, o.Addr())
	}
	return ""
}

// lockedRedirection is ownerError for a command whose slot locks are held
// (idx, its shard indexes in database 0): the decision dispatch made before
// the locks, taken again now that no slot can change hands.
func (s *Server) lockedRedirection(c *client, cmd *command, args [][]byte, idx []int) string {
	if len(idx) == 0 {
		return ""
	}
	slot := idx[0] % shardlock.Slots
	if msg := s.cl.ownerError(slot, c.asking || cmd.fullName == "restore-asking" || cmd.fullName == "cluster|restore-part"); msg != "" {
		return msg
	}
	if cmd.fullName == "migrate" {
		return "" // its missing keys are NOKEY, not ASK
	}
	return s.migrationError(c, cmd, args, slot)
}

// verifyClusterData reconciles the layout with the keys just loaded, as
// Redis's verifyClusterConfigWithData: a slot with keys that no node
// serves becomes this node's; one that another node serves is marked as
// importing from it, so that its keys are kept (and saved again), served
// to ASKING clients, and named in the log. A node that restarts between a
// reshard and its next save so loses nothing.
func (s *Server) verifyClusterData() error {
	cl := s.cl
	cl.mu.Lock()
	defer cl.mu.Unlock()
	me := cl.layout.Node(cl.myID)
	changed := false
	for slot := 0; slot < cluster.Slots; slot++ {
		sh := s.tab.Shard(slot) // database 0: cluster mode has no other
		sh.RLock()
		n := sh.Data.t.Len()
		sh.RUnlock()
		o := cl.layout.Owner(slot)
		if n == 0 || o == me || me.Importing[slot] != "" {
			continue
		}
		changed = true
		if o == nil {
			s.log.notice("I have keys for unassigned slot %d. Taking responsibility for it.", slot)
			cl.layout.Assign(slot, cl.myID)
			continue
		}
		s.log.notice("I have keys for slot %d, but the slot is assigned to another node. Setting it to importing state.", slot)
		if me.Importing == nil {
			me.Importing = map[int]string{}
		}
		me.Importing[slot] = o.ID
	}
	if !changed {
		return nil
	}
	return cl.layout.WriteFile(cl.path, cl.myID)
}

func cmdAsking(s *Server, c *client, args [][]byte) {
	if s.cl == nil {
		c.err(msgClusterDisabled)
		return
	}
	c.asking = true
	c.ok()
}

// withSlotsLocked runs fn holding the write locks of the slots (database
// 0), so that no command on them is between its routing decision and its
// end while their owner changes.
func (s *Server) withSlotsLocked(slots []int, fn func()) {
	set := shardlock.NewSet(append([]int(nil), slots...))
	s.tab.Lock(set, true)
	defer s.tab.Unlock(set, true)
	fn()
}

// clusterCmd wraps a CLUSTER subcommand: refused when cluster mode is off,
// as in Redis.
func clusterCmd(h func(s *Server, c *client, cl *clusterState, args [][]byte)) func(s *Server, c *client, args [][]byte) {
	return func(s *Server, c *client, args [][]byte) {
		if s.cl == nil {
			c.err(msgClusterDisabled)
			return
		}
		h(s, c, s.cl, args)
	}
}

func cmdClusterMyid(s *Server, c *client, cl *clusterState, args [][]byte) {
	c.bulkStr(cl.myID)
}

func cmdClusterKeyslot(s *Server, c *client, cl *clusterState, args [][]byte) {
	c.integer(int64(shardlock.HashSlot(args[2])))
}

func cmdClusterNodes(s *Server, c *client, cl *clusterState, args [][]byte) {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	c.verbatim(cl.layout.Format(cl.myID))
}

func cmdClusterInfo(s *Server, c *client, cl *clusterState, args [][]byte) {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	l := cl.layout
	state := "ok"
	if l.Covered() < cluster.Slots {
		state = "fail"
	}
	masters := map[string]bool{}
	var epoch, myEpoch int64
	for _, n := range l.Nodes {
		epoch = max(epoch, n.Epoch)
		if n.ID == cl.myID {
			myEpoch = n.Epoch
		}
	}
	for slot := 0; slot < cluster.Slots; slot++ {
		if o := l.Owner(slot); o != nil {
			masters[o.ID] = true
		}
	}
	var b strings.Builder
	for _, kv := range [][2]string{
		{"cluster_state", state},
		{"cluster_slots_assigned", strconv.Itoa(l.Covered())},
		{"cluster_slots_ok", strconv.Itoa(l.Covered())},
		{"cluster_slots_pfail", "0"},
		{"cluster_slots_fail", "0"},
		{"cluster_known_nodes", strconv.Itoa(len(l.Nodes))},
		{"cluster_size", strconv.Itoa(len(masters))},
		{"cluster_current_epoch", strconv.FormatInt(epoch, 10)},
		{"cluster_my_epoch", strconv.FormatInt(myEpoch, 10)},
		{"cluster_stats_messages_sent", "0"},
		{"cluster_stats_messages_received", "0"},
		{"total_cluster_links_buffer_limit_exceeded", "0"},
	} {
		b.WriteString(kv[0] + ":" + kv[1] + "\r\n")
	}
	c.verbatim(b.String())
}

// cmdClusterSlots answers Redis 7.0's CLUSTER SLOTS: for every run of
// slots a node serves, the run's ends and the node as [ip, port, id, {}].
func cmdClusterSlots(s *Server, c *client, cl *clusterState, args [][]byte) {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	type entry struct {
		r cluster.Range
		n *cluster.Node
	}
	var es []entry
	for slot := 0; slot < cluster.Slots; slot++ {
		o := cl.layout.Owner(slot)
		if o == nil {
			continue
		}
		if k := len(es); k > 0 && es[k-1].n == o && es[k-1].r.End == slot-1 {
			es[k-1].r.End = slot
		} else {
			es = append(es, entry{cluster.Range{Start: slot, End: slot}, o})
		}
	}
	c.array(len(es))
	for _, e := range es {
		c.array(3)
		c.integer(int64(e.r.Start))
		c.integer(int64(e.r.End))
		c.array(4)
		c.bulkStr(e.n.Host)
		c.integer(int64(e.n.Port))
		c.bulkStr(e.n.ID)
		c.mapHeader(0)
	}
}

// slotArg parses a slot as Redis's getSlotOrReply.
func slotArg(c *client, b []byte) (int, bool) {
	n, ok := parseInt64(b)
	if !ok || n < 0 || n >= cluster.Slots {
		c.err(msgInvalidSlot)
		return 0, false
	}
	return int(n), true
}

func cmdClusterCountkeysinslot(s *Server, c *client, cl *clusterState, args [][]byte) {
	n, ok := intArg(c, args[2])
	if !ok {
		return
	}
	if n < 0 || n >= cluster.Slots {
		c.err(msgInvalidSlotShort)
		return
	}
	sh := s.tab.Shard(int(n))
	sh.RLock()
	defer sh.RUnlock()
	c.integer(int64(sh.Data.t.Len()))
}

func cmdClusterGetkeysinslot(s *Server, c *client, cl *clusterState, args [][]byte) {
	n, ok := intArg(c, args[2])
	if !ok {
		return
	}
	max, ok := intArg(c, args[3])
	if !ok {
		return
	}
	if n < 0 || n >= cluster.Slots || max < 0 {
		c.err(msgInvalidSlotOrCount)
		return
	}
	sh := s.tab.Shard(int(n))
	sh.RLock()
	defer sh.RUnlock()
	var keys [][]byte
	sh.Data.t.Each(func(r keytab.Rec) bool {
		if int64(len(keys)) >= max {
			return false
		}
		keys = append(keys, append([]byte(nil), varOf(r).key()...))
		return true
	})
	c.array(len(keys))
	for _, k := range keys {
		c.bulk(k)
	}
}

// changeSlots applies ADDSLOTS, ADDSLOTSRANGE or DELSLOTS for this node,
// checked whole before any change (Redis's errors), and rewrites the
// layout file.
func (s *Server) changeSlots(c *client, cl *clusterState, slots []int, add bool) {
	var ok bool
	s.withSlotsLocked(slots, func() { ok = s.changeSlotsLocked(c, cl, slots, add) })
	if ok && add {
		// Slots taken go to every node this one knows.
		for _, err := range s.pushLayout(cl) {
			s.log.warn("CLUSTER ADDSLOTS: pushing the layout: %v", err)
		}
	}
	if ok && !add {
		// A merge never takes an owner away: the removal itself goes.
		a := []string{"CLUSTER", "PUSHED", "DELSLOTS"}
		for _, x := range slots {
			a = append(a, strconv.Itoa(x))
		}
		for _, err := range s.pushCommand(cl, a...) {
			s.log.warn("CLUSTER DELSLOTS: pushing: %v", err)
		}
	}
}

// slotsOf lists the slots the node with the id serves.
func (cl *clusterState) slotsOf(id string) []int {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	var slots []int
	for _, r := range cl.layout.Ranges(id) {
		for x := r.Start; x <= r.End; x++ {
			slots = append(slots, x)
		}
	}
	return slots
}

// pushCommand sends a command to every other node this one knows.
func (s *Server) pushCommand(cl *clusterState, args ...string) []error {
	cl.mu.RLock()
	var addrs []string
	for _, n := range cl.layout.Nodes {
		if n.ID != cl.myID {
			addrs = append(addrs, n.Addr())
		}
	}
	cl.mu.RUnlock()
	var errs []error
	for _, a := range addrs {
		if _, err := s.peerCall(a, args...); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a, err))
		}
	}
	return errs
}

// cmdClusterPushed applies a DELSLOTS or FORGET another node pushed, in
// this node's layout only, and does not push it on. What is already done
// here is skipped: a push may come twice.
func cmdClusterPushed(s *Server, c *client, cl *clusterState, args [][]byte) {
	switch {
	case equalFold(args[2], "delslots"):
		var slots []int
		for _, a := range args[3:] {
			x, ok := slotArg(c, a)
			if !ok {
				return
			}
			slots = append(slots, x)
		}
		s.withSlotsLocked(slots, func() {
			cl.mu.Lock()
			defer cl.mu.Unlock()
			for _, x := range slots {
				cl.layout.Assign(x, "")
			}
			if err := cl.layout.WriteFile(cl.path, cl.myID); err != nil {
				c.err("ERR " + err.Error())
				return
			}
			c.ok()
		})
	case equalFold(args[2], "forget") && len(args) == 4:
		id := string(args[3])
		if id == cl.myID {
			c.ok() // the node forgotten learns it by being left out
			return
		}
		s.withSlotsLocked(cl.slotsOf(id), func() {
			cl.mu.Lock()
			defer cl.mu.Unlock()
			if cl.layout.Forget(id) {
				if err := cl.layout.WriteFile(cl.path, cl.myID); err != nil {
					c.err("ERR " + err.Error())
					return
				}
			}
			c.ok()
		})
	default:
		c.err(msgSyntax)
	}
}

func (s *Server) changeSlotsLocked(c *client, cl *clusterState, slots []int, add bool) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	seen := map[int]bool{}
	for _, x := range slots {
		o := cl.layout.Owner(x)
		switch {
		case add && o != nil:
			c.err(fmt.Sprintf(msgSlotBusy, x))
			return false
		case !add && o == nil:
			c.err(fmt.Sprintf(msgSlotUnassigned, x))
			return false
		case seen[x]:
			c.err(fmt.Sprintf(msgSlotTwice, x))
			return false
		}
		seen[x] = true
	}
	for _, x := range slots {
		id := ""
		if add {
			id = cl.myID
		}
		cl.layout.Assign(x, id)
	}
	if err := cl.layout.WriteFile(cl.path, cl.myID); err != nil {
		c.err("ERR " + err.Error())
		return false
	}
	c.ok()
	return true
}

func cmdClusterAddslots(s *Server, c *client, cl *clusterState, args [][]byte) {
	if slots, ok := slotList(c, args[2:]); ok {
		s.changeSlots(c, cl, slots, true)
	}
}

func cmdClusterDelslots(s *Server, c *client, cl *clusterState, args [][]byte) {
	if slots, ok := slotList(c, args[2:]); ok {
		s.changeSlots(c, cl, slots, false)
	}
}

func cmdClusterAddslotsrange(s *Server, c *client, cl *clusterState, args [][]byte) {
	if len(args)%2 != 0 {
		c.err(fmt.Sprintf(msgWrongArgs, "cluster|addslotsrange"))
		return
	}
	var slots []int
	for i := 2; i < len(args); i += 2 {
		a, ok := slotArg(c, args[i])
		if !ok {
			return
		}
		b, ok := slotArg(c, args[i+1])
		if !ok {
			return
		}
		if a > b {
			c.err(fmt.Sprintf(msgSlotRangeOrder, a, b))
			return
		}
		for x := a; x <= b; x++ {
			slots = append(slots, x)
		}
	}
	s.changeSlots(c, cl, slots, true)
}

func slotList(c *client, args [][]byte) ([]int, bool) {
	var out []int
	for _, a := range args {
		x, ok := slotArg(c, a)
		if !ok {
			return nil, false
		}
		out = append(out, x)
	}
	return out, true
}

func cmdClusterForget(s *Server, c *client, cl *clusterState, args [][]byte) {
	id := string(args[2])
	slots := cl.slotsOf(id)
	var ok bool
	s.withSlotsLocked(slots, func() { ok = s.forgetLocked(c, cl, id) })
	if ok {
		for _, err := range s.pushCommand(cl, "CLUSTER", "PUSHED", "FORGET", id) {
			s.log.warn("CLUSTER FORGET: pushing: %v", err)
		}
	}
}

func (s *Server) forgetLocked(c *client, cl *clusterState, id string) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	switch {
	case id == cl.myID:
		c.err(msgForgetMyself)
	case !cl.layout.Forget(id):
		c.err(fmt.Sprintf(msgUnknownNode, id))
	default:
		if err := cl.layout.WriteFile(cl.path, cl.myID); err != nil {
			c.err("ERR " + err.Error())
			return false
		}
		c.ok()
		return true
	}
	return false
}

// cmdClusterShards answers Redis 7.0's CLUSTER SHARDS: a shard per node
// that follows none (no replicas here), with its slot runs as a flat list
// of bounds and the node's networking and health.
func cmdClusterShards(s *Server, c *client, cl *clusterState, args [][]byte) {
	cl.mu.RLock()
	defer cl.mu.RUnlock()
	var masters []*cluster.Node
	for _, n := range cl.layout.Nodes {
		if n.Master == "-" {
			masters = append(masters, n)
		}
	}
	c.array(len(masters))
	for _, n := range masters {
		c.mapHeader(2)
		c.bulkStr("slots")
		rs := cl.layout.Ranges(n.ID)
		c.array(2 * len(rs))
		for _, r := range rs {
			c.integer(int64(r.Start))
			c.integer(int64(r.End))
		}
		c.bulkStr("nodes")
		c.array(1)
		c.mapHeader(7)
		c.bulkStr("id")
		c.bulkStr(n.ID)
		c.bulkStr("port")
		c.integer(int64(n.Port))
		c.bulkStr("ip")
		c.bulkStr(n.Host)
		c.bulkStr("endpoint")
		c.bulkStr(n.Host)
		c.bulkStr("role")
		c.bulkStr("master")
		c.bulkStr("replication-offset")
		c.integer(0)
		c.bulkStr("health")
		c.bulkStr("online")
	}
}

// cmdReadonly and cmdReadwrite are accepted in cluster mode: numkv nodes
// have no replicas, so reads are always served by the slot's owner.
func cmdReadonly(s *Server, c *client, args [][]byte) {
	if s.cl == nil {
		c.err(msgClusterDisabled)
		return
	}
	c.ok()
}

// clusterHelp lists numkv's CLUSTER subcommands in the shape of Redis's
// help. numkv's own (LAYOUT, PUSHED, RESTORE-PART) are what nodes send
// each other; they are listed last.
var clusterHelp = []string{
	"ADDSLOTS <slot> [<slot> ...]",
	"    Give the slots to this node, and push the layout to every node.",
	"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    As ADDSLOTS, for ranges of slots.",
	"COUNTKEYSINSLOT <slot>",
	"    Reply how many of this node's keys are in <slot>.",
	"DELSLOTS <slot> [<slot> ...]",
	"    Take the slots from this node, on every node.",
	"FORGET <node-id>",
	"    Remove the node and its slots from the layout, on every node.",
	"GETKEYSINSLOT <slot> <count>",
	"    Reply up to <count> of this node's keys in <slot>.",
	"INFO",
	"    Reply the cluster's state.",
	"KEYSLOT <key>",
	"    Reply the hash slot of <key>.",
	"MEET <ip> <port> [<cport>]",
	"    Learn the layout of the node at <ip>:<port>, merge it, and push the result",
	"    to every node.",
	"MYID",
	"    Reply this node's id.",
	"NODES",
	"    Reply the layout, a line per node in the nodes.conf format.",
	"SET-CONFIG-EPOCH <epoch>",
	"    Set this node's config epoch, while it knows no other node.",
	"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
	"    Mark <slot> importing, migrating or stable, or give it to a node.",
	"SHARDS",
	"    Reply each shard's slot ranges and node.",
	"SLOTS",
	"    Reply the runs of slots and the node serving each.",
	"LAYOUT <nodes.conf text>",
	"    numkv's own: merge a layout another node pushed.",
	"PUSHED DELSLOTS <slot> ... | PUSHED FORGET <node-id>",
	"    numkv's own: apply a change another node pushed, without pushing it on.",
	"RESTORE-PART <key> BEGIN|DATA|END ...",
	"    numkv's own: one part of a variable MIGRATE sends in parts.",
}

func cmdClusterHelp(s *Server, c *client, cl *clusterState, args [][]byte) {
	c.help(args[0], clusterHelp)
}
