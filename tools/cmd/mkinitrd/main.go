// Command mkinitrd builds, lists and compares reproducible initramfs
// images; see package github.com/rules-heads/rules_heads/tools/initrd.
//
//	mkinitrd build --out OUT [--heads-compat] [--compress xz|gzip|zstd|none]
//	               [--xz PATH | --xz-encoder=go] [--pad N] [--list-root DIR]
//	               [--list-srcs-only] [--list-src FILE]...
//	               {--tree DIR[=DEST] | --list FILE | --cpio FILE | --tar FILE[=DEST]}...
//	mkinitrd etc-config --out FILE [--board-config CFG] [--set KEY=VALUE]...
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
		{Name: "build", Args: "--out OUT [flags] INPUTS...", Summary: "merge inputs (in flag order, last wins) into one initrd", Run: runBuild},
		{Name: "etc-config", Args: "--out FILE [--board-config CFG] [--set KEY=VALUE]...", Summary: "write Heads' /etc/config from a board config's export CONFIG_* lines and --set", Run: runEtcConfig},
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
	out := fs.String("out", "", "output `FILE` (\"-\" for stdout); written atomically")
	listRoot := fs.String("list-root", "", "`DIR` that --list file locations are relative to (default: each list's directory)")
	var listSrcs []string
	fs.Func("list-src", "a `FILE` that --list file entries may name (repeatable); with any, or with --list-srcs-only, no other file is read", func(v string) error {
		listSrcs = append(listSrcs, v)
		return nil
	})
	srcsOnly := fs.Bool("list-srcs-only", false, "--list file entries may name only --list-src files (none if none given)")
	compat := fs.Bool("heads-compat", false, "produce Heads bin/cpio-clean's exact bytes (and Heads' xz command line)")
	comp := fs.String("compress", "xz", "compression: xz, gzip, zstd or none")
	xzPath := fs.String("xz", "", "xz binary `PATH` (default: xz from PATH; none found is an error)")
	xzEncoder := fs.String("xz-encoder", "xz", "xz `ENCODER`: xz (a binary, see --xz) or go (the Go encoder: different, larger bytes)")
	pad := fs.Int("pad", -1, "pad the compressed output to a multiple of `N` bytes like dd conv=sync; -1 means 512 for xz, else 0")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return cli.Usagef("build: unexpected argument %q (inputs need --tree/--list/--cpio/--tar)", fs.Arg(0))
	}
	if *out == "" || len(inputs) == 0 {
		fs.Usage()
		return cli.Usagef("build needs --out and at least one input")
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
	switch *xzEncoder {
	case "xz":
	case "go":
		if *xzPath != "" {
			return cli.Usagef("build: --xz and --xz-encoder=go exclude each other")
		}
		opts.NoExternal = true
	default:
		return cli.Usagef("build: --xz-encoder %q: want xz or go", *xzEncoder)
	}
	if *compat {
		format = initrd.FormatHeadsCompat
		opts.XZArgs = initrd.HeadsXZArgs
	}
	if c == initrd.XZ {
		bin, err := initrd.XZEncoder(opts)
		if err != nil {
			return err
		}
		if bin == "" {
			bin = "Go encoder"
		}
		fmt.Fprintf(fs.Output(), "mkinitrd: xz: %s\n", bin)
	}
	s := initrd.NewSet(format)
	lo := initrd.ListOptions{Root: *listRoot}
	if *srcsOnly || listSrcs != nil {
		lo.Srcs = append([]string{}, listSrcs...)
	}
	for _, in := range inputs {
		if err := addInput(s, in, lo); err != nil {
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

// setFlag collects --set KEY=VALUE in order.
type setFlag []initrd.ConfigVar

func (f *setFlag) String() string { return "" }
func (f *setFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*f = append(*f, initrd.ConfigVar{Key: k, Value: val})
	return nil
}

func runEtcConfig(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	out := fs.String("out", "", "output `FILE`; written atomically, mode 0644")
	cfg := fs.String("board-config", "", "Heads board config `CFG` whose export CONFIG_* lines are copied")
	var sets setFlag
	fs.Var(&sets, "set", "add `KEY=VALUE` as export KEY=\"VALUE\" after the board's lines (repeatable, in order)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return cli.Usagef("etc-config: unexpected argument %q", fs.Arg(0))
	}
	if err := cli.Required(fs, "out"); err != nil {
		return err
	}
	var vars []initrd.ConfigVar
	if *cfg != "" {
		b, err := os.ReadFile(*cfg)
		if err != nil {
			return err
		}
		if vars, err = initrd.ParseBoardConfig(*cfg, b); err != nil {
			return err
		}
	}
	vars = append(vars, sets...)
	return atomicfile.WriteBytes(*out, 0o644, initrd.EtcConfig(vars))
}

func splitDest(v string) (string, string) {
	if i := strings.LastIndexByte(v, '='); i >= 0 {
		return v[:i], v[i+1:]
	}
	return v, ""
}

func addInput(s *initrd.Set, in input, lo initrd.ListOptions) error {
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
		if lo.Root == "" {
			lo.Root = filepath.Dir(in.value)
		}
		return s.AddList(in.value, f, lo)
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
