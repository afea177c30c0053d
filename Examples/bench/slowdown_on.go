//go:build crossgo_slow

package bench

// slowdown doubles Checksum's work: a deliberate 2x regression for comparing against a baseline.
const slowdown = 2
