package gazelle

import "testing"

func TestStripOf(t *testing.T) {
	for opt, want := range map[string]int{"": 1, "--strip 2": 2, "--strip-components=3": 3, "-v --strip 0": 0, "--strip x": 1} {
		if got := stripOf(opt); got != want {
			t.Errorf("stripOf(%q) = %d, want %d", opt, got, want)
		}
	}
}
