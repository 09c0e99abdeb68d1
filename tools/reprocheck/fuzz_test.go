package reprocheck

import (
	"bytes"
	"testing"

	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

// TestMain caps fuzz input minimization, which stalls on inputs of KiB.
func TestMain(m *testing.M) { romtest.FuzzMain(m) }

// FuzzExplain feeds arbitrary pairs (seeded with the formats Explain
// parses) and checks it never panics, finds no difference in equal inputs
// and always one in unequal inputs, with an offset inside both when the
// difference is in the bytes of the outermost artifact.
func FuzzExplain(f *testing.F) {
	seeds := [][]byte{
		mkTar(f, file{"a", 0o644, "x"}),
		mkCpioGz(f, file{"init", 0o755, "#!/bin/sh\n"}),
		mkZip(f, file{"x.rom", 0, "rom"}),
		[]byte("\x7fELF\x02\x01\x01"),
		[]byte("__FMAP__\x01\x01"),
		[]byte("070701"),
	}
	for _, a := range seeds {
		for _, b := range seeds {
			f.Add(a, b)
		}
		f.Add(a, append(append([]byte(nil), a...), 0))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		d := Explain("x", a, b)
		if bytes.Equal(a, b) {
			if d != nil {
				t.Fatalf("equal inputs reported as %v", d)
			}
			return
		}
		if d == nil {
			t.Fatal("unequal inputs reported as equal")
		}
		if len(d.Path) == 0 && (d.Offset < 0 || d.Offset > int64(max(len(a), len(b)))) {
			t.Fatalf("offset %d outside the inputs (%d, %d bytes)", d.Offset, len(a), len(b))
		}
		_ = d.String()
	})
}
