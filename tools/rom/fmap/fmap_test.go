package fmap

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

func sample() *FMAP {
	return &FMAP{VerMajor: 1, VerMinor: 1, Size: 0x10000, Name: "FLASH", Areas: []Area{
		{Name: "BIOS", Offset: 0, Size: 0x10000},
		{Name: "FMAP", Offset: 0, Size: 0x200, Flags: FlagStatic},
		{Name: "COREBOOT", Offset: 0x200, Size: 0xfe00},
	}}
}

func image(t *testing.T, f *FMAP, at int) []byte {
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	img := make([]byte, f.Size)
	copy(img[at:], b)
	return img
}

func TestFindRoundTrip(t *testing.T) {
	img := image(t, sample(), 0x100)
	f, err := Find(img)
	if err != nil {
		t.Fatal(err)
	}
	if f.Offset != 0x100 || len(f.Areas) != 3 || f.Areas[2].Name != "COREBOOT" || f.Areas[1].FlagString() != "static" {
		t.Errorf("parsed %+v", f)
	}
	a, err := f.Area("COREBOOT")
	if err != nil || a.Offset != 0x200 {
		t.Errorf("Area = %+v, %v", a, err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(f *FMAP)
		img    func([]byte) []byte
		want   error
		msg    string
	}{
		{"no signature", nil, func(b []byte) []byte { b[0x100] = 'x'; return b }, ErrNotFound, ""},
		{"truncated header", nil, func(b []byte) []byte { return b[:0x100+20] }, ErrTruncated, "header needs 56"},
		{"truncated areas", nil, func(b []byte) []byte { return b[:0x100+56+50] }, ErrTruncated, "3 areas need 182"},
		{"bad version", nil, func(b []byte) []byte { b[0x108] = 2; return b }, ErrCorrupt, "version 2"},
		{"area past flash", func(f *FMAP) { f.Areas[2].Size = 0x10000 }, nil, ErrCorrupt, "COREBOOT"},
		{"overlap", func(f *FMAP) { f.Areas = append(f.Areas, Area{Name: "RW", Offset: 0x100, Size: 0x200}) }, nil, ErrOverlap, `"FMAP" [0x0-0x200) and "RW"`},
		{"name not terminated", nil, func(b []byte) []byte { copy(b[0x100+22:], strings.Repeat("N", 32)); return b }, ErrCorrupt, "NUL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sample()
			if tc.mutate != nil {
				tc.mutate(f)
			}
			img := image(t, f, 0x100)
			if tc.img != nil {
				img = tc.img(img)
			}
			_, err := Find(img)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
	f := sample()
	if _, err := f.Area("RW_LEGACY"); !errors.Is(err, ErrUnknownRegion) || !strings.Contains(err.Error(), "known: BIOS, FMAP, COREBOOT") {
		t.Errorf("unknown region: %v", err)
	}
}

var layoutLine = regexp.MustCompile(`^'([^']+)'.*size (\d+), offset (\d+)\)`)

// TestCrossCheckLayout parses cbfstool-made ROMs and compares with
// cbfstool layout -w.
func TestCrossCheckLayout(t *testing.T) {
	romtest.Need(t, "cbfstool", "fmaptool")
	t.Logf("cbfstool: %s", romtest.CBFSVersion())
	for _, fmd := range []string{
		romtest.FMD(0x40000, 0x3ee00),
		`FLASH 12M {
	SI_ALL@0 0x1b000 {
		SI_DESC@0 0x1000
		SI_GBE@0x1000 0x2000
		SI_ME@0x3000 0x18000
	}
	SI_BIOS@0x1b000 0xbe5000 {
		RW_MRC_CACHE 0x10000
		FMAP 0x800
		COREBOOT(CBFS)
	}
}
`} {
		dir := t.TempDir()
		rom := romtest.NewROM(t, dir, fmd)
		f, err := Find(romtest.ReadFile(t, rom))
		if err != nil {
			t.Fatal(err)
		}
		var ours []string
		for _, a := range f.Areas {
			ours = append(ours, fmt.Sprintf("%s %d %d", a.Name, a.Size, a.Offset))
		}
		out := romtest.Run(t, dir, "cbfstool", filepath.Base(rom), "layout", "-w")
		var theirs []string
		for _, l := range strings.Split(out, "\n") {
			m := layoutLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			size, _ := strconv.Atoi(m[2])
			off, _ := strconv.Atoi(m[3])
			// Aliases print as 'A', 'B' are aliases for ...: list each.
			for _, n := range regexp.MustCompile(`'([^']+)'`).FindAllStringSubmatch(strings.SplitN(l, "(", 2)[0], -1) {
				theirs = append(theirs, fmt.Sprintf("%s %d %d", n[1], size, off))
			}
		}
		sort.Strings(ours)
		sort.Strings(theirs)
		if strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
			t.Errorf("cbfstool layout -w:\n%s\nours:\n%s", strings.Join(theirs, "\n"), strings.Join(ours, "\n"))
		}
	}
}
