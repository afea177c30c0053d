// Package fake is a local module the SBOM fixture replaces by directory.
package fake

// Name returns a fixed name.
func Name() string { return "sbom" }
