package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"numkv/shardlock"
)

const (
	idA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// clusterNode starts a server in cluster mode as node A of a layout file
// in which A serves slots 0-8191 and B (at 127.0.0.1:7002) the rest.
func clusterNode(t *testing.T, layout string) (*Server, *rconn, string) {
	dir := t.TempDir()
	if layout != "" {
		if err := os.WriteFile(filepath.Join(dir, "nodes.conf"), []byte(layout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, addr := mustNumkv(t, noPersistence, func(c *Config) {
		c.Dir = dir
		c.ClusterEnabled = true
		c.ClusterNodeID = idA
	})
	return s, mustDial(t, addr), dir
}

const twoNodes = idA + " 127.0.0.1:7001@17001 master - 0 0 1 connected 0-8191\n" +
	idB + " 127.0.0.1:7002@17002 master - 0 0 2 connected 8192-16383\n"

// keyIn returns a key whose slot A (mine) or B serves.
func keyIn(mine bool) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("k%d", i)
		if (shardlock.HashSlot([]byte(k)) < 8192) == mine {
			return k
		}
	}
}

func TestClusterCommands(t *testing.T) {
	_, c, dir := clusterNode(t, twoNodes)
	mine, theirs := keyIn(true), keyIn(false)
	slot := shardlock.HashSlot([]byte(theirs))
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"CLUSTER", "MYID"}, "$40\r\n" + idA + "\r\n"},
		{[]string{"CLUSTER", "KEYSLOT", "foo"}, ":12182\r\n"},
		{[]string{"CLUSTER", "KEYSLOT", "{user1000}.following"}, fmt.Sprintf(":%d\r\n", shardlock.HashSlot([]byte("user1000")))},
		{[]string{"SET", mine, "v"}, "+OK\r\n"},
		{[]string{"GET", theirs}, fmt.Sprintf("-MOVED %d 127.0.0.1:7002\r\n", slot)},
		{[]string{"NUM.CREATE", theirs, "f32"}, fmt.Sprintf("-MOVED %d 127.0.0.1:7002\r\n", slot)},
		{[]string{"MSET", mine, "1", theirs, "2"}, "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		{[]string{"MSET", "{" + mine + "}a", "1", "{" + mine + "}b", "2"}, "+OK\r\n"}, // one slot, mine
		{[]string{"MSET", "{x}a", "1", "{x}b", "2"}, "-MOVED 16287 127.0.0.1:7002\r\n"},
		{[]string{"CLUSTER", "COUNTKEYSINSLOT", fmt.Sprint(shardlock.HashSlot([]byte(mine)))}, ":3\r\n"},
		{[]string{"CLUSTER", "COUNTKEYSINSLOT", "16384"}, "-ERR Invalid slot\r\n"},
		{[]string{"CLUSTER", "GETKEYSINSLOT", fmt.Sprint(shardlock.HashSlot([]byte(mine))), "0"}, "*0\r\n"},
		{[]string{"CLUSTER", "GETKEYSINSLOT", "1", "-1"}, "-ERR Invalid slot or number of keys\r\n"},
		{[]string{"CLUSTER", "ADDSLOTS", "1"}, "-ERR Slot 1 is already busy\r\n"},
		{[]string{"CLUSTER", "ADDSLOTS", "x"}, "-ERR Invalid or out of range slot\r\n"},
		{[]string{"CLUSTER", "DELSLOTS", "1", "1"}, "-ERR Slot 1 specified multiple times\r\n"},
		{[]string{"CLUSTER", "DELSLOTS", "0"}, "+OK\r\n"},
		{[]string{"CLUSTER", "DELSLOTS", "0"}, "-ERR Slot 0 is already unassigned\r\n"},
		{[]string{"GET", mine}, "-CLUSTERDOWN The cluster is down\r\n"},
		{[]string{"CLUSTER", "ADDSLOTSRANGE", "0", "0"}, "+OK\r\n"},
		{[]string{"GET", mine}, "$1\r\nv\r\n"},
		{[]string{"SELECT", "1"}, "-ERR SELECT is not allowed in cluster mode\r\n"},
		{[]string{"SELECT", "0"}, "+OK\r\n"},
		{[]string{"CLUSTER", "FORGET", idA}, "-ERR I tried hard but I can't forget myself...\r\n"},
		{[]string{"CLUSTER", "FORGET", "cccccccccccccccccccccccccccccccccccccccc"}, "-ERR Unknown node cccccccccccccccccccccccccccccccccccccccc\r\n"},
		{[]string{"CLUSTER", "SLOTS"}, "*2\r\n*3\r\n:0\r\n:8191\r\n*4\r\n$9\r\n127.0.0.1\r\n:7001\r\n$40\r\n" + idA + "\r\n*0\r\n" +
			"*3\r\n:8192\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:7002\r\n$40\r\n" + idB + "\r\n*0\r\n"},
	} {
		if got := c.do(st.args...); got != st.want {
			t.Errorf("%q: %q, want %q", st.args, got, st.want)
		}
	}
	if got := c.do("CLUSTER", "GETKEYSINSLOT", fmt.Sprint(shardlock.HashSlot([]byte(mine))), "10"); !strings.HasPrefix(got, "*3\r\n") || !strings.Contains(got, mine) {
		t.Errorf("GETKEYSINSLOT: %q", got)
	}
	shards := "*2\r\n" +
		"*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:8191\r\n$5\r\nnodes\r\n*1\r\n*14\r\n$2\r\nid\r\n$40\r\n" + idA + "\r\n$4\r\nport\r\n:7001\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n" +
		"*4\r\n$5\r\nslots\r\n*2\r\n:8192\r\n:16383\r\n$5\r\nnodes\r\n*1\r\n*14\r\n$2\r\nid\r\n$40\r\n" + idB + "\r\n$4\r\nport\r\n:7002\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n"
	if got := c.do("CLUSTER", "SHARDS"); got != shards {
		t.Errorf("CLUSTER SHARDS:\n%q\nwant\n%q", got, shards)
	}
	info := c.do("CLUSTER", "INFO")
	for _, f := range []string{"cluster_state:ok\r\n", "cluster_slots_assigned:16384\r\n", "cluster_known_nodes:2\r\n", "cluster_size:2\r\n"} {
		if !strings.Contains(info, f) {
			t.Errorf("CLUSTER INFO lacks %q:\n%s", f, info)
		}
	}
	nodes := c.do("CLUSTER", "NODES")
	want := idA + " 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-8191\n" +
		idB + " 127.0.0.1:7002@17002 master - 0 0 2 connected 8192-16383\n"
	if !strings.Contains(nodes, want) {
		t.Errorf("CLUSTER NODES: %q", nodes)
	}
	// The changes went to the layout file.
	b, _ := os.ReadFile(filepath.Join(dir, "nodes.conf"))
	if string(b) != want {
		t.Errorf("nodes.conf: %q", b)
	}
	// FORGET B: its slots are served by nobody.
	if got := c.do("CLUSTER", "FORGET", idB); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := c.do("GET", mine); got != "-CLUSTERDOWN The cluster is down\r\n" {
		t.Errorf("GET after FORGET: %q", got)
	}
}

// TestClusterNewNode: a node with no layout file makes one of itself,
// serving nothing.
func TestClusterNewNode(t *testing.T) {
	_, c, dir := clusterNode(t, "")
	if got := c.do("CLUSTER", "INFO"); !strings.Contains(got, "cluster_state:fail\r\n") || !strings.Contains(got, "cluster_known_nodes:1\r\n") {
		t.Errorf("CLUSTER INFO: %q", got)
	}
	if got := c.do("SET", "a", "b"); got != "-CLUSTERDOWN The cluster is down\r\n" {
		t.Errorf("SET: %q", got)
	}
	if got := c.do("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := c.do("SET", "a", "b"); got != "+OK\r\n" {
		t.Errorf("SET: %q", got)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "nodes.conf"))
	if !strings.HasPrefix(string(b), idA+" 127.0.0.1:0@10000 myself,master - 0 0 0 connected 0-16383\n") {
		t.Errorf("nodes.conf: %q", b)
	}
}

// TestClusterBadLayout: a damaged layout file stops start-up, naming the
// file and the line.
func TestClusterBadLayout(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nodes.conf"), []byte(twoNodes+idB+" 1.2.3.4:1@2 master - 0 0 1 connected\n"), 0o644)
	cfg := DefaultConfig()
	cfg.Port, cfg.Dir, cfg.ClusterEnabled, cfg.DBFilename = 0, dir, true, ""
	_, err := NewServer(cfg)
	if err == nil || !strings.Contains(err.Error(), "nodes.conf, line 3") {
		t.Fatalf("NewServer: %v", err)
	}
}

// TestClusterDecidedUnderLock: a transaction queued while its slot was
// this node's, whose slot then leaves, is refused at EXEC, decided under
// the slot locks, and drops the transaction.
func TestClusterDecidedUnderLock(t *testing.T) {
	_, c, _ := clusterNode(t, twoNodes)
	other := mustDial(t, c.nc.RemoteAddr().String())
	mine := keyIn(true)
	slot := fmt.Sprint(shardlock.HashSlot([]byte(mine)))
	if got := c.do("MULTI") + c.do("SET", mine, "x"); got != "+OK\r\n+QUEUED\r\n" {
		t.Fatal(got)
	}
	if got := other.do("CLUSTER", "DELSLOTS", slot); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := c.do("EXEC"); got != "-CLUSTERDOWN The cluster is down\r\n" {
		t.Errorf("EXEC after the slot left: %q", got)
	}
	if got := c.do("GET", mine); got != "-CLUSTERDOWN The cluster is down\r\n" {
		t.Errorf("GET: %q", got)
	}
	if got := other.do("CLUSTER", "ADDSLOTS", slot); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := c.do("EXISTS", mine); got != ":0\r\n" {
		t.Errorf("the dropped transaction wrote: EXISTS %q", got)
	}
}

// TestClusterMigratingSlot: while this node migrates a slot, it serves
// the keys it still has, answers ASK for a key already gone and TRYAGAIN
// for a request whose keys are split; SETSLOT's errors are Redis's.
func TestClusterMigratingSlot(t *testing.T) {
	_, c, _ := clusterNode(t, twoNodes)
	mine := keyIn(true)
	a, b := "{"+mine+"}a", "{"+mine+"}b"
	slot := fmt.Sprint(shardlock.HashSlot([]byte(mine)))
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"SET", a, "1"}, "+OK\r\n"},
		{[]string{"CLUSTER", "SETSLOT", slot, "MIGRATING", "cccccccccccccccccccccccccccccccccccccccc"}, "-ERR I don't know about node cccccccccccccccccccccccccccccccccccccccc\r\n"},
		{[]string{"CLUSTER", "SETSLOT", slot, "IMPORTING", idB}, "-ERR I'm already the owner of hash slot " + slot + "\r\n"},
		{[]string{"CLUSTER", "SETSLOT", "9000", "MIGRATING", idB}, "-ERR I'm not the owner of hash slot 9000\r\n"},
		{[]string{"CLUSTER", "SETSLOT", slot, "BOGUS"}, "-ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP\r\n"},
		{[]string{"CLUSTER", "SETSLOT", slot, "MIGRATING", idB}, "+OK\r\n"},
		{[]string{"GET", a}, "$1\r\n1\r\n"},
		{[]string{"GET", b}, "-ASK " + slot + " 127.0.0.1:7002\r\n"},
		{[]string{"MGET", a, b}, "-TRYAGAIN Multiple keys request during rehashing of slot\r\n"},
		{[]string{"CLUSTER", "SETSLOT", slot, "NODE", idB}, "-ERR Can't assign hashslot " + slot + " to a different node while I still hold keys for this hash slot.\r\n"},
		{[]string{"CLUSTER", "SETSLOT", slot, "STABLE"}, "+OK\r\n"},
		{[]string{"GET", b}, "$-1\r\n"},
		{[]string{"CLUSTER", "SETSLOT", "9000", "IMPORTING", idB}, "+OK\r\n"},
		{[]string{"SET", "{x}a", "1"}, "-MOVED 16287 127.0.0.1:7002\r\n"},
	} {
		if got := c.do(st.args...); got != st.want {
			t.Errorf("%q: %q, want %q", st.args, got, st.want)
		}
	}
	if !strings.Contains(c.do("CLUSTER", "NODES"), "[9000-<-"+idB+"]") {
		t.Error("CLUSTER NODES does not show slot 9000 importing")
	}
	// A key of an importing slot, after ASKING.
	key := ""
	for i := 0; key == ""; i++ {
		if k := fmt.Sprintf("i%d", i); shardlock.HashSlot([]byte(k)) == 9000 {
			key = k
		}
	}
	if got := c.do("ASKING") + c.do("SET", key, "v") + c.do("SET", key, "w"); got != "+OK\r\n+OK\r\n-MOVED 9000 127.0.0.1:7002\r\n" {
		t.Errorf("ASKING, SET, SET on an importing slot: %q", got)
	}
}

// TestClusterHelp: in cluster mode CLUSTER HELP lists every subcommand
// (TestHelpListsSubcommands checks the others' HELP).
func TestClusterHelp(t *testing.T) {
	_, c, _ := clusterNode(t, twoNodes)
	checkHelp(t, lookupCommand([]byte("cluster")), c.do("CLUSTER", "HELP"))
}
