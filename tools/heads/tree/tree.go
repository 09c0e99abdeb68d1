// Package tree evaluates a Heads tree (linuxboot/heads) for one board the
// way Heads' own top-level Makefile does, with package mk and no command
// run: the enabled modules, each module's source pin and build variables,
// the initrd's binaries, the /etc/config exports and the Linux and
// coreboot choices.
//
// The Makefile is read as it is; its $(shell) calls are answered by a
// fixed list of known commands (see shell.go) and any other is an error
// naming file:line. Rules and recipes are recorded, not run.
package tree

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/rules-heads/rules_heads/tools/heads/mk"
)

// Root is what $(pwd) is in an evaluation: values that name files of the
// tree or of the build start with it. It is a variable reference that
// both make and the shell expand, so _configure and _target text can run
// unchanged in a build action that sets HEADS_PWD to a directory laid out
// like a Heads checkout (build/, install/, crossgcc/, config/, ...).
const Root = "${HEADS_PWD}"

// Jobs is what $(CPUS) is in an evaluation: the build action's job count.
const Jobs = "${HEADS_JOBS}"

// Options tunes Evaluate.
type Options struct {
	Git GitInfo
	// Lenient turns unanswerable $(shell) calls into warnings.
	Lenient bool
}

// Module is one Heads module as the Makefile sees it for a board. Values
// are expanded (paths start with Root); Configure and Target are the raw
// make text of _configure and _target, which mean something only to make.
type Module struct {
	Name       string
	ModuleFile string // modules/<ModuleFile> defines it
	Version    string
	Dir        string // build directory, relative to $(build)
	BaseDir    string // source directory, relative to $(build)
	Tar, URL   string
	Hash       string
	TarOpt     string
	Repo       string // git pin instead of a tarball
	CommitHash string
	PatchName  string // patches/<PatchName>.patch or patches/<PatchName>/
	Depends    []string
	Config     string // file copied to the build dir's .config (or ConfigFile)
	ConfigFile string
	Output     []string
	Libraries  []string
	Data       []string
	Configure  string
	Target     string
}

// Board is the evaluation of one board.
type Board struct {
	Name       string
	ConfigFile string   // boards/<b>/<b>.config or unmaintained_boards/...
	Modules    []string // modules-y, in order
	BinModules []string // bin_modules-y
	// LinuxModules are linux_modules-y: kernel modules (paths in the
	// kernel's build tree) that go stripped into the initrd's lib/modules.
	LinuxModules []string
	// Exports are the exported CONFIG_* variables, sorted by name: what
	// Heads' `export | grep ' CONFIG_'` writes to /etc/config.
	Exports      []Var
	Config       map[string]string // every CONFIG_* variable's value
	BoardTargets []string
	ModuleDefs   map[string]*Module // every module defined, enabled or not
	// BrandName, GitHash and GitStatus are $(BRAND_NAME), $(GIT_HASH) and
	// $(GIT_STATUS): the lines Heads appends to /etc/config.
	BrandName, GitHash, GitStatus string
	Diagnostics                   []mk.Diagnostic
}

// Var is a name and value.
type Var struct{ Name, Value string }

// Evaluate reads Heads' Makefile in fsys (the top of a Heads tree) for
// board, as `make BOARD=<board>` would before building anything.
func Evaluate(fsys fs.FS, board string, o Options) (*Board, error) {
	if board == "" || strings.ContainsAny(board, "/ \t$") {
		return nil, fmt.Errorf("board name %q is not a directory name", board)
	}
	e := mk.New(fsys)
	e.Root = Root
	e.Lenient = o.Lenient
	oracle := &shellOracle{fsys: fsys, root: Root, board: board, git: o.Git}
	e.Shell = oracle.answer
	e.Set("BOARD", board)
	// Job sizing: make -j and --load-average become the build action's
	// own job count, ${HEADS_JOBS}; the memory probe is not needed then.
	e.Set("CPUS", Jobs)
	e.Set("LOADAVG", Jobs)
	e.Set("AVAILABLE_MEM_GB", "1")
	if err := e.ParseFile("Makefile"); err != nil {
		return nil, err
	}
	b := &Board{
		Name:         board,
		Modules:      strings.Fields(e.Value("modules-y")),
		BinModules:   strings.Fields(e.Value("bin_modules-y")),
		LinuxModules: strings.Fields(e.Value("linux_modules-y")),
		BoardTargets: strings.Fields(e.Value("BOARD_TARGETS")),
		Config:       map[string]string{},
		ModuleDefs:   map[string]*Module{},
		Diagnostics:  e.Diagnostics(),
		BrandName:    strings.TrimSpace(e.Value("BRAND_NAME")),
		GitHash:      strings.TrimSpace(e.Value("GIT_HASH")),
		GitStatus:    strings.TrimSpace(e.Value("GIT_STATUS")),
	}
	b.ConfigFile = strings.TrimPrefix(e.Value("CONFIG"), Root+"/")
	for _, n := range e.Vars() {
		if !strings.HasPrefix(n, "CONFIG_") {
			continue
		}
		v, _ := e.Var(n)
		val := e.Value(n)
		b.Config[n] = val
		if v.Export {
			b.Exports = append(b.Exports, Var{n, val})
		}
	}
	sort.Slice(b.Exports, func(i, j int) bool { return b.Exports[i].Name < b.Exports[j].Name })
	for _, n := range e.Vars() {
		name, ok := strings.CutSuffix(n, "_version")
		if !ok || name == "" {
			continue
		}
		if !hasAny(e, name, "_dir", "_base_dir", "_tar", "_repo") {
			continue
		}
		raw := func(s string) string {
			v, _ := e.Var(name + s)
			return v.Value
		}
		val := func(s string) string { return strings.TrimSpace(e.Value(name + s)) }
		b.ModuleDefs[name] = &Module{
			Name:       name,
			ModuleFile: val("_module_file"),
			Version:    val("_version"),
			Dir:        val("_dir"),
			BaseDir:    val("_base_dir"),
			Tar:        val("_tar"),
			URL:        val("_url"),
			Hash:       val("_hash"),
			TarOpt:     val("_tar_opt"),
			Repo:       val("_repo"),
			CommitHash: val("_commit_hash"),
			PatchName:  val("_patch_name"),
			Depends:    strings.Fields(val("_depends")),
			Config:     strings.TrimPrefix(val("_config"), Root+"/"),
			ConfigFile: val("_config_file"),
			Output:     strings.Fields(val("_output")),
			Libraries:  strings.Fields(val("_libraries")),
			Data:       strings.Fields(val("_data")),
			Configure:  raw("_configure"),
			Target:     raw("_target"),
		}
	}
	for _, m := range b.Modules {
		if b.ModuleDefs[m] == nil && m != "initrd" {
			return nil, fmt.Errorf("%s: modules-y names %q, which no module file defines (no %s_version with a _dir, _base_dir, _tar or _repo)", b.ConfigFile, m, m)
		}
	}
	return b, nil
}

// hasAny reports whether one of the variables name+suffix is defined: a
// module has a version and a directory, a tarball or a repository.
func hasAny(e *mk.Evaluator, name string, suffixes ...string) bool {
	for _, s := range suffixes {
		if _, ok := e.Var(name + s); ok {
			return true
		}
	}
	return false
}
