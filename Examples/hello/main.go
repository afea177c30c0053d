// Command hello says which platform it was built for and which it runs on.
package main

import (
	"fmt"
	"os"
	"runtime"
)

// version is filled in by a release: crossgo release --ldflags='-X main.version={{.Version}}'.
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println(version)
		return
	}
	fmt.Printf("hello from %s/%s (%s)\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
}
