package tests

// Persistence round trips: every dtype, shape, database and expiry saves
// and loads back byte for byte, with each codec.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// allDtypes are the contract's dtypes, two V<n> among them, with their
// scalar sizes.
var allDtypes = []struct {
	name string
	size int
}{
	{"i8", 1}, {"u8", 1}, {"i16", 2}, {"u16", 2}, {"i32", 4}, {"u32", 4}, {"i64", 8}, {"u64", 8},
	{"f16", 2}, {"bf16", 2}, {"f32", 4}, {"f64", 8}, {"c64", 8}, {"c128", 16}, {"bool", 1},
	{"V12", 12}, {"V3", 3},
}

// fillRoundTrip writes the round trip's dataset: every dtype with and
// without a shape, empty variables, binary keys, several databases,
// expiries, and values spanning many snapshot blocks. It returns the
// absolute expiry it set on "exp:pxat" and "v:f32".
func fillRoundTrip(t testing.TB, p *proc) (far int64) {
	t.Helper()
	shapes := [][]string{nil, {"3"}, {"2", "3"}, {"1"}, {"4", "1", "2"}}
	db0 := newClient(p, 0, 2)
	defer db0.Close()
	for i, dt := range allDtypes {
		shape := shapes[i%len(shapes)]
		elem := dt.size
		for _, d := range shape {
			n, _ := strconv.Atoi(d)
			elem *= n
		}
		key := "v:" + dt.name
		args := []any{"NUM.CREATE", key, dt.name}
		if shape != nil {
			args = append(args, "SHAPE")
			for _, d := range shape {
				args = append(args, d)
			}
		}
		mustDo(t, db0, args...)
		// Any bytes are a valid element: NaN payloads, non-0/1 bools and
		// all, and must come back as they were.
		mustDo(t, db0, "NUM.APPEND", key, randBytes(uint64(i), elem*(1+7*i)))
		mustDo(t, db0, "NUM.CREATE", "empty:"+dt.name, dt.name, "SHAPE", "4")
	}
	mustDo(t, db0, "SET", "empty:string", "")

	db1 := newClient(p, 1, 2)
	defer db1.Close()
	for i, k := range []string{"", "\x00", "\xff\xfe\r\n *?[", strings.Repeat("k\x00", 500)} {
		mustDo(t, db1, "SET", k, randBytes(uint64(100+i), 10*i))
	}

	db2 := newClient(p, 2, 2)
	defer db2.Close()
	far = time.Now().Add(time.Hour).UnixMilli() + 123
	mustDo(t, db2, "SET", "exp:pxat", "x", "PXAT", far)
	mustDo(t, db2, "SET", "exp:ex", "y", "EX", 3600)
	mustDo(t, db0, "PEXPIREAT", "v:f32", far)

	db5 := newClient(p, 5, 2)
	defer db5.Close()
	// 6 MiB of noise that no codec shrinks, a sparse value that they do,
	// and an f64 variable grown by many appends.
	mustDo(t, db5, "SET", "big:rand", randBytes(500, 6<<20+123))
	mustDo(t, db5, "SETRANGE", "big:sparse", 5<<20, "tail")
	for _, n := range []int{64<<10 - 1, 64 << 10, 64<<10 + 1, 128 << 10, 128<<10 + 1} {
		mustDo(t, db5, "SET", fmt.Sprintf("edge:%d", n), randBytes(uint64(n), n))
	}
	mustDo(t, db5, "NUM.CREATE", "big:f64", "f64", "SHAPE", "8")
	for i := 0; i < 48; i++ {
		mustDo(t, db5, "NUM.APPEND", "big:f64", randBytes(uint64(600+i), 64<<10))
	}

	db15 := newClient(p, 15, 2)
	defer db15.Close()
	mustDo(t, db15, "SET", "last", "db 15")
	return far
}

// TestPersistRoundTrip saves every dtype, shape, database and expiry, with
// each codec, restarts on the file and compares every byte, then saves the
// loaded data again and compares the files record by record. A variable
// that expires between the save and the restart is in the file but does
// not come back.
func TestPersistRoundTrip(t *testing.T) {
	t.Parallel()
	for _, codec := range []string{"none", "s2", "zstd"} {
		t.Run(codec, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			flags := []string{"--save", "", "--snapshot-compression", codec}
			p := mustStart(t, dir, flags...)
			far := fillRoundTrip(t, p)
			want := mustDump(t, p, nil)
			rdb, rdb2 := newClient(p, 0, 2), newClient(p, 2, 2)
			// exp:soon must expire after the save's cut and before the
			// restart. It is set just before the SAVE, after the dump (it
			// is not in want), and should the machine be so slow that it
			// expired before the cut, which leaves it out of the file, it
			// is set again further ahead and saved again.
			var soon int64
			for ahead := 1500 * time.Millisecond; ; ahead *= 2 {
				soon = time.Now().Add(ahead).UnixMilli()
				mustDo(t, rdb2, "SET", "exp:soon", "z", "PXAT", soon)
				if v := mustDo(t, rdb, "SAVE"); v != "OK" {
					t.Fatalf("SAVE = %v", v)
				}
				if r, ok := recByKey(mustReadSnapshot(t, filepath.Join(dir, dumpName)), 2, "exp:soon"); ok && r.ExpireAtMs == soon {
					break
				}
				if ahead > time.Minute {
					t.Fatalf("exp:soon expired before the cut of a SAVE %v after it was set", ahead)
				}
				t.Logf("exp:soon expired before the SAVE's cut; setting it %v ahead", 2*ahead)
			}
			rdb.Close()
			rdb2.Close()
			p.kill()
			mustOnlySnapshot(t, dir)
			mustCheckOK(t, filepath.Join(dir, dumpName))
			saved := mustReadSnapshot(t, filepath.Join(dir, dumpName))
			if r, ok := recByKey(saved, 2, "exp:pxat"); !ok || r.ExpireAtMs != far {
				t.Fatalf("exp:pxat saved as %+v, want expiry %d", r, far)
			}
			if r, ok := recByKey(saved, 0, "v:f32"); !ok || r.ExpireAtMs != far {
				t.Fatalf("v:f32 saved as %+v, want expiry %d", r, far)
			}

			// Restart once exp:soon has expired: it is in the file but must
			// not come back.
			for time.Now().UnixMilli() <= soon {
				time.Sleep(time.Duration(soon-time.Now().UnixMilli()+5) * time.Millisecond)
			}
			p = mustStart(t, dir, flags...)
			mustEqualDataset(t, mustDump(t, p, nil), want)
			rdb0, rdb2 := newClient(p, 0, 2), newClient(p, 2, 2)
			defer rdb0.Close()
			defer rdb2.Close()
			for _, c := range []struct {
				rdb *redis.Client
				key string
			}{{rdb2, "exp:pxat"}, {rdb0, "v:f32"}} {
				if at := mustDo(t, c.rdb, "PEXPIRETIME", c.key); at != far {
					t.Fatalf("PEXPIRETIME %s = %v after the restart, want %d", c.key, at, far)
				}
			}
			if ttl := mustDo(t, rdb0, "TTL", "v:i8"); ttl != int64(-1) {
				t.Fatalf("TTL v:i8 = %v, want -1", ttl)
			}
			if n, x := infoInt(t, rdb0, "rdb_last_load_keys_loaded"), infoInt(t, rdb0, "rdb_last_load_keys_expired"); n != int64(len(saved)-1) || x != 1 {
				t.Fatalf("rdb_last_load_keys_loaded:%d rdb_last_load_keys_expired:%d, want %d and 1", n, x, len(saved)-1)
			}

			// Saving what was loaded writes the same records, expiries
			// included (exp:ex's stays the absolute time it was).
			if v := mustDo(t, rdb0, "SAVE"); v != "OK" {
				t.Fatalf("SAVE = %v", v)
			}
			var wantRecs []fileRec
			for _, r := range saved {
				if r.Key != "exp:soon" {
					wantRecs = append(wantRecs, r)
				}
			}
			if got := mustReadSnapshot(t, filepath.Join(dir, dumpName)); !slices.Equal(got, wantRecs) {
				t.Fatalf("the second save differs:\n got %+v\nwant %+v", got, wantRecs)
			}
		})
	}
}
