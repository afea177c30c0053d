package goenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Under `go test -exec`, a test binary runs in go's environment: the build's GOOS and GOARCH, GOROOT/bin first
// on PATH, PWD the package folder (wasip1's wrapper passes only PWD and PATH). Tests that run `go build`
// depend on it (os.TestExecutableDeleted builds for the target under go).
func TestGoEnvironment(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if pwd := os.Getenv("PWD"); pwd != wd {
		t.Errorf("PWD=%q, working folder %q", pwd, wd)
	}
	if runtime.GOOS == "wasip1" {
		if os.Getenv("GOOS") != "" {
			t.Errorf("wasip1 guests see only PWD and PATH under go's wrapper, got GOOS=%q", os.Getenv("GOOS"))
		}
		return
	}
	// go passes its own environment: GOOS/GOARCH are there when the build set them (every cross build does;
	// plain `go test` on the host sets none). Where they are set, they name the target.
	goos, goarch := os.Getenv("GOOS"), os.Getenv("GOARCH")
	crossBuilt := runtime.GOARCH != "amd64" // the fixture's cross targets: riscv64, wasm
	if (crossBuilt || goos != "") && (goos != runtime.GOOS || goarch != runtime.GOARCH) {
		t.Errorf("GOOS/GOARCH=%q/%q, built for %s/%s", goos, goarch, runtime.GOOS, runtime.GOARCH)
	}
	first := strings.Split(os.Getenv("PATH"), string(os.PathListSeparator))[0]
	if filepath.Base(first) != "bin" {
		t.Errorf("PATH starts with %q, not GOROOT/bin", first)
	}
}
