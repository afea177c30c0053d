// Package greet is served from a file module proxy the SBOM tests write.
package greet

// Hello greets name.
func Hello(name string) string { return "hello, " + name }
