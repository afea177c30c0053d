package bench

import "testing"

var (
	sinkPointers []*int
	sinkInts     []int
	sinkSum      uint32
)

// BenchmarkPointers allocates 1024 pointers per op: 8 KiB on 64-bit targets, 4 KiB on 32-bit ones.
func BenchmarkPointers(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkPointers = Pointers(1024)
	}
}

// BenchmarkInts allocates 512 ints per op: 4 KiB or 2 KiB by the target's int size.
func BenchmarkInts(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sinkInts = Ints(512)
	}
}

// BenchmarkChecksum is CPU work without allocations; -tags crossgo_slow makes it twice as long.
func BenchmarkChecksum(b *testing.B) {
	xs := make([]uint32, 64<<10)
	for i := range xs {
		xs[i] = uint32(i) * 2654435761
	}
	b.SetBytes(int64(len(xs) * 4))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sinkSum = Checksum(xs)
	}
}

func TestChecksumStable(t *testing.T) {
	if Checksum([]uint32{1, 2, 3}) == Checksum([]uint32{1, 2, 4}) {
		t.Fatal("checksum ignores its input")
	}
}
