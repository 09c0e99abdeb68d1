package initrd

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type file struct{ name, body string }

// makeTree writes files (a trailing "/" makes a directory, "->" a
// symlink) in the given order with the given umask and mtime.
func makeTree(t *testing.T, files []file, umask int, mtime time.Time) string {
	t.Helper()
	old := syscall.Umask(umask)
	defer syscall.Umask(old)
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(f.name, "/"):
			if err := os.MkdirAll(p, 0o777); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(f.body, "->"):
			if err := os.Symlink(f.body[2:], p); err != nil {
				t.Fatal(err)
			}
			continue
		default:
			mode := os.FileMode(0o666)
			if strings.HasPrefix(f.body, "#!") {
				mode = 0o777
			}
			if err := os.WriteFile(p, []byte(f.body), mode); err != nil {
				t.Fatal(err)
			}
		}
		os.Chtimes(p, mtime, mtime)
	}
	return dir
}

func treeBytes(t *testing.T, dir string, f Format) []byte {
	t.Helper()
	s := NewSet(f)
	if err := s.AddTree(dir, ""); err != nil {
		t.Fatal(err)
	}
	b, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTreeIndependentOfHost builds the same tree with different umasks,
// mtimes and creation orders; every format must give identical bytes.
func TestTreeIndependentOfHost(t *testing.T) {
	files := []file{
		{"bin/busybox", "#!elf"}, {"bin/sh", "->busybox"}, {"etc/", ""},
		{"etc/config", "CONFIG_X=y\n"}, {"init", "#!/bin/sh\n"}, {"lib/modules/a.ko", "ko"},
	}
	rev := make([]file, len(files))
	for i, f := range files {
		rev[len(files)-1-i] = f
	}
	for _, f := range []Format{FormatDefault, FormatHeadsCompat} {
		a := treeBytes(t, makeTree(t, files, 0o022, time.Unix(0, 0)), f)
		b := treeBytes(t, makeTree(t, rev, 0o077, time.Unix(1700000000, 0)), f)
		c := treeBytes(t, makeTree(t, files, 0o002, time.Now()), f)
		if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
			t.Fatalf("format %d: outputs differ across umask/mtime/order", f)
		}
	}
	es, err := ReadAll(bytes.NewReader(treeBytes(t, makeTree(t, files, 0o077, time.Now()), FormatDefault)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, Describe(e))
	}
	want := "0040755 0:0 0 - bin\n" +
		"0100755 0:0 5 " + sha("#!elf") + " bin/busybox\n" +
		"0120777 0:0 7 - bin/sh -> busybox\n" +
		"0040755 0:0 0 - etc\n" +
		"0100644 0:0 11 " + sha("CONFIG_X=y\n") + " etc/config\n" +
		"0100755 0:0 10 " + sha("#!/bin/sh\n") + " init\n" +
		"0040755 0:0 0 - lib\n0040755 0:0 0 - lib/modules\n" +
		"0100644 0:0 2 " + sha("ko") + " lib/modules/a.ko"
	if strings.Join(got, "\n") != want {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}

func TestTreeDestAndMergeOrder(t *testing.T) {
	a := makeTree(t, []file{{"x", "from a"}, {"y", "a"}}, 0o022, time.Now())
	b := makeTree(t, []file{{"x", "from b"}}, 0o022, time.Now())
	s := NewSet(FormatDefault)
	for _, in := range [][2]string{{a, "opt/d"}, {b, "opt/d"}} {
		if err := s.AddTree(in[0], in[1]); err != nil {
			t.Fatal(err)
		}
	}
	es, _ := s.Entries()
	var names []string
	for _, e := range es {
		names = append(names, e.Name+"="+string(e.Data))
	}
	if got := strings.Join(names, ","); got != "opt=,opt/d=,opt/d/x=from b,opt/d/y=a" {
		t.Fatalf("got %s", got)
	}
	if err := s.AddTree(a, "../up"); !errors.Is(err, ErrBadName) {
		t.Fatalf("err = %v", err)
	}
}

func tarOf(t *testing.T, hs []*tar.Header, bodies []string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for i, h := range hs {
		h.Size = int64(len(bodies[i]))
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(bodies[i]))
	}
	w.Close()
	return b.Bytes()
}

func TestAddTar(t *testing.T) {
	tb := tarOf(t, []*tar.Header{
		{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./bin/tool", Typeflag: tar.TypeReg, Mode: 0o4755, Uid: 1000},
		{Name: "./bin/tool2", Typeflag: tar.TypeLink, Linkname: "./bin/tool", Mode: 0o755},
		{Name: "./bin/t", Typeflag: tar.TypeSymlink, Linkname: "tool", Mode: 0o777},
	}, []string{"", "", "ELF", "", ""})
	for _, c := range []Compression{None, Gzip, Zstd, XZ} {
		z, err := Compress(tb, c, CompressOptions{NoExternal: true})
		if err != nil {
			t.Fatal(err)
		}
		s := NewSet(FormatDefault)
		if err := s.AddTar("t.tar", bytes.NewReader(z), "usr"); err != nil {
			t.Fatal(c, err)
		}
		es, _ := s.Entries()
		var got []string
		for _, e := range es {
			got = append(got, Describe(e))
		}
		want := "0040755 0:0 0 - usr\n0040755 0:0 0 - usr/bin\n0120777 0:0 4 - usr/bin/t -> tool\n" +
			"0104755 0:0 3 " + sha("ELF") + " usr/bin/tool\n0100755 0:0 3 " + sha("ELF") + " usr/bin/tool2"
		if strings.Join(got, "\n") != want {
			t.Fatalf("%s: got\n%s\nwant\n%s", c, strings.Join(got, "\n"), want)
		}
	}
	bad := tarOf(t, []*tar.Header{{Name: "../evil", Typeflag: tar.TypeReg}}, []string{""})
	err := NewSet(FormatDefault).AddTar("evil.tar", bytes.NewReader(bad), "")
	if !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), `evil.tar: member "../evil"`) {
		t.Fatalf("err = %v", err)
	}
	abs := tarOf(t, []*tar.Header{{Name: "/etc/passwd", Typeflag: tar.TypeReg}}, []string{""})
	if err := NewSet(FormatDefault).AddTar("abs.tar", bytes.NewReader(abs), ""); !errors.Is(err, ErrBadName) {
		t.Fatalf("err = %v", err)
	}
}

func TestAddCpioCompressedAndMerged(t *testing.T) {
	a := archive(member("etc/c", TypeRegular|0o644, "old"), member("keep", TypeRegular|0o644, "k"))
	b := archive(member("etc/c", TypeRegular|0o644, "new"))
	s := NewSet(FormatDefault)
	for i, raw := range [][]byte{a, b} {
		z, _ := Compress(raw, []Compression{Gzip, Zstd}[i], CompressOptions{})
		if err := s.AddCpio("in", bytes.NewReader(Pad(z, 512))); err != nil {
			t.Fatal(err)
		}
	}
	es, _ := s.Entries()
	if len(es) != 3 || string(es[1].Data) != "new" || string(es[2].Data) != "k" {
		t.Fatalf("got %v", es)
	}
	err := s.AddCpio("bad.cpio", strings.NewReader(strings.Repeat("not a cpio ", 20)))
	if !errors.Is(err, ErrBadMagic) || !strings.Contains(err.Error(), "bad.cpio") {
		t.Fatalf("err = %v", err)
	}
}
