// A program with three kinds of dependency, for the SBOM tests: one from a module proxy (with a go.sum hash),
// one replaced by a local directory, and one replaced by another module version.
package main

import (
	"fmt"

	"example.com/fake"
	"example.com/greet"
	"example.com/old"
)

var version = "dev"

func main() {
	fmt.Println(greet.Hello(fake.Name()), old.Tag(), version)
}
