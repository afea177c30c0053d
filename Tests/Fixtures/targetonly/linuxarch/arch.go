// Package linuxarch builds everywhere; its only test file is for linux.
package linuxarch

// Word is the machine word size in bits.
func Word() int { return 64 }
