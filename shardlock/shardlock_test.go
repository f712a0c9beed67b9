package shardlock

import (
	"math/rand"
	"sync"
	"testing"
	"time"
)

// Known slots from the Redis Cluster specification and redis-cli CLUSTER
// KEYSLOT.
func TestHashSlot(t *testing.T) {
	for _, c := range []struct {
		key  string
		slot int
	}{
		{"", 0},
		{"123456789", 0x31c3 & (Slots - 1)}, // CRC16/XMODEM check value
		{"foo", 12182},
		{"bar", 5061},
		{"{user1000}.following", 3443},
		{"{user1000}.followers", 3443},
		{"user1000", 3443},
		{"foo{}{bar}", HashSlot([]byte("foo{}{bar}"))},
		{"{}foo", 9500},
		{"foo{{bar}}zap", HashSlot([]byte("{bar"))},
		{"foo{bar}{zap}", HashSlot([]byte("bar"))},
		{"{", HashSlot([]byte("{"))},
	} {
		if got := HashSlot([]byte(c.key)); got != c.slot {
			t.Errorf("HashSlot(%q) = %d, want %d", c.key, got, c.slot)
		}
	}
	if HashSlot([]byte("foo{}{bar}")) == HashSlot([]byte("bar")) {
		t.Error("an empty {} must not make the next tag count")
	}
}

func TestNewSet(t *testing.T) {
	s := NewSet([]int{5, 1, 5, 3, 1})
	if len(s) != 3 || s[0] != 1 || s[1] != 3 || s[2] != 5 {
		t.Fatalf("NewSet = %v", s)
	}
}

// Random overlapping multi-shard lockers, readers and writers, plus an
// occasional LockAll, must never deadlock; the deadline is the detector. A
// counter per shard checks mutual exclusion under -race.
func TestNoDeadlock(t *testing.T) {
	tab := New[int](2)
	const workers = 16
	iters := 3000
	if testing.Short() {
		iters = 500
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			for i := 0; i < iters; i++ {
				if rng.Intn(500) == 0 {
					tab.LockAll()
					tab.UnlockAll()
					continue
				}
				n := 1 + rng.Intn(4)
				idx := make([]int, n)
				for k := range idx {
					// A few hot shards make overlaps common.
					idx[k] = rng.Intn(8) * 4099 % tab.Len()
				}
				s := NewSet(idx)
				write := rng.Intn(2) == 0
				tab.Lock(s, write)
				for _, j := range s {
					sh := tab.Shard(j)
					if write {
						sh.Data++
					} else {
						_ = sh.Data
					}
				}
				tab.Unlock(s, write)
			}
		}(int64(w))
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("deadlock: lockers did not finish")
	}
}

func BenchmarkHashSlot(b *testing.B) {
	key := []byte("user:1000:embedding")
	b.SetBytes(int64(len(key)))
	for i := 0; i < b.N; i++ {
		HashSlot(key)
	}
}

// Databases are allocated on first use only, and LockAll covers exactly
// those.
func TestLazyDatabases(t *testing.T) {
	tab := New[int](16)
	if tab.Allocated(3) {
		t.Fatal("database 3 allocated before use")
	}
	sh := tab.Shard(tab.Index(3, []byte("k")))
	sh.Lock()
	sh.Data = 1
	sh.Unlock()
	if !tab.Allocated(3) || tab.Allocated(0) {
		t.Fatal("allocation did not follow use")
	}
	tab.LockAll()
	n := 0
	tab.Each(func(i int, sh *Shard[int]) {
		if i/Slots != 3 {
			t.Fatalf("Each visited database %d", i/Slots)
		}
		n += sh.Data
	})
	tab.UnlockAll()
	if n != 1 {
		t.Fatalf("Each saw %d keys", n)
	}
}

// BenchmarkLockAll measures the fixed part of the snapshot cut's pause for
// one database in use.
func BenchmarkLockAll(b *testing.B) {
	tab := New[int](16)
	tab.Shard(0)
	for i := 0; i < b.N; i++ {
		tab.LockAll()
		tab.UnlockAll()
	}
}

// A set spanning two databases, the second never used, must not deadlock
// with LockAll: Lock allocates before it takes any slot.
func TestLockAllocatesFirst(t *testing.T) {
	tab := New[int](2)
	tab.Shard(0) // database 0 in use, database 1 not
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			s := NewSet([]int{5, Slots + 5})
			tab.Lock(s, true)
			tab.Unlock(s, true)
		}
	}()
	for i := 0; i < 200; i++ {
		tab.LockAll()
		tab.UnlockAll()
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("deadlock between a two-database Lock and LockAll")
	}
}

// crc16 agrees with the byte-at-a-time definition at every length, and
// with Redis's own check value.
func TestCRC16(t *testing.T) {
	slow := func(b []byte) uint16 {
		var crc uint16
		for _, c := range b {
			crc ^= uint16(c) << 8
			for j := 0; j < 8; j++ {
				if crc&0x8000 != 0 {
					crc = crc<<1 ^ 0x1021
				} else {
					crc <<= 1
				}
			}
		}
		return crc
	}
	if got := crc16([]byte("123456789")); got != 0x31c3 {
		t.Fatalf("crc16(123456789) = %#x, want 0x31c3", got)
	}
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 200; n++ {
		b := make([]byte, n)
		r.Read(b)
		if crc16(b) != slow(b) {
			t.Fatalf("length %d: %#x, want %#x", n, crc16(b), slow(b))
		}
	}
}
