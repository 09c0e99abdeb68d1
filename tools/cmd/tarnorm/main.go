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

var program = &cli.Program{
	Name: "tarnorm",
	Commands: []cli.Command{
		{Name: "extract", Args: "[flags] --out DIR ARCHIVE", Summary: "extract a tar, tar.gz, tar.bz2, tar.xz or zip archive into a new directory", Run: extract},
		{Name: "pack", Args: "[flags] --out OUT.tar DIR", Summary: "pack a directory tree into a deterministic tar", Run: pack},
		{Name: "repack", Args: "[flags] --out OUT.tar ARCHIVE", Summary: "extract an archive (with extract's checks) and pack it deterministically", Run: repack},
		{Name: "list", Args: "ARCHIVE", Summary: "print mode, size, sha256 and name of every member", Run: list},
	},
}

func run(args []string, stdout, stderr io.Writer) error { return program.Run(args, stdout, stderr) }

// mtimeFlag registers --mtime with $SOURCE_DATE_EPOCH (else 0) as default.
func mtimeFlag(fs *flag.FlagSet) (*int64, error) {
	epoch, err := tarnorm.SourceDateEpoch()
	if err != nil {
		return nil, err
	}
	return fs.Int64("mtime", epoch, "mtime in seconds since the epoch (default $SOURCE_DATE_EPOCH, else 0)"), nil
}

// packFlags registers the flags of pack and repack.
func packFlags(fs *flag.FlagSet) (out *string, po func() tarnorm.PackOptions, err error) {
	out = fs.String("out", "", "output tar file (written atomically; required)")
	prefix := fs.String("prefix", "./", `prefix of every name; "./" matches GNU tar -C DIR ., "" gives bare names`)
	hardlinks := fs.Bool("hardlinks", false, "store multiply linked files as hard links")
	gz := fs.Bool("gzip", false, "gzip the output (header without name or mtime)")
	mtime, err := mtimeFlag(fs)
	if err != nil {
		return nil, nil, err
	}
	return out, func() tarnorm.PackOptions {
		return tarnorm.PackOptions{Prefix: *prefix, MTime: *mtime, Hardlinks: *hardlinks, Gzip: *gz}
	}, nil
}

// parseOne parses flags (also after the argument) and returns the one
// positional argument; out, when not nil, is --out and must be set.
func parseOne(fs *flag.FlagSet, args []string, what string, out *string) (string, error) {
	pos, err := cli.ParseInterspersed(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", cli.Usagef("%s wants one %s, got %d arguments", fs.Name(), what, len(pos))
	}
	if out != nil && strings.TrimSpace(*out) == "" {
		fs.Usage()
		return "", cli.Usagef("%s: --out is required", fs.Name())
	}
	return pos[0], nil
}

func extract(fs *flag.FlagSet, args []string, _ io.Writer) error {
	out := fs.String("out", "", "destination directory; must not exist or be empty (required)")
	strip := fs.Int("strip-components", 0, "remove N leading name components")
	mtime, err := mtimeFlag(fs)
	if err != nil {
		return err
	}
	archive, err := parseOne(fs, args, "ARCHIVE", out)
	if err != nil {
		return err
	}
	return tarnorm.ExtractFile(archive, *out, tarnorm.ExtractOptions{Name: archive, StripComponents: *strip, MTime: *mtime})
}

func pack(fs *flag.FlagSet, args []string, _ io.Writer) error {
	out, po, err := packFlags(fs)
	if err != nil {
		return err
	}
	dir, err := parseOne(fs, args, "DIR", out)
	if err != nil {
		return err
	}
	return atomicfile.Write(*out, 0o644, func(w io.Writer) error {
		return tarnorm.Pack(w, dir, po())
	})
}

func repack(fs *flag.FlagSet, args []string, _ io.Writer) error {
	out, po, err := packFlags(fs)
	if err != nil {
		return err
	}
	strip := fs.Int("strip-components", 0, "remove N leading name components")
	archive, err := parseOne(fs, args, "ARCHIVE", out)
	if err != nil {
		return err
	}
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	o := po()
	eo := tarnorm.ExtractOptions{Name: archive, StripComponents: *strip, MTime: o.MTime}
	return atomicfile.Write(*out, 0o644, func(w io.Writer) error {
		return tarnorm.Repack(f, w, eo, o, filepath.Dir(*out))
	})
}

func list(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	archive, err := parseOne(fs, args, "ARCHIVE", nil)
	if err != nil {
		return err
	}
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	return tarnorm.List(f, stdout)
}
