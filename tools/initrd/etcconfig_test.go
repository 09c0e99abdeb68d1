package initrd

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestParseBoardConfig(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []ConfigVar
		bad  string // substring of the error, "" for none
	}{
		{"", nil, ""},
		{"CONFIG_A=1\n# export CONFIG_B=2\nBOARD := x\n", nil, ""},
		{"export CONFIG_A=1", []ConfigVar{{"CONFIG_A", "1"}}, ""},
		{"  export\tCONFIG_A := \"x y\"  \n", []ConfigVar{{"CONFIG_A", "x y"}}, ""},
		{"export CONFIG_A?=v\nexport CONFIG_B=\n", []ConfigVar{{"CONFIG_A", "v"}, {"CONFIG_B", ""}}, ""},
		{`export CONFIG_A="`, []ConfigVar{{"CONFIG_A", ""}}, ""},
		{`export CONFIG_A=""x""`, []ConfigVar{{"CONFIG_A", `"x"`}}, ""},
		{`export CONFIG_A=x"`, []ConfigVar{{"CONFIG_A", "x"}}, ""},
		{`export CONFIG_A="x`, []ConfigVar{{"CONFIG_A", "x"}}, ""},
		{`export CONFIG_A=a\b $c`, []ConfigVar{{"CONFIG_A", `a\b $c`}}, ""},
		{"export CONFIG_A==x", []ConfigVar{{"CONFIG_A", "=x"}}, ""},
		{"exporter = 1\nexports CONFIG_A=1", nil, ""},
		{"export CONFIG_BROKEN", nil, "cfg:1: malformed export line; expected 'export CONFIG_NAME=value': export CONFIG_BROKEN"},
		{"x\nexport", nil, "cfg:2: "},
		{"export FOO=1", nil, "cfg:1: "},
		{"export CONFIG_=1", nil, "cfg:1: "},
		{"export CONFIG_A:x=1", nil, "cfg:1: "},
		{"export\tCONFIG_A-B=1", nil, "cfg:1: "},
		{"export CONFIG_A ::= 1", nil, "cfg:1: "},
		{"export a\nexport b\nexport c\nexport d\n", nil, "cfg:3: malformed export line; expected 'export CONFIG_NAME=value': export c"},
	} {
		got, err := ParseBoardConfig("cfg", []byte(c.in))
		if c.bad != "" {
			if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), c.bad) {
				t.Errorf("%q: err = %v, want %q", c.in, err, c.bad)
			}
			if strings.Contains(err.Error(), "cfg:4") {
				t.Errorf("%q: more than 3 lines reported: %v", c.in, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestEtcConfigRender(t *testing.T) {
	got := string(EtcConfig([]ConfigVar{{"CONFIG_A", "x y"}, {"CONFIG_BOARD", "b"}}))
	if want := "export CONFIG_A=\"x y\"\nexport CONFIG_BOARD=\"b\"\n"; got != want {
		t.Fatalf("got %q", got)
	}
}

// The old shell's patterns, as a reference for the fuzz target.
var (
	refGood   = regexp.MustCompile(`^[[:space:]]*export[[:space:]]+(CONFIG_[A-Za-z0-9_]+)[[:space:]]*[:?]?=(.*)$`)
	refExport = regexp.MustCompile(`^[[:space:]]*export([[:space:]]|$)`)
)

func refParse(data string) (vars []ConfigVar, bad int) {
	for _, line := range strings.Split(data, "\n") {
		if m := refGood.FindStringSubmatch(line); m != nil {
			v := strings.Trim(m[2], " \t\n\v\f\r")
			v = strings.TrimSuffix(v, `"`)
			vars = append(vars, ConfigVar{m[1], strings.TrimPrefix(v, `"`)})
		} else if refExport.MatchString(line) {
			bad++
		}
	}
	return vars, bad
}

func FuzzParseBoardConfig(f *testing.F) {
	for _, s := range []string{"export CONFIG_A=1\n", " export CONFIG_B := \"v\" \n", "export CONFIG_X\n", "exporter=1", "export\t CONFIG_A?=\"\"\"\n\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseBoardConfig("f", data)
		want, bad := refParse(string(data))
		if bad > 0 {
			if !errors.Is(err, ErrBadConfig) || strings.Count(err.Error(), "\n")+1 != min(bad, 3) {
				t.Fatalf("%q: %d bad lines, err = %v", data, bad, err)
			}
			return
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %q, %v; want %q", data, got, err, want)
		}
	})
}
