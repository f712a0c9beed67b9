//go:build race

package keytab

// raceEnabled scales the randomized tests down under the race detector, which
// slows them about tenfold.
const raceEnabled = true
