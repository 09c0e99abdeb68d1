package stitch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"8M", 8 << 20, false}, {"4MiB", 4 << 20, false}, {"12m", 12 << 20, false},
		{"4096", 4096, false}, {"0x1000", 4096, false}, {"64K", 65536, false}, {"1G", 1 << 30, false},
		{"", 0, true}, {"-1", 0, true}, {"8X", 0, true}, {"M", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func TestPadSplit(t *testing.T) {
	img := []byte{1, 2, 3}
	p, err := Pad(img, 6)
	if err != nil || !bytes.Equal(p, []byte{1, 2, 3, 0xff, 0xff, 0xff}) {
		t.Errorf("Pad = %v, %v", p, err)
	}
	if _, err := Pad(img, 2); !errors.Is(err, ErrTooBig) {
		t.Errorf("Pad too small: %v", err)
	}
	parts, err := Split(p, []int64{4, 2})
	if err != nil || !bytes.Equal(parts[0], p[:4]) || !bytes.Equal(parts[1], p[4:]) {
		t.Errorf("Split = %v, %v", parts, err)
	}
	if _, err := Split(p, []int64{4, 1}); !errors.Is(err, ErrSizeSum) {
		t.Errorf("Split bad sum: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	root := t.TempDir()
	for name, data := range map[string]string{"heads.rom": "full", "bottom.rom": "b", "top.rom": "t"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := func(n string) string { return filepath.Join(root, n) }
	arts, err := Describe(root, []string{p("top.rom"), p("heads.rom"), p("bottom.rom")})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(SizesText(arts)); got != "1 bottom.rom\n4 heads.rom\n1 top.rom\n" {
		t.Errorf("sizes:\n%s", got)
	}
	h := string(HashesText(arts))
	if !bytes.HasPrefix([]byte(h), []byte("3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  bottom.rom\n")) {
		t.Errorf("hashes:\n%s", h)
	}
	// Heads bug #1829: bottom.rom listed twice.
	if _, err := Describe(root, []string{p("bottom.rom"), p("heads.rom"), p("./bottom.rom")}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := Describe(root, []string{filepath.Join(root, "..", "x")}); !errors.Is(err, ErrOutside) {
		t.Errorf("outside: %v", err)
	}
}
