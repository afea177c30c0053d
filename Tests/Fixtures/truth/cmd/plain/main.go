// Command plain prints its arguments.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() { fmt.Println("args:", strings.Join(os.Args[1:], ",")) }
