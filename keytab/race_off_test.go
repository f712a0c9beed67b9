//go:build !race

package keytab

const raceOn = false
