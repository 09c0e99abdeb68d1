package reprocheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Options of Run.
type Options struct {
	// Workspace is the source tree to copy (a Bazel workspace).
	Workspace string
	// WorkDir holds the checkouts, output bases and homes (a new
	// temporary directory when empty).
	WorkDir string
	// Bazel is the Bazel binary.
	Bazel string
	// StartupFlags are given to every Bazel command; "{checkout}" is
	// replaced by the build's checkout directory.
	StartupFlags []string
	// BuildFlags are given to build and cquery (e.g. --platforms).
	BuildFlags []string
	// ToolCache, when set, is a disk cache the builds may use for every
	// action but the Heads ones (mnemonics Heads*: always executed), to
	// reuse Go tools already compiled. Empty: no cache at all.
	ToolCache string
	Targets   []string
	// Host has what the user, clock and file_order variations need.
	Host Host
	// Log receives progress lines.
	Log io.Writer
}

// Report is the result of Run.
type Report struct {
	WorkDir string
	// Summaries are Bazel's "N processes: ..." lines of both builds.
	Summaries [2]string
	Artifacts []Artifact
	// Diff is nil when every output is identical.
	Diff *Difference
}

// Run builds the targets twice, under first and then second, each time
// without any cache for the Heads actions, and compares every output file.
// An error means the check could not run (a build failed, Bazel missing).
func Run(o Options, first, second Condition) (r *Report, err error) {
	r = &Report{WorkDir: o.WorkDir}
	if r.WorkDir == "" {
		d, err := os.MkdirTemp("", "reprocheck-")
		if err != nil {
			return nil, err
		}
		r.WorkDir = d
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "reprocheck: "+format+"\n", a...)
		}
	}
	saved := filepath.Join(r.WorkDir, "outputs-1")
	var paths []string
	var undo []func() error
	defer func() {
		for i := len(undo) - 1; i >= 0; i-- {
			if uerr := undo[i](); uerr != nil && err == nil {
				err = fmt.Errorf("undoing the second build's mounts: %w", uerr)
			}
		}
	}()
	for i, c := range []Condition{first, second} {
		checkout := filepath.Join(r.WorkDir, c.Checkout)
		if _, err := os.Stat(checkout); err != nil {
			if err := copyTree(o.Workspace, checkout); err != nil {
				return r, fmt.Errorf("copying the workspace: %w", err)
			}
		}
		if i == 1 {
			u, err := mountFor(o.Host, c, checkout, r.WorkDir)
			undo = append(undo, u...)
			if err != nil {
				return r, fmt.Errorf("preparing the second build: %w", err)
			}
		}
		b := &bazel{o: o, c: c, work: r.WorkDir, checkout: checkout}
		if i == 1 && c.OutputBase == first.OutputBase {
			// Same output base: start from nothing (and a server started
			// under this build's conditions).
			if _, err := b.run("clean", "--expunge"); err != nil {
				return r, err
			}
		}
		logf("build %d: %s", i+1, c.Describe())
		flags := append([]string{"build", "--noshow_progress", "--color=no", "--disk_cache=" + o.ToolCache, "--remote_cache="}, o.BuildFlags...)
		if o.ToolCache != "" {
			flags = append(flags, "--modify_execution_info=^Heads.*=+no-cache")
		}
		if c.CPUs > 0 {
			flags = append(flags, fmt.Sprintf("--jobs=%d", c.CPUs))
		}
		out, err := b.run(append(append(flags, "--"), o.Targets...)...)
		if err != nil {
			return r, fmt.Errorf("build %d failed: %w", i+1, err)
		}
		r.Summaries[i] = lastLine(out, " processes: ")
		logf("build %d: %s", i+1, r.Summaries[i])
		files, err := b.value(append(append(append([]string{"cquery", "--output=files"}, o.BuildFlags...), "--"), o.Targets...)...)
		if err != nil {
			return r, fmt.Errorf("listing the outputs of build %d: %w", i+1, err)
		}
		execroot, err := b.value("info", "execution_root")
		if err != nil {
			return r, err
		}
		execroot = strings.TrimSpace(execroot)
		if i == 0 {
			// cquery lists the outputs of manual targets a pattern
			// matches too; the build did not build those.
			skipped := 0
			for _, p := range outputPaths(files) {
				if _, err := os.Lstat(filepath.Join(execroot, p)); errors.Is(err, fs.ErrNotExist) {
					skipped++
					continue
				}
				paths = append(paths, p)
				if err := copyTree(filepath.Join(execroot, p), filepath.Join(saved, p)); err != nil {
					return r, fmt.Errorf("saving the outputs of build 1: %w", err)
				}
			}
			if len(paths) == 0 {
				return r, fmt.Errorf("the targets have no output files")
			}
			if skipped > 0 {
				logf("%d listed outputs were not built (manual targets of a pattern): not compared", skipped)
			}
		} else {
			for _, p := range outputPaths(files) {
				if !contains(paths, p) {
					paths = append(paths, p)
				}
			}
			r.Artifacts, r.Diff, err = Compare(saved, execroot, paths)
			if err != nil {
				return r, err
			}
		}
		b.run("shutdown") //nolint:errcheck // best effort; --max_idle_secs ends it anyway
	}
	return r, nil
}

// outputPaths keeps cquery's output files (bazel-out/...), not sources.
func outputPaths(cquery string) []string {
	var out []string
	for _, l := range strings.Split(cquery, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "bazel-out/") {
			out = append(out, l)
		}
	}
	return out
}

func lastLine(out, substr string) string {
	last := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if strings.Contains(sc.Text(), substr) {
			last = sc.Text()
		}
	}
	return last
}

type bazel struct {
	o        Options
	c        Condition
	work     string
	checkout string
}

// run runs one Bazel command under the condition and returns its stdout
// (info's value, cquery's list) followed by its stderr (the build's
// messages); on failure the error holds the last lines.
func (b *bazel) run(args ...string) (string, error) {
	stdout, stderr, err := b.run2(args...)
	return stdout + stderr, err
}

// value runs a command whose stdout is a value (info, cquery).
func (b *bazel) value(args ...string) (string, error) {
	stdout, _, err := b.run2(args...)
	return stdout, err
}

func (b *bazel) run2(args ...string) (string, string, error) {
	var argv []string
	if b.c.Hostname != "" {
		argv = append(argv, "unshare", "--uts", "sh", "-c", `hostname "$0" && exec "$@"`, b.c.Hostname)
	}
	if b.c.UID > 0 {
		id := strconv.Itoa(b.c.UID)
		argv = append(argv, "unshare", "--user", "--map-user="+id, "--map-group="+id, "--")
	}
	if b.c.CPUs > 0 {
		argv = append(argv, "taskset", "-c", fmt.Sprintf("0-%d", b.c.CPUs-1))
	}
	argv = append(argv, b.o.Bazel, "--output_base="+filepath.Join(b.work, b.c.OutputBase), "--max_idle_secs=60")
	for _, f := range b.o.StartupFlags {
		argv = append(argv, strings.ReplaceAll(f, "{checkout}", b.checkout))
	}
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = b.checkout
	cmd.Env = b.env()
	var stdout, out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &out
	home := filepath.Join(b.work, b.c.Home)
	if err := os.MkdirAll(home, 0o755); err != nil {
		return "", "", err
	}
	old := syscall.Umask(b.c.Umask)
	err := cmd.Start()
	syscall.Umask(old)
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
		if len(lines) > 25 {
			lines = lines[len(lines)-25:]
		}
		return stdout.String(), out.String(), fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, strings.Join(lines, "\n"))
	}
	return stdout.String(), out.String(), nil
}

// env is the caller's environment with the condition's HOME, PATH, locale
// and timezone.
func (b *bazel) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, set := b.c.Env[k]; set || k == "HOME" || k == "PATH" || strings.HasPrefix(k, "FAKETIME") || k == "TZ" || k == "LANG" || strings.HasPrefix(k, "LC_") {
			continue
		}
		env = append(env, kv)
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
	}
	if b.c.ReversePath {
		parts := strings.Split(path, ":")
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		path = strings.Join(parts, ":")
	}
	env = append(env, "PATH="+path, "HOME="+filepath.Join(b.work, b.c.Home))
	if b.c.FakeTime != "" {
		// Bazel's server keeps the real clock (a JVM under libfaketime is
		// not something to debug); its actions' processes do not.
		env = append(env, "FAKETIME_SKIP_CMDS=java")
	}
	for k, v := range b.c.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// copyTree copies src (a file or a directory) to dst. At a workspace's
// top level it leaves out the bazel-* convenience links, .git and
// user.bazelrc (local settings such as a remote cache).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel != "." && !strings.Contains(rel, "/") && (strings.HasPrefix(rel, "bazel-") || rel == ".git" || rel == "user.bazelrc") {
			if de.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		info, err := de.Info()
		if err != nil {
			return err
		}
		switch {
		case de.IsDir():
			return os.MkdirAll(target, 0o755)
		case de.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			return os.Symlink(link, target)
		case de.Type().IsRegular():
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm()|0o200)
		}
		return nil
	})
}
