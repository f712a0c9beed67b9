// Package cluster holds a numkv cluster's layout: which node serves which
// of Redis Cluster's 16384 hash slots, and where each node listens. There
// is no gossip bus: the layout changes only by command (CLUSTER ADDSLOTS,
// MEET, SETSLOT ...), and every node keeps the same one.
//
// # The layout file
//
// The layout is kept in the line format of CLUSTER NODES, one node a line,
// as Redis's nodes.conf is:
//
//		<id> <ip>:<port>@<cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...
//
//	  - id: 40 lowercase hex characters;
//	  - flags: comma-separated, of myself, master, slave, fail?, fail,
//	    handshake, noaddr, nofailover, noflags; "myself" is written on the
//	    line of the node that wrote the file, and ignored when read (the
//	    reader decides which node it is);
//	  - master: the id of the node a replica follows, or "-";
//	  - ping and pong: written as 0, ignored when read;
//	  - epoch: the node's config epoch, a decimal integer;
//	  - link: "connected" or "disconnected", ignored when read;
//	  - slots: "N" or "A-B" (inclusive), and on the writer's own line
//	    "[N->-<id>]" (migrating to id) or "[N-<-<id>]" (importing from id).
//
// Blank lines and lines starting with "#" are skipped, and so is Redis's
// closing "vars currentEpoch ..." line. A file that names one slot twice,
// or has a malformed line, is refused with the line's number.
package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Slots is the number of hash slots, Redis Cluster's.
const Slots = 16384

// Node is one node of the layout.
type Node struct {
	ID     string
	Host   string
	Port   int
	CPort  int
	Flags  []string // without "myself"
	Master string   // "-" for a master
	Epoch  int64
	// Migrating and Importing map a slot to the node it is moving to or
	// from; only the node's own entry carries them.
	Migrating map[int]string
	Importing map[int]string
}

// Addr is the node's "host:port".
func (n *Node) Addr() string { return n.Host + ":" + strconv.Itoa(n.Port) }

// Layout is the whole cluster: its nodes, and the owner of every slot.
type Layout struct {
	Nodes   []*Node
	owner   [Slots]int16 // index into Nodes, -1 when no node serves the slot
	covered int          // slots some node serves: every command asks
}

// New returns an empty layout.
func New() *Layout {
	l := &Layout{}
	for i := range l.owner {
		l.owner[i] = -1
	}
	return l
}

// Node returns the node with the id, or nil.
func (l *Layout) Node(id string) *Node {
	for _, n := range l.Nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// Owner returns the node serving slot, or nil.
func (l *Layout) Owner(slot int) *Node {
	if i := l.owner[slot]; i >= 0 {
		return l.Nodes[i]
	}
	return nil
}

// Add adds node n, which must have an id not in the layout.
func (l *Layout) Add(n *Node) error {
	if !ValidID(n.ID) {
		return fmt.Errorf("invalid node id %q", n.ID)
	}
	if l.Node(n.ID) != nil {
		return fmt.Errorf("node %s is already in the layout", n.ID)
	}
	if len(l.Nodes) >= 1<<15-1 {
		return fmt.Errorf("too many nodes")
	}
	l.Nodes = append(l.Nodes, n)
	return nil
}

// Assign gives slot to the node with the id, or to none when id is "".
func (l *Layout) Assign(slot int, id string) error {
	if slot < 0 || slot >= Slots {
		return fmt.Errorf("slot %d out of range", slot)
	}
	if id == "" {
		if l.owner[slot] >= 0 {
			l.covered--
		}
		l.owner[slot] = -1
		return nil
	}
	for i, n := range l.Nodes {
		if n.ID == id {
			if l.owner[slot] < 0 {
				l.covered++
			}
			l.owner[slot] = int16(i)
			return nil
		}
	}
	return fmt.Errorf("unknown node %s", id)
}

// Forget removes the node with the id and unassigns its slots.
func (l *Layout) Forget(id string) bool {
	i := slices.IndexFunc(l.Nodes, func(n *Node) bool { return n.ID == id })
	if i < 0 {
		return false
	}
	l.Nodes = slices.Delete(l.Nodes, i, i+1)
	for s := range l.owner {
		switch o := l.owner[s]; {
		case o == int16(i):
			l.owner[s] = -1
			l.covered--
		case o > int16(i):
			l.owner[s]--
		}
	}
	return true
}

// Range is a run of slots, Start to End inclusive.
type Range struct{ Start, End int }

// Ranges returns the runs of slots the node with the id serves, in order.
func (l *Layout) Ranges(id string) []Range {
	var out []Range
	for s := 0; s < Slots; s++ {
		o := l.Owner(s)
		if o == nil || o.ID != id {
			continue
		}
		if k := len(out); k > 0 && out[k-1].End == s-1 {
			out[k-1].End = s
		} else {
			out = append(out, Range{s, s})
		}
	}
	return out
}

// Covered counts the slots some node serves.
func (l *Layout) Covered() int { return l.covered }

// ValidID says whether id is a node id: 40 lowercase hex characters.
func ValidID(id string) bool {
	if len(id) != 40 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Format returns the layout in CLUSTER NODES form, "myself" on the line of
// the node with id my, each line ending in "\n".
func (l *Layout) Format(my string) string {
	var b strings.Builder
	for _, n := range l.Nodes {
		flags := n.Flags
		if n.ID == my {
			flags = append([]string{"myself"}, flags...)
		}
		if len(flags) == 0 {
			flags = []string{"noflags"}
		}
		fmt.Fprintf(&b, "%s %s:%d@%d %s %s 0 0 %d connected", n.ID, n.Host, n.Port, n.CPort,
			strings.Join(flags, ","), n.Master, n.Epoch)
		for _, r := range l.Ranges(n.ID) {
			if r.Start == r.End {
				fmt.Fprintf(&b, " %d", r.Start)
			} else {
				fmt.Fprintf(&b, " %d-%d", r.Start, r.End)
			}
		}
		if n.ID == my {
			for _, s := range sortedKeys(n.Migrating) {
				fmt.Fprintf(&b, " [%d->-%s]", s, n.Migrating[s])
			}
			for _, s := range sortedKeys(n.Importing) {
				fmt.Fprintf(&b, " [%d-<-%s]", s, n.Importing[s])
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func sortedKeys(m map[int]string) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Parse reads a layout in the file's format. name names it in errors.
func Parse(name, text string) (*Layout, error) {
	l := New()
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || strings.HasPrefix(line, "vars ") {
			continue
		}
		if err := l.parseLine(line); err != nil {
			return nil, fmt.Errorf("%s, line %d: %v: %q", name, i+1, err, line)
		}
	}
	return l, nil
}

func (l *Layout) parseLine(line string) error {
	f := strings.Fields(line)
	if len(f) < 8 {
		return fmt.Errorf("want at least 8 fields, found %d", len(f))
	}
	n := &Node{ID: f[0], Master: f[3]}
	addr, _, _ := strings.Cut(f[1], ",") // a hostname may follow
	hostPort, cport, ok := strings.Cut(addr, "@")
	if !ok {
		return fmt.Errorf("address %q lacks @cport", f[1])
	}
	i := strings.LastIndexByte(hostPort, ':')
	if i < 0 {
		return fmt.Errorf("address %q lacks a port", f[1])
	}
	n.Host = hostPort[:i]
	var err error
	if n.Port, err = port(hostPort[i+1:]); err != nil {
		return err
	}
	if n.CPort, err = port(cport); err != nil {
		return err
	}
	for _, fl := range strings.Split(f[2], ",") {
		switch fl {
		case "myself", "noflags":
		case "master", "slave", "fail?", "fail", "handshake", "noaddr", "nofailover":
			n.Flags = append(n.Flags, fl)
		default:
			return fmt.Errorf("unknown flag %q", fl)
		}
	}
	if n.Master != "-" && !ValidID(n.Master) {
		return fmt.Errorf("invalid master %q", n.Master)
	}
	if n.Epoch, err = strconv.ParseInt(f[6], 10, 64); err != nil || n.Epoch < 0 {
		return fmt.Errorf("invalid epoch %q", f[6])
	}
	if err := l.Add(n); err != nil {
		return err
	}
	for _, s := range f[8:] {
		if strings.HasPrefix(s, "[") {
			if err := n.parseMoving(s); err != nil {
				return err
			}
			continue
		}
		a, b, isRange := strings.Cut(s, "-")
		lo, err := slot(a)
		if err != nil {
			return err
		}
		hi := lo
		if isRange {
			if hi, err = slot(b); err != nil {
				return err
			}
			if hi < lo {
				return fmt.Errorf("empty slot range %q", s)
			}
		}
		for x := lo; x <= hi; x++ {
			if o := l.Owner(x); o != nil {
				return fmt.Errorf("slot %d is also served by %s", x, o.ID)
			}
			l.Assign(x, n.ID)
		}
	}
	return nil
}

// parseMoving reads "[N->-id]" or "[N-<-id]".
func (n *Node) parseMoving(s string) error {
	body, ok := strings.CutSuffix(strings.TrimPrefix(s, "["), "]")
	if !ok {
		return fmt.Errorf("malformed slot state %q", s)
	}
	var m *map[int]string
	a, id, ok := strings.Cut(body, "->-")
	if ok {
		m = &n.Migrating
	} else if a, id, ok = strings.Cut(body, "-<-"); ok {
		m = &n.Importing
	} else {
		return fmt.Errorf("malformed slot state %q", s)
	}
	x, err := slot(a)
	if err != nil {
		return err
	}
	if !ValidID(id) {
		return fmt.Errorf("invalid node id in %q", s)
	}
	if *m == nil {
		*m = map[int]string{}
	}
	(*m)[x] = id
	return nil
}

func port(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return p, nil
}

func slot(s string) (int, error) {
	x, err := strconv.Atoi(s)
	if err != nil || x < 0 || x >= Slots || strconv.Itoa(x) != s {
		return 0, fmt.Errorf("invalid slot %q", s)
	}
	return x, nil
}

// WriteFile replaces path with the layout atomically: a crash leaves the
// old file or the new one, whole. The layout is written as node my sees
// it.
func (l *Layout) WriteFile(path, my string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".nodes-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.WriteString(l.Format(my))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		return err
	}
	return nil
}
