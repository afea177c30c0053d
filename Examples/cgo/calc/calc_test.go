package calc

import (
	"math"
	"testing"
)

func TestHypotenuse(t *testing.T) {
	if got := Hypotenuse(3, 4); got != 5 {
		t.Fatalf("Hypotenuse(3, 4) = %v, want 5", got)
	}
	if got := Hypotenuse(1, 1); math.Abs(got-math.Sqrt2) > 1e-15 {
		t.Fatalf("Hypotenuse(1, 1) = %v, want %v", got, math.Sqrt2)
	}
}

func TestSelfCheck(t *testing.T) {
	if code := SelfCheck(); code != 0 {
		t.Fatalf("the C self-check returned %d", code)
	}
}

func TestLibc(t *testing.T) {
	if Libc() == "unknown" {
		t.Fatal("the C side does not know its C library")
	}
}
