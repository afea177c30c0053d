//go:build js

package jsdom

import "testing"

// Fails under node (no document), passes in a browser.
func TestTitle(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("no document: %v", r)
		}
	}()
	_ = Title()
}
