//go:build !race

package commands

const numRace = false
