package fmap

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"testing"
)

// minimizeCap bounds the time the fuzzing engine spends minimizing each
// input when -test.fuzzminimizetime is not given. The default (60 s per
// input) stalls these targets: their inputs are whole ROM regions of
// several KiB, and minimizing a []byte of n bytes tries O(n²) candidates
// (tens of millions for 4 KiB), each a full run of the fuzz function, so
// every newly interesting input froze fuzzing at 0 execs/sec for a minute.
const minimizeCap = "2s"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", minimizeCap); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

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
