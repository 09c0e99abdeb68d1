// Package gazelle is a Gazelle language that writes BUILD files for a
// Heads tree (linuxboot/heads) from its own Makefile, modules/ and boards/,
// evaluated by tools/heads/tree:
//
//   - modules/BUILD.bazel: per module a heads_source (the pin from the
//     sources file, the patches of patches/<m>-<version>[.patch|/]) and a
//     heads_make_module running the module's _configure/_target text;
//     a module defined differently by some boards ($(BOARD) in _dir, a
//     board-chosen version) gets one target per definition, named
//     <module>__<first board>;
//   - patches/ and config/: exports_files of the files rules name.
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
	tree    *buildgen.Tree
	loadErr error
	loaded  bool
}

// NewLanguage is the entry point gazelle_binary calls.
func NewLanguage() language.Language { return &headsLang{} }

func (*headsLang) Name() string { return langName }

func (*headsLang) RegisterFlags(fs *flag.FlagSet, cmd string, c *config.Config) {}
func (*headsLang) CheckFlags(fs *flag.FlagSet, c *config.Config) error          { return nil }
func (*headsLang) KnownDirectives() []string                                    { return nil }
func (*headsLang) Configure(c *config.Config, rel string, f *rule.File)         {}

var kinds = map[string]rule.KindInfo{
	"heads_source": {
		NonEmptyAttrs:  map[string]bool{"archive": true},
		MergeableAttrs: map[string]bool{"archive": true, "module": true, "patches": true, "strip_components": true},
	},
	"heads_make_module": {
		NonEmptyAttrs: map[string]bool{"source": true, "dir": true},
		MergeableAttrs: map[string]bool{
			"arch": true, "base_dir": true, "config": true, "config_file": true, "configure": true, "deps": true, "dir": true,
			"libraries": true, "module": true, "outputs": true, "source": true, "target": true, "tree_files": true,
		},
	},
	"exports_files": {NonEmptyAttrs: map[string]bool{}, MergeableAttrs: map[string]bool{}},
}

func (*headsLang) Kinds() map[string]rule.KindInfo { return kinds }

func (*headsLang) Loads() []rule.LoadInfo {
	return []rule.LoadInfo{{Name: "@rules_heads//rules:defs.bzl", Symbols: []string{"heads_make_module", "heads_source"}}}
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
			for _, p := range l.tree.Problems {
				log.Printf("heads: %s", p)
			}
		}
	}
	return l.tree, l.loadErr
}

func (l *headsLang) GenerateRules(args language.GenerateArgs) language.GenerateResult {
	var res language.GenerateResult
	root := args.Config.RepoRoot
	if !isHeadsTree(root) {
		return res
	}
	switch args.Rel {
	case "modules", "patches", "config":
	default:
		return res
	}
	t, err := l.load(root)
	if err != nil {
		log.Printf("heads: %v", err)
		return res
	}
	switch args.Rel {
	case "modules":
		targets, comments := t.ModuleTargets()
		for _, c := range comments {
			log.Printf("heads: modules/%s", c)
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
	case "patches", "config":
		if e := t.ExportTarget(args.Rel); e != nil {
			res.Gen = []*rule.Rule{toRule(e)}
		}
	}
	res.Imports = make([]interface{}, len(res.Gen))
	return res
}
