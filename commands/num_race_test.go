//go:build race

package commands

// numRace is true under the race detector, whose instrumentation allocates
// behind the code under test.
const numRace = true
