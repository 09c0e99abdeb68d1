// Command reprocheck builds Bazel targets twice under varied conditions and
// compares every output file by sha256; on a difference it names the first
// differing artifact and, inside it, the first differing tar or cpio
// member, FMAP area and CBFS file, ELF section and byte offset.
//
//	reprocheck [--vary all|LIST] [--tool-cache DIR] [--keep] [--bazel B]
//	           [--startup_flag F]... [--build_flag F]... TARGET...
//	bazel run //tools/cmd/reprocheck -- //boards:qemu-demo_rom
//
// Variations (--vary, comma-separated; default all): path (checkout
// directory), output_base, umask (022 / 077), locale (C / C.UTF-8),
// timezone, hostname (a UTS namespace; needs root), cpus (taskset to one
// CPU and --jobs=1), home, path_order (PATH reversed), user (uid 1000 in a
// user namespace), clock (libfaketime, 1000 days ahead, through a private
// /etc's ld.so.preload) and file_order (the checkout through disorderfs,
// directory entries reversed). A variation this machine cannot apply is
// reported as not varied, with the reason. Neither build
// uses a cache for the Heads actions; --tool-cache DIR lets both take the
// other actions (the Go tools) from a disk cache.
//
// Exit status: 0 reproducible, 1 not reproducible, 2 could not run.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rules-heads/rules_heads/tools/reprocheck"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reprocheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vary := fs.String("vary", "all", "variations, comma-separated: all, "+strings.Join(reprocheck.Variations, ", "))
	workspace := fs.String("workspace", os.Getenv("BUILD_WORKSPACE_DIRECTORY"), "workspace to check (default: the one of `bazel run`, else the current directory)")
	work := fs.String("work_dir", "", "directory for the checkouts and output bases (default: a new directory in the rules_heads cache under tools/bazel, whose /tmp is private; else in $TMPDIR)")
	bazelBin := fs.String("bazel", "bazel", "Bazel binary")
	toolCache := fs.String("tool_cache", "", "disk cache for the non-Heads actions (Go tools) of both builds")
	keep := fs.Bool("keep", false, "keep the work directory (it is always kept when the outputs differ)")
	var startup, build listFlag
	fs.Var(&startup, "startup_flag", "Bazel startup flag for every command ({checkout} is the checkout's path); repeatable")
	fs.Var(&build, "build_flag", "flag for build and cquery (e.g. --platforms=...); repeatable")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "reprocheck: no target given (e.g. reprocheck //boards:qemu-demo_rom)")
		return 2
	}
	host := reprocheck.ProbeHost()
	first, second, notVaried, err := reprocheck.Plan(strings.Split(*vary, ","), host)
	if err != nil {
		fmt.Fprintln(stderr, "reprocheck:", err)
		return 2
	}
	if second.Mounts() && os.Getenv(reprocheck.MountNSEnv) == "" {
		// The clock and file_order variations mount over /etc and the
		// checkout: only in a mount namespace of our own.
		return reexecInMountNS(host, args, stdout, stderr)
	}
	if *workspace == "" {
		wd, err := os.Getwd()
		if err != nil {
			fmt.Fprintln(stderr, "reprocheck:", err)
			return 2
		}
		*workspace = wd
	}
	if _, err := os.Stat(filepath.Join(*workspace, "MODULE.bazel")); err != nil {
		fmt.Fprintf(stderr, "reprocheck: %s is not a Bazel workspace (no MODULE.bazel); pass --workspace\n", *workspace)
		return 2
	}
	// Inside the rules_heads build root, a Bazel that tools/bazel did not
	// start needs the root's rc (its offline module overrides).
	rc := filepath.Join(*workspace, "tools/buildenv/buildroot.bazelrc")
	if _, err := os.Stat("/opt/rules_heads/modules"); err == nil {
		if _, err := os.Stat(rc); err == nil {
			startup = append(listFlag{"--bazelrc={checkout}/tools/buildenv/buildroot.bazelrc"}, startup...)
		}
	}
	if *work == "" {
		// Under tools/bazel (the build root) /tmp vanishes with the
		// command: keep the work directory where it can be looked at.
		if dc := os.Getenv("RULES_HEADS_DISK_CACHE"); dc != "" {
			parent := filepath.Join(filepath.Dir(dc), "reprocheck")
			if err := os.MkdirAll(parent, 0o755); err == nil {
				if d, err := os.MkdirTemp(parent, "run-"); err == nil {
					*work = d
				}
			}
		}
	}
	for _, n := range notVaried {
		fmt.Fprintln(stdout, "reprocheck: not varied:", n)
	}
	r, err := reprocheck.Run(reprocheck.Options{
		Workspace:    *workspace,
		WorkDir:      *work,
		Bazel:        *bazelBin,
		StartupFlags: startup,
		BuildFlags:   build,
		ToolCache:    *toolCache,
		Targets:      fs.Args(),
		Host:         host,
		Log:          stdout,
	}, first, second)
	if err != nil {
		fmt.Fprintln(stderr, "reprocheck: could not run:", err)
		if r != nil {
			fmt.Fprintln(stderr, "reprocheck: work directory kept:", r.WorkDir)
		}
		return 2
	}
	if r.Diff != nil {
		fmt.Fprintln(stdout, "NOT reproducible:", r.Diff)
		fmt.Fprintln(stdout, "reprocheck: both builds kept in", r.WorkDir)
		return 1
	}
	for _, a := range r.Artifacts {
		fmt.Fprintf(stdout, "%s  %s\n", a.SHA256, a.Path)
	}
	fmt.Fprintf(stdout, "reproducible: %d files identical\n", len(r.Artifacts))
	if *keep {
		fmt.Fprintln(stdout, "reprocheck: work directory kept:", r.WorkDir)
	} else if err := removeAll(r.WorkDir); err != nil {
		fmt.Fprintln(stderr, "reprocheck: removing the work directory:", err)
	}
	return 0
}

// reexecInMountNS runs this command again in a private mount namespace.
func reexecInMountNS(host reprocheck.Host, args []string, stdout, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "reprocheck: could not run:", err)
		return 2
	}
	cmd := exec.Command(host.Unshare, append([]string{"--mount", "--propagation", "private", "--", exe}, args...)...)
	cmd.Env = append(os.Environ(), reprocheck.MountNSEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintln(stderr, "reprocheck: could not enter a mount namespace:", err)
		return 2
	}
}

// removeAll removes dir, first making it writable (Bazel's output bases
// hold read-only files and directories).
func removeAll(dir string) error {
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error { //nolint:errcheck
		if err == nil && fi.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
