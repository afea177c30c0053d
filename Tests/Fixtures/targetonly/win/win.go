// Package win builds everywhere; its only test file is for windows.
package win

// Sep is the path list separator this package expects.
func Sep() string { return ";" }
