//go:build !linux

package memtree

// SetHugePages does nothing outside Linux.
func SetHugePages(on bool) {}

func adviseHuge(b []byte) {}
