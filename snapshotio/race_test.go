//go:build race

package snapshotio

// raceEnabled trims the slowest exhaustive tests under the race detector,
// which makes them ten times slower; a plain go test runs them in full.
const raceEnabled = true
