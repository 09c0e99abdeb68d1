package reprocheck

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/initrd"
	"github.com/rules-heads/rules_heads/tools/rom/cbfs"
	"github.com/rules-heads/rules_heads/tools/rom/fmap"
	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

type file struct {
	name string
	mode int64
	data string
}

func mkTar(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mkCpioGz(t testing.TB, files ...file) []byte {
	t.Helper()
	s := initrd.NewSet(initrd.FormatDefault)
	for _, f := range files {
		if err := s.Add("test", &initrd.Entry{Name: f.name, Mode: initrd.TypeRegular | uint32(f.mode), NLink: 1, Data: []byte(f.data)}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	return buf.Bytes()
}

func mkZip(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.data))
	}
	zw.Close()
	return buf.Bytes()
}

func TestExplain(t *testing.T) {
	stamp := func(s string) []file {
		return []file{{"bin/hello", 0o755, "#!/bin/sh\necho hi\n"}, {"etc/stamp", 0o644, s}}
	}
	tests := []struct {
		name       string
		a, b       []byte
		wantPath   []string
		wantOffset int64
		wantDetail string
	}{
		{
			name: "raw bytes", a: []byte("abcdef"), b: []byte("abcXef"),
			wantOffset: 3, wantDetail: "6 bytes",
		},
		{
			name: "raw sizes", a: []byte("abc"), b: []byte("abcd"),
			wantOffset: 3, wantDetail: "3 bytes vs 4",
		},
		{
			name: "tar member contents",
			a:    mkTar(t, stamp("built 2026-12-04\n")...), b: mkTar(t, stamp("built 2026-12-05\n")...),
			wantPath: []string{"tar member etc/stamp"}, wantOffset: 15, wantDetail: "17 bytes",
		},
		{
			name: "tar member mode",
			a:    mkTar(t, file{"x", 0o644, "x"}), b: mkTar(t, file{"x", 0o600, "x"}),
			wantPath: []string{"tar member x"}, wantOffset: -1, wantDetail: "mode 0644",
		},
		{
			name: "tar member missing",
			a:    mkTar(t, file{"a", 0o644, "a"}, file{"b", 0o644, "b"}), b: mkTar(t, file{"a", 0o644, "a"}),
			wantPath: []string{"tar member b"}, wantOffset: -1, wantDetail: "only in the first build",
		},
		{
			name: "gzip cpio member",
			a:    mkCpioGz(t, stamp("/home/alice/build\n")...), b: mkCpioGz(t, stamp("/home/bob/build\n")...),
			wantPath: []string{"gzip stream", "cpio member etc/stamp"}, wantOffset: 6, wantDetail: "18 bytes vs 16",
		},
		{
			name:     "cpio inside tar",
			a:        mkTar(t, file{"initrd.cpio.gz", 0o644, string(mkCpioGz(t, stamp("1\n")...))}),
			b:        mkTar(t, file{"initrd.cpio.gz", 0o644, string(mkCpioGz(t, stamp("2\n")...))}),
			wantPath: []string{"tar member initrd.cpio.gz", "gzip stream", "cpio member etc/stamp"}, wantOffset: 0, wantDetail: "2 bytes",
		},
		{
			name:     "zip member",
			a:        mkZip(t, file{"hashes.txt", 0, "aaaa"}, file{"x.rom", 0, "rom1"}),
			b:        mkZip(t, file{"hashes.txt", 0, "aaaa"}, file{"x.rom", 0, "rom2"}),
			wantPath: []string{"zip member x.rom"}, wantOffset: 3, wantDetail: "4 bytes",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Explain("out/x", tc.a, tc.b)
			if d == nil {
				t.Fatal("Explain found no difference")
			}
			if !reflect.DeepEqual(d.Path, tc.wantPath) && !(len(d.Path) == 0 && len(tc.wantPath) == 0) {
				t.Errorf("Path = %q, want %q", d.Path, tc.wantPath)
			}
			if d.Offset != tc.wantOffset {
				t.Errorf("Offset = %d, want %d (%s)", d.Offset, tc.wantOffset, d)
			}
			if !strings.Contains(d.Detail, tc.wantDetail) {
				t.Errorf("Detail = %q, want it to contain %q", d.Detail, tc.wantDetail)
			}
			if !strings.HasPrefix(d.String(), "out/x") {
				t.Errorf("String() = %q does not name the artifact", d)
			}
		})
	}
}

func TestExplainIdentical(t *testing.T) {
	a := mkTar(t, file{"x", 0o644, "x"})
	if d := Explain("x", a, append([]byte(nil), a...)); d != nil {
		t.Fatalf("identical inputs: %v", d)
	}
}

// An ELF file (this test's own binary) with one byte of .text changed is
// reported in .text at that byte.
func TestExplainELF(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	a, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	text := f.Section(".text")
	if text == nil {
		t.Skip("test binary has no .text")
	}
	b := append([]byte(nil), a...)
	b[text.Offset+100] ^= 0xff
	d := Explain("bin/tool", a, b)
	if want := []string{"ELF section .text"}; !reflect.DeepEqual(d.Path, want) || d.Offset != 100 {
		t.Fatalf("got %s, want .text at offset 100", d)
	}
}

// A ROM whose CBFS holds one file that differs is reported in that file.
func TestExplainROM(t *testing.T) {
	romtest.Need(t, "fmaptool", "cbfstool")
	dir := t.TempDir()
	base := romtest.ReadFile(t, romtest.NewROM(t, dir, romtest.FMD(0x40000, 0x30000)))
	withFile := func(data string) []byte {
		rom := append([]byte(nil), base...)
		m, err := fmap.Find(rom)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Areas {
			if a.Name != "COREBOOT" {
				continue
			}
			c, err := cbfs.Open(rom[a.Offset:a.End()])
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Add("etc/stamp", cbfs.TypeRaw, []byte(data)); err != nil {
				t.Fatal(err)
			}
		}
		return rom
	}
	a, b := withFile("build one"), withFile("build two")
	romtest.WriteFile(t, filepath.Join(dir, "a.rom"), a)
	d := Explain("x.rom", a, b)
	want := []string{"FMAP area COREBOOT", "CBFS file etc/stamp"}
	if d == nil || !reflect.DeepEqual(d.Path, want) || d.Offset != 6 {
		t.Fatalf("got %v, want %q at offset 6", d, want)
	}
}

func TestCompare(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	write := func(root, name, data string) {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []string{a, b} {
		write(r, "out/x.rom", "rom")
		write(r, "out/tree/one", "1")
	}
	arts, d, err := Compare(a, b, []string{"out/x.rom", "out/tree"})
	if err != nil || d != nil {
		t.Fatalf("identical trees: %v, %v", d, err)
	}
	if len(arts) != 2 || arts[0].Path != "out/tree/one" || arts[1].Path != "out/x.rom" || arts[1].Size != 3 {
		t.Fatalf("artifacts = %+v", arts)
	}
	write(b, "out/tree/two", "2")
	if _, d, _ = Compare(a, b, []string{"out/x.rom", "out/tree"}); d == nil || d.Artifact != "out/tree/two" || d.Detail != "only in the second build" {
		t.Fatalf("extra file: %v", d)
	}
	write(a, "out/tree/two", "2")
	write(b, "out/x.rom", "ROM")
	if _, d, _ = Compare(a, b, []string{"out/x.rom", "out/tree"}); d == nil || d.Artifact != "out/x.rom" || d.Offset != 0 {
		t.Fatalf("differing file: %v", d)
	}
}
