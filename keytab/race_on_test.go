//go:build race

package keytab

// raceOn scales the randomized tests down under the race detector, which
// slows them about tenfold.
const raceOn = true
