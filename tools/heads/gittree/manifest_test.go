package gittree

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const id1 = "ce013625030ba8dba906f756967f9e9ca394464a"

func TestParseManifest(t *testing.T) {
	good := "100644 blob " + id1 + "\ta/f.txt\n100755 blob " + id1 + "\ta/run.sh\n\n120000 blob " + id1 + "\ta/link\n"
	got, err := ParseManifest("m", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{"100644", id1, "a/f.txt"}, {"100755", id1, "a/run.sh"}, {"120000", id1, "a/link"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
	for _, c := range []struct{ in, err string }{
		{"100644 blob " + id1 + " a/f.txt", "m:1: want `<mode> blob <id>"},
		{"160000 commit " + id1 + "\tsub", "m:1: commit entry sub: only files"},
		{"100600 blob " + id1 + "\tx", "m:1: mode 100600 of x"},
		{"100644 blob abc\tx", `m:1: "abc" is not a blob id`},
		{"100644 blob " + id1 + "\t../x", `m:1: path "../x" is not a clean relative path`},
		{"100644 blob " + id1 + "\ta//b", `m:1: path "a//b" is not a clean relative path`},
		{"100644 blob " + id1 + "\tx\n100644 blob " + id1 + "\tx", "m:2: x listed twice"},
	} {
		if _, err := ParseManifest("m", strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.err)
		}
	}
}

// manifestOf is `git ls-tree -r HEAD` of dir, made by git itself.
func manifestOf(t *testing.T, dir string) []Entry {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	run := func(args ...string) string {
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("init", "-q")
	run("add", "-A")
	run("commit", "-q", "-m", "x")
	m, err := ParseManifest("ls-tree", strings.NewReader(run("ls-tree", "-r", "HEAD")))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCompare(t *testing.T) {
	d := writeTree(t)
	m := manifestOf(t, d)
	diff, err := Compare(os.DirFS(d), ".", m, ".git")
	if err != nil || !diff.Empty() {
		t.Fatalf("same tree: %+v, %v", diff, err)
	}
	// Manifest writes what git ls-tree -r wrote, in its order.
	mine, err := Manifest(os.DirFS(d), ".", ".git")
	if err != nil || !reflect.DeepEqual(mine, m) {
		t.Errorf("Manifest = %q, %v; git: %q", mine, err, m)
	}
	// A missing file, a changed one, a mode change and an extra file.
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Remove(filepath.Join(d, "a/b/c")))
	must(os.WriteFile(filepath.Join(d, "a-b"), []byte("other"), 0o644))
	must(os.Chmod(filepath.Join(d, "a.c"), 0o755))
	must(os.WriteFile(filepath.Join(d, "new"), nil, 0o644))
	diff, err = Compare(os.DirFS(d), ".", m, ".git")
	if err != nil {
		t.Fatal(err)
	}
	want := Diff{Missing: []string{"a/b/c"}, Changed: []string{"a-b", "a.c"}, Extra: []string{"new"}}
	if !reflect.DeepEqual(diff, want) {
		t.Errorf("diff %+v, want %+v", diff, want)
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add("100644 blob " + id1 + "\ta/f.txt\n")
	f.Add("120000 blob " + id1 + "\tl\n160000 commit " + id1 + "\ts\n")
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseManifest("f", strings.NewReader(s))
		if err != nil {
			return
		}
		for _, e := range es {
			if e.Path == "" || strings.HasPrefix(e.Path, "/") || len(e.ID) != 40 {
				t.Errorf("accepted %+v", e)
			}
		}
	})
}
