package mirror

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/heads/tree"
)

const sh1 = "2c44d1c5fd0d43752287c9ae1eb9c023f04ef848ea8d4aafa46e9aedb678200b"
const sh2 = "1111111111111111111111111111111111111111111111111111111111111111"

const sampleSources = `Package: libaio
Binary: libaio1
Version: 0.3.113-4
Directory: pool/main/liba/libaio
Checksums-Sha256:
 ` + sh1 + ` 50000 libaio_0.3.113.orig.tar.gz
 ` + sh2 + ` 9000 libaio_0.3.113-4.debian.tar.xz
Description: long
 text that is: not a field

Package: empty
Version: 1
`

func TestParseSources(t *testing.T) {
	got, err := ParseSources("S", strings.NewReader(sampleSources))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]DebianFile{
		sh1: {"libaio", "0.3.113-4", "pool/main/liba/libaio/libaio_0.3.113.orig.tar.gz", "50000"},
		sh2: {"libaio", "0.3.113-4", "pool/main/liba/libaio/libaio_0.3.113-4.debian.tar.xz", "9000"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for _, c := range []struct{ in, err string }{
		{"Package: x\nChecksums-Sha256:\n " + sh1 + " 1 f\n", `S:1: source package "x" has files but Directory is ""`},
		{"Package: x\nDirectory: ../up\nChecksums-Sha256:\n " + sh1 + " 1 f\n", `Directory is "../up"`},
		{"Package: x\nDirectory: d\nChecksums-Sha256:\n " + sh1 + " 1 a/b\n", `file name "a/b" of x is not a plain name`},
		{"Package: x\nChecksums-Sha256:\n short 1 f\n", "S:3: Checksums-Sha256 line"},
		{"Package x\n", `S:1: "Package x" is neither a field nor a continuation`},
	} {
		if _, err := ParseSources("S", strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.err)
		}
	}
}

func TestWithDebian(t *testing.T) {
	idx, _ := ParseSources("S", strings.NewReader(sampleSources))
	srcs := []tree.Source{{Module: "libaio", FileName: "libaio_0.3.113.orig.tar.gz", SHA256: sh1, URLs: []string{"https://up/x"}}, {Module: "git", FileName: "g.tar.gz"}}
	got, found := WithDebian(srcs, idx, "http://archive.example/debian/")
	if got[0].URLs[0] != "http://archive.example/debian/pool/main/liba/libaio/libaio_0.3.113.orig.tar.gz" || got[0].URLs[1] != "https://up/x" || len(got[1].URLs) != 0 {
		t.Errorf("urls %q / %q", got[0].URLs, got[1].URLs)
	}
	if len(found) != 1 || !strings.Contains(found[0], "libaio: libaio_0.3.113.orig.tar.gz = Debian libaio 0.3.113-4") {
		t.Errorf("found %q", found)
	}
}

func TestAptArchive(t *testing.T) {
	etc := t.TempDir()
	os.MkdirAll(filepath.Join(etc, "sources.list.d"), 0o755)
	os.WriteFile(filepath.Join(etc, "sources.list.d", "a.sources"), []byte("Types: deb\nURIs: http://mirror.test/debian-security\nSuites: x\n\nTypes: deb\nURIs: http://mirror.test/debian/\nSuites: y\n"), 0o644)
	if got, err := AptArchive(etc); err != nil || got != "http://mirror.test/debian" {
		t.Errorf("got %q, %v", got, err)
	}
	empty := t.TempDir()
	if _, err := AptArchive(empty); err == nil || !strings.Contains(err.Error(), "give --archive") {
		t.Errorf("err = %v", err)
	}
	os.WriteFile(filepath.Join(empty, "sources.list"), []byte("# c\ndeb [arch=amd64] http://m.test/debian bookworm main\n"), 0o644)
	if got, err := AptArchive(empty); err != nil || got != "http://m.test/debian" {
		t.Errorf("one-line: %q, %v", got, err)
	}
}

func FuzzParseSources(f *testing.F) {
	f.Add(sampleSources)
	f.Add("Package: x\nDirectory: d\nChecksums-Sha256:\n " + sh1 + " 1 f\n")
	f.Fuzz(func(t *testing.T, s string) {
		idx, err := ParseSources("f", strings.NewReader(s))
		if err != nil {
			return
		}
		for sum, df := range idx {
			if len(sum) != 64 || strings.HasPrefix(df.Path, "/") || strings.Contains(df.Path, "..") {
				t.Errorf("accepted %q -> %+v", sum, df)
			}
		}
	})
}
