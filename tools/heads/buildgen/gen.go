// Package buildgen turns a Heads tree, evaluated board by board through
// its own Makefile (tools/heads/tree), into Bazel targets: module sources
// and heads_make_module builds. The Gazelle language
// (tools/heads/gazelle) and `headsgen build-files` (which the heads.tree
// repository rule runs) both write these targets; this package has no
// dependency outside the standard library so a repository rule can build
// it offline.
package buildgen

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/rules-heads/rules_heads/tools/heads/tree"
)

// Tree is a Heads tree evaluated for every board: what generation needs.
type Tree struct {
	fsys   fs.FS
	Boards []string
	Evals  map[string]*tree.Board
	// Repos maps a pin's Key to its repository name (tree.CollectSources).
	Repos map[string]string
	// Problems are boards that do not evaluate and modules that cannot be
	// generated, each naming file:line or the module.
	Problems []string
	// CorebootToolchain, if set, is the label of the heads_coreboot_toolchain
	// every generated board builds coreboot with (coreboot's crossgcc is not
	// pinned in Heads' module files; it is the user's choice).
	CorebootToolchain string
	// Generated lists the boards BoardTargets wrote a heads_board for.
	Generated []string
	// MissingFiles are files of the pinned commit that this copy of the
	// tree lacks: a board that needs one fails with it in its missing list.
	MissingFiles []string
	// Unverified, when set, says this copy is not (or not known to be) the
	// pinned tree: every board's source check prints it.
	Unverified string

	srcOf     map[string]string // module variant -> its heads_source label (":x_src")
	archiveOf map[string]string // module variant -> its archive label
	problems  map[string]bool
	// unselectable are directories of unmaintained_boards/ without the
	// UNMAINTAINED_ prefix.
	unselectable []string
}

// problem records a problem once.
func (t *Tree) problem(p string) {
	if t.problems == nil {
		t.problems = map[string]bool{}
	}
	if !t.problems[p] {
		t.problems[p] = true
		t.Problems = append(t.Problems, p)
	}
}

// Load evaluates every board of the Heads tree in fsys.
func Load(fsys fs.FS) (*Tree, error) { return LoadWith(fsys, tree.Options{}) }

// LoadWith is Load with evaluation options (what git says about the tree).
func LoadWith(fsys fs.FS, o tree.Options) (*Tree, error) {
	boards, err := tree.Boards(fsys)
	if err != nil {
		return nil, err
	}
	t := &Tree{fsys: fsys, Evals: map[string]*tree.Board{}, Repos: map[string]string{}, srcOf: map[string]string{}, archiveOf: map[string]string{}}
	// Each board is evaluated once: the sources and the targets come
	// from the same evaluations.
	var evals []*tree.Board
	for _, b := range boards {
		ev, err := tree.Evaluate(fsys, b, o)
		if err != nil {
			t.problem(fmt.Sprintf("board %s: %v", b, err))
			continue
		}
		t.Boards = append(t.Boards, b)
		t.Evals[b] = ev
		evals = append(evals, ev)
	}
	srcs, errs := tree.SourcesOf(evals)
	for _, s := range srcs {
		t.Repos[s.Key()] = s.Name
	}
	for _, e := range errs {
		t.problem(e.Error())
	}
	// Heads' Makefile finds a board under unmaintained_boards/ only by an
	// UNMAINTAINED_ name; other directories there cannot be built.
	if ents, err := fs.ReadDir(fsys, "unmaintained_boards"); err == nil {
		for _, e := range ents {
			if e.IsDir() && !strings.HasPrefix(e.Name(), "UNMAINTAINED_") {
				t.unselectable = append(t.unselectable, e.Name())
				t.problem(fmt.Sprintf("unmaintained_boards/%s: not generated: Heads' Makefile selects a board there only by an UNMAINTAINED_ name", e.Name()))
			}
		}
	}
	sort.Strings(t.Problems)
	return t, nil
}

// notGenerated are modules that are not heads_make_module targets: the
// musl cross toolchain is the registered Heads toolchain.
var notGenerated = map[string]string{
	"musl-cross-make": "the cross toolchain: provided by the registered rules_heads toolchain (heads_musl_cross_toolchain)",
}

// boardLayer reports whether module m of a board is built by the board's
// own targets (heads_linux, heads_coreboot) rather than heads_make_module:
// Heads' linux and coreboot modules build from the board's initrd and
// kernel under build/<arch>/<board>/, which a module cannot see. Only
// their sources are generated in modules/.
func boardLayer(d *tree.Module) bool {
	return d != nil && (d.ModuleFile == "linux" || d.ModuleFile == "coreboot")
}

// variant is one way a module is defined, shared by the boards listed.
type variant struct {
	name   string // target name
	def    *tree.Module
	bin    bool // in bin_modules-y: its _output goes to the initrd's bin/
	boards []string
}

// variants groups the boards that enable module m by its definition. The
// definition most boards share is named m, each other one m__<first
// board>.
func (t *Tree) variants(m string) []*variant {
	byDef := map[string]*variant{}
	var order []string
	for _, b := range t.Boards {
		ev := t.Evals[b]
		if !contains(ev.Modules, m) || ev.ModuleDefs[m] == nil {
			continue
		}
		j, _ := json.Marshal(ev.ModuleDefs[m])
		bin := contains(ev.BinModules, m)
		k := fmt.Sprint(string(j), bin)
		if byDef[k] == nil {
			byDef[k] = &variant{def: ev.ModuleDefs[m], bin: bin}
			order = append(order, k)
		}
		byDef[k].boards = append(byDef[k].boards, b)
	}
	// The definition most boards share keeps the module's name (ties: the
	// first in board order); the others are <m>__<their first board>.
	main := ""
	for _, k := range order {
		if main == "" || len(byDef[k].boards) > len(byDef[main].boards) {
			main = k
		}
	}
	var out []*variant
	for _, k := range order {
		v := byDef[k]
		v.name = m
		if k != main {
			v.name = m + "__" + v.boards[0]
		}
		out = append(out, v)
	}
	return out
}

// variantFor is the target name of module m for board b.
func (t *Tree) variantFor(m, b string) string {
	for _, v := range t.variants(m) {
		if contains(v.boards, b) {
			return v.name
		}
	}
	return ""
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Modules lists every module some board enables, sorted.
func (t *Tree) Modules() []string {
	seen := map[string]bool{}
	for _, b := range t.Boards {
		for _, m := range t.Evals[b].Modules {
			if m != "initrd" {
				seen[m] = true
			}
		}
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

var treeRef = regexp.MustCompile(`\$\{HEADS_PWD\}/([A-Za-z0-9_.+/-]+)`)

// ModuleTargets returns the targets of modules/BUILD.bazel: per module
// variant a heads_source and a heads_make_module, plus comments for what
// is not generated.
func (t *Tree) ModuleTargets() (rules []*Target, comments []string) {
	for _, m := range t.Modules() {
		if why, ok := notGenerated[m]; ok {
			comments = append(comments, fmt.Sprintf("%s: not generated: %s", m, why))
			continue
		}
		// Variants that share a pin, patches and strip share one source.
		srcNames := map[string]string{}
		for _, v := range t.variants(m) {
			src, mod, err := t.moduleRules(m, v)
			if err != nil {
				comments = append(comments, fmt.Sprintf("%s: not generated: %v", v.name, err))
				t.problem(fmt.Sprintf("module %s: %v", v.name, strings.TrimPrefix(err.Error(), "module "+v.name+": ")))
				continue
			}
			key := fmt.Sprint(src.Attr("archive"), src.Attr("patches"), src.Attr("strip_components"))
			if name, ok := srcNames[key]; ok {
				mod.SetAttr("source", ":"+name)
			} else {
				if len(srcNames) == 0 {
					src.Name = m + "_src"
					mod.SetAttr("source", ":"+m+"_src")
				}
				srcNames[key] = src.Name
				rules = append(rules, src)
			}
			t.srcOf[v.name] = mod.Attr("source").(string)
			t.archiveOf[v.name] = src.Attr("archive").(string)
			if boardLayer(v.def) {
				continue
			}
			rules = append(rules, mod)
		}
	}
	return rules, comments
}

func (t *Tree) moduleRules(m string, v *variant) (*Target, *Target, error) {
	d := v.def
	pin, err := tree.SourceOf(d)
	if err != nil {
		return nil, nil, err
	}
	repo, ok := t.Repos[pin.Key()]
	if !ok {
		return nil, nil, fmt.Errorf("its source %s is not in the sources file", pin.FileName)
	}
	src := NewTarget("heads_source", v.name+"_src")
	src.SetAttr("archive", "@"+repo+"//file")
	src.SetAttr("module", m)
	src.SetAttr("visibility", []string{"//visibility:public"})
	if n := stripOf(d.TarOpt); n != 1 {
		src.SetAttr("strip_components", n)
	}
	if p := t.patches(d.PatchName); len(p) > 0 {
		src.SetAttr("patches", p)
	}
	mod := NewTarget("heads_make_module", v.name)
	mod.SetAttr("module", m)
	mod.SetAttr("source", ":"+v.name+"_src")
	// Boards and users outside modules/ use them.
	mod.SetAttr("visibility", []string{"//visibility:public"})
	mod.SetAttr("dir", d.Dir)
	if arch := t.Evals[v.boards[0]].Config["CONFIG_TARGET_ARCH"]; arch != "" && arch != "x86" {
		mod.SetAttr("arch", arch)
	}
	if d.BaseDir != "" && d.BaseDir != d.Dir {
		mod.SetAttr("base_dir", d.BaseDir)
	}
	if d.Configure != "" {
		mod.SetAttr("configure", d.Configure)
	}
	if d.Target != "" {
		mod.SetAttr("target", d.Target)
	}
	if d.Config != "" {
		mod.SetAttr("config", "//"+path.Dir(d.Config)+":"+path.Base(d.Config))
	}
	if d.ConfigFile != "" {
		mod.SetAttr("config_file", d.ConfigFile)
	}
	if len(d.Output) > 0 && v.bin {
		mod.SetAttr("outputs", d.Output)
	}
	if len(d.Data) > 0 {
		mod.SetAttr("data", d.Data)
	}
	if m == "busybox" {
		// modules/busybox's own rule for $(initrd_bin_dir)/busybox: busybox's
		// `make install` into the initrd (its applet links), then removes
		// sbin/reboot, which Heads' initrd replaces with a script.
		mod.SetAttr("initrd_install", "make -C \"$PWD\" "+strings.TrimSpace(d.Target)+" CONFIG_PREFIX=\"$INITRD\" install && rm -f \"$INITRD/sbin/reboot\"")
	}
	if len(d.Libraries) > 0 {
		mod.SetAttr("libraries", d.Libraries)
	}
	var deps []string
	for _, dep := range d.Depends {
		if _, skip := notGenerated[dep]; skip {
			continue
		}
		n := t.variantFor(dep, v.boards[0])
		if n == "" {
			return nil, nil, fmt.Errorf("depends on %s, which board %s does not enable", dep, v.boards[0])
		}
		deps = append(deps, ":"+n)
	}
	if len(deps) > 0 {
		mod.SetAttr("deps", deps)
	}
	if tf := t.treeFiles(d.Configure + " " + d.Target); len(tf) > 0 {
		mod.SetAttr("tree_files", tf)
	}
	return src, mod, nil
}

// stripOf reads tar's --strip N / --strip-components=N from _tar_opt.
func stripOf(opt string) int {
	f := strings.Fields(strings.ReplaceAll(opt, "=", " "))
	for i, w := range f {
		if (w == "--strip" || w == "--strip-components") && i+1 < len(f) {
			var n int
			if _, err := fmt.Sscanf(f[i+1], "%d", &n); err == nil {
				return n
			}
		}
	}
	return 1
}

// patches lists patches/<name>.patch and patches/<name>/*.patch, sorted,
// as labels of the patches package.
func (t *Tree) patches(name string) []string {
	if name == "" {
		return nil
	}
	var out []string
	if _, err := fs.Stat(t.fsys, "patches/"+name+".patch"); err == nil {
		out = append(out, "//patches:"+name+".patch")
	}
	m, _ := fs.Glob(t.fsys, "patches/"+name+"/*.patch")
	sort.Strings(m)
	for _, p := range m {
		out = append(out, "//patches:"+strings.TrimPrefix(p, "patches/"))
	}
	return out
}

// treeFiles finds the files of the tree that make text names as
// ${HEADS_PWD}/<path>, mapped label -> tree path.
func (t *Tree) treeFiles(text string) map[string]string {
	out := map[string]string{}
	for _, m := range treeRef.FindAllStringSubmatch(text, -1) {
		p := path.Clean(m[1])
		if fi, err := fs.Stat(t.fsys, p); err != nil || fi.IsDir() {
			continue
		}
		dir := path.Dir(p)
		out["//"+dir+":"+path.Base(p)] = p
	}
	return out
}

// ExportedFiles lists the files of dir (patches or config) that generated
// rules name, relative to dir, sorted.
func (t *Tree) ExportedFiles(dir string) []string {
	var out []string
	_ = fs.WalkDir(t.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Base(p) != "BUILD.bazel" && path.Base(p) != "BUILD" {
			out = append(out, strings.TrimPrefix(p, dir+"/"))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Defs is the .bzl file the generated targets' kinds come from.
const Defs = "@rules_heads//rules:defs.bzl"

// ModulesHeader returns the comment lines at the top of the root
// BUILD.bazel, which holds the module targets: not modules/BUILD.bazel,
// because Heads' Makefile includes every file of modules/.
func (t *Tree) ModulesHeader(comments []string) []string {
	h := []string{fmt.Sprintf("# Generated by rules_heads from modules/ and the %d boards of this Heads tree.", len(t.Boards))}
	for _, c := range comments {
		h = append(h, "# "+c)
	}
	return h
}

// ExportTarget is the exports_files of dir's files, or nil if none.
func (t *Tree) ExportTarget(dir string) *Target {
	files := t.ExportedFiles(dir)
	if len(files) == 0 {
		return nil
	}
	e := NewTarget("exports_files", "")
	e.Args = [][]string{files}
	return e
}

// exportDirs are the directories whose files generated rules name.
var exportDirs = []string{"bin", "blobs", "config", "patches"}

// BuildFiles renders every BUILD file of the tree, by path: the root's
// (module targets and Heads' initrd/ files: a BUILD file in modules/ would
// be read by Heads' `include modules/*`, one in initrd/ would go into
// Heads' own heads.cpio), the board packages and the directories whose
// files rules name.
func (t *Tree) BuildFiles() map[string][]byte {
	targets, comments := t.ModuleTargets()
	if g := t.InitrdTarget(); g != nil {
		targets = append(targets, g)
	}
	out := map[string][]byte{
		"BUILD.bazel": Render(t.ModulesHeader(comments), Defs, targets),
	}
	for _, pkg := range t.BoardPackages() {
		rules, comments := t.BoardTargets(pkg)
		h := []string{fmt.Sprintf("# Generated by rules_heads from the board configs in %s/.", pkg)}
		for _, c := range comments {
			h = append(h, "# "+c)
		}
		out[pkg+"/BUILD.bazel"] = Render(h, Defs, rules)
	}
	for _, dir := range exportDirs {
		if e := t.ExportTarget(dir); e != nil {
			out[dir+"/BUILD.bazel"] = Render(nil, Defs, []*Target{e})
		}
	}
	return out
}
