package calc

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestAdd(t *testing.T) {
	if Add(2, 3) != 5 {
		t.Fatal("2+3 != 5")
	}
}

func TestReadsTestdata(t *testing.T) {
	data, err := os.ReadFile("testdata/input.txt")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(data)) != "forty-two" {
		t.Fatalf("got %q", data)
	}
}

func TestSkipped(t *testing.T) { t.Skip("not today") }

func TestNotOnRISCV(t *testing.T) {
	if runtime.GOARCH == "riscv64" {
		t.Fatal("fails only on riscv64")
	}
}
