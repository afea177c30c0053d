// Package bench is crossgo's benchmark example: work whose allocations depend on the target's pointer and int
// size, so that `crossgo bench` shows different B/op per target.
package bench

// shared is what every pointer of Pointers points to (no allocation of its own).
var shared = 1

// Pointers returns a slice of n pointers: 8 bytes each on 64-bit targets (amd64, arm64, riscv64, wasm),
// 4 bytes each on 32-bit ones (386, arm).
func Pointers(n int) []*int {
	out := make([]*int, n)
	for i := range out {
		out[i] = &shared
	}
	return out
}

// Ints returns n ints: int is the target's word size, so the slice is 8n or 4n bytes.
func Ints(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Checksum mixes every element of xs `slowdown` times (1 unless built with -tags crossgo_slow, which doubles
// the work: the deliberate slowdown crossgo's tests compare against a baseline).
func Checksum(xs []uint32) uint32 {
	var h uint32 = 2166136261
	for r := 0; r < slowdown; r++ {
		for _, x := range xs {
			h ^= x
			h *= 16777619
		}
	}
	return h
}
