package lookup

import "testing"

func TestLocalhost(t *testing.T) {
	addrs, err := Addresses("localhost")
	if err != nil {
		t.Fatalf("looking up localhost: %v", err)
	}
	for _, a := range addrs {
		if a == "127.0.0.1" || a == "::1" {
			return
		}
	}
	t.Fatalf("localhost resolved to %v, without 127.0.0.1 or ::1", addrs)
}
