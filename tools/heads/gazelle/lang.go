// Package gazelle is a Gazelle language that writes BUILD files for a
// Heads tree (linuxboot/heads) from its own Makefile, modules/ and boards/,
// evaluated by tools/heads/tree:
//
//   - the root BUILD.bazel (not modules/: Heads' Makefile includes every
//     file there): per module a heads_source (the pin from the
//     sources file, the patches of patches/<m>-<version>[.patch|/]) and a
//     heads_make_module running the module's _configure/_target text;
//     a module defined differently by some boards ($(BOARD) in _dir, a
//     board-chosen version) gets one target per definition, named
//     <module>__<first board>;
//   - boards/BUILD.bazel (and unmaintained_boards/): a heads_board per
//     board, named as Heads names it (//boards:<board>_rom, ...), with the
//     evaluated /etc/config, the modules of modules-y, the kernel and
//     coreboot sources and configs, blobs, split and the board's sources
//     for the missing-source check;
//   - the root BUILD.bazel also lists Heads' initrd/ tree (initrd_files;
//     a BUILD file in initrd/ would go into Heads' own heads.cpio);
//   - bin/, blobs/, patches/ and config/: exports_files of the files rules
//     name.
//
// What is not generated is said in a comment of the generated file and on
// stderr, never silently left out. A Heads checkout uses it through a
// gazelle_binary (see docs/heads-tree.md).
package gazelle

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/label"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/repo"
	"github.com/bazelbuild/bazel-gazelle/resolve"
	"github.com/bazelbuild/bazel-gazelle/rule"
	bzl "github.com/bazelbuild/buildtools/build"
	"github.com/rules-heads/rules_heads/tools/heads/buildgen"
)

const langName = "heads"

type headsLang struct {
	tree     *buildgen.Tree
	loadErr  error
	loaded   bool
	reported map[string]bool
	// corebootToolchain is the heads_coreboot_toolchain directive's label.
	corebootToolchain string
}

// NewLanguage is the entry point gazelle_binary calls.
func NewLanguage() language.Language { return &headsLang{reported: map[string]bool{}} }

func (*headsLang) Name() string { return langName }

func (*headsLang) RegisterFlags(fs *flag.FlagSet, cmd string, c *config.Config) {}
func (*headsLang) CheckFlags(fs *flag.FlagSet, c *config.Config) error          { return nil }

// corebootToolchainDirective names the heads_coreboot_toolchain the
// generated boards build coreboot with, in the root BUILD file:
//
//	# gazelle:heads_coreboot_toolchain //toolchains:crossgcc_i386
const corebootToolchainDirective = "heads_coreboot_toolchain"

func (*headsLang) KnownDirectives() []string { return []string{corebootToolchainDirective} }

func (l *headsLang) Configure(c *config.Config, rel string, f *rule.File) {
	if rel != "" || f == nil {
		return
	}
	for _, d := range f.Directives {
		if d.Key == corebootToolchainDirective {
			l.corebootToolchain = d.Value
		}
	}
}

var kinds = map[string]rule.KindInfo{
	"heads_source": {
		NonEmptyAttrs:  map[string]bool{"archive": true},
		MergeableAttrs: map[string]bool{"archive": true, "module": true, "patches": true, "strip_components": true},
	},
	"heads_make_module": {
		NonEmptyAttrs: map[string]bool{"source": true, "dir": true},
		MergeableAttrs: map[string]bool{
			"arch": true, "base_dir": true, "config": true, "config_file": true, "configure": true, "deps": true, "dir": true,
			"data": true, "initrd_install": true,
			"libraries": true, "module": true, "outputs": true, "source": true, "target": true, "tree_files": true,
		},
	},
	"heads_board": {
		NonEmptyAttrs: map[string]bool{"linux_source": true, "coreboot_source": true},
		MergeableAttrs: map[string]bool{
			"blobs": true, "board_config": true, "board_srcs": true, "board_strip_prefix": true, "brand": true,
			"coreboot_config": true, "coreboot_extra_sources": true, "coreboot_source": true, "coreboot_toolchain": true, "dev_cpios": true,
			"etc_config": true, "heads_config": true, "heads_srcs": true, "heads_strip_prefix": true, "initrd_links": true,
			"linux_arch": true, "linux_config": true, "linux_data": true, "linux_modules": true, "linux_source": true, "missing_blobs": true,
			"modules": true, "sources": true, "split": true, "tree_warning": true,
		},
	},
	"filegroup":     {NonEmptyAttrs: map[string]bool{"srcs": true}, MergeableAttrs: map[string]bool{"srcs": true}},
	"exports_files": {NonEmptyAttrs: map[string]bool{}, MergeableAttrs: map[string]bool{}},
}

func (*headsLang) Kinds() map[string]rule.KindInfo { return kinds }

func (*headsLang) Loads() []rule.LoadInfo {
	return []rule.LoadInfo{{Name: "@rules_heads//rules:defs.bzl", Symbols: []string{"heads_board", "heads_make_module", "heads_source"}}}
}

func (*headsLang) Fix(c *config.Config, f *rule.File) {}

func (*headsLang) Imports(c *config.Config, r *rule.Rule, f *rule.File) []resolve.ImportSpec {
	return nil
}
func (*headsLang) Embeds(r *rule.Rule, from label.Label) []label.Label { return nil }
func (*headsLang) Resolve(c *config.Config, ix *resolve.RuleIndex, rc *repo.RemoteCache, r *rule.Rule, imports interface{}, from label.Label) {
}

// isHeadsTree reports whether root looks like a Heads checkout.
func isHeadsTree(root string) bool {
	for _, p := range []string{"Makefile", "modules", "boards"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			return false
		}
	}
	return true
}

// toRule converts a generated target into a Gazelle rule.
func toRule(t *buildgen.Target) *rule.Rule {
	r := rule.NewRule(t.Kind, t.Name)
	for _, k := range t.AttrNames() {
		r.SetAttr(k, t.Attrs[k])
	}
	for _, a := range t.Args {
		list := &bzl.ListExpr{ForceMultiLine: len(a) > 1}
		for _, s := range a {
			list.List = append(list.List, &bzl.StringExpr{Value: s})
		}
		r.AddArg(list)
	}
	return r
}

func (l *headsLang) load(root string) (*buildgen.Tree, error) {
	if !l.loaded {
		l.loaded = true
		l.tree, l.loadErr = buildgen.Load(os.DirFS(root))
		if l.loadErr == nil {
			l.tree.CorebootToolchain = l.corebootToolchain
			l.report()
		}
	}
	return l.tree, l.loadErr
}

// report logs the problems of the tree not logged yet, once each.
func (l *headsLang) report() {
	for _, p := range l.tree.Problems {
		if !l.reported[p] {
			l.reported[p] = true
			log.Printf("heads: %s", p)
		}
	}
}

func (l *headsLang) GenerateRules(args language.GenerateArgs) language.GenerateResult {
	var res language.GenerateResult
	root := args.Config.RepoRoot
	if !isHeadsTree(root) {
		return res
	}
	t, err := l.load(root)
	if err != nil {
		log.Printf("heads: %v", err)
		return res
	}
	if slices.Contains(t.BoardPackages(), args.Rel) {
		rules, comments := t.BoardTargets(args.Rel)
		l.report()
		for i, tg := range rules {
			r := toRule(tg)
			if i == 0 {
				r.AddComment("# Generated by rules_heads from the board configs in " + args.Rel + "/.")
				for _, c := range comments {
					r.AddComment("# " + c)
				}
			}
			for _, c := range tg.Comments {
				r.AddComment(c)
			}
			res.Gen = append(res.Gen, r)
		}
		res.Imports = make([]interface{}, len(res.Gen))
		return res
	}
	switch args.Rel {
	case "":
		// The module targets and Heads' initrd/ files, in the root package:
		// Heads' Makefile includes every file of modules/, and its
		// heads.cpio takes every file of initrd/.
		targets, comments := t.ModuleTargets()
		l.report()
		for _, c := range comments {
			if !l.reported["module "+c] && strings.Contains(c, "not generated") {
				l.reported["module "+c] = true
				log.Printf("heads: modules/%s", c)
			}
		}
		if g := t.InitrdTarget(); g != nil {
			targets = append(targets, g)
		}
		for i, tg := range targets {
			r := toRule(tg)
			if i == 0 {
				for _, h := range t.ModulesHeader(comments) {
					r.AddComment(h)
				}
			}
			res.Gen = append(res.Gen, r)
		}
	case "bin", "blobs", "patches", "config":
		if e := t.ExportTarget(args.Rel); e != nil {
			res.Gen = []*rule.Rule{toRule(e)}
		}
	}
	res.Imports = make([]interface{}, len(res.Gen))
	return res
}
