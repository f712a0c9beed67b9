package offheap

import (
	"fmt"
	"sync"
	"unsafe"
)

// Heap mode: blocks are Go byte slices, kept alive by a table until freed.
// The collector does not scan them (a []byte holds no pointers), so a
// pointer stored inside one block to another is invisible to it; the table
// is what keeps the target alive. Freed blocks are poisoned before they are
// dropped, so a reader that kept a reference sees garbage.
var heap struct {
	mu     sync.RWMutex
	blocks map[unsafe.Pointer][]byte
	refs   []unsafe.Pointer // handle-1 -> block
	refOf  map[unsafe.Pointer]Ref
	free   []Ref // handles to reuse
}

func heapAlloc(n int) (unsafe.Pointer, int) {
	size := SizeOf(n)
	b := make([]byte, size)
	ptr := unsafe.Pointer(unsafe.SliceData(b))
	heap.mu.Lock()
	if heap.blocks == nil {
		heap.blocks = map[unsafe.Pointer][]byte{}
		heap.refOf = map[unsafe.Pointer]Ref{}
	}
	heap.blocks[ptr] = b
	heap.mu.Unlock()
	if Invariants {
		dbgAlloc(ptr, size, false)
	}
	return ptr, size
}

// heapFree drops the block at ptr and returns its size.
func heapFree(ptr unsafe.Pointer) int {
	heap.mu.Lock()
	b, ok := heap.blocks[ptr]
	if !ok {
		heap.mu.Unlock()
		panic(fmt.Sprintf("offheap: double free of %p (or a pointer that was never allocated)", ptr))
	}
	delete(heap.blocks, ptr)
	if r, ok := heap.refOf[ptr]; ok {
		delete(heap.refOf, ptr)
		heap.refs[r-1] = nil
		heap.free = append(heap.free, r)
	}
	heap.mu.Unlock()
	if Invariants {
		dbgGenFree(ptr)
	}
	poison(b)
	return len(b)
}

func heapRef(b []byte) Ref {
	ptr := unsafe.Pointer(unsafe.SliceData(b))
	heap.mu.Lock()
	defer heap.mu.Unlock()
	var r Ref
	if k := len(heap.free); k > 0 {
		r = heap.free[k-1]
		heap.free = heap.free[:k-1]
		heap.refs[r-1] = ptr
	} else {
		heap.refs = append(heap.refs, ptr)
		r = Ref(len(heap.refs))
	}
	heap.refOf[ptr] = r
	return r
}

func heapUnref(r Ref) unsafe.Pointer { return heapPointer(r) }

func heapPointer(r Ref) unsafe.Pointer {
	heap.mu.RLock()
	defer heap.mu.RUnlock()
	if int(r) > len(heap.refs) || heap.refs[r-1] == nil {
		panic(fmt.Sprintf("offheap: Ref %d names no live block", r))
	}
	return heap.refs[r-1]
}
