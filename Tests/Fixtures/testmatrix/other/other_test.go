package other

import "testing"

func TestAlwaysFails(t *testing.T) { t.Error("this one always fails") }
