package tests

// DUMP and RESTORE with a real client between two numkv servers: the way
// a variable moves from one node to another.

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

func TestDumpRestoreBetweenServers(t *testing.T) {
	a := mustStart(t, t.TempDir(), "--save", "")
	b := mustStart(t, t.TempDir(), "--save", "")
	ra, rb := newClient(a, 0, 2), newClient(b, 0, 2)
	defer ra.Close()
	defer rb.Close()
	arr := randBytes(7, 3<<20) // 3 MiB: a tree of many chunks
	mustDo(t, ra, "NUM.CREATE", "arr", "f32", "SHAPE", "4")
	mustDo(t, ra, "NUM.APPEND", "arr", arr)
	mustDo(t, ra, "SET", "s", "hello", "EX", "1000")
	for _, k := range []string{"arr", "s"} {
		p, err := ra.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		ttl := ra.PTTL(ctx, k).Val()
		if ttl < 0 {
			ttl = 0
		}
		if err := rb.Restore(ctx, k, ttl, p).Err(); err != nil {
			t.Fatalf("RESTORE %s: %v", k, err)
		}
		if err := rb.Restore(ctx, k, 0, p).Err(); err == nil || err.Error() != "BUSYKEY Target key name already exists." {
			t.Fatalf("RESTORE over an existing key: %v", err)
		}
		if err := rb.RestoreReplace(ctx, k, ttl, p).Err(); err != nil {
			t.Fatalf("RESTORE REPLACE %s: %v", k, err)
		}
	}
	got, err := rb.Do(ctx, "NUM.READ", "arr").Text()
	if err != nil || !bytes.Equal([]byte(got), arr) {
		t.Fatalf("NUM.READ of the restored array: %d bytes, %v; want the %d written", len(got), err, len(arr))
	}
	if ia, ib := mustDo(t, ra, "NUM.INFO", "arr"), mustDo(t, rb, "NUM.INFO", "arr"); fmt.Sprint(ia) != fmt.Sprint(ib) {
		t.Fatalf("NUM.INFO: %v on the source, %v restored", ia, ib)
	}
	if v := rb.Get(ctx, "s").Val(); v != "hello" {
		t.Fatalf("GET s: %q", v)
	}
	if ttl := rb.TTL(ctx, "s").Val(); ttl < 990*time.Second || ttl > 1000*time.Second {
		t.Fatalf("TTL of the restored key: %v", ttl)
	}
}
