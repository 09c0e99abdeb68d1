package buildgen

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
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

// resolvedFixture is tests/fixtures/heads_tree with symbolic links
// resolved: under Bazel every file of it is a link into the runfiles,
// while the generator takes links for the tree's own symlinks.
func resolvedFixture(t *testing.T) fs.FS { return os.DirFS(resolvedFixtureDir(t)) }

func resolvedFixtureDir(t *testing.T) string {
	t.Helper()
	from := filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree")
	to := t.TempDir()
	err := filepath.Walk(from, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		st, err := os.Stat(p) // follows links
		if err != nil {
			return err
		}
		if st.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, st.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// TestBuildFiles: the BUILD files of the fixture Heads tree, as the
// heads.tree repository rule writes them (go test -update to accept).
func TestBuildFiles(t *testing.T) {
	fixture := resolvedFixture(t)
	tr, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	files := tr.BuildFiles()
	// The one board that is not generated says why.
	if want := []string{`board UNMAINTAINED_old (unmaintained_boards/UNMAINTAINED_old/UNMAINTAINED_old.config): only coreboot boards are generated (CONFIG_COREBOOT is "")`}; strings.Join(tr.Problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems: %q, want %q", tr.Problems, want)
	}
	if got := strings.Join(tr.Generated, " "); got != "fixture gated" {
		t.Errorf("generated boards %q", got)
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "BUILD.bazel blobs/BUILD.bazel boards/BUILD.bazel config/BUILD.bazel patches/BUILD.bazel unmaintained_boards/BUILD.bazel" {
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
	tr2, _ := Load(fixture)
	if string(tr2.BuildFiles()["BUILD.bazel"]) != string(files["BUILD.bazel"]) {
		t.Error("two generations differ")
	}
}

// TestLinks: symlinks of an initrd tree become initrd_links (Heads'
// initrd/etc/mtab -> /proc/mounts), never files a BUILD file names.
func TestLinks(t *testing.T) {
	fsys := fstest.MapFS{
		"initrd/init":      {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"initrd/etc/mtab":  {Data: []byte("/proc/mounts"), Mode: fs.ModeSymlink | 0o777},
		"initrd/bin/x/y/z": {Data: []byte("z")},
	}
	tr := &Tree{fsys: fsys}
	if got := tr.links("initrd"); !reflect.DeepEqual(got, map[string]string{"initrd/etc/mtab": "/proc/mounts"}) {
		t.Errorf("links = %q", got)
	}
	if got := strings.Join(tr.files("initrd"), " "); got != "initrd/bin/x/y/z initrd/init" {
		t.Errorf("files = %q", got)
	}
	if g := tr.InitrdTarget(); g == nil || !reflect.DeepEqual(g.Attr("srcs"), []string{"initrd/bin/x/y/z", "initrd/init"}) {
		t.Errorf("initrd target %+v", g)
	}
}

func TestSplitTarget(t *testing.T) {
	for bt, want := range map[string]string{"split_8mb4mb": "8M 4M", "split_768kb256kb": "768K 256K", "split": "", "split_8mb": "", "xx30_me_blobs": ""} {
		got := ""
		if m := splitTarget.FindStringSubmatch(bt); m != nil {
			got = m[1] + strings.ToUpper(m[2]) + " " + m[3] + strings.ToUpper(m[4])
		}
		if got != want {
			t.Errorf("%s: %q, want %q", bt, got, want)
		}
	}
}

// TestBusybox: modules/busybox's own initrd rule (make install with
// CONFIG_PREFIX, then sbin/reboot removed) becomes the module's
// initrd_install, and busybox, not being in bin_modules-y, has no outputs.
func TestBusybox(t *testing.T) {
	d := resolvedFixtureDir(t)
	bb := "CONFIG_BUSYBOX ?= y\nmodules-$(CONFIG_BUSYBOX) += busybox\nbusybox_version := 1.0\nbusybox_dir := busybox-$(busybox_version)\n" +
		"busybox_tar := busybox-1.0.tar.bz2\nbusybox_url := https://x.invalid/$(busybox_tar)\n" +
		"busybox_hash := 0000000000000000000000000000000000000000000000000000000000000000\n" +
		"busybox_output := busybox\nbusybox_target := $(CROSS_TOOLS) $(MAKE_JOBS)\n"
	if err := os.WriteFile(filepath.Join(d, "modules", "busybox"), []byte(bb), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Load(os.DirFS(d))
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := tr.ModuleTargets()
	for _, r := range rules {
		if r.Kind != "heads_make_module" || r.Name != "busybox" {
			continue
		}
		got, _ := r.Attr("initrd_install").(string)
		if !strings.HasPrefix(got, `make -C "$PWD" CC="${HEADS_PWD}/crossgcc/x86/bin/x86_64-linux-musl-gcc`) ||
			!strings.HasSuffix(got, ` -j${HEADS_JOBS} CONFIG_PREFIX="$INITRD" install && rm -f "$INITRD/sbin/reboot"`) {
			t.Errorf("initrd_install %q", got)
		}
		if r.Attr("outputs") != nil {
			t.Errorf("busybox has outputs %v, but is not in bin_modules-y", r.Attr("outputs"))
		}
		return
	}
	t.Fatal("no busybox target")
}
