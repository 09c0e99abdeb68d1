package buildgen

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/rules-heads/rules_heads/tools/heads/tree"
)

// splitTarget is a BOARD_TARGETS entry (targets/<t>.mk) that splits the
// flash image into a bottom and a top image, named by their sizes as
// Heads' split_8mb4mb.
var splitTarget = regexp.MustCompile(`^split_([0-9]+)([km])b([0-9]+)([km])b$`)

// boardTargetNote are BOARD_TARGETS that need nothing from the generated
// targets, and why.
var boardTargetNote = map[string]string{
	"qemu": "Heads' `make run` helpers; rules_heads' run targets are written by hand",
}

// blobRef finds the files of blobs/ a coreboot or Linux config names
// through Heads' @BLOB_DIR@ placeholder (prepare_module_config.sh).
var blobRef = regexp.MustCompile(`@BLOB_DIR@/([A-Za-z0-9_.+/-]+)`)

// boardDir is the package of a board's config: boards or unmaintained_boards.
func boardDir(ev *tree.Board) string {
	return strings.SplitN(ev.ConfigFile, "/", 2)[0]
}

// BoardPackages lists the packages that hold board targets.
func (t *Tree) BoardPackages() []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range t.Boards {
		d := boardDir(t.Evals[b])
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// BoardTargets returns the targets of pkg/BUILD.bazel (pkg is boards or
// unmaintained_boards): one heads_board per board whose config is there,
// named as Heads names the board, and comments for boards that are not
// generated and for what a board needs that is not in the tree.
func (t *Tree) BoardTargets(pkg string) (rules []*Target, comments []string) {
	if len(t.srcOf) == 0 {
		t.ModuleTargets()
	}
	for _, b := range t.Boards {
		ev := t.Evals[b]
		if boardDir(ev) != pkg {
			continue
		}
		r, notes, err := t.boardRule(b, ev)
		if err != nil {
			comments = append(comments, fmt.Sprintf("%s (%s): not generated: %v", b, ev.ConfigFile, err))
			t.problem(fmt.Sprintf("board %s (%s): %v", b, ev.ConfigFile, err))
			continue
		}
		r.Comments = notes
		rules = append(rules, r)
		t.Generated = append(t.Generated, b)
	}
	if pkg == "unmaintained_boards" {
		for _, d := range t.unselectable {
			comments = append(comments, fmt.Sprintf("%s: not generated: Heads' Makefile selects a board here only by an UNMAINTAINED_ name", d))
		}
	}
	return rules, comments
}

func (t *Tree) boardRule(b string, ev *tree.Board) (*Target, []string, error) {
	cfg := ev.Config
	if cfg["CONFIG_COREBOOT"] != "y" {
		return nil, nil, fmt.Errorf("only coreboot boards are generated (CONFIG_COREBOOT is %q)", cfg["CONFIG_COREBOOT"])
	}
	var notes []string
	r := NewTarget("heads_board", b)
	pkg := boardDir(ev)
	r.SetAttr("board_config", strings.TrimPrefix(ev.ConfigFile, pkg+"/"))
	r.SetAttr("etc_config", ev.EtcConfig())
	r.SetAttr("heads_config", true)
	if ev.BrandName != "" && ev.BrandName != "Heads" {
		r.SetAttr("brand", ev.BrandName)
	}
	r.SetAttr("visibility", []string{"//visibility:public"})

	archives := map[string]bool{}
	// Paths of the tree the board's build reads, for MissingFiles.
	used := []string{"Makefile", "modules/", "targets/", "bin/", path.Dir(ev.ConfigFile) + "/"}
	if cfg["CONFIG_HEADS"] == "y" {
		used = append(used, "initrd/")
	}
	for _, m := range ev.Modules {
		d := ev.ModuleDefs[m]
		if d == nil {
			continue
		}
		if d.PatchName != "" {
			used = append(used, "patches/"+d.PatchName+".patch", "patches/"+d.PatchName+"/")
		}
		if d.Config != "" {
			used = append(used, d.Config)
		}
		for _, p := range t.treeFiles(d.Configure + " " + d.Target) {
			used = append(used, p)
		}
	}
	for _, v := range []string{"CONFIG_LINUX_CONFIG", "CONFIG_COREBOOT_CONFIG"} {
		if cfg[v] != "" {
			used = append(used, cfg[v])
		}
	}
	var modules []string
	var kernel, coreboot *tree.Module
	var kernelName, corebootName string
	// Other modules of modules/coreboot a board enables: a release's
	// coreboot-blobs-<version> tree, unpacked into the coreboot source
	// (its _dir is under coreboot's, e.g. coreboot-<version>/3rdparty).
	var corebootParts []string
	for _, m := range ev.Modules {
		d := ev.ModuleDefs[m]
		switch {
		case m == "initrd":
			continue
		case d.ModuleFile == "linux":
			kernel, kernelName = d, m
			continue
		case d.ModuleFile == "coreboot":
			if m == "coreboot-"+cfg["CONFIG_COREBOOT_VERSION"] {
				coreboot, corebootName = d, m
			} else {
				corebootParts = append(corebootParts, m)
			}
			continue
		}
		if _, skip := notGenerated[m]; skip {
			continue
		}
		v := t.variantFor(m, b)
		if _, ok := t.srcOf[v]; !ok {
			return nil, nil, fmt.Errorf("module %s is not generated", m)
		}
		modules = append(modules, "//:"+v)
		archives[t.archiveOf[v]] = true
	}
	if len(modules) > 0 {
		r.SetAttr("modules", modules)
	}
	if kernel == nil {
		return nil, nil, fmt.Errorf("no linux module enabled")
	}
	if coreboot == nil {
		return nil, nil, fmt.Errorf("no coreboot module enabled (CONFIG_COREBOOT_VERSION %q)", cfg["CONFIG_COREBOOT_VERSION"])
	}
	parts := map[string]string{}
	for _, m := range corebootParts {
		d := ev.ModuleDefs[m]
		sub, ok := strings.CutPrefix(d.Dir, coreboot.BaseDir+"/")
		if !ok || sub == "" || strings.Contains(sub, "..") {
			// Another coreboot version whose util/crossgcc Heads builds the
			// toolchain from (a fork sharing a release's toolchain): here the
			// coreboot toolchain is the board's coreboot_toolchain.
			notes = append(notes, fmt.Sprintf("# %s: coreboot's crossgcc comes from %s in Heads; here from coreboot_toolchain", b, m))
			continue
		}
		v := t.variantFor(m, b)
		src, ok := t.srcOf[v]
		if !ok {
			return nil, nil, fmt.Errorf("module %s is not generated", m)
		}
		parts["//"+src] = sub
		archives[t.archiveOf[v]] = true
	}
	if len(parts) > 0 {
		r.SetAttr("coreboot_extra_sources", parts)
	}
	for _, lm := range []struct {
		name, prefix string
		d            *tree.Module
		cfgVar       string
	}{{kernelName, "linux", kernel, "CONFIG_LINUX_CONFIG"}, {corebootName, "coreboot", coreboot, "CONFIG_COREBOOT_CONFIG"}} {
		v := t.variantFor(lm.name, b)
		src, ok := t.srcOf[v]
		if !ok {
			return nil, nil, fmt.Errorf("module %s is not generated", lm.name)
		}
		archives[t.archiveOf[v]] = true
		r.SetAttr(lm.prefix+"_source", "//"+src)
		c := cfg[lm.cfgVar]
		if c == "" {
			return nil, nil, fmt.Errorf("%s is not set", lm.cfgVar)
		}
		if fi, err := fs.Stat(t.fsys, c); err != nil || fi.IsDir() {
			return nil, nil, fmt.Errorf("%s names %s, which is not a file of the tree", lm.cfgVar, c)
		}
		r.SetAttr(lm.prefix+"_config", fileLabel(c))
		for _, dep := range lm.d.Depends {
			if _, skip := notGenerated[dep]; skip || contains(corebootParts, dep) {
				continue
			}
			notes = append(notes, fmt.Sprintf("# %s: _depends %s is not passed to the %s build yet", b, dep, lm.prefix))
			t.problem(fmt.Sprintf("board %s (%s): %s depends on %s, which heads_board does not pass to it", b, ev.ConfigFile, lm.name, dep))
		}
		if lm.prefix == "linux" && len(ev.LinuxModules) > 0 {
			r.SetAttr("linux_modules", ev.LinuxModules)
		}
		if lm.prefix == "linux" {
			// Heads' linux_data: paths of the kernel tree (build/<arch>/<base_dir>).
			base := tree.Root + "/build/" + archOf(cfg) + "/" + lm.d.BaseDir + "/"
			for _, e := range lm.d.Data {
				if !strings.HasPrefix(e, base) {
					return nil, nil, fmt.Errorf("linux_data entry %q is not under the kernel tree %s", e, base)
				}
				addUnique(r, "linux_data", strings.TrimPrefix(e, base))
			}
		}
		// Blobs the config names: inputs where the tree has them, else
		// part of the missing list.
		if data, err := fs.ReadFile(t.fsys, c); err == nil {
			for _, m := range blobRef.FindAllStringSubmatch(string(data), -1) {
				p := path.Clean("blobs/" + m[1])
				used = append(used, p)
				if fi, err := fs.Stat(t.fsys, p); err == nil && !fi.IsDir() {
					addUnique(r, "blobs", fileLabel(p))
				} else {
					addUnique(r, "missing_blobs", fmt.Sprintf("%s: %s names it (@BLOB_DIR@/%s); Heads makes it with its BOARD_TARGETS (%s)", p, c, m[1], strings.Join(ev.BoardTargets, " ")))
				}
			}
		}
	}
	switch cfg["CONFIG_TARGET_ARCH"] {
	case "", "x86":
	case "ppc64":
		r.SetAttr("linux_arch", "powerpc")
	default:
		return nil, nil, fmt.Errorf("CONFIG_TARGET_ARCH %q is not supported", cfg["CONFIG_TARGET_ARCH"])
	}
	if t.CorebootToolchain != "" {
		r.SetAttr("coreboot_toolchain", t.CorebootToolchain)
	}

	// The initrd: blobs/dev.cpio, the board's initrd/ and Heads' initrd/.
	if fi, err := fs.Stat(t.fsys, "blobs/dev.cpio"); err == nil && !fi.IsDir() {
		r.SetAttr("dev_cpios", []string{"//blobs:dev.cpio"})
	}
	dir := path.Dir(ev.ConfigFile)
	links := map[string]string{}
	for _, tr := range []string{dir + "/initrd", "initrd"} {
		if tr == "initrd" && cfg["CONFIG_HEADS"] != "y" {
			continue
		}
		for p, to := range t.links(tr) {
			links[strings.TrimPrefix(p, tr+"/")] = to
		}
	}
	if len(links) > 0 {
		r.SetAttr("initrd_links", links)
	}
	if files := t.files(dir + "/initrd"); len(files) > 0 {
		var srcs []string
		for _, f := range files {
			srcs = append(srcs, strings.TrimPrefix(f, pkg+"/"))
		}
		r.SetAttr("board_srcs", srcs)
		r.SetAttr("board_strip_prefix", dir+"/initrd")
	}
	if cfg["CONFIG_HEADS"] == "y" && len(t.files("initrd")) > 0 {
		r.SetAttr("heads_srcs", []string{"//:initrd_files"})
		r.SetAttr("heads_strip_prefix", "initrd")
	}

	for _, bt := range ev.BoardTargets {
		if m := splitTarget.FindStringSubmatch(bt); m != nil {
			r.SetAttr("split", []string{m[1] + strings.ToUpper(m[2]), m[3] + strings.ToUpper(m[4])})
		} else if _, ok := boardTargetNote[bt]; !ok && !strings.HasSuffix(bt, "_blobs") {
			notes = append(notes, fmt.Sprintf("# %s: BOARD_TARGETS %s (targets/%s.mk) is not generated", b, bt, bt))
			t.problem(fmt.Sprintf("board %s (%s): BOARD_TARGETS %s (targets/%s.mk) is not generated", b, ev.ConfigFile, bt, bt))
		}
	}
	for _, p := range t.MissingFiles {
		if needs(p, used) {
			addUnique(r, "missing_blobs", p+": in the pinned commit but not in this copy of the Heads tree; use a complete copy (the commit's archive)")
		}
	}
	if t.Unverified != "" {
		r.SetAttr("tree_warning", t.Unverified)
	}
	var as []string
	for a := range archives {
		as = append(as, a)
	}
	sort.Strings(as)
	r.SetAttr("sources", as)
	return r, notes, nil
}

// needs reports whether path p is one of used or under one ending in "/".
func needs(p string, used []string) bool {
	for _, u := range used {
		if p == u || strings.HasSuffix(u, "/") && strings.HasPrefix(p, u) {
			return true
		}
	}
	return false
}

func archOf(cfg map[string]string) string {
	if a := cfg["CONFIG_TARGET_ARCH"]; a != "" {
		return a
	}
	return "x86"
}

func addUnique(r *Target, attr, v string) {
	l, _ := r.Attr(attr).([]string)
	for _, x := range l {
		if x == v {
			return
		}
	}
	r.SetAttr(attr, append(l, v))
}

// fileLabel is the label of a file of the tree in the package of its
// directory (config/, blobs/, ... each get a BUILD file).
func fileLabel(p string) string {
	top, rest, _ := strings.Cut(p, "/")
	return "//" + top + ":" + rest
}

// files lists the regular files under dir, sorted.
func (t *Tree) files(dir string) []string {
	var out []string
	_ = fs.WalkDir(t.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && path.Base(p) != "BUILD.bazel" && path.Base(p) != "BUILD" {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// links maps the symlinks under dir to their targets (Heads' do-cpio
// archives them as links; a BUILD file cannot name them as files).
func (t *Tree) links(dir string) map[string]string {
	out := map[string]string{}
	rl, ok := t.fsys.(interface{ ReadLink(string) (string, error) })
	_ = fs.WalkDir(t.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		if !ok {
			t.problem(fmt.Sprintf("%s: a symlink, which this file system cannot read", p))
			return nil
		}
		if to, err := rl.ReadLink(p); err == nil {
			out[p] = to
		} else {
			t.problem(fmt.Sprintf("%s: %v", p, err))
		}
		return nil
	})
	return out
}

// InitrdTarget is the filegroup of Heads' initrd/ tree in the root
// package: every regular file, listed (no glob over a generated tree). Not
// a BUILD file in initrd/: Heads' own heads.cpio takes every file there.
func (t *Tree) InitrdTarget() *Target {
	files := t.files("initrd")
	if len(files) == 0 {
		return nil
	}
	g := NewTarget("filegroup", "initrd_files")
	srcs := files
	g.SetAttr("srcs", srcs)
	g.SetAttr("visibility", []string{"//visibility:public"})
	return g
}
