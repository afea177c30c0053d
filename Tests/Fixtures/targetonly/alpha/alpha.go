// Package alpha builds and passes everywhere.
package alpha

// One returns 1.
func One() int { return 1 }
