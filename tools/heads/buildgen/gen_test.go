package buildgen

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestStripOf(t *testing.T) {
	for opt, want := range map[string]int{"": 1, "--strip 2": 2, "--strip-components=3": 3, "-v --strip 0": 0, "--strip x": 1} {
		if got := stripOf(opt); got != want {
			t.Errorf("stripOf(%q) = %d, want %d", opt, got, want)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{`a`: `"a"`, `a"b`: `"a\"b"`, `a\b`: `"a\\b"`, "a\nb": `"a\nb"`, "\x01": `"\001"`, `${HEADS_PWD}`: `"${HEADS_PWD}"`} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestBuildFiles: the BUILD files of the fixture Heads tree, as the
// heads.tree repository rule writes them (go test -update to accept).
func TestBuildFiles(t *testing.T) {
	tr, err := Load(os.DirFS(filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree")))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Problems) != 0 {
		t.Errorf("problems: %q", tr.Problems)
	}
	files := tr.BuildFiles()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "config/BUILD.bazel modules/BUILD.bazel patches/BUILD.bazel" {
		t.Fatalf("files %q", names)
	}
	var all []byte
	for _, n := range names {
		all = append(all, "### "+n+"\n"...)
		all = append(all, files[n]...)
	}
	golden := filepath.Join("testdata", "fixture_tree.BUILD.golden")
	if *update {
		if err := os.WriteFile(golden, all, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(all) != string(want) {
		t.Errorf("BUILD files differ from %s (go test -update):\n%s", golden, all)
	}
	// Stable: a second load renders the same bytes.
	tr2, _ := Load(os.DirFS(filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree")))
	if string(tr2.BuildFiles()["modules/BUILD.bazel"]) != string(files["modules/BUILD.bazel"]) {
		t.Error("two generations differ")
	}
}
