// Command headsmirror fills a mirror directory with the source archives a
// Heads tree pins (its sources file, written by `headsgen sources`),
// checking every sha256, where the network allows, and lists what is
// still missing:
//
//	headsmirror fill --sources FILE [--substitutions FILE] [--dir DIR] [--board B]...
//	                 [--debian-suites S1,S2 [--archive URI]]
//
// With --debian-suites, Debian's source files of those suites are searched
// for each pin's sha256 first (Heads' exact bytes, from the Debian archive
// this machine's apt uses).
//
// Exit status: 0 when every selected pin is in DIR, 1 when some are
// missing, 2 on bad usage. tools/bazel's mirror directory is
// ~/.cache/rules_heads/distdir ($RULES_HEADS_DISTDIR inside the build root).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rules-heads/rules_heads/tools/heads/mirror"
	"github.com/rules-heads/rules_heads/tools/internal/cli"
)

var program = &cli.Program{
	Name: "headsmirror",
	Commands: []cli.Command{
		{Name: "fill", Args: "--sources FILE [--substitutions FILE] [--dir DIR] [--board B]...", Summary: "download the pinned source archives into a mirror directory, checking each sha256, and list what is missing", Run: fill},
	},
}

func main() { program.Main() }

func run(args []string, stdout, stderr io.Writer) error { return program.Run(args, stdout, stderr) }

// errMissing makes the exit status 1.
var errMissing = errors.New("some sources are still missing")

func fill(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	sources := fs.String("sources", "", "the tree's sources `FILE` (headsgen sources)")
	substitutions := fs.String("substitutions", "", "the substitution list `FILE`: its substitutes are fetched instead of the pins they replace")
	dir := fs.String("dir", os.Getenv("RULES_HEADS_DISTDIR"), "mirror `DIR` to fill (default $RULES_HEADS_DISTDIR)")
	var boards []string
	fs.Func("board", "only the pins of `BOARD` (repeatable; default: every pin)", func(v string) error {
		boards = append(boards, v)
		return nil
	})
	timeout := fs.Duration("timeout", 10*time.Minute, "time limit of one download")
	suites := fs.String("debian-suites", "", "comma-separated Debian `SUITES` (e.g. bookworm,bullseye,trixie) whose source files are searched for Heads' exact pins by sha256 first")
	archive := fs.String("archive", "", "Debian archive `URI` for --debian-suites (default: the one of this machine's apt sources)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Required(fs, "sources"); err != nil {
		return err
	}
	if *dir == "" {
		return cli.Usagef("fill: --dir is required (or RULES_HEADS_DISTDIR)")
	}
	srcs, err := mirror.ReadSources(*sources)
	if err != nil {
		return err
	}
	if *substitutions != "" {
		subs, err := mirror.ReadSubstitutions(*substitutions)
		if err != nil {
			return err
		}
		if srcs, err = mirror.Substitute(srcs, subs); err != nil {
			return err
		}
	}
	srcs = mirror.Select(srcs, boards)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	client := &http.Client{Timeout: *timeout}
	if *suites != "" {
		if *archive == "" {
			if *archive, err = mirror.AptArchive("/etc/apt"); err != nil {
				return err
			}
		}
		index := map[string]mirror.DebianFile{}
		for _, suite := range strings.Split(*suites, ",") {
			idx, err := mirror.FetchSourcesIndex(context.Background(), client, *archive, suite)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Debian %s: %d source files\n", suite, len(idx))
			for k, v := range idx {
				if _, ok := index[k]; !ok {
					index[k] = v
				}
			}
		}
		var found []string
		srcs, found = mirror.WithDebian(srcs, index, *archive)
		for _, f := range found {
			fmt.Fprintf(stdout, "exact pin in Debian: %s\n", f)
		}
	}
	res := mirror.Fill(context.Background(), client, srcs, *dir)
	missing := 0
	for _, r := range res {
		fmt.Fprintf(stdout, "%-8s %s (%s)\n", r.Status, r.Source.FileName, r.Source.Module)
		if r.Status == "missing" {
			missing++
			fmt.Fprintf(stdout, "         sha256 %s: %s\n", r.Source.SHA256, r.Why)
		}
	}
	fmt.Fprintf(stdout, "%d pins: %d missing, into %s\n", len(res), missing, *dir)
	if missing > 0 {
		return fmt.Errorf("%w: %d of %d", errMissing, missing, len(res))
	}
	return nil
}
