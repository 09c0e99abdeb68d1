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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rules-heads/rules_heads/tools/initrd"
	"github.com/rules-heads/rules_heads/tools/internal/atomicfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mkinitrd:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsage marks command-line mistakes (exit status 2).
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

type command struct {
	args, help string
	run        func(args []string, stdout, stderr io.Writer) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"build": {"-o OUT [flags] INPUTS...", "merge inputs (in flag order, last wins) into one initrd", runBuild},
		"list":  {"FILE", "print mode uid:gid size sha256 name [-> target] of each member", runList},
		"diff":  {"A B", "exit 1 naming the first differing member, 0 if contents match", runDiff},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mkinitrd COMMAND [ARGS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %s %s\n      %s\n", n, c.args, c.help)
	}
	fmt.Fprintln(w, "\nRun 'mkinitrd COMMAND -h' for a command's flags. Archives may be xz, gzip or zstd compressed.")
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return fmt.Errorf("%w: no command", errUsage)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	return c.run(args[1:], stdout, stderr)
}

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

func newFlagSet(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mkinitrd %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

func runBuild(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("build", commands["build"].args, stderr)
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: build: unexpected argument %q (inputs need --tree/--list/--cpio/--tar)", errUsage, fs.Arg(0))
	}
	if *out == "" || len(inputs) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: build needs -o and at least one input", errUsage)
	}
	c, err := initrd.ParseCompression(*comp)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
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

func runList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", commands["list"].args, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: list takes one FILE", errUsage)
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

func runDiff(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("diff", commands["diff"].args, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return fmt.Errorf("%w: diff takes two FILEs", errUsage)
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
