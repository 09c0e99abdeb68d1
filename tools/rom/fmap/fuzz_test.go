package fmap

import (
	"reflect"
	"testing"

	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

func TestMain(m *testing.M) { romtest.FuzzMain(m) }

func FuzzFind(f *testing.F) {
	b, _ := sample().Marshal()
	f.Add(b)
	f.Add(append(make([]byte, 7), b...))
	f.Add([]byte(Signature))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Find(data)
		if err != nil {
			return
		}
		for _, a := range m.Areas {
			if _, _, err := m.Region(data, a.Name); err != nil {
				t.Fatalf("area %q of a valid FMAP: %v", a.Name, err)
			}
		}
		enc, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Parse(enc)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		m2.Offset = m.Offset
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip:\n%+v\n%+v", m, m2)
		}
	})
}
