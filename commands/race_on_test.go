//go:build race

package commands

// raceEnabled is true under the race detector, whose instrumentation allocates
// behind the code under test.
const raceEnabled = true
