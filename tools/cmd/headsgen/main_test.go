package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/internal/cli"
)

var fixtureTree = filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree")

func TestEval(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"eval", "--tree", fixtureTree, "--board", "fixture"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var b struct{ Modules []string }
	if err := json.Unmarshal(out.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if strings.Join(b.Modules, " ") != "initrd musl-cross-make coreboot-fixture-1.0 coreboot-blobs-fixture-1.0 gitmod greeter libgreet linux" {
		t.Errorf("modules %q", b.Modules)
	}
	err := run([]string{"eval", "--tree", fixtureTree, "--board", "nope"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "nope.config: board configuration does not exist") {
		t.Errorf("err = %v", err)
	}
}

func TestSources(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.json")
	var stderr bytes.Buffer
	if err := run([]string{"sources", "--tree", fixtureTree, "--out", out}, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree.sources.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("sources file differs from tests/fixtures/heads_tree.sources.json:\n%s", got)
	}
	if !strings.Contains(stderr.String(), "3 boards, 8 source pins (1 git pins without sha256), 0 boards skipped") {
		t.Errorf("summary %q", stderr.String())
	}
	if err := run([]string{"sources", "--tree", fixtureTree}, &bytes.Buffer{}, &bytes.Buffer{}); cli.ExitCode(err) != 2 {
		t.Errorf("missing --out: %v", err)
	}
	if err := run([]string{"sources", "--tree", t.TempDir(), "--out", out}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "not a Heads tree") {
		t.Errorf("empty dir: %v", err)
	}
}

// copyResolved copies a tree following symbolic links (Bazel's runfiles
// are links to the sources), keeping the execute bits.
func copyResolved(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		st, err := os.Stat(p) // follows links
		if err != nil {
			return err
		}
		if st.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, st.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTreeID(t *testing.T) {
	d := t.TempDir()
	copyResolved(t, fixtureTree, d)
	var out bytes.Buffer
	if err := run([]string{"tree-id", "--tree", d}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	// The pin of heads_fixture_tree in MODULE.bazel (git's id of the
	// committed tests/fixtures/heads_tree).
	const pinned = "cc1e0b85ac6d63cba37e808900ac5f25e294f770"
	if got := strings.TrimSpace(out.String()); got != pinned {
		t.Errorf("tree id %s; update MODULE.bazel's heads_fixture_tree tree_id if the fixture changed", got)
	}
	// What the heads_tree rule adds next to an extracted archive is left
	// out with --exclude; anything else changes the id.
	if err := os.WriteFile(filepath.Join(d, ".headsgen"), []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		same bool
	}{{[]string{"--exclude", ".headsgen"}, true}, {nil, false}} {
		out.Reset()
		if err := run(append([]string{"tree-id", "--tree", d}, c.args...), &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out.String()) == pinned; got != c.same {
			t.Errorf("tree-id %q: same id = %v, want %v", c.args, got, c.same)
		}
	}
}

// TestBuildFilesGitCommit: --git-commit is the initrd's GIT_HASH.
func TestBuildFilesGitCommit(t *testing.T) {
	d := t.TempDir()
	copyResolved(t, fixtureTree, d)
	var stderr bytes.Buffer
	if err := run([]string{"build-files", "--tree", d, "--git-commit", "0123abc", "--coreboot-toolchain", "@@//x:tc"}, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(d, "boards", "BUILD.bazel"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`export GIT_HASH='0123abc'`, `coreboot_toolchain = "@@//x:tc"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("boards/BUILD.bazel has no %s", want)
		}
	}
	if !strings.Contains(stderr.String(), "3 boards evaluated, 2 board targets generated, 1 warnings") {
		t.Errorf("summary %q", stderr.String())
	}
}

// TestManifest: tests/fixtures/heads_tree.manifest is the fixture's
// `git ls-tree -r` listing; tree-check names what a copy lacks, and
// build-files makes the boards that need it list it as missing.
func TestManifest(t *testing.T) {
	d := t.TempDir()
	copyResolved(t, fixtureTree, d)
	var out bytes.Buffer
	if err := run([]string{"tree-manifest", "--tree", d}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree.manifest")
	want, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("tests/fixtures/heads_tree.manifest is stale; regenerate with `headsgen tree-manifest --tree tests/fixtures/heads_tree`:\n%s", out.String())
	}
	const patch = "patches/hello-2.0/0001-greeting.patch"
	if err := os.Remove(filepath.Join(d, patch)); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"tree-check", "--tree", d, "--manifest", manifest}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "missing "+patch+"\n" {
		t.Errorf("tree-check: %q", out.String())
	}
	if err := run([]string{"build-files", "--tree", d, "--missing", patch, "--unverified", "not the pinned tree"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(d, "boards", "BUILD.bazel"))
	if err != nil {
		t.Fatal(err)
	}
	gated := string(b[strings.Index(string(b), `name = "gated"`):])
	fixture := string(b[:strings.Index(string(b), `name = "gated"`)])
	// hello (and so its patch) is a module of gated only.
	if !strings.Contains(gated, patch+": in the pinned commit but not in this copy") || strings.Contains(fixture, patch) {
		t.Errorf("missing patch not listed for gated only:\n%s", b)
	}
	if strings.Count(string(b), `tree_warning = "not the pinned tree"`) != 2 {
		t.Errorf("tree_warning not on every board:\n%s", b)
	}
}
