// Package cli is the command-line frame shared by rules_heads' tools:
// subcommands of one or more words ("build", "cbfs add"), help and usage
// text, flag parsing, and one exit-status policy for all of them:
//
//	0  success, or help asked for (-h, help)
//	1  the command failed
//	2  a command-line mistake (unknown command, bad or missing flag)
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrUsage marks command-line mistakes (exit status 2).
var ErrUsage = errors.New("usage error")

// Usagef returns a command-line mistake: an error wrapping ErrUsage.
func Usagef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// ExitCode is the exit status for err: 0 for nil and flag.ErrHelp, 2 for
// ErrUsage, 1 otherwise.
func ExitCode(err error) int {
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	return 1
}

// Command is one subcommand of a Program.
type Command struct {
	// Name is one or more words, e.g. "list" or "cbfs add".
	Name string
	// Args is the synopsis after the name, e.g. "--rom R --out O".
	Args string
	// Summary is one line on what the command does.
	Summary string
	// Run declares its flags on fs, parses args with Parse (or
	// ParseInterspersed) and does the work.
	Run func(fs *flag.FlagSet, args []string, stdout io.Writer) error
}

// Program is a tool with subcommands.
type Program struct {
	Name     string
	Commands []Command
	// Footer is printed after the command list.
	Footer string
}

// Usage writes the program's usage: its commands and the footer.
func (p *Program) Usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s COMMAND [flags] [ARGS]\n\ncommands:\n", p.Name)
	for _, c := range p.Commands {
		fmt.Fprintf(w, "  %s %s\n      %s\n", c.Name, c.Args, c.Summary)
	}
	fmt.Fprintf(w, "\nRun '%s COMMAND -h' for a command's flags.\n", p.Name)
	if p.Footer != "" {
		fmt.Fprintln(w, p.Footer)
	}
}

// Run runs the command line args (without the program name). The longest
// command name that prefixes args wins.
func (p *Program) Run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		p.Usage(stderr)
		return Usagef("no command")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		p.Usage(stdout)
		return nil
	}
	var best *Command
	bestWords := 0
	for i := range p.Commands {
		c := &p.Commands[i]
		words := strings.Fields(c.Name)
		if len(words) > bestWords && len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.Name {
			best, bestWords = c, len(words)
		}
	}
	if best == nil {
		p.Usage(stderr)
		return Usagef("unknown command %q", strings.Join(args, " "))
	}
	fs := flag.NewFlagSet(p.Name+" "+best.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s %s %s\n  %s\n", p.Name, best.Name, best.Args, best.Summary)
		fs.PrintDefaults()
	}
	return best.Run(fs, args[bestWords:], stdout)
}

// Main runs the program on os.Args and exits with ExitCode; errors other
// than a help request are printed as "NAME: error".
func (p *Program) Main() {
	err := p.Run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
	}
	os.Exit(ExitCode(err))
}

// Parse parses args into fs. A parse error is a command-line mistake; a
// help request returns flag.ErrHelp (exit status 0, usage already shown).
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return nil
}

// ParseInterspersed is Parse that also accepts flags after positional
// arguments ("extract ARCHIVE --out DIR"); "--" ends flag parsing. It
// returns the positional arguments.
func ParseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := Parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// Required fails with a usage error (and shows fs's usage) unless every
// named flag was set on the command line.
func Required(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, n := range names {
		if !set[n] {
			fs.Usage()
			return Usagef("%s: --%s is required", fs.Name(), n)
		}
	}
	return nil
}
