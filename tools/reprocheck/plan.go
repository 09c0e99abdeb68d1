package reprocheck

import (
	"fmt"
	"sort"
	"strings"
)

// Variations reprocheck knows, in the order they are reported.
var Variations = []string{
	"path", "output_base", "umask", "locale", "timezone", "hostname",
	"cpus", "home", "path_order", "user", "clock", "file_order",
}

// Host is what this machine offers for the variations that need more
// than environment variables (ProbeHost fills it in).
type Host struct {
	// Root: the process may create UTS and mount namespaces and mount.
	Root bool
	// Unshare is util-linux's unshare, "" when absent.
	Unshare string
	// FakeTimeLib is libfaketime's preload library, "" when absent.
	FakeTimeLib string
	// Disorderfs is the disorderfs binary, "" when absent or when there
	// is no /dev/fuse.
	Disorderfs string
}

// why says why variation v cannot be applied on h ("" when it can).
// Such variations are reported as "not varied", never silently skipped.
func (h Host) why(v string) string {
	switch v {
	case "hostname":
		if !h.Root || h.Unshare == "" {
			return "needs root and unshare (a UTS namespace)"
		}
	case "user":
		if h.Unshare == "" {
			return "needs unshare (a user namespace)"
		}
	case "clock":
		if !h.Root || h.Unshare == "" {
			return "needs root and unshare (a mount namespace for a private /etc)"
		}
		if h.FakeTimeLib == "" {
			return "needs libfaketime (Debian package faketime)"
		}
	case "file_order":
		if !h.Root || h.Unshare == "" {
			return "needs root and unshare (a mount namespace)"
		}
		if h.Disorderfs == "" {
			return "needs disorderfs and /dev/fuse (Debian package disorderfs)"
		}
	}
	return ""
}

// Mounts says whether the second build needs reprocheck to run in a
// private mount namespace.
func (c Condition) Mounts() bool { return c.FakeTime != "" || c.ReverseDirs }

// Condition is what one build runs under.
type Condition struct {
	// Checkout is the directory name of the checkout under the work
	// directory (the same name for both builds when the path is not varied).
	Checkout string
	// OutputBase likewise for the output base.
	OutputBase string
	Umask      int
	// Env is set on the Bazel client (and so on the server it starts).
	Env map[string]string
	// ReversePath reverses the order of PATH's entries.
	ReversePath bool
	// Hostname, when set, runs Bazel in a UTS namespace with this name.
	Hostname string
	// CPUs, when > 0, pins Bazel to that many CPUs (taskset) and runs
	// --jobs=CPUs.
	CPUs int
	// Home is the HOME directory name under the work directory.
	Home string
	// UID, when > 0, runs Bazel in a user namespace as this uid and gid:
	// an unprivileged user to whom the caller's files appear to belong.
	// USER and LOGNAME name it.
	UID int
	// FakeTime, when set, is a libfaketime offset (e.g. "+1000d") that
	// every dynamically linked process of the build sees as its wall
	// clock: a private /etc holds ld.so.preload and faketimerc, so it
	// reaches actions whose environment Bazel clears. Bazel's JVM is left
	// alone (FAKETIME_SKIP_CMDS); static Go tools cannot be faked.
	FakeTime string
	// ReverseDirs shows the checkout through disorderfs, which lists every
	// directory's entries in reverse order.
	ReverseDirs bool
}

// Describe lists the condition's settings for the report.
func (c Condition) Describe() string {
	var s []string
	s = append(s, "checkout "+c.Checkout, "output base "+c.OutputBase, fmt.Sprintf("umask %03o", c.Umask))
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s = append(s, k+"="+c.Env[k])
	}
	if c.Hostname != "" {
		s = append(s, "hostname "+c.Hostname)
	}
	if c.CPUs > 0 {
		s = append(s, fmt.Sprintf("%d CPU (taskset, --jobs=%d)", c.CPUs, c.CPUs))
	}
	if c.ReversePath {
		s = append(s, "PATH reversed")
	}
	s = append(s, "HOME "+c.Home)
	if c.UID > 0 {
		s = append(s, fmt.Sprintf("uid %d (user namespace)", c.UID))
	}
	if c.FakeTime != "" {
		s = append(s, "clock "+c.FakeTime+" (libfaketime)")
	}
	if c.ReverseDirs {
		s = append(s, "directory entries reversed (disorderfs)")
	}
	return strings.Join(s, ", ")
}

// Plan returns the conditions of the two builds for the selected
// variations ("all" selects every one), and the selected variations that
// cannot be applied on h, with the reason.
func Plan(selected []string, h Host) (first, second Condition, notVaried []string, err error) {
	want := map[string]bool{}
	for _, v := range selected {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
		case v == "all":
			for _, x := range Variations {
				want[x] = true
			}
		case contains(Variations, v):
			want[v] = true
		default:
			return first, second, nil, fmt.Errorf("unknown variation %q (known: all, %s)", v, strings.Join(Variations, ", "))
		}
	}
	first = Condition{
		Checkout: "checkout", OutputBase: "output-base-1", Umask: 0o022, Home: "home-1",
		Env: map[string]string{"LANG": "C", "LC_ALL": "C", "TZ": "UTC"},
	}
	second = first
	second.Env = map[string]string{"LANG": "C", "LC_ALL": "C", "TZ": "UTC"}
	// Without a new output base the second build starts from `bazel clean`.
	second.OutputBase = "output-base-1"
	second.Home = "home-1"
	for _, v := range Variations {
		if !want[v] {
			continue
		}
		if why := h.why(v); why != "" {
			notVaried = append(notVaried, v+": "+why)
			continue
		}
		switch v {
		case "path":
			second.Checkout = "elsewhere/a/deeper/second-checkout"
		case "output_base":
			second.OutputBase = "another/output-base-2"
		case "umask":
			second.Umask = 0o077
		case "locale":
			second.Env["LANG"], second.Env["LC_ALL"] = "C.UTF-8", "C.UTF-8"
		case "timezone":
			// A POSIX TZ string: needs no zoneinfo files.
			second.Env["TZ"] = "XYZ-13:45"
		case "hostname":
			second.Hostname = "reprocheck-second-build"
		case "cpus":
			second.CPUs = 1
		case "home":
			second.Home = "another-home"
		case "path_order":
			second.ReversePath = true
		case "user":
			second.UID = 1000
			second.Env["USER"], second.Env["LOGNAME"] = "reprocheck", "reprocheck"
		case "clock":
			// About 2.7 years ahead: another day, month and year.
			second.FakeTime = "+1000d"
		case "file_order":
			second.ReverseDirs = true
		}
	}
	return first, second, notVaried, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
