package commands

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"numkv/cluster"
)

// Moving a slot with its keys, as redis-cli --cluster reshard does it:
// SETSLOT IMPORTING on the target, SETSLOT MIGRATING on the source, MIGRATE
// of the slot's keys from the source (GETKEYSINSLOT), then SETSLOT NODE on
// every node. While the slot migrates, the source serves the keys it still
// has and answers ASK for the others; the target serves the slot to
// clients that sent ASKING (or RESTORE-ASKING). MIGRATE holds the keys'
// slot lock until the target has acknowledged them, so a write to a key
// in flight waits, then finds it gone and is sent to the target.

// migrationError is the under-lock decision for a slot this node serves
// and is migrating (Redis's getNodeByQuery): ASK to the target when none
// of the command's keys is here any more, TRYAGAIN when only some are, ""
// when all are.
func (s *Server) migrationError(c *client, cmd *command, args [][]byte, slot int) string {
	cl := s.cl
	cl.mu.RLock()
	me := cl.layout.Node(cl.myID)
	to := me.Migrating[slot]
	var target *cluster.Node
	if to != "" {
		target = cl.layout.Node(to)
	}
	cl.mu.RUnlock()
	if target == nil {
		return ""
	}
	refs := cmd.keysOf(args) // MIGRATE never comes here: its missing keys are NOKEY
	missing := 0
	for _, r := range refs {
		if s.lookup(c, 0, args[r.pos], false) == nil {
			missing++
		}
	}
	switch {
	case missing == 0:
		return ""
	case missing == len(refs):
		return fmt.Sprintf("ASK %d %s", slot, target.Addr())
	}
	return msgTryAgain
}

func migrateKeys(args [][]byte) [][]byte {
	if len(args[3]) > 0 {
		return [][]byte{args[3]}
	}
	for i := 6; i < len(args); i++ {
		if equalFold(args[i], "keys") {
			return args[i+1:]
		}
	}
	return nil
}

// migrateLockKeys locks MIGRATE's keys: the one key, or those after KEYS.
func migrateLockKeys(s *Server, c *client, args [][]byte, idx []int) []int {
	for _, k := range migrateKeys(args) {
		idx = append(idx, s.tab.Index(c.db, k))
	}
	return idx
}

// cmdClusterSetslot is CLUSTER SETSLOT slot IMPORTING|MIGRATING|STABLE|NODE,
// Redis 7.0's checks and errors. The owner changes under the slot's write
// lock.
func cmdClusterSetslot(s *Server, c *client, cl *clusterState, args [][]byte) {
	slot, ok := slotArg(c, args[2])
	if !ok {
		return
	}
	action := strings.ToLower(string(args[3]))
	if (action == "stable" && len(args) != 4) || (action != "stable" && len(args) != 5) {
		c.err(msgSetslotSyntax)
		return
	}
	s.withSlotsLocked([]int{slot}, func() {
		cl.mu.Lock()
		defer cl.mu.Unlock()
		me := cl.layout.Node(cl.myID)
		owner := cl.layout.Owner(slot)
		var n *cluster.Node
		if len(args) == 5 {
			n = cl.layout.Node(string(args[4]))
		}
		switch action {
		case "migrating", "importing":
			migrating := action == "migrating"
			switch {
			case migrating && owner != me:
				c.err(fmt.Sprintf(msgNotOwner, slot))
				return
			case !migrating && owner == me:
				c.err(fmt.Sprintf(msgAlreadyOwner, slot))
				return
			case n == nil:
				c.err(fmt.Sprintf(msgUnknownNodeSpecified, args[4]))
				return
			}
			m := &me.Importing
			if migrating {
				m = &me.Migrating
			}
			if *m == nil {
				*m = map[int]string{}
			}
			(*m)[slot] = n.ID
		case "stable":
			delete(me.Migrating, slot)
			delete(me.Importing, slot)
		case "node":
			if n == nil {
				c.err(fmt.Sprintf(msgUnknownNode, args[4]))
				return
			}
			keys := s.tab.Shard(slot).Data.t.Len() // held: the slot's write lock
			if owner == me && n != me && keys != 0 {
				c.err(fmt.Sprintf(msgSlotHasKeys, slot))
				return
			}
			if keys == 0 {
				delete(me.Migrating, slot)
			}
			if n == me && me.Importing[slot] != "" {
				delete(me.Importing, slot)
				var top int64
				for _, x := range cl.layout.Nodes {
					top = max(top, x.Epoch)
				}
				me.Epoch = top + 1 // as Redis's clusterBumpConfigEpochWithoutConsensus
			}
			cl.layout.Assign(slot, n.ID)
		default:
			c.err(msgSetslotSyntax)
			return
		}
		if err := cl.layout.WriteFile(cl.path, cl.myID); err != nil {
			c.err("ERR " + err.Error())
			return
		}
		c.ok()
	})
}

// cmdRestoreAsking is RESTORE for a slot being imported (MIGRATE sends it).
func cmdRestoreAsking(s *Server, c *client, args [][]byte) { cmdRestore(s, c, args) }

// cmdMigrate is MIGRATE host port key|"" destination-db timeout [COPY]
// [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...]: the
// keys go to the target as RESTORE-ASKING (RESTORE outside cluster mode)
// of their DUMP payloads, and leave here once it acknowledged them all,
// unless COPY. The keys' slot locks are held meanwhile.
func cmdMigrate(s *Server, c *client, args [][]byte) {
	var copyKeys, replace bool
	var auth []string
	for i := 6; i < len(args); i++ {
		switch {
		case equalFold(args[i], "copy"):
			copyKeys = true
		case equalFold(args[i], "replace"):
			replace = true
		case equalFold(args[i], "auth") && i+1 < len(args):
			auth = []string{"AUTH", string(args[i+1])}
			i++
		case equalFold(args[i], "auth2") && i+2 < len(args):
			auth = []string{"AUTH", string(args[i+1]), string(args[i+2])}
			i += 2
		case equalFold(args[i], "keys"):
			if len(args[3]) != 0 {
				c.err(msgMigrateKeysOption)
				return
			}
			i = len(args)
		default:
			c.err(msgSyntax)
			return
		}
	}
	port, err := strconv.Atoi(string(args[2]))
	if err != nil {
		c.err(msgNotInt)
		return
	}
	db, ok := intArg(c, args[4])
	if !ok {
		return
	}
	timeout, ok := intArg(c, args[5])
	if !ok {
		return
	}
	if timeout <= 0 {
		timeout = 1000
	}
	type item struct {
		key     []byte
		ttl     int64
		v       *variable
		replies int // replies its commands get
	}
	var items []item
	for _, k := range migrateKeys(args) {
		v := s.lookup(c, c.db, k, true)
		if v == nil {
			continue
		}
		ttl := int64(0)
		if v.expireAt != 0 {
			ttl = max(1, v.expireAt-nowMs())
		}
		items = append(items, item{key: k, ttl: ttl, v: v})
	}
	if len(items) == 0 {
		c.simple("NOKEY")
		return
	}
	restore := "RESTORE"
	if s.cl != nil {
		restore = "RESTORE-ASKING"
	}
	d := time.Duration(timeout) * time.Millisecond
	nc, err := net.DialTimeout("tcp", net.JoinHostPort(string(args[1]), strconv.Itoa(port)), d)
	if err != nil {
		c.err(fmt.Sprintf(msgMigrateIO, "connecting to", err))
		return
	}
	defer nc.Close()
	var total int
	for _, it := range items {
		total += it.v.Len()
	}
	nc.SetDeadline(time.Now().Add(d + time.Duration(total>>20)*10*time.Millisecond))
	w := bufio.NewWriterSize(nc, 1<<20)
	n := 1
	if auth != nil {
		writeCommand(w, toBytes(auth)...)
		n++
	}
	writeCommand(w, []byte("SELECT"), []byte(strconv.FormatInt(db, 10)))
	for i := range items {
		it := &items[i]
		if s.cl != nil && it.v.Len() > migratePart {
			// Too large for one bulk: in parts (cluster_stream.go).
			it.replies, err = migrateInParts(w, it.key, it.v, it.ttl, replace)
			if err != nil {
				c.err(fmt.Sprintf(msgMigrateIO, "writing to", err))
				return
			}
			continue
		}
		a := [][]byte{[]byte(restore), it.key, []byte(strconv.FormatInt(it.ttl, 10)), dumpPayload(it.v)}
		if replace {
			a = append(a, []byte("REPLACE"))
		}
		writeCommand(w, a...)
		it.replies = 1
	}
	if err := w.Flush(); err != nil {
		c.err(fmt.Sprintf(msgMigrateIO, "writing to", err))
		return
	}
	rd := bufio.NewReader(nc)
	var firstErr string
	readOne := func() (bool, error) {
		line, err := rd.ReadString('\n')
		if err != nil {
			return false, err
		}
		if strings.HasPrefix(line, "-") {
			if firstErr == "" {
				firstErr = strings.TrimSpace(line[1:])
			}
			return false, nil
		}
		return true, nil
	}
	for i := 0; i < n; i++ {
		if _, err := readOne(); err != nil {
			c.err(fmt.Sprintf(msgMigrateIO, "reading from", err))
			return
		}
	}
	acked := make([]bool, len(items))
	for j, it := range items {
		ok := true
		for r := 0; r < it.replies; r++ {
			good, err := readOne()
			if err != nil {
				c.err(fmt.Sprintf(msgMigrateIO, "reading from", err))
				return
			}
			ok = ok && good
		}
		acked[j] = ok
	}
	if !copyKeys {
		for j, it := range items {
			if acked[j] {
				s.removeKey(c, c.db, it.key)
				s.modified(c.db, it.key, 1)
			}
		}
	}
	if firstErr != "" {
		c.err("ERR Target instance replied with error: " + firstErr)
		return
	}
	c.ok()
}

func toBytes(a []string) [][]byte {
	out := make([][]byte, len(a))
	for i, x := range a {
		out[i] = []byte(x)
	}
	return out
}
