// Package old, as a fork published as example.com/fork v1.1.0 (its go.mod keeps the original path).
package old

// Tag names the fork.
func Tag() string { return "fork" }
