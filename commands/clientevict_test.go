package commands

import (
	"strconv"
	"strings"
	"testing"
)

// TestClientEviction: above maxmemory-clients the client with the largest
// buffers is closed (here one holding most of a big bulk string), and
// counted in INFO's evicted_clients; a NO-EVICT client is passed over,
// the others going instead, as Redis's evictClients does.
func TestClientEviction(t *testing.T) {
	s, addr := mustNumkv(t, noPersistence)
	admin := mustDial(t, addr)
	runExchanges(t, admin, []exchange{
		{"CLIENT NO-EVICT on", "+OK\r\n"},
		{"CONFIG SET maxmemory-clients 1", "+OK\r\n"}, // 128 KiB, the floor
		{"CONFIG GET maxmemory-clients", bulks("maxmemory-clients", "1")},
	})
	if got := s.clientEvictLimit(); got != clientEvictMin {
		t.Fatalf("limit %d", got)
	}
	if l := admin.do("CLIENT", "INFO"); !strings.Contains(l, " flags=e ") {
		t.Fatalf("NO-EVICT flag: %s", l)
	}
	evicted := func() int {
		for _, l := range strings.Split(admin.do("INFO", "stats"), "\r\n") {
			if v, ok := strings.CutPrefix(l, "evicted_clients:"); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		t.Fatal("no evicted_clients in INFO stats")
		return 0
	}
	partial := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\n" + strings.Repeat("x", 400<<10)

	hog := mustDial(t, addr)
	hog.do("PING")
	hog.nc.Write([]byte(partial))
	waitUntil(t, "the hog's eviction", func() bool { return evicted() == 1 })
	if _, err := hog.pipeline([][]string{{"PING"}}); err == nil {
		t.Fatal("the evicted client still answers")
	}

	bystander := mustDial(t, addr)
	bystander.do("PING")
	keeper := mustDial(t, addr)
	keeper.do("CLIENT", "NO-EVICT", "on")
	keeper.nc.Write([]byte(partial))
	waitUntil(t, "the bystander's eviction", func() bool { return evicted() == 2 })
	if _, err := bystander.pipeline([][]string{{"PING"}}); err == nil {
		t.Fatal("the bystander still answers")
	}
	// The keeper stays, and finishes its command.
	keeper.nc.Write([]byte(strings.Repeat("x", 1000000-400<<10) + "\r\n"))
	if r, err := readOne(keeper); err != nil || r != "+OK\r\n" {
		t.Fatalf("keeper: %q %v", r, err)
	}
	if got := admin.do("STRLEN", "k"); got != ":1000000\r\n" {
		t.Fatal(got)
	}
	runExchanges(t, admin, []exchange{
		{"CONFIG SET maxmemory-clients 10%", "+OK\r\n"},
		{"CONFIG GET maxmemory-clients", bulks("maxmemory-clients", "10%")},
	})
	if got := s.clientEvictLimit(); got != 0 {
		t.Fatalf("a percentage without maxmemory: limit %d", got)
	}
	admin.do("CONFIG", "SET", "maxmemory", "100mb")
	if got := s.clientEvictLimit(); got != 10<<20 {
		t.Fatalf("10%% of 100mb: limit %d", got)
	}
}
