package tests

// Cluster mode with the real binary: three numkv nodes on loopback, the
// slots split three ways in one layout file, driven by the tools Redis
// users bring: redis-cli --cluster check, redis-cli -c, go-redis's
// ClusterClient and redis-py's RedisCluster.

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

var clusterIDs = [3]string{
	"1111111111111111111111111111111111111111",
	"2222222222222222222222222222222222222222",
	"3333333333333333333333333333333333333333",
}

var clusterRanges = [3]string{"0-5460", "5461-10922", "10923-16383"}

// startCluster starts three nodes sharing one layout.
func startCluster(t *testing.T) [3]*proc {
	var ports [3]int
	for i := range ports {
		ports[i] = freePort(t)
	}
	var layout strings.Builder
	for i := range ports {
		fmt.Fprintf(&layout, "%s 127.0.0.1:%d@%d master - 0 0 %d connected %s\n", clusterIDs[i], ports[i], ports[i]+10000, i+1, clusterRanges[i])
	}
	var nodes [3]*proc
	for i := range nodes {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "nodes.conf"), []byte(layout.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		// The last --port wins: the one the layout names.
		p := launch(t, binPath, dir, "--save", "", "--cluster-enabled", "yes", "--port", strconv.Itoa(ports[i]))
		p.port = ports[i]
		nodes[i] = mustReady(t, p)
	}
	return nodes
}

func TestClusterThreeNodes(t *testing.T) {
	nodes := startCluster(t)

	// redis-cli --cluster check: every slot covered, the nodes agree.
	out, err := exec.Command("redis-cli", "--cluster", "check", nodes[1].addr()).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[OK] All 16384 slots covered.") || !strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") {
		t.Fatalf("redis-cli --cluster check: %v\n%s", err, out)
	}

	// go-redis's ClusterClient: strings and arrays on keys of every node.
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{nodes[0].addr()}})
	defer cc.Close()
	const n = 50000
	for base := 0; base < n; base += 1000 {
		pipe := cc.Pipeline()
		for i := base; i < base+1000; i++ {
			pipe.Set(ctx, fmt.Sprintf("key:%d", i), i, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("SETs from %d: %v", base, err)
		}
	}
	for i := 0; i < 300; i++ {
		k := fmt.Sprintf("arr:%d", i)
		if err := cc.Do(ctx, "NUM.CREATE", k, "i32").Err(); err != nil {
			t.Fatalf("NUM.CREATE %s: %v", k, err)
		}
		if err := cc.Do(ctx, "NUM.APPEND", k, "VALUES", i, i+1, i+2).Err(); err != nil {
			t.Fatalf("NUM.APPEND %s: %v", k, err)
		}
	}
	for i := 0; i < n; i += 97 {
		if v, err := cc.Get(ctx, fmt.Sprintf("key:%d", i)).Int(); err != nil || v != i {
			t.Fatalf("GET key:%d: %v, %v", i, v, err)
		}
	}
	for i := 0; i < 300; i += 7 {
		got, err := cc.Do(ctx, "NUM.READ", fmt.Sprintf("arr:%d", i), "1:2").Text()
		want := string([]byte{byte(i + 1), byte((i + 1) >> 8), 0, 0}) // i32, little-endian
		if err != nil || got != want {
			t.Fatalf("NUM.READ arr:%d 1:2: %q, %v", i, got, err)
		}
	}
	// Every key is on the node that serves its slot, and only there.
	total := int64(0)
	for i, p := range nodes {
		rdb := newClient(p, 0, 2)
		size := rdb.DBSize(ctx).Val()
		total += size
		lo, hi, _ := strings.Cut(clusterRanges[i], "-")
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		keys, _ := rdb.Keys(ctx, "*").Result()
		for _, k := range keys {
			if s := int(redisKeySlot(k)); s < a || s > b {
				t.Errorf("node %d holds %s, of slot %d", i, k, s)
			}
		}
		rdb.Close()
	}
	if total != n+300 {
		t.Errorf("%d keys in the three nodes, want %d", total, n+300)
	}

	// redis-py's RedisCluster (Debian's python3-redis) runs NUM.* on keys
	// of every node.
	if out, err := exec.Command("/usr/bin/python3", "cluster_redis_py.py", nodes[2].addr()).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "ok ") {
		t.Fatalf("redis-py's RedisCluster: %v\n%s", err, out)
	}

	// redis-cli -c follows MOVED from any node.
	for _, p := range nodes {
		out, err := exec.Command("redis-cli", "-c", "-p", strconv.Itoa(p.port), "GET", "key:12345").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "12345" {
			t.Fatalf("redis-cli -c GET from %s: %q, %v", p.addr(), out, err)
		}
	}
	// Without -c the node answers MOVED.
	moved := 0
	for _, p := range nodes {
		out, _ := exec.Command("redis-cli", "-p", strconv.Itoa(p.port), "GET", "key:12345").CombinedOutput()
		if strings.HasPrefix(string(out), "MOVED ") {
			moved++
		}
	}
	if moved != 2 {
		t.Errorf("%d nodes answered MOVED for one key, want 2", moved)
	}
}

// redisKeySlot is CRC16 of the key (or of its {hash tag}) mod 16384.
func redisKeySlot(key string) uint16 {
	if s := strings.IndexByte(key, '{'); s >= 0 {
		if e := strings.IndexByte(key[s+1:], '}'); e > 0 {
			key = key[s+1 : s+1+e]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for j := 0; j < 8; j++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

// TestClusterLoadForeignSlots restarts a node in cluster mode on a
// snapshot that holds keys of a slot another node serves and of a slot
// no node serves, as after a reshard the node had not saved since: every
// key is kept; the first slot is marked importing from its owner (MOVED
// without ASKING, served with it), the second becomes this node's, and the
// log names both.
func TestClusterLoadForeignSlots(t *testing.T) {
	dir := t.TempDir()
	p := mustStart(t, dir, "--save", "")
	rdb := newClient(p, 0, 2)
	var foreign, unassigned string
	for i := 0; foreign == "" || unassigned == ""; i++ {
		k := fmt.Sprintf("k%d", i)
		switch s := redisKeySlot(k); {
		case s >= 8192 && foreign == "":
			foreign = k
		case s < 8192 && unassigned == "" && i > 0:
			unassigned = k
		}
	}
	for i := 0; i < 100; i++ {
		mustDo(t, rdb, "SET", fmt.Sprintf("k%d", i), i)
	}
	rdb.Close()
	shutdownByCommand(t, p, "SAVE")
	waitFor(t, "the first server to exit", func() bool { return !p.running() })

	port := freePort(t)
	su := int(redisKeySlot(unassigned))
	var mine []string
	if su > 0 {
		mine = append(mine, fmt.Sprintf("0-%d", su-1))
	}
	if su < 8191 {
		mine = append(mine, fmt.Sprintf("%d-8191", su+1))
	}
	layout := fmt.Sprintf("%s 127.0.0.1:%d@%d master - 0 0 1 connected %s\n%s 127.0.0.1:1@10001 master - 0 0 2 connected 8192-16383\n",
		clusterIDs[0], port, port+10000, strings.Join(mine, " "), clusterIDs[1])
	os.WriteFile(filepath.Join(dir, "nodes.conf"), []byte(layout), 0o644)
	q := launch(t, binPath, dir, "--save", "", "--cluster-enabled", "yes", "--port", strconv.Itoa(port))
	q.port = port
	mustReady(t, q)
	waitFor(t, "the snapshot to load", func() bool {
		out, _ := exec.Command("redis-cli", "-p", strconv.Itoa(port), "DBSIZE").Output()
		return strings.TrimSpace(string(out)) == "100"
	})
	cli := func(args ...string) string {
		out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	fs := redisKeySlot(foreign)
	nodes := cli("CLUSTER", "NODES")
	if !strings.Contains(nodes, fmt.Sprintf("[%d-<-%s]", fs, clusterIDs[1])) {
		t.Errorf("CLUSTER NODES does not show slot %d importing:\n%s", fs, nodes)
	}
	if got := cli("CLUSTER", "INFO"); !strings.Contains(got, "cluster_state:ok") {
		t.Errorf("the unassigned slot %d was not taken: %s", su, got)
	}
	if got := cli("GET", unassigned); got != strings.TrimPrefix(unassigned, "k") {
		t.Errorf("GET %s: %q", unassigned, got)
	}
	if got := cli("GET", foreign); !strings.HasPrefix(got, fmt.Sprintf("MOVED %d ", fs)) {
		t.Errorf("GET %s without ASKING: %q", foreign, got)
	}
	// ASKING and the GET on one connection.
	c, err := net.Dial("tcp", q.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "ASKING\r\nGET %s\r\nGET %s\r\n", foreign, foreign)
	rd := bufio.NewReader(c)
	var lines []string
	for len(lines) < 4 {
		l, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSpace(l))
		if strings.HasPrefix(l, "-") && len(lines) == 3 {
			break
		}
	}
	want := []string{"+OK", "$" + strconv.Itoa(len(strings.TrimPrefix(foreign, "k"))), strings.TrimPrefix(foreign, "k")}
	if strings.Join(lines[:3], " ") != strings.Join(want, " ") || !strings.HasPrefix(lines[3], "-MOVED") {
		t.Errorf("ASKING, GET, GET: %q (the second GET must be MOVED again)", lines)
	}
	q.kill()
	waitFor(t, "the node to exit", func() bool { return !q.running() })
	log := q.log.String()
	for _, w := range []string{
		fmt.Sprintf("I have keys for slot %d, but the slot is assigned to another node. Setting it to importing state.", fs),
		fmt.Sprintf("I have keys for unassigned slot %d. Taking responsibility for it.", su),
	} {
		if !strings.Contains(log, w) {
			t.Errorf("the log lacks %q", w)
		}
	}
}

// TestClusterCreate: redis-cli --cluster create on three fresh nodes
// yields a working cluster, with no gossip bus: each node MEETs the first,
// which learns of it by the push, and pushes the merged layout on.
func TestClusterCreate(t *testing.T) {
	var nodes [3]*proc
	var addrs []string
	for i := range nodes {
		port := freePort(t)
		p := launch(t, binPath, t.TempDir(), "--save", "", "--cluster-enabled", "yes", "--port", strconv.Itoa(port))
		p.port = port
		nodes[i] = mustReady(t, p)
		addrs = append(addrs, p.addr())
	}
	out, err := exec.Command("redis-cli", append([]string{"--cluster", "create"}, append(addrs, "--cluster-yes")...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[OK] All 16384 slots covered.") {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	t.Logf("redis-cli --cluster create:\n%s", out)
	out, err = exec.Command("redis-cli", "--cluster", "check", addrs[2]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") {
		t.Fatalf("redis-cli --cluster check: %v\n%s", err, out)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addrs[1]}})
	defer cc.Close()
	for i := 0; i < 1000; i++ {
		if err := cc.Set(ctx, fmt.Sprintf("c:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}
	for i := 0; i < 1000; i += 13 {
		if v, err := cc.Get(ctx, fmt.Sprintf("c:%d", i)).Int(); err != nil || v != i {
			t.Fatalf("GET c:%d: %v %v", i, v, err)
		}
	}
}

// TestClusterReshard: redis-cli --cluster reshard moves 1,000 slots from
// one node to another while a ClusterClient keeps writing and reading back
// what it wrote; every acknowledged write is there at the end, on the node
// that now serves its slot.
func TestClusterReshard(t *testing.T) {
	nodes := startCluster(t)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{nodes[0].addr()}, MaxRedirects: 16})
	defer cc.Close()
	for i := 0; i < 20000; i++ {
		if err := cc.Set(ctx, fmt.Sprintf("r:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET r:%d: %v", i, err)
		}
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	var written atomic.Int64 // keys w:0 .. w:written-1 are acknowledged
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			k := fmt.Sprintf("w:%d", i)
			if err := cc.Set(ctx, k, i, 0).Err(); err != nil {
				done <- fmt.Errorf("SET %s: %w", k, err)
				return
			}
			written.Store(int64(i + 1))
			j := i / 2
			if v, err := cc.Get(ctx, fmt.Sprintf("w:%d", j)).Int(); err != nil || v != j {
				done <- fmt.Errorf("GET w:%d during the reshard: %v, %v", j, v, err)
				return
			}
		}
	}()
	out, err := exec.Command("redis-cli", "--cluster", "reshard", nodes[0].addr(), "--cluster-from", clusterIDs[0],
		"--cluster-to", clusterIDs[1], "--cluster-slots", "1000", "--cluster-yes").CombinedOutput()
	close(stop)
	if werr := <-done; werr != nil {
		t.Errorf("the writer: %v", werr)
	}
	if err != nil {
		t.Fatalf("redis-cli --cluster reshard: %v\n%s", err, tail(string(out), 2000))
	}
	out, err = exec.Command("redis-cli", "--cluster", "check", nodes[2].addr()).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[OK] All 16384 slots covered.") || !strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") {
		t.Fatalf("redis-cli --cluster check after the reshard: %v\n%s", err, out)
	}
	n := int(written.Load())
	t.Logf("%d writes during the reshard", n)
	for i := 0; i < 20000; i++ {
		if v, err := cc.Get(ctx, fmt.Sprintf("r:%d", i)).Int(); err != nil || v != i {
			t.Fatalf("GET r:%d after the reshard: %v, %v", i, v, err)
		}
	}
	for i := 0; i < n; i++ {
		if v, err := cc.Get(ctx, fmt.Sprintf("w:%d", i)).Int(); err != nil || v != i {
			t.Fatalf("GET w:%d after the reshard: %v, %v", i, v, err)
		}
	}
	// The first node gave 1,000 slots to the second.
	r0 := newClient(nodes[0], 0, 2)
	defer r0.Close()
	shards := 0
	for _, s := range r0.ClusterSlots(ctx).Val() {
		if s.Nodes[0].ID == clusterIDs[1] {
			shards += s.End - s.Start + 1
		}
	}
	if shards != 5462+1000 {
		t.Errorf("the second node serves %d slots, want %d", shards, 5462+1000)
	}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }

// TestClusterMigrateLarge moves a 1 GiB variable between nodes with
// MIGRATE: it travels in 64 MiB parts (no bulk over proto-max-bulk-len,
// no payload whole in memory) and arrives whole, checked by its CRC and
// read back here.
func TestClusterMigrateLarge(t *testing.T) {
	nodes := startCluster(t)
	r0, r1 := newClient(nodes[0], 0, 2), newClient(nodes[1], 0, 2)
	defer r0.Close()
	defer r1.Close()
	key := "big" // a key of node 0's slots
	for i := 0; redisKeySlot(key) > 5460; i++ {
		key = fmt.Sprintf("big%d", i)
	}
	part := randBytes(11, 256<<20)
	mustDo(t, r0, "NUM.CREATE", key, "f32")
	for i := 0; i < 4; i++ {
		mustDo(t, r0, "NUM.APPEND", key, part)
	}
	slot := strconv.Itoa(int(redisKeySlot(key)))
	mustDo(t, r1, "CLUSTER", "SETSLOT", slot, "IMPORTING", clusterIDs[0])
	mustDo(t, r0, "CLUSTER", "SETSLOT", slot, "MIGRATING", clusterIDs[1])
	migrated := make(chan error, 1)
	go func() {
		migrated <- r0.Do(ctx, "MIGRATE", "127.0.0.1", strconv.Itoa(nodes[1].port), "", "0", "120000", "KEYS", key).Err()
	}()
	// A write to the key while it is in flight waits for the target's
	// acknowledgement, then finds the key gone and is sent there (ASK): it
	// is never applied to a copy that is about to be deleted.
	admin := newClient(nodes[0], 0, 2)
	defer admin.Close()
	waitFor(t, "MIGRATE to start", func() bool {
		return strings.Contains(admin.ClientList(ctx).Val(), "cmd=migrate")
	})
	writer := newClient(nodes[0], 0, 2)
	defer writer.Close()
	werr := writer.Do(ctx, "NUM.APPEND", key, "VALUES", "1").Err()
	if err := <-migrated; err != nil {
		t.Fatalf("MIGRATE: %v", err)
	}
	if werr == nil || !strings.HasPrefix(werr.Error(), "ASK "+slotOf(key)+" ") {
		t.Fatalf("a write during the migration: %v, want ASK", werr)
	}
	for _, p := range nodes {
		rdb := newClient(p, 0, 2)
		mustDo(t, rdb, "CLUSTER", "SETSLOT", slot, "NODE", clusterIDs[1])
		rdb.Close()
	}
	if n := mustDo(t, r0, "CLUSTER", "COUNTKEYSINSLOT", slot); n != int64(0) {
		t.Fatalf("the key is still on the source: COUNTKEYSINSLOT %v", n)
	}
	info := fmt.Sprint(mustDo(t, r1, "NUM.INFO", key))
	if !strings.Contains(info, strconv.Itoa(1<<28)) { // 2^28 f32 elements
		t.Fatalf("NUM.INFO on the target: %s", info)
	}
	quarter := 1 << 26 // elements in a part
	for i := 0; i < 4; i++ {
		got, err := r1.Do(ctx, "NUM.READ", key, fmt.Sprintf("%d:%d", i*quarter, (i+1)*quarter)).Text()
		if err != nil || got != string(part) {
			t.Fatalf("part %d of the migrated variable differs (%d bytes, %v)", i, len(got), err)
		}
	}
}

// TestClusterPushes: DELSLOTS, ADDSLOTS and FORGET sent to one node reach
// every node.
func TestClusterPushes(t *testing.T) {
	nodes := startCluster(t)
	infoOn := func(p *proc, field string) string {
		rdb := newClient(p, 0, 2)
		defer rdb.Close()
		s := rdb.ClusterInfo(ctx).Val()
		for _, l := range strings.Split(s, "\r\n") {
			if v, ok := strings.CutPrefix(l, field+":"); ok {
				return v
			}
		}
		return ""
	}
	r0 := newClient(nodes[0], 0, 2)
	defer r0.Close()
	mustDo(t, r0, "CLUSTER", "DELSLOTS", "100", "101")
	for i, p := range nodes {
		if got := infoOn(p, "cluster_slots_assigned"); got != "16382" {
			t.Errorf("node %d after DELSLOTS on node 0: %s slots assigned", i, got)
		}
	}
	mustDo(t, r0, "CLUSTER", "ADDSLOTS", "100", "101")
	for i, p := range nodes {
		if got := infoOn(p, "cluster_slots_assigned"); got != "16384" {
			t.Errorf("node %d after ADDSLOTS on node 0: %s slots assigned", i, got)
		}
	}
	mustDo(t, r0, "CLUSTER", "FORGET", clusterIDs[2])
	for i, p := range nodes[:2] {
		if got := infoOn(p, "cluster_known_nodes"); got != "2" {
			t.Errorf("node %d after FORGET on node 0: knows %s nodes", i, got)
		}
	}
}

// TestClusterCreateWithPassword: with --requirepass on every node, MEET
// and its pushes authenticate, and redis-cli --cluster create converges.
func TestClusterCreateWithPassword(t *testing.T) {
	var addrs []string
	for i := 0; i < 3; i++ {
		port := freePort(t)
		p := launch(t, binPath, t.TempDir(), "--save", "", "--cluster-enabled", "yes", "--requirepass", "s3cret", "--port", strconv.Itoa(port))
		p.port = port
		waitFor(t, "the node to listen", func() bool {
			c, err := net.Dial("tcp", p.addr())
			if err == nil {
				c.Close()
			}
			return err == nil
		})
		addrs = append(addrs, p.addr())
	}
	out, err := exec.Command("redis-cli", append([]string{"-a", "s3cret", "--no-auth-warning", "--cluster", "create"}, append(addrs, "--cluster-yes")...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[OK] All 16384 slots covered.") || !strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") {
		t.Fatalf("redis-cli --cluster create with a password: %v\n%s", err, out)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addrs[2]}, Password: "s3cret"})
	defer cc.Close()
	for i := 0; i < 300; i++ {
		if err := cc.Set(ctx, fmt.Sprintf("p:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}
}

func slotOf(key string) string { return strconv.Itoa(int(redisKeySlot(key))) }
