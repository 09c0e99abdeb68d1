// Command mkinitrd builds, lists and compares reproducible initramfs
// images; see package github.com/rules-heads/rules_heads/tools/initrd.
//
//	mkinitrd build -o OUT [--heads-compat] [--compress xz|gzip|zstd|none]
//	               [--xz PATH] [--pad N] [--list-root DIR]
//	               {--tree DIR[=DEST] | --list FILE | --cpio FILE | --tar FILE[=DEST]}...
//	mkinitrd list FILE
//	mkinitrd diff A B
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rules-heads/rules_heads/tools/initrd"
	"github.com/rules-heads/rules_heads/tools/internal/atomicfile"
	"github.com/rules-heads/rules_heads/tools/internal/cli"
)

func main() { program.Main() }

var program = &cli.Program{
	Name: "mkinitrd",
	Commands: []cli.Command{
		{Name: "build", Args: "-o OUT [flags] INPUTS...", Summary: "merge inputs (in flag order, last wins) into one initrd", Run: runBuild},
		{Name: "list", Args: "FILE", Summary: "print mode uid:gid size sha256 name [-> target] of each member", Run: runList},
		{Name: "diff", Args: "A B", Summary: "exit 1 naming the first differing member, 0 if contents match", Run: runDiff},
	},
	Footer: "Archives may be xz, gzip or zstd compressed.",
}

func run(args []string, stdout, stderr io.Writer) error { return program.Run(args, stdout, stderr) }

// input is one merge step, kept in command-line order.
type input struct{ kind, value string }

type inputFlag struct {
	kind string
	list *[]input
}

func (f inputFlag) String() string { return "" }
func (f inputFlag) Set(v string) error {
	*f.list = append(*f.list, input{f.kind, v})
	return nil
}

func runBuild(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	var inputs []input
	fs.Var(inputFlag{"tree", &inputs}, "tree", "directory `DIR[=DEST]` (modes normalised to 0755/0644, root:root)")
	fs.Var(inputFlag{"list", &inputs}, "list", "gen_init_cpio list `FILE`")
	fs.Var(inputFlag{"cpio", &inputs}, "cpio", "newc archive `FILE` to merge (xz/gzip/zstd detected)")
	fs.Var(inputFlag{"tar", &inputs}, "tar", "tar archive `FILE[=DEST]` (xz/gzip/zstd detected)")
	out := fs.String("o", "", "output `FILE` (\"-\" for stdout); written atomically")
	listRoot := fs.String("list-root", "", "`DIR` that relative --list file locations are resolved against (default: each list's directory)")
	compat := fs.Bool("heads-compat", false, "produce Heads bin/cpio-clean's exact bytes (and Heads' xz command line)")
	comp := fs.String("compress", "xz", "compression: xz, gzip, zstd or none")
	xzPath := fs.String("xz", "", "xz binary `PATH` (default: xz from PATH, else the larger Go encoder)")
	pad := fs.Int("pad", -1, "pad the compressed output to a multiple of `N` bytes like dd conv=sync; -1 means 512 for xz, else 0")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return cli.Usagef("build: unexpected argument %q (inputs need --tree/--list/--cpio/--tar)", fs.Arg(0))
	}
	if *out == "" || len(inputs) == 0 {
		fs.Usage()
		return cli.Usagef("build needs -o and at least one input")
	}
	c, err := initrd.ParseCompression(*comp)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	if *pad < 0 {
		*pad = 0
		if c == initrd.XZ {
			*pad = 512
		}
	}
	format := initrd.FormatDefault
	opts := initrd.CompressOptions{XZPath: *xzPath}
	if *compat {
		format = initrd.FormatHeadsCompat
		opts.XZArgs = initrd.HeadsXZArgs
	}
	s := initrd.NewSet(format)
	for _, in := range inputs {
		if err := addInput(s, in, *listRoot); err != nil {
			return err
		}
	}
	archive, err := s.Bytes()
	if err != nil {
		return err
	}
	data, err := initrd.Finish(archive, c, *pad, opts)
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return atomicfile.WriteBytes(*out, 0o644, data)
}

func splitDest(v string) (string, string) {
	if i := strings.LastIndexByte(v, '='); i >= 0 {
		return v[:i], v[i+1:]
	}
	return v, ""
}

func addInput(s *initrd.Set, in input, listRoot string) error {
	switch in.kind {
	case "tree":
		dir, dest := splitDest(in.value)
		return s.AddTree(dir, dest)
	case "tar":
		file, dest := splitDest(in.value)
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		return s.AddTar(file, f, dest)
	case "cpio":
		f, err := os.Open(in.value)
		if err != nil {
			return err
		}
		defer f.Close()
		return s.AddCpio(in.value, f)
	case "list":
		f, err := os.Open(in.value)
		if err != nil {
			return err
		}
		defer f.Close()
		root := listRoot
		if root == "" {
			root = filepath.Dir(in.value)
		}
		return s.AddList(in.value, f, root)
	}
	return fmt.Errorf("unknown input kind %q", in.kind)
}

func runList(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.Usagef("list takes one FILE")
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := initrd.List(stdout, b); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	return nil
}

func runDiff(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return cli.Usagef("diff takes two FILEs")
	}
	a, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := os.ReadFile(fs.Arg(1))
	if err != nil {
		return err
	}
	return initrd.Diff(a, b)
}
