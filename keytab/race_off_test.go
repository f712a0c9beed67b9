//go:build !race

package keytab

const raceEnabled = false
