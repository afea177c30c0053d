// cgocalc: a cgo program for crossgo's cgo example. C computes a hypotenuse (libm's sqrt) and prints it with puts;
// the net package resolves localhost through the C library's resolver.
package main

import (
	"fmt"
	"os"
	"runtime"

	"example.com/cgocalc/calc"
	"example.com/cgocalc/lookup"
)

func main() {
	calc.Say(fmt.Sprintf("cgo on %s/%s: C says hypot(3, 4) = %g (libc: %s)", runtime.GOOS, runtime.GOARCH, calc.Hypotenuse(3, 4), calc.Libc()))
	addrs, err := lookup.Addresses("localhost")
	if err != nil {
		fmt.Fprintln(os.Stderr, "lookup localhost:", err)
		os.Exit(1)
	}
	fmt.Printf("localhost -> %v\n", addrs)
}
