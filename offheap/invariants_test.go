//go:build invariants

package offheap

import (
	"strings"
	"testing"
	"unsafe"
)

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
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

func TestDoubleFree(t *testing.T) {
	b := Alloc(Scratch, 100)
	Free(Scratch, b)
	mustPanic(t, "double free", func() { Free(Scratch, b) })
}

func TestFreeOfForeignMemory(t *testing.T) {
	b := make([]byte, 64)
	mustPanic(t, "", func() { Free(Scratch, b) })
}

// TestStaleGeneration: a reference kept past Free fails CheckGen, even
// once the block is handed out again.
func TestStaleGeneration(t *testing.T) {
	b := Alloc(Chunk, 4096)
	p := unsafe.Pointer(&b[0])
	g := Gen(p)
	CheckGen(p, g)
	Free(Chunk, b)
	mustPanic(t, "after free", func() { CheckGen(p, g) })
	if heapMode {
		return // the Go heap never hands the same block out again
	}
	DrainQuarantine()
	for i := 0; i < 20000; i++ { // until the same block comes back
		c := Alloc(Chunk, 4096)
		if unsafe.Pointer(&c[0]) == p {
			mustPanic(t, "after free", func() { CheckGen(p, g) })
			Free(Chunk, c)
			return
		}
		defer Free(Chunk, c)
	}
	t.Fatal("the block never came back")
}

// TestWriteAfterFree: a write into a freed block is reported when the
// block is handed out again, and reads of it see poison meanwhile.
func TestWriteAfterFree(t *testing.T) {
	if heapMode {
		t.Skip("heap mode never hands a freed block out again") // race builds
	}
	b := Alloc(Chunk, 8192)
	Free(Chunk, b)
	if b[100] != poisonByte {
		t.Fatalf("freed memory reads %#x, want poison", b[100])
	}
	b[100] = 1
	mustPanic(t, "written after it was freed", DrainQuarantine)
}

func TestFreshMemoryIsGarbage(t *testing.T) {
	b := Alloc(Scratch, 64)
	defer Free(Scratch, b)
	for _, x := range b {
		if x != garbageByte {
			t.Fatalf("fresh memory holds %#x", x)
		}
	}
}
