//go:build special

// Command special exists only with -tags special.
package main

import "fmt"

func main() { fmt.Println("special") }
