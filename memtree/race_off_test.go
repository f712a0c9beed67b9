//go:build !race

package memtree

const raceEnabled = false
