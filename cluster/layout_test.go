package cluster

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Three nodes as Redis 7.0's CLUSTER NODES shows them (ids shortened to
// valid ones), with Redis's closing vars line as nodes.conf has it.
const redisNodes = `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
vars currentEpoch 6 lastVoteEpoch 0
`

func TestParseRedisNodes(t *testing.T) {
	l, err := Parse("nodes.conf", redisNodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Nodes) != 4 || l.Covered() != Slots {
		t.Fatalf("%d nodes, %d slots covered", len(l.Nodes), l.Covered())
	}
	if o := l.Owner(5461); o == nil || o.Addr() != "127.0.0.1:30002" || o.CPort != 31002 {
		t.Fatalf("owner of 5461: %+v", o)
	}
	if o := l.Owner(16383); o.ID != "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f" {
		t.Fatalf("owner of 16383: %s", o.ID)
	}
	r := l.Node("07c37dfeb235213a872192d90877d0cd55635b91")
	if r == nil || r.Master != "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca" || r.Host != "127.0.0.1" || r.Epoch != 4 {
		t.Fatalf("replica: %+v", r)
	}
	want := `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 0 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 0 3 connected 10923-16383
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 0 4 connected
`
	if got := l.Format("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"); got != want {
		t.Fatalf("Format:\n%s\nwant:\n%s", got, want)
	}
}

// TestParseRefuses checks that each malformed line is refused with the
// file, the line number and the line.
func TestParseRefuses(t *testing.T) {
	const a = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 master - 0 0 1 connected"
	const b = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 0 2 connected"
	for _, c := range []struct{ text, want string }{
		{a + " 0-10\n" + b + " 10", "f, line 2: slot 10 is also served by e7d1"},
		{a + " 16384", "f, line 1: invalid slot \"16384\""},
		{a + " 5-3", "empty slot range"},
		{a + " 01", "invalid slot \"01\""},
		{"xyz 127.0.0.1:1@2 master - 0 0 1 connected", "invalid node id"},
		{a + "\n" + a, "already in the layout"},
		{"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001 master - 0 0 1 connected", "lacks @cport"},
		{"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:70000@1 master - 0 0 1 connected", "invalid port"},
		{"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:1@2 boss - 0 0 1 connected", "unknown flag"},
		{"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:1@2 master - 0 0 x connected", "invalid epoch"},
		{"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:1@2 master", "want at least 8 fields"},
		{a + " [5->-zz]", "invalid node id in"},
		{a + " [5=>-e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca]", "malformed slot state"},
	} {
		_, err := Parse("f", c.text)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}

// TestFormatParseModel assigns slots at random among random nodes, with
// migrating and importing states on one of them, and checks that Format
// and Parse give back the same layout.
func TestFormatParseModel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 50; round++ {
		l := New()
		n := 1 + r.IntN(6)
		for i := 0; i < n; i++ {
			id := randomID(r)
			l.Add(&Node{ID: id, Host: "10.0.0." + string(rune('1'+i)), Port: 7000 + i, CPort: 17000 + i, Flags: []string{"master"}, Master: "-", Epoch: int64(i)})
		}
		for s := 0; s < Slots; s++ {
			if k := r.IntN(n + 1); k < n {
				l.Assign(s, l.Nodes[k].ID)
			}
		}
		me := l.Nodes[0]
		me.Migrating = map[int]string{r.IntN(Slots): l.Nodes[n-1].ID}
		me.Importing = map[int]string{r.IntN(Slots): l.Nodes[n-1].ID}
		text := l.Format(me.ID)
		back, err := Parse("model", text)
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, text)
		}
		if got := back.Format(me.ID); got != text {
			t.Fatalf("round %d: a second Format differs", round)
		}
		count := 0
		for s := 0; s < Slots; s++ {
			if l.Owner(s) != nil {
				count++
			}
		}
		if l.Covered() != count || back.Covered() != count {
			t.Fatalf("round %d: Covered %d and %d, counted %d", round, l.Covered(), back.Covered(), count)
		}
		for s := 0; s < Slots; s++ {
			a, b := l.Owner(s), back.Owner(s)
			if (a == nil) != (b == nil) || (a != nil && a.ID != b.ID) {
				t.Fatalf("round %d: slot %d owner changed", round, s)
			}
		}
	}
}

func randomID(r *rand.Rand) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 40)
	for i := range b {
		b[i] = hex[r.IntN(16)]
	}
	return string(b)
}

func TestForgetAndRanges(t *testing.T) {
	l, err := Parse("f", redisNodes)
	if err != nil {
		t.Fatal(err)
	}
	mid := "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"
	if !l.Forget(mid) || l.Forget(mid) {
		t.Fatal("Forget")
	}
	if l.Owner(6000) != nil || l.Owner(16383).Port != 30003 || l.Owner(0).Port != 30001 {
		t.Fatal("owners after Forget")
	}
	if got := l.Ranges("292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f"); len(got) != 1 || got[0] != (Range{10923, 16383}) {
		t.Fatalf("Ranges: %v", got)
	}
	if l.Covered() != Slots-(10922-5461+1) {
		t.Fatalf("Covered %d", l.Covered())
	}
}

// TestWriteFile checks that the file is replaced whole and no temporary
// file is left.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.conf")
	os.WriteFile(path, []byte("old"), 0o644)
	l, _ := Parse("f", redisNodes)
	my := "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"
	if err := l.WriteFile(path, my); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != l.Format(my) {
		t.Fatalf("file holds %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("%d files in the directory", len(ents))
	}
	if err := l.WriteFile(filepath.Join(dir, "no", "such", "nodes.conf"), my); err == nil {
		t.Fatal("a write into a missing directory succeeded")
	}
}
