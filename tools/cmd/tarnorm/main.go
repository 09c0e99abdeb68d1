// Command tarnorm extracts source archives safely and packs directory trees
// into reproducible tarballs. It is a thin wrapper around package
// github.com/rules-heads/rules_heads/tools/tarnorm.
//
// Usage:
//
//	tarnorm extract [--strip-components N] [--mtime SECS] --out DIR ARCHIVE
//	tarnorm pack    [--mtime SECS] [--prefix P] [--hardlinks] [--gzip] --out OUT.tar DIR
//	tarnorm repack  [--strip-components N] [--mtime SECS] [--prefix P] [--hardlinks] [--gzip] --out OUT.tar ARCHIVE
//	tarnorm list    ARCHIVE
//
// --mtime defaults to $SOURCE_DATE_EPOCH, or 0 if it is unset.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rules-heads/rules_heads/tools/internal/atomicfile"
	"github.com/rules-heads/rules_heads/tools/tarnorm"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tarnorm:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// errUsage marks command line mistakes (exit status 2).
var errUsage = errors.New("usage error")

type command struct {
	name     string
	args     string // synopsis after the flags
	summary  string
	nargs    int
	setFlags func(fs *flag.FlagSet, o *opts)
	run      func(o *opts, args []string, stdout io.Writer) error
}

// opts collects every subcommand's flags; each subcommand registers the ones it uses.
type opts struct {
	out       string
	strip     int
	mtime     int64
	prefix    string
	hardlinks bool
	gzip      bool
}

func mtimeFlag(fs *flag.FlagSet, o *opts) {
	fs.Int64Var(&o.mtime, "mtime", o.mtime, "mtime in seconds since the epoch (default $SOURCE_DATE_EPOCH, else 0)")
}

func packFlags(fs *flag.FlagSet, o *opts) {
	fs.StringVar(&o.out, "out", "", "output tar file (written atomically; required)")
	fs.StringVar(&o.prefix, "prefix", "./", `prefix of every name; "./" matches GNU tar -C DIR ., "" gives bare names`)
	fs.BoolVar(&o.hardlinks, "hardlinks", false, "store multiply linked files as hard links")
	fs.BoolVar(&o.gzip, "gzip", false, "gzip the output (header without name or mtime)")
	mtimeFlag(fs, o)
}

var commands = []command{
	{
		name: "extract", args: "ARCHIVE", nargs: 1,
		summary: "extract a tar, tar.gz, tar.bz2, tar.xz or zip archive into a new directory",
		setFlags: func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&o.out, "out", "", "destination directory; must not exist or be empty (required)")
			fs.IntVar(&o.strip, "strip-components", 0, "remove N leading name components")
			mtimeFlag(fs, o)
		},
		run: func(o *opts, args []string, _ io.Writer) error {
			return tarnorm.ExtractFile(args[0], o.out, tarnorm.ExtractOptions{
				Name: args[0], StripComponents: o.strip, MTime: o.mtime,
			})
		},
	},
	{
		name: "pack", args: "DIR", nargs: 1,
		summary:  "pack a directory tree into a deterministic tar",
		setFlags: packFlags,
		run: func(o *opts, args []string, _ io.Writer) error {
			po := o.packOptions()
			return atomicfile.Write(o.out, 0o644, func(w io.Writer) error {
				return tarnorm.Pack(w, args[0], po)
			})
		},
	},
	{
		name: "repack", args: "ARCHIVE", nargs: 1,
		summary: "extract an archive (with extract's checks) and pack it deterministically",
		setFlags: func(fs *flag.FlagSet, o *opts) {
			packFlags(fs, o)
			fs.IntVar(&o.strip, "strip-components", 0, "remove N leading name components")
		},
		run: func(o *opts, args []string, _ io.Writer) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			eo := tarnorm.ExtractOptions{Name: args[0], StripComponents: o.strip, MTime: o.mtime}
			po := o.packOptions()
			return atomicfile.Write(o.out, 0o644, func(w io.Writer) error {
				return tarnorm.Repack(f, w, eo, po, filepath.Dir(o.out))
			})
		},
	},
	{
		name: "list", args: "ARCHIVE", nargs: 1,
		summary:  "print mode, size, sha256 and name of every member",
		setFlags: func(*flag.FlagSet, *opts) {},
		run: func(_ *opts, args []string, stdout io.Writer) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			return tarnorm.List(f, stdout)
		},
	},
}

func (o *opts) packOptions() tarnorm.PackOptions {
	return tarnorm.PackOptions{Prefix: o.prefix, MTime: o.mtime, Hardlinks: o.hardlinks, Gzip: o.gzip}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tarnorm COMMAND [flags] ARGS\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tarnorm COMMAND -h' for a command's flags.")
}

// run executes the command line args (without the program name).
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return fmt.Errorf("%w: no command", errUsage)
	}
	if a := args[0]; a == "-h" || a == "-help" || a == "--help" || a == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return runCommand(c, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func runCommand(c command, args []string, stdout, stderr io.Writer) error {
	o := &opts{}
	epoch, err := tarnorm.SourceDateEpoch()
	if err != nil {
		return err
	}
	o.mtime = epoch
	fs := flag.NewFlagSet("tarnorm "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.setFlags(fs, o)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: tarnorm %s [flags] %s\n\n%s\n\nflags:\n", c.name, c.args, c.summary)
		fs.PrintDefaults()
	}
	// Allow flags after positional arguments ("extract ARCHIVE --out DIR").
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != c.nargs {
		fs.Usage()
		return fmt.Errorf("%w: %s wants %d argument(s) (%s), got %d", errUsage, c.name, c.nargs, c.args, len(pos))
	}
	if fl := fs.Lookup("out"); fl != nil && strings.TrimSpace(o.out) == "" {
		fs.Usage()
		return fmt.Errorf("%w: %s: --out is required", errUsage, c.name)
	}
	return c.run(o, pos, stdout)
}
