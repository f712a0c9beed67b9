//go:build race

package offheap

// raceEnabled: the race detector only watches the Go heap, so blocks come
// from it (heap.go) and races on chunks and nodes are still reported.
const raceEnabled = true
