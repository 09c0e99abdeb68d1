package tree

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

var fixtureGit = GitInfo{Commit: "0000000000000000000000000000000000000abc", Describe: "v0.0-1-gabc", Timestamp: "202607200000"}

func fixture() fstest.MapFS {
	m := fstest.MapFS{}
	// The fixture Heads tree; under Bazel it is a data dependency.
	root := filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b, Mode: 0o644}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return m
}

// TestGolden: the whole evaluation of each fixture board, as JSON.
func TestGolden(t *testing.T) {
	for _, board := range []string{"fixture", "gated", "UNMAINTAINED_old"} {
		t.Run(board, func(t *testing.T) {
			b, err := Evaluate(fixture(), board, Options{Git: fixtureGit})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(b, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", board+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("evaluation differs from %s (go test -update to accept):\n%s", golden, got)
			}
		})
	}
}

func TestFixtureBoard(t *testing.T) {
	b, err := Evaluate(fixture(), "fixture", Options{Git: fixtureGit})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(b.Modules, " "), "initrd musl-cross-make coreboot-fixture-1.0 coreboot-blobs-fixture-1.0 gitmod greeter libgreet linux"; got != want {
		t.Errorf("modules-y = %q, want %q", got, want)
	}
	if got := strings.Join(b.BinModules, " "); got != "greeter" {
		t.Errorf("bin_modules-y = %q", got)
	}
	wantExports := []Var{
		{"CONFIG_AUTO_BOOT_TIMEOUT", "5"},
		{"CONFIG_BOARD_NAME", `"Fixture board"`},
		{"CONFIG_BOOTSCRIPT", "/bin/gui-init"},
		{"CONFIG_COREBOOT", "y"},
		{"CONFIG_COREBOOT_VERSION", "fixture-1.0"},
		{"CONFIG_LINUX_VERSION", "fixture-1.0"},
	}
	if !reflect.DeepEqual(b.Exports, wantExports) {
		t.Errorf("exports %q", b.Exports)
	}
	g := b.ModuleDefs["greeter"]
	if g.Dir != "greeter-1.0/fixture" || g.BaseDir != "greeter-1.0" || g.PatchName != "greeter-1.0" ||
		!reflect.DeepEqual(g.Depends, []string{"libgreet", "musl-cross-make"}) || g.Config != "config/greeter.config" {
		t.Errorf("greeter %+v", g)
	}
	// _target is kept as make text: it means something only to make.
	if l := b.ModuleDefs["libgreet"]; !strings.Contains(l.Target, `DESTDIR="${HEADS_PWD}/install/x86" install`) || !strings.HasPrefix(l.Target, "-j${HEADS_JOBS} CC=") {
		t.Errorf("libgreet target %q", l.Target)
	}
	// Both branches of define_module's ifneq run their $(eval)s while
	// $(call) expands the body, so a git module's patch name ends up as
	// the tarball branch computes it: GNU make does the same.
	if m := b.ModuleDefs["gitmod"]; m.Repo == "" || m.CommitHash != "0123456789abcdef0123456789abcdef01234567" || m.PatchName != "gitmod-git" {
		t.Errorf("gitmod %+v", m)
	}
	// hello is not enabled: defined, but define_module never ran for it.
	if h := b.ModuleDefs["hello"]; h.PatchName != "" || h.Version != "2.0" {
		t.Errorf("hello %+v", h)
	}
	if l := b.ModuleDefs["linux"]; l.Dir != "linux-fixture-1.0/linux-fixture" || l.BaseDir != "linux-fixture-1.0" ||
		!reflect.DeepEqual(l.Data, []string{"${HEADS_PWD}/build/x86/linux-fixture-1.0/VERSION|share/linux/VERSION"}) {
		t.Errorf("linux %+v", l)
	}
	if c := b.ModuleDefs["coreboot-fixture-1.0"]; c.ModuleFile != "coreboot" || c.Dir != "coreboot-fixture-1.0/fixture" || c.Hash == "" {
		t.Errorf("coreboot %+v", c)
	}
	if b.BrandName != "Heads" || b.GitStatus != "clean" || b.GitHash != fixtureGit.Commit {
		t.Errorf("brand %q, git %q %q", b.BrandName, b.GitHash, b.GitStatus)
	}
	if strings.Join(b.BoardTargets, " ") != "split_768kb256kb" {
		t.Errorf("BOARD_TARGETS %q", b.BoardTargets)
	}
}

// TestGatedBoard: a board that includes another and flips a conditional.
func TestGatedBoard(t *testing.T) {
	b, err := Evaluate(fixture(), "gated", Options{Git: fixtureGit})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.Modules, " "); got != "initrd musl-cross-make coreboot-fixture-1.0 coreboot-blobs-fixture-1.0 greeter hello libgreet linux" {
		t.Errorf("modules-y = %q", got)
	}
	if got := strings.Join(b.BinModules, " "); got != "hello greeter" {
		t.Errorf("bin_modules-y = %q", got)
	}
	if h := b.ModuleDefs["hello"]; h.TarOpt != "--strip-components=1" || h.PatchName != "hello-2.0" || h.ModuleFile != "hello" ||
		!reflect.DeepEqual(h.Data, []string{"${HEADS_PWD}/install/x86/bin/hello|share/hello/hello-installed", "hello.c|share/hello/hello.c"}) {
		t.Errorf("hello %+v", h)
	}
	if b.ModuleDefs["greeter"].Dir != "greeter-1.0/gated" {
		t.Errorf("per-board dir %q", b.ModuleDefs["greeter"].Dir)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, board string
		files       map[string]string
		want        string
	}{
		{"missing board", "nope", nil, "Makefile:30: *** ${HEADS_PWD}/boards/nope/nope.config: board configuration does not exist"},
		{"bad name", "../x", nil, `board name "../x" is not a directory name`},
		{"unterminated conditional", "broken", map[string]string{"boards/broken/broken.config": "ifeq ($(A),b)\nCONFIG_HELLO=y\n"}, "boards/broken/broken.config:1: conditional without endif"},
		{"malformed module", "fixture", map[string]string{"modules/zbroken": "zbroken_version := 1\ndefine zbroken_x\n"}, "modules/zbroken:2: define without endef"},
		{"unknown shell", "fixture", map[string]string{"modules/zshell": "X := $(shell uname -m)\n"}, "modules/zshell:1: $(shell uname -m) cannot be evaluated without running it"},
		{"undefined module", "broken", map[string]string{"boards/broken/broken.config": "modules-y += ghost\n"}, `modules-y names "ghost", which no module file defines`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys := fixture()
			for p, s := range c.files {
				fsys[p] = &fstest.MapFile{Data: []byte(s)}
			}
			_, err := Evaluate(fsys, c.board, Options{Git: fixtureGit})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestSources: the sources file of the fixture tree is the one MODULE.bazel
// reads (heads_fixtures.from_file); regenerate it with -update.
func TestSources(t *testing.T) {
	fsys := fixture()
	boards, err := Boards(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(boards, " "); got != "UNMAINTAINED_old fixture gated" {
		t.Fatalf("boards %q", got)
	}
	srcs, errs := CollectSources(fsys, boards, Options{})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	got := SourcesJSON(srcs)
	golden := filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree.sources.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("sources differ from %s (go test -update to accept):\n%s", golden, got)
	}
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name)
		if s.Name == "heads_gitmod_git" && (s.SHA256 != "" || s.URLs[0] != "https://example.invalid/gitmod/archive/0123456789abcdef0123456789abcdef01234567.tar.gz" || s.FileName != "gitmod-0123456789abcdef0123456789abcdef01234567.tar.gz") {
			t.Errorf("git pin %+v", s)
		}
	}
	if got := strings.Join(names, " "); got != "heads_coreboot_blobs_fixture_1_0 heads_coreboot_fixture_1_0 heads_gitmod_git heads_greeter_1_0 heads_hello_2_0 heads_libgreet_1_0 heads_linux_fixture_1_0 heads_musl_cross_make_fixture_1_0" {
		t.Errorf("names %q", got)
	}
}

func TestSourceErrors(t *testing.T) {
	fsys := fixture()
	fsys["modules/libgreet"] = &fstest.MapFile{Data: []byte("modules-$(CONFIG_LIBGREET) += libgreet\nlibgreet_version := 1.0\nlibgreet_dir := l\nlibgreet_tar := l.tar\nlibgreet_url := https://x.invalid/l.tar\nlibgreet_hash := abc\n")}
	fsys["boards/nope/nope.config"] = &fstest.MapFile{Data: []byte("ifeq (a,b)\n")}
	_, errs := CollectSources(fsys, []string{"fixture", "nope"}, Options{})
	// Boards that do not evaluate first, then pins, each naming its board.
	if len(errs) != 2 || !strings.Contains(errs[1].Error(), `board fixture: module libgreet: l.tar has no sha256 pin (_hash "abc")`) ||
		!strings.Contains(errs[0].Error(), "board nope: boards/nope/nope.config:1: conditional without endif") {
		t.Fatalf("errs = %v", errs)
	}
}

// TestHeadsTree evaluates every board of a real Heads checkout when
// HEADS_TREE names one (not in CI: it has no Heads tree).
func TestHeadsTree(t *testing.T) {
	dir := os.Getenv("HEADS_TREE")
	if dir == "" {
		t.Skip("HEADS_TREE not set")
	}
	fsys := os.DirFS(dir)
	var n, failed int
	for _, sub := range []string{"boards", "unmaintained_boards"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			n++
			b, err := Evaluate(fsys, e.Name(), Options{})
			if err != nil {
				failed++
				t.Logf("%s: %v", e.Name(), err)
				continue
			}
			for _, d := range b.Diagnostics {
				if d.Kind == "warning" {
					t.Logf("%s: %s", e.Name(), d)
				}
			}
		}
	}
	t.Logf("%d boards, %d failed", n, failed)
}

func TestArith(t *testing.T) {
	for expr, want := range map[string]int64{"24 / 1": 24, "2 < 24 ? 2 : 24": 2, "(2 * 3) / 2": 3, "-1 + 7 % 4": 2, "3 >= 3": 1} {
		if got, err := arith(expr); err != nil || got != want {
			t.Errorf("%s = %d, %v; want %d", expr, got, err, want)
		}
	}
	for _, bad := range []string{"", "1 /", "1 / 0", "(1", "a"} {
		if _, err := arith(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestEtcConfig: /etc/config as Heads' recipe writes it (`export -p` in
// bash, then sed removes every \"), checked against bash itself in
// TestEtcConfigAgainstBash when bash is there.
func TestEtcConfig(t *testing.T) {
	b := &Board{
		Name:      "b",
		Exports:   []Var{{"CONFIG_A", `"quoted value"`}, {"CONFIG_B", "a\\b$c`d"}, {"CONFIG_C", ""}},
		GitHash:   "abc",
		GitStatus: "dirty",
		BrandName: "Heads",
	}
	want := "export CONFIG_A=\"quoted value\"\n" +
		"export CONFIG_B=\"a\\\\b\\$c\\`d\"\n" +
		"export CONFIG_C=\"\"\n" +
		"export GIT_HASH='abc'\nexport GIT_STATUS=dirty\nexport CONFIG_BOARD=b\nexport CONFIG_BRAND_NAME=Heads\n"
	if got := b.EtcConfig(); got != want {
		t.Errorf("EtcConfig:\n%s\nwant:\n%s", got, want)
	}
}

func TestEtcConfigAgainstBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	vars := []Var{{"CONFIG_A", `"quoted value"`}, {"CONFIG_B", "a\\b$c`d e"}, {"CONFIG_C", `x"y"z`}, {"CONFIG_D", "tab\there"}, {"CONFIG_E", "nl\nq'\x01\x7f\\"}}
	cmd := exec.Command(bash, "-c", `export | grep ' CONFIG_' | sed -e 's/^declare -x /export /' -e 's/\\\"//g'`)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for _, v := range vars {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	b := &Board{Exports: vars}
	got := b.EtcConfig()
	got = got[:strings.Index(got, "export GIT_HASH")]
	if got != string(out) {
		t.Errorf("EtcConfig:\n%s\nbash:\n%s", got, out)
	}
}
