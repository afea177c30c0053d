//go:build !crossgo_slow

package bench

// slowdown is how many times Checksum repeats its work: 1, the honest default.
const slowdown = 1
