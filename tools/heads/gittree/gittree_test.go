package gittree

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBlobID(t *testing.T) {
	// git hash-object of an empty file and of "hello\n".
	for data, want := range map[string]string{
		"":        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
		"hello\n": "ce013625030ba8dba906f756967f9e9ca394464a",
	} {
		if got := BlobID([]byte(data)); got != want {
			t.Errorf("BlobID(%q) = %s, want %s", data, got, want)
		}
	}
}

// writeTree makes the tree git's ids below were computed for: a file, an
// executable, a symlink, a subdirectory, names that sort differently as
// directories ("a" vs "a-b" and "a.c"), and an empty directory git drops.
func writeTree(t *testing.T) string {
	d := t.TempDir()
	for p, c := range map[string]string{"a/f.txt": "hello\n", "a/run.sh": "#!/bin/sh\n", "a/b/c": "x", "a-b": "top", "a.c": "dot"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(d, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(d, p), []byte(c), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("f.txt", filepath.Join(d, "a/link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(d, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTreeID(t *testing.T) {
	d := writeTree(t)
	fsys := os.DirFS(d)
	// Computed with git 2.39: git add -A && git write-tree.
	for dir, want := range map[string]string{
		".": "49eb51d896804da0db3d25b556c00063a734eefa",
		"a": "a53858a7bc6e7e3db3d1b311512da94fa796666d",
	} {
		got, err := TreeID(fsys, dir)
		if err != nil || got != want {
			t.Errorf("TreeID(%s) = %s, %v; want %s", dir, got, err, want)
		}
	}
	// And against the git on PATH, when there is one.
	if _, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command("sh", "-c", "git init -q . && git add -A && git write-tree && rm -rf .git")
		cmd.Dir = d
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git: %v", err)
		}
		got, _ := TreeID(os.DirFS(d), ".")
		if want := strings.TrimSpace(string(out)); got != want {
			t.Errorf("TreeID = %s, git write-tree = %s", got, want)
		}
	}
	if _, err := TreeID(fsys, "missing"); err == nil {
		t.Error("missing directory accepted")
	}
}
