package keytab

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"numkv/offheap"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized tests (0: time-based)")

func testSeed(t *testing.T) uint64 {
	t.Helper()
	s := *seedFlag
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed %d)", s, s)
	return s
}

// src yields the numbers that drive the operations: a PCG source in the
// model test, the fuzz input in FuzzTable.
type src interface {
	intn(n int) int
	u64() uint64
	done() bool
}

type randSrc struct{ r *rand.Rand }

func (s randSrc) intn(n int) int { return s.r.IntN(n) }
func (s randSrc) u64() uint64    { return s.r.Uint64() }
func (s randSrc) done() bool     { return false }

type byteSrc struct{ b []byte }

func (s *byteSrc) intn(n int) int {
	if n <= 1 {
		return 0
	}
	v := 0
	for k := 0; k < 3 && len(s.b) > 0; k++ {
		v = v<<8 | int(s.b[0])
		s.b = s.b[1:]
	}
	return v % n
}

func (s *byteSrc) u64() uint64 {
	var v uint64
	for k := 0; k < 8 && len(s.b) > 0; k++ {
		v = v<<8 | uint64(s.b[0])
		s.b = s.b[1:]
	}
	return mix(v)
}

func (s *byteSrc) done() bool { return len(s.b) == 0 }

// tkey is a key of a test's universe and the hash it has there.
type tkey struct {
	k []byte
	h uint64
}

// universe makes n keys of many lengths, with empty, binary, shared
// prefixes and a few long ones among them. With fake set, their hashes
// are chosen to collide: the same full hash as another key, the same tag,
// the same home in small tables, or homes at the end of the array so that
// probes wrap; otherwise they are Hash's.
func universe(r *rand.Rand, n int, fake, long bool) []tkey {
	seen := map[string]bool{}
	var keys []tkey
	add := func(k []byte) {
		if !seen[string(k)] && len(keys) < n {
			seen[string(k)] = true
			keys = append(keys, tkey{k: k})
		}
	}
	add([]byte{})
	add([]byte{0})
	add([]byte{0xff})
	add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00"))
	for i := 0; i < 3; i++ {
		add([]byte(strings.Repeat("k", 100*i+1)))
	}
	if long {
		add(bytes.Repeat([]byte{0xab}, 5000))
		add(bytes.Repeat([]byte{0xab}, 5001))
		add(bytes.Repeat([]byte("big"), 350<<10)) // a record over 1 MiB: whole pages
	}
	for len(keys) < n {
		switch r.IntN(3) {
		case 0:
			add(fmt.Appendf(nil, "user:%d", r.IntN(10*n)))
		case 1:
			k := make([]byte, r.IntN(40))
			for i := range k {
				k[i] = byte(r.Uint32())
			}
			add(k)
		default:
			add(bytes.Repeat([]byte{byte(r.IntN(4))}, r.IntN(300)))
		}
	}
	for i := range keys {
		h := Hash(keys[i].k)
		if fake && i > 0 {
			o := keys[r.IntN(i)].h
			switch r.IntN(6) {
			case 0:
				h = o // collides in full: only the keys differ
			case 1:
				h = tag(o) | r.Uint64()&refMask // same tag (and home, up to 2^20 entries)
			case 2:
				h = o&^(1<<56-1) | r.Uint64()>>8 // same home up to 2^8 entries
			case 3:
				h = ^uint64(0) - r.Uint64()>>(8+r.IntN(50)) // the last homes: probes wrap
			case 4:
				h = r.Uint64() >> (3 + r.IntN(60)) // the first homes
			}
		}
		keys[i].h = h
	}
	return keys
}

// setHash makes the table hash keys with the universe's hashes, and
// restores Hash after the test.
func setHash(tb testing.TB, keys []tkey) {
	tb.Helper()
	hs := make(map[string]uint64, len(keys))
	for _, k := range keys {
		hs[string(k.k)] = k.h
	}
	keyHash = func(k []byte) uint64 {
		h, ok := hs[string(k)]
		if !ok {
			panic(fmt.Sprintf("keytab test: key %q outside the universe", k))
		}
		return h
	}
	tb.Cleanup(func() { keyHash = Hash })
}

// setTagHomeBits lowers how many home bits a tag holds, so that small
// tables take the path of tables over 2^20 entries.
func setTagHomeBits(tb testing.TB, b uint8) {
	tb.Helper()
	old := tagHomeBits
	tagHomeBits = b
	tb.Cleanup(func() { tagHomeBits = old })
}

// mrec is the model's view of a record: what was written in it.
type mrec struct {
	r    Rec
	pat  byte
	vcap int
}

func metaOf(r Rec) []byte { return unsafe.Slice((*byte)(r.Meta()), MetaSize) }

func newRec(key []byte, vcap int, pat byte) mrec {
	r := NewRecord(key, vcap)
	meta := metaOf(r)
	for i := range meta {
		if meta[i] != 0 {
			panic("keytab test: fresh meta not zero")
		}
		meta[i] = pat ^ byte(i)
	}
	v := r.Value()
	for i := range v {
		v[i] = pat + byte(i)
	}
	return mrec{r, pat, vcap}
}

// intact says what is wrong with the record, if anything.
func (m mrec) intact(key []byte) error {
	r := m.r
	vc := (m.vcap + 7) &^ 7
	if !bytes.Equal(r.Key(), key) {
		return fmt.Errorf("record %#x: key %q, want %q", r, trunc(r.Key()), trunc(key))
	}
	v := r.Value()
	if len(v) != vc || cap(v) != vc {
		return fmt.Errorf("record %#x: value of len %d cap %d, want %d", r, len(v), cap(v), vc)
	}
	for i := range v {
		if v[i] != m.pat+byte(i) {
			return fmt.Errorf("record %#x: value byte %d overwritten", r, i)
		}
	}
	for i, b := range metaOf(r) {
		if b != m.pat^byte(i) {
			return fmt.Errorf("record %#x: meta byte %d overwritten", r, i)
		}
	}
	if uintptr(r.Meta())%8 != 0 || uintptr(unsafe.Pointer(unsafe.SliceData(v)))%8 != 0 {
		return fmt.Errorf("record %#x: meta %p, value %p not 8-aligned", r, r.Meta(), v)
	}
	if want := offheap.SizeOf(hdrSize + vc + len(key)); r.Size() != want {
		return fmt.Errorf("record %#x: Size %d, want %d", r, r.Size(), want)
	}
	return nil
}

func trunc(b []byte) []byte {
	if len(b) > 20 {
		return b[:20]
	}
	return b
}

type harness struct {
	tb     testing.TB
	r      src
	keys   []tkey
	hashOf map[string]uint64
	t      Table
	m      map[string]mrec
	steps  int
	log    []string // recent operations, printed on failure
	stats  [nOps]int
}

func newHarness(tb testing.TB, r src, keys []tkey) *harness {
	h := &harness{tb: tb, r: r, keys: keys, hashOf: map[string]uint64{}, m: map[string]mrec{}}
	for _, k := range keys {
		h.hashOf[string(k.k)] = k.h
	}
	tb.Cleanup(h.drop)
	return h
}

func (h *harness) logf(format string, args ...any) {
	if len(h.log) == 30 {
		copy(h.log, h.log[1:])
		h.log = h.log[:29]
	}
	h.log = append(h.log, fmt.Sprintf("%d: ", h.steps)+fmt.Sprintf(format, args...))
}

func (h *harness) failf(format string, args ...any) {
	h.tb.Helper()
	h.tb.Fatalf("step %d: %s\nrecent operations:\n  %s", h.steps, fmt.Sprintf(format, args...), strings.Join(h.log, "\n  "))
}

// drop frees every record and the table, as a FLUSHDB would: Each freeing
// the records, then Free.
func (h *harness) drop() {
	h.t.Each(func(r Rec) bool {
		FreeRecord(r)
		return true
	})
	h.t.Free()
	clear(h.m)
}

func (h *harness) key() tkey { return h.keys[h.r.intn(len(h.keys))] }

// vcap draws a value capacity: mostly small, sometimes none.
func (h *harness) vcap() int {
	if h.r.intn(4) == 0 {
		return 0
	}
	return h.r.intn(1 << h.r.intn(8))
}

const (
	opInsert = iota
	opSet
	opDelete
	opGet
	opEach
	opRandom
	opDrop
	nOps
)

var opNames = [nOps]string{"insert", "set", "delete", "get", "each", "random", "drop"}

func (h *harness) step() {
	h.steps++
	var op int
	switch x := h.r.intn(100); {
	case x < 30:
		op = opInsert
	case x < 45:
		op = opSet
	case x < 65:
		op = opDelete
	case x < 90:
		op = opGet
	case x < 95:
		op = opEach
	case x < 99:
		op = opRandom
	default:
		op = opDrop
	}
	// Fill up now and then, so tables reach the sizes the universe allows.
	if op == opInsert && h.r.intn(50) == 0 {
		for range len(h.keys) / 2 {
			h.insert(h.key())
		}
	}
	h.stats[op]++
	switch op {
	case opInsert:
		h.insert(h.key())
	case opSet:
		k := h.key()
		nr := newRec(k.k, h.vcap(), byte(h.r.u64()))
		h.logf("set %q -> %#x", trunc(k.k), nr.r)
		old := h.t.Set(k.h, nr.r)
		want := h.m[string(k.k)]
		if old != want.r {
			h.failf("Set %q returned %#x, want %#x", trunc(k.k), old, want.r)
		}
		FreeRecord(old)
		h.m[string(k.k)] = nr
	case opDelete:
		k := h.key()
		h.logf("delete %q", trunc(k.k))
		got := h.t.Delete(k.h, k.k)
		want := h.m[string(k.k)]
		if got != want.r {
			h.failf("Delete %q returned %#x, want %#x", trunc(k.k), got, want.r)
		}
		FreeRecord(got)
		delete(h.m, string(k.k))
	case opGet:
		k := h.key()
		got := h.t.Get(k.h, k.k)
		want := h.m[string(k.k)]
		if got != want.r {
			h.failf("Get %q returned %#x, want %#x", trunc(k.k), got, want.r)
		}
		if got != 0 {
			if err := want.intact(k.k); err != nil {
				h.failf("Get %q: %v", trunc(k.k), err)
			}
		}
	case opEach:
		h.each()
	case opRandom:
		x := h.r.u64()
		got := h.t.Random(x)
		if got == 0 {
			if len(h.m) != 0 {
				h.failf("Random(%#x) returned nothing from %d records", x, len(h.m))
			}
			break
		}
		if m, ok := h.m[string(got.Key())]; !ok || m.r != got {
			h.failf("Random(%#x) returned %#x, not in the table", x, got)
		}
	case opDrop:
		h.logf("drop %d records", len(h.m))
		h.drop()
	}
}

func (h *harness) insert(k tkey) {
	if _, ok := h.m[string(k.k)]; ok {
		return // Insert requires an absent key
	}
	nr := newRec(k.k, h.vcap(), byte(h.r.u64()))
	h.logf("insert %q -> %#x", trunc(k.k), nr.r)
	h.t.Insert(k.h, nr.r)
	h.m[string(k.k)] = nr
}

// each walks the table, deleting, replacing or stopping at random, and
// checks that it visits every record once.
func (h *harness) each() {
	pDel, pSet, pStop := h.r.intn(101), h.r.intn(20), h.r.intn(3)*h.r.intn(10)
	h.logf("each: delete %d%%, set %d%%, stop %d%%", pDel, pSet, pStop)
	before := len(h.m)
	visited := map[string]bool{}
	stopped := false
	h.t.Each(func(r Rec) bool {
		key := string(r.Key())
		m, ok := h.m[key]
		if !ok || m.r != r {
			h.failf("Each gave %#x (key %q), not in the table", r, trunc([]byte(key)))
		}
		if visited[key] {
			h.failf("Each gave key %q twice", trunc([]byte(key)))
		}
		visited[key] = true
		if err := m.intact([]byte(key)); err != nil {
			h.failf("Each: %v", err)
		}
		switch x := h.r.intn(100); {
		case x < pDel:
			if got := h.t.Delete(h.hashOf[key], []byte(key)); got != r {
				h.failf("Delete in Each of %q returned %#x, want %#x", trunc([]byte(key)), got, r)
			}
			FreeRecord(r)
			delete(h.m, key)
		case x < pDel+pSet:
			nr := newRec([]byte(key), h.vcap(), byte(h.r.u64()))
			if old := h.t.Set(h.hashOf[key], nr.r); old != r {
				h.failf("Set in Each of %q returned %#x, want %#x", trunc([]byte(key)), old, r)
			}
			FreeRecord(r)
			h.m[key] = nr
		}
		if h.r.intn(100) < pStop {
			stopped = true
			return false
		}
		return true
	})
	if !stopped && len(visited) != before {
		h.failf("Each visited %d of %d records", len(visited), before)
	}
}

func (h *harness) opCounts() string {
	var b strings.Builder
	for op, n := range h.stats {
		if op > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %s", n, opNames[op])
	}
	return b.String()
}

// verify checks the table's invariants and its records against the model.
func (h *harness) verify() {
	h.tb.Helper()
	if err := h.t.check(); err != nil {
		h.failf("%v", err)
	}
	if h.t.Len() != len(h.m) {
		h.failf("Len %d, model %d", h.t.Len(), len(h.m))
	}
}

// verifyAll looks every key of the universe up.
func (h *harness) verifyAll() {
	h.tb.Helper()
	for _, k := range h.keys {
		got, want := h.t.Get(k.h, k.k), h.m[string(k.k)]
		if got != want.r {
			h.failf("Get %q returned %#x, want %#x", trunc(k.k), got, want.r)
		}
		if got != 0 {
			if err := want.intact(k.k); err != nil {
				h.failf("%v", err)
			}
		}
	}
}

func TestModel(t *testing.T) {
	seed := testSeed(t)
	steps := 20000
	if testing.Short() {
		steps = 3000
	}
	if raceEnabled {
		steps /= 5
	}
	configs := []struct {
		name        string
		keys        int
		fake, long  bool
		tagHomeBits uint8
		stepDiv     int
	}{
		{"fake_hash_40_keys", 40, true, true, tagBits, 1},
		{"hash_40_keys", 40, false, true, tagBits, 2},
		{"fake_hash_3000_keys", 3000, true, false, tagBits, 4},
		{"hash_3000_keys", 3000, false, false, tagBits, 4},
		// Tables over 16 entries take the path of tables over 2^20.
		{"fake_hash_500_keys_rehash", 500, true, false, 4, 4},
		{"hash_500_keys_rehash", 500, false, false, 4, 4},
	}
	for i, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			before := offheap.LiveBytes()
			s := seed + uint64(i)
			r := rand.New(rand.NewPCG(s, s))
			keys := universe(r, c.keys, c.fake, c.long)
			setHash(t, keys)
			setTagHomeBits(t, c.tagHomeBits)
			h := newHarness(t, randSrc{r}, keys)
			maxBits := uint8(0)
			for range steps / c.stepDiv {
				h.step()
				h.verify()
				maxBits = max(maxBits, h.t.bits)
				if h.steps%500 == 0 {
					h.verifyAll()
				}
			}
			h.verifyAll()
			t.Logf("%d steps (%s), tables up to 2^%d entries", h.steps, h.opCounts(), maxBits)
			// Empty the table by deletions, then free it: every byte
			// comes back.
			for _, k := range keys {
				if r := h.t.Delete(k.h, k.k); r != 0 {
					FreeRecord(r)
					delete(h.m, string(k.k))
				}
				h.verify()
			}
			if h.t.Len() != 0 || h.t.bits > minBits {
				t.Fatalf("emptied table: %d records in 2^%d entries", h.t.Len(), h.t.bits)
			}
			h.t.Free()
			if got := offheap.LiveBytes(); got != before {
				t.Fatalf("live bytes %d after freeing everything, %d before", got, before)
			}
		})
	}
}
