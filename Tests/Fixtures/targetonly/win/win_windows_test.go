package win

import (
	"os"
	"testing"
)

func TestSep(t *testing.T) {
	if Sep() != string(os.PathListSeparator) {
		t.Fatalf("separator %q, want %q", Sep(), string(os.PathListSeparator))
	}
}
