package linuxarch

import (
	"runtime"
	"testing"
)

// Passes on linux/amd64, fails on every other linux architecture.
func TestAmd64Only(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Fatalf("running on %s", runtime.GOARCH)
	}
}
