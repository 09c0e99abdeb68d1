package initrd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func needCpio(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("GNU cpio not installed: cross-check skipped")
	}
	return p
}

// TestGNUCpioReadsOurs: GNU cpio lists and extracts what we write.
func TestGNUCpioReadsOurs(t *testing.T) {
	cpio := needCpio(t)
	src := makeTree(t, []file{{"bin/busybox", "#!elf"}, {"bin/sh", "->busybox"}, {"etc/config", "CONFIG_X=y\n"},
		{"empty/", ""}, {"init", "#!/bin/sh\n"}}, 0o022, time.Now())
	for _, f := range []Format{FormatDefault, FormatHeadsCompat} {
		arch := treeBytes(t, src, f)
		list := exec.Command(cpio, "-t", "--quiet")
		list.Stdin = bytes.NewReader(arch)
		out, err := list.CombinedOutput()
		if err != nil {
			t.Fatalf("cpio -t: %v\n%s", err, out)
		}
		want := "bin\nbin/busybox\nbin/sh\nempty\netc\netc/config\ninit\n"
		if f == FormatHeadsCompat {
			want = ".\n" + want
		}
		if string(out) != want {
			t.Fatalf("format %d: cpio -t:\n%s", f, out)
		}
		dst := t.TempDir()
		ext := exec.Command(cpio, "-i", "-d", "--quiet", "--no-absolute-filenames")
		ext.Dir, ext.Stdin = dst, bytes.NewReader(arch)
		if out, err := ext.CombinedOutput(); err != nil {
			t.Fatalf("cpio -i: %v\n%s", err, out)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "etc/config")); err != nil || string(b) != "CONFIG_X=y\n" {
			t.Fatalf("extracted etc/config = %q, %v", b, err)
		}
		if l, err := os.Readlink(filepath.Join(dst, "bin/sh")); err != nil || l != "busybox" {
			t.Fatalf("extracted bin/sh -> %q, %v", l, err)
		}
		fi, err := os.Stat(filepath.Join(dst, "init"))
		if err != nil || fi.Mode().Perm()&0o100 == 0 {
			t.Fatalf("init mode %v, %v", fi.Mode(), err)
		}
	}
}

// TestReadGNUCpio: we read what `find . | cpio -H newc -o` writes, and
// building from it gives the same contents as building from the tree.
func TestReadGNUCpio(t *testing.T) {
	cpio := needCpio(t)
	src := makeTree(t, []file{{"a/b/c", "data"}, {"a/l", "->b/c"}, {"x", "#!/bin/sh\n"}}, 0o022, time.Now())
	if err := os.Link(filepath.Join(src, "a/b/c"), filepath.Join(src, "hard")); err != nil {
		t.Fatal(err)
	}
	find := exec.Command("sh", "-c", "find . | "+cpio+" -H newc -o --quiet")
	find.Dir = src
	gnu, err := find.Output()
	if err != nil {
		t.Fatalf("find | cpio: %v", err)
	}
	s := NewSet(FormatDefault)
	if err := s.AddCpio("gnu.cpio", bytes.NewReader(gnu)); err != nil {
		t.Fatal(err)
	}
	fromCpio, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if err := Diff(fromCpio, treeBytes(t, src, FormatDefault)); err != nil && !strings.Contains(err.Error(), "mode") {
		t.Fatalf("cpio vs tree: %v", err)
	}
	es, err := Members(gnu)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Entry{}
	for _, e := range es {
		byName[e.Name] = e
	}
	if string(byName["hard"].Data) != "data" || string(byName["a/b/c"].Data) != "data" {
		t.Fatalf("hard links not resolved: %q %q", byName["hard"].Data, byName["a/b/c"].Data)
	}
	if string(byName["a/l"].Data) != "b/c" || byName["."] == nil {
		t.Fatalf("symlink %q, root %v", byName["a/l"].Data, byName["."])
	}
}
