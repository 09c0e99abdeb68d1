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
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rules-heads/rules_heads/tools/internal/atomicfile"
	"github.com/rules-heads/rules_heads/tools/internal/cli"
	"github.com/rules-heads/rules_heads/tools/tarnorm"
)

func main() { program.Main() }

var program = &cli.Program{Name: "tarnorm", Commands: cliCommands()}

func run(args []string, stdout, stderr io.Writer) error { return program.Run(args, stdout, stderr) }

// cliCommands wraps the subcommands for cli: each gets its own opts, with
// $SOURCE_DATE_EPOCH as the default mtime.
func cliCommands() []cli.Command {
	var cs []cli.Command
	for _, c := range commands {
		cs = append(cs, cli.Command{
			Name:    c.name,
			Args:    "[flags] " + c.args,
			Summary: c.summary,
			Run: func(fs *flag.FlagSet, args []string, stdout io.Writer) error {
				return runCommand(c, fs, args, stdout)
			},
		})
	}
	return cs
}

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

func runCommand(c command, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	o := &opts{}
	epoch, err := tarnorm.SourceDateEpoch()
	if err != nil {
		return err
	}
	o.mtime = epoch
	c.setFlags(fs, o)
	pos, err := cli.ParseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != c.nargs {
		fs.Usage()
		return cli.Usagef("%s wants %d argument(s) (%s), got %d", c.name, c.nargs, c.args, len(pos))
	}
	if fl := fs.Lookup("out"); fl != nil && strings.TrimSpace(o.out) == "" {
		fs.Usage()
		return cli.Usagef("%s: --out is required", c.name)
	}
	return c.run(o, pos, stdout)
}
