//go:build !race

package snapshotio

const raceEnabled = false
