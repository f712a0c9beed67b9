package keytab

import (
	"fmt"
	"testing"
)

// benchTable returns a table of n records of 16-byte keys (the size of
// "user:0000000001" and of most numkv keys), their keys, and keys absent
// from it. A slot holds 64 keys when the store holds a million.
func benchTable(b *testing.B, n int) (*Table, [][]byte, [][]byte) {
	b.Helper()
	t := new(Table)
	keys := make([][]byte, n)
	miss := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "user:%011d", i)
		miss[i] = fmt.Appendf(nil, "miss:%011d", i)
		t.Insert(Hash(keys[i]), NewRecord(keys[i], 8))
	}
	b.Cleanup(func() {
		t.Each(func(r Rec) bool { FreeRecord(r); return true })
		t.Free()
	})
	return t, keys, miss
}

var sizes = []int{64, 4096, 1 << 19, 1 << 20}

func BenchmarkGet(b *testing.B) {
	for _, n := range sizes {
		for _, hit := range []bool{true, false} {
			name := fmt.Sprintf("miss/%d", n)
			if hit {
				name = fmt.Sprintf("hit/%d", n)
			}
			b.Run(name, func(b *testing.B) {
				t, keys, miss := benchTable(b, n)
				if !hit {
					keys = miss
				}
				hs := make([]uint64, len(keys))
				for i, k := range keys {
					hs[i] = Hash(k)
				}
				b.ReportAllocs()
				b.ResetTimer()
				found := 0
				for i := 0; i < b.N; i++ {
					j := i & (n - 1)
					if t.Get(hs[j], keys[j]) != 0 {
						found++
					}
				}
				if hit && found != b.N || !hit && found != 0 {
					b.Fatalf("%d found of %d", found, b.N)
				}
			})
		}
	}
}

// BenchmarkHashGet includes hashing the key, as a command does.
func BenchmarkHashGet(b *testing.B) {
	t, keys, _ := benchTable(b, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[i&63]
		if t.Get(Hash(k), k) == 0 {
			b.Fatal("miss")
		}
	}
}

// BenchmarkInsertDelete inserts a record absent from the table and deletes
// it again, so the table keeps its size.
func BenchmarkInsertDelete(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			t, _, miss := benchTable(b, n)
			hs := make([]uint64, len(miss))
			recs := make([]Rec, len(miss))
			for i, k := range miss {
				hs[i] = Hash(k)
				recs[i] = NewRecord(k, 8)
			}
			b.Cleanup(func() {
				for _, r := range recs {
					FreeRecord(r)
				}
			})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				j := i & (n - 1)
				t.Insert(hs[j], recs[j])
				if t.Delete(hs[j], miss[j]) != recs[j] {
					b.Fatal("deleted the wrong record")
				}
			}
		})
	}
}

func BenchmarkNewFreeRecord(b *testing.B) {
	key := []byte("user:00000000001")
	b.SetBytes(int64(len(key)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		FreeRecord(NewRecord(key, 8))
	}
}

func BenchmarkHash(b *testing.B) {
	key := []byte("user:00000000001")
	b.SetBytes(int64(len(key)))
	b.ReportAllocs()
	var x uint64
	for i := 0; i < b.N; i++ {
		x += Hash(key)
	}
	_ = x
}
