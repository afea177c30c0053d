// Package common builds everywhere and has no tests.
package common

// Double returns twice n.
func Double(n int) int { return 2 * n }
