// Command headsgen reads a Heads tree (linuxboot/heads) through its own
// Makefile and writes what rules_heads needs from it; see package
// github.com/rules-heads/rules_heads/tools/heads/tree.
//
//	headsgen eval --tree DIR --board BOARD
//	headsgen sources --tree DIR --out heads_sources.json [--board B]...
//	headsgen build-files --tree DIR
//	headsgen tree-id --tree DIR
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rules-heads/rules_heads/tools/heads/buildgen"
	"github.com/rules-heads/rules_heads/tools/heads/gittree"
	"github.com/rules-heads/rules_heads/tools/heads/tree"
	"github.com/rules-heads/rules_heads/tools/internal/atomicfile"
	"github.com/rules-heads/rules_heads/tools/internal/cli"
)

func main() { program.Main() }

var program = &cli.Program{
	Name: "headsgen",
	Commands: []cli.Command{
		{Name: "eval", Args: "--tree DIR --board BOARD", Summary: "print one board's evaluation (modules, pins, exports) as JSON", Run: evalCmd},
		{Name: "build-files", Args: "--tree DIR", Summary: "write modules/, patches/ and config/ BUILD.bazel files of the tree (what the Gazelle language writes; used by the heads.tree repository rule)", Run: buildFilesCmd},
		{Name: "tree-id", Args: "--tree DIR [--exclude NAME]...", Summary: "print git's tree id of DIR (what `git rev-parse <commit>^{tree}` says for the commit it claims to be)", Run: treeIDCmd},
		{Name: "tree-manifest", Args: "--tree DIR", Summary: "print DIR's files as `git ls-tree -r` lists a commit of them (the manifest tree-check and heads.tree read)", Run: treeManifestCmd},
		{Name: "tree-check", Args: "--tree DIR --manifest FILE [--exclude NAME]...", Summary: "compare DIR with a commit's `git ls-tree -r` listing: print `missing|changed|extra <path>` lines", Run: treeCheckCmd},
		{Name: "sources", Args: "--tree DIR --out FILE [--board B]...", Summary: "write every source pin of the tree's boards (or of the --board ones) for the heads module extension", Run: sourcesCmd},
	},
}

func run(args []string, stdout, stderr io.Writer) error { return program.Run(args, stdout, stderr) }

func evalCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	dir := fs.String("tree", "", "top of a Heads tree")
	board := fs.String("board", "", "board name (a directory of boards/ or unmaintained_boards/)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Required(fs, "tree", "board"); err != nil {
		return err
	}
	b, err := tree.Evaluate(os.DirFS(*dir), *board, tree.Options{})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func sourcesCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	dir := fs.String("tree", "", "top of a Heads tree")
	out := fs.String("out", "", "sources file to write (atomically)")
	var boards listFlag
	fs.Var(&boards, "board", "only this board (repeatable; default: every board)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Required(fs, "tree", "out"); err != nil {
		return err
	}
	fsys := os.DirFS(*dir)
	if len(boards) == 0 {
		all, err := tree.Boards(fsys)
		if err != nil {
			return err
		}
		boards = all
	}
	srcs, errs := tree.CollectSources(fsys, boards, tree.Options{})
	for _, err := range errs {
		fmt.Fprintf(fs.Output(), "headsgen: warning: %v\n", err)
	}
	if len(srcs) == 0 {
		return errors.Join(append([]error{errors.New("no source pins found")}, errs...)...)
	}
	var missing int
	for _, s := range srcs {
		if s.SHA256 == "" {
			missing++
		}
	}
	fmt.Fprintf(fs.Output(), "headsgen: %d boards, %d source pins (%d git pins without sha256), %d boards skipped\n", len(boards), len(srcs), missing, len(errs))
	return atomicfile.WriteBytes(*out, 0o644, tree.SourcesJSON(srcs))
}

func buildFilesCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	dir := fs.String("tree", "", "top of a Heads tree; BUILD.bazel files are written into it")
	commit := fs.String("git-commit", "", "the commit the tree is: $(GIT_HASH) (the initrd's /etc/config); default: none")
	var missing []string
	fs.Func("missing", "a `PATH` of the pinned commit this copy lacks (repeatable): boards that need it list it as missing", func(v string) error {
		missing = append(missing, v)
		return nil
	})
	unverified := fs.String("unverified", "", "`TEXT` every board's source check prints: this copy is not known to be the pinned tree")
	cbtc := fs.String("coreboot-toolchain", "", "`LABEL` of the heads_coreboot_toolchain every generated board builds coreboot with (default: none, coreboot's make_env decides)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Required(fs, "tree"); err != nil {
		return err
	}
	t, err := buildgen.LoadWith(os.DirFS(*dir), tree.Options{Git: tree.GitInfo{Commit: *commit}})
	if err != nil {
		return err
	}
	t.CorebootToolchain = *cbtc
	t.MissingFiles = missing
	t.Unverified = *unverified
	files := t.BuildFiles()
	for _, p := range t.Problems {
		fmt.Fprintf(fs.Output(), "headsgen: warning: %s\n", p)
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := atomicfile.WriteBytes(filepath.Join(*dir, filepath.FromSlash(n)), 0o644, files[n]); err != nil {
			return err
		}
	}
	fmt.Fprintf(fs.Output(), "headsgen: %d boards evaluated, %d board targets generated, %d warnings; wrote %s\n", len(t.Boards), len(t.Generated), len(t.Problems), strings.Join(names, ", "))
	return nil
}

func treeManifestCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	dir := fs.String("tree", "", "directory")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Required(fs, "tree"); err != nil {
		return err
	}
	m, err := gittree.Manifest(os.DirFS(*dir), ".")
	if err != nil {
		return err
	}
	return gittree.Format(stdout, m)
}

func treeCheckCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	dir := fs.String("tree", "", "directory")
	manifest := fs.String("manifest", "", "`FILE`: `git ls-tree -r <commit>` of the pinned commit")
	var exclude []string
	fs.Func("exclude", "leave the top-level entry `NAME` out (repeatable)", func(v string) error {
		exclude = append(exclude, v)
		return nil
	})
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Required(fs, "tree", "manifest"); err != nil {
		return err
	}
	f, err := os.Open(*manifest)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := gittree.ParseManifest(*manifest, f)
	if err != nil {
		return err
	}
	d, err := gittree.Compare(os.DirFS(*dir), ".", m, exclude...)
	if err != nil {
		return err
	}
	for _, l := range []struct {
		what  string
		paths []string
	}{{"missing", d.Missing}, {"changed", d.Changed}, {"extra", d.Extra}} {
		for _, p := range l.paths {
			fmt.Fprintf(stdout, "%s %s\n", l.what, p)
		}
	}
	return nil
}

func treeIDCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	dir := fs.String("tree", "", "directory")
	var exclude []string
	fs.Func("exclude", "leave the top-level entry `NAME` out (repeatable)", func(v string) error {
		exclude = append(exclude, v)
		return nil
	})
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Required(fs, "tree"); err != nil {
		return err
	}
	id, err := gittree.TreeID(os.DirFS(*dir), ".", exclude...)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id)
	return nil
}
