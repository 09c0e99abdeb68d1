//go:build unix

package tarnorm

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestPackDeterministic packs the same logical tree created twice under a
// different umask, with different file mtimes, permission bits that
// normalise to the same mode, and in the opposite creation order (so the
// directory order on disk differs): the bytes must be identical.
// Not parallel: the umask is process-wide.
func TestPackDeterministic(t *testing.T) {
	type spec struct {
		name string
		body string // "" and dir=true for directories
		dir  bool
		link string
		exec bool
	}
	tree := []spec{
		{name: "z"}, {name: "a0", body: "a"}, {name: "m/", dir: true}, {name: "m/n", body: "n", exec: true},
		{name: "a.b", body: "1"}, {name: "a-b", body: "2"}, {name: "a/b", body: "3"}, {name: "empty/", dir: true},
		{name: "l", link: "a0"}, {name: long150, body: "long"},
	}
	build := func(umask int, reverse bool, mtime time.Time, fileMode, execMode os.FileMode) string {
		old := syscall.Umask(umask)
		defer syscall.Umask(old)
		root := filepath.Join(t.TempDir(), "tree")
		if err := os.Mkdir(root, 0o777); err != nil {
			t.Fatal(err)
		}
		order := append([]spec(nil), tree...)
		if reverse {
			for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
				order[i], order[j] = order[j], order[i]
			}
		}
		for _, s := range order {
			p := filepath.Join(root, filepath.FromSlash(s.name))
			if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
				t.Fatal(err)
			}
			switch {
			case s.dir:
				if err := os.MkdirAll(p, 0o777); err != nil {
					t.Fatal(err)
				}
			case s.link != "":
				if err := os.Symlink(s.link, p); err != nil {
					t.Fatal(err)
				}
				continue
			default:
				mode := fileMode
				if s.exec {
					mode = execMode
				}
				if err := os.WriteFile(p, []byte(s.body), 0o666); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, mode); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	pack := func(root string) []byte {
		var buf bytes.Buffer
		if err := Pack(&buf, root, PackOptions{Prefix: "./", MTime: 1}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a := pack(build(0o022, false, time.Unix(1e9, 0), 0o644, 0o755))
	b := pack(build(0o077, true, time.Now(), 0o600, 0o700))
	c := pack(build(0o000, true, time.Unix(5, 123), 0o666, 0o777))
	if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
		t.Errorf("outputs differ: a/b at %d, a/c at %d\na:\n%s\nb:\n%s", firstDiff(a, b), firstDiff(a, c), listing(t, a), listing(t, b))
	}
}
