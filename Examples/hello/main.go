// Command hello says which platform it was built for and which it runs on.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("hello from %s/%s (%s)\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
}
