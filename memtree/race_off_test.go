//go:build !race

package memtree

const raceOn = false
