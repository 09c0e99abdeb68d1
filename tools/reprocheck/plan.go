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

// unsupported says why a variation cannot be applied here. They are
// reported as "not varied", never silently skipped.
var unsupported = map[string]string{
	"user":       "needs a second account that can run Bazel in the build root",
	"clock":      "needs libfaketime, which the build root lacks; the rules fix SOURCE_DATE_EPOCH and the second build runs later anyway",
	"file_order": "needs disorderfs, which the build root lacks",
}

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
	return strings.Join(s, ", ")
}

// Plan returns the conditions of the two builds for the selected
// variations ("all" selects every one), and the selected variations that
// cannot be applied, with the reason.
func Plan(selected []string) (first, second Condition, notVaried []string, err error) {
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
		if why, ok := unsupported[v]; ok {
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
