package tree

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// shellAnswers are the $(shell) commands of Heads' Makefile and module
// files that can be answered without running anything, each with what it
// means for a build that has not started yet. A command not listed here
// is an error of the evaluation (see mk.Evaluator.Shell).
type shellOracle struct {
	fsys  fs.FS
	root  string // the tree's path in the evaluation ($(pwd))
	board string
	git   GitInfo
}

// GitInfo is what Heads' Makefile asks git about the checkout.
type GitInfo struct {
	Commit    string // git rev-parse HEAD
	Describe  string // git describe --abbrev=7 --tags --dirty
	Timestamp string // git log -1 --format=%cd --date=format:%Y%m%d%H%M
}

var (
	reUnmaintained = regexp.MustCompile(`^echo '([^']*)' \| grep -E '\^UNMAINTAINED_' >/dev/null 2>&1 && echo y$`)
	reReadable     = regexp.MustCompile(`^\[ -r '?([^' ]+)'? \] && echo y$`)
	reExecutable   = regexp.MustCompile(`^\[ -x '?([^' ]+)'? \] && echo y$`)
	reNotBuilt     = regexp.MustCompile(`^\[ -r (\S+) \] \|\| echo (\S+)$`)
	reMuslTarget   = regexp.MustCompile(`^echo (\S*) \| grep -Eoe '\(\[\^/\]\*\?\)-linux-musl'$`)
	reLower        = regexp.MustCompile(`^echo (\S+) \| tr A-Z a-z$`)
	reFindFiles    = regexp.MustCompile(`^find (\S+) -type f 2>/dev/null$`)
	reMuslTriple   = regexp.MustCompile(`([^/]*)-linux-musl`)
	reArith        = regexp.MustCompile(`^echo \$\(\((.*)\)\)$`)
)

func (o *shellOracle) answer(cmd string) (string, bool) {
	c := strings.Join(strings.Fields(strings.ReplaceAll(cmd, "\\\n", " ")), " ")
	switch {
	case c == "git rev-parse HEAD":
		return o.git.Commit, true
	case strings.HasPrefix(c, "if git diff --exit-code"):
		return "clean", true // a pinned tree is never dirty
	case c == "git describe --abbrev=7 --tags --dirty":
		return o.git.Describe, true
	case strings.HasPrefix(c, "git log -1 --format=%cd"):
		return o.git.Timestamp, true
	case strings.HasPrefix(c, "git describe --exact-match --tags HEAD"):
		return "n", true // release naming is decided by rules_heads, not here
	case c == "pwd":
		return o.root, true
	// Host resources only size make -j and are printed by $(info): the
	// build's own job count replaces them.
	case c == "nproc":
		return "1", true
	case strings.HasPrefix(c, "cat /proc/meminfo"), strings.HasPrefix(c, "uptime"):
		return "1", true
	case strings.HasPrefix(c, "mkdir -p"), c == "mktemp -d":
		// Directory creation for a build that runs elsewhere; mktemp's
		// directory is only a staging place for initrd parts.
		if c == "mktemp -d" {
			return "/tmp/heads-initrd", true
		}
		return "", true
	case strings.HasPrefix(c, "stat ") && strings.HasSuffix(c, ">/dev/null 2>/dev/null || echo FORCE"):
		return "FORCE", true // no module output exists before the build
	case strings.HasPrefix(c, "cpio -o < /dev/null"):
		return "", true // an empty initrd written at build time
	}
	if m := reArith.FindStringSubmatch(c); m != nil {
		if strings.Contains(m[1], Jobs) {
			// make -j sizing from CPUS (= ${HEADS_JOBS}) and memory: make
			// expands it although CPUS is a command-line variable and the
			// result is discarded; the action's job count is the answer.
			return Jobs, true
		}
		if v, err := arith(m[1]); err == nil {
			return strconv.FormatInt(v, 10), true
		}
		return "", false
	}
	if m := reUnmaintained.FindStringSubmatch(c); m != nil {
		if strings.HasPrefix(m[1], "UNMAINTAINED_") {
			return "y", true
		}
		return "", true
	}
	if m := reReadable.FindStringSubmatch(c); m != nil {
		if p, ok := o.inTree(m[1]); ok {
			if _, err := fs.Stat(o.fsys, p); err == nil {
				return "y", true
			}
			return "", true
		}
		return "", false
	}
	if m := reExecutable.FindStringSubmatch(c); m != nil {
		return "", true // no prebuilt cross compiler is ever used
	}
	if m := reNotBuilt.FindStringSubmatch(c); m != nil {
		return m[2], true // nothing is built at evaluation time
	}
	if m := reMuslTarget.FindStringSubmatch(c); m != nil {
		return reMuslTriple.FindString(m[1]), true
	}
	if m := reLower.FindStringSubmatch(c); m != nil {
		return strings.ToLower(m[1]), true
	}
	if m := reFindFiles.FindStringSubmatch(c); m != nil {
		p, ok := o.inTree(m[1])
		if !ok {
			return "", false
		}
		var files []string
		_ = fs.WalkDir(o.fsys, p, func(f string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				files = append(files, path.Join(o.root, f))
			}
			return nil
		})
		sort.Strings(files)
		return strings.Join(files, "\n"), true
	}
	return "", false
}

func (o *shellOracle) inTree(p string) (string, bool) {
	root := strings.TrimSuffix(o.root, "/")
	switch {
	case strings.HasPrefix(p, root+"/"):
		p = strings.TrimPrefix(p, root+"/")
	case strings.HasPrefix(p, "/"):
		return "", false
	} // else relative to $(pwd), where make runs
	p = path.Clean(p)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}
