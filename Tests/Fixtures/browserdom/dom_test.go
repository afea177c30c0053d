package dom

import "testing"

func TestCreatesElement(t *testing.T) {
	got, err := MakeElement()
	if err != nil {
		t.Fatal(err)
	}
	if got != "made by Go" {
		t.Fatalf("got %q", got)
	}
}
