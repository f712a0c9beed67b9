package keytab

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"

	"numkv/offheap"
)

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Fatalf("panic %v, want one mentioning %q", r, want)
		}
	}()
	f()
}

// TestRecordLayout checks the documented layout byte by byte, for keys and
// value areas around the word size and past the allocator's largest class.
func TestRecordLayout(t *testing.T) {
	before := offheap.LiveBytes()
	for _, kl := range []int{0, 1, 7, 8, 9, 100, 1 << 20, 3<<20 + 5} {
		for _, vc := range []int{0, 1, 7, 8, 9, 100} {
			key := make([]byte, kl)
			for i := range key {
				key[i] = byte(i*7 + kl)
			}
			r := NewRecord(key, vc)
			p := r.Pointer()
			b := unsafe.Slice((*byte)(p), r.Size())
			want := (vc + 7) &^ 7
			if kl := *(*uint32)(p); int(kl) != len(key) {
				t.Fatalf("keylen %d, want %d", kl, len(key))
			}
			if got := *(*uint32)(unsafe.Add(p, 4)); int(got) != want {
				t.Fatalf("vcap %d for %d, want %d", got, vc, want)
			}
			if !bytes.Equal(b[8:24], make([]byte, 16)) {
				t.Fatalf("meta not zeroed: %x", b[8:24])
			}
			if r.Meta() != unsafe.Add(p, 8) || uintptr(r.Meta())%8 != 0 {
				t.Fatalf("meta at %p, record at %p", r.Meta(), p)
			}
			v := r.Value()
			if len(v) != want || cap(v) != want || (want > 0 && &v[0] != &b[24]) {
				t.Fatalf("value area: len %d cap %d", len(v), cap(v))
			}
			for i := range v {
				v[i] = 0xee // the whole value area is the caller's
			}
			if !bytes.Equal(b[24+want:24+want+kl], key) || !bytes.Equal(r.Key(), key) || cap(r.Key()) != kl {
				t.Fatalf("key %d bytes, value %d: key bytes differ", kl, vc)
			}
			if r.Size() != offheap.SizeOf(24+want+kl) {
				t.Fatalf("Size %d, want %d", r.Size(), offheap.SizeOf(24+want+kl))
			}
			FreeRecord(r)
		}
	}
	FreeRecord(0)
	if got := offheap.LiveBytes(); got != before {
		t.Fatalf("live bytes %d after freeing every record, %d before", got, before)
	}
	mustPanic(t, "record of", func() { NewRecord(nil, -1) })
	mustPanic(t, "record of", func() { NewRecord(nil, MaxValueCap+1) })
}
