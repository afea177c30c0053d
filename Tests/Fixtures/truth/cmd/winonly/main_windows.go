// Command winonly exists only for windows: its one file is main_windows.go.
package main

import "fmt"

func main() { fmt.Println("windows only") }
