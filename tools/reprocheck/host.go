package reprocheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MountNSEnv is set in the environment of a reprocheck that runs in its own
// private mount namespace (the command re-executes itself under unshare
// when the second build needs mounts).
const MountNSEnv = "REPROCHECK_MOUNT_NS"

// ProbeHost looks up what the variations beyond environment variables need.
func ProbeHost() Host {
	h := Host{Root: os.Geteuid() == 0}
	if p, err := exec.LookPath("unshare"); err == nil {
		h.Unshare = p
	}
	libs, _ := filepath.Glob("/usr/lib/*/faketime/libfaketime.so.1")
	if len(libs) > 0 {
		h.FakeTimeLib = libs[0]
	}
	if p, err := exec.LookPath("disorderfs"); err == nil {
		if _, err := os.Stat("/dev/fuse"); err == nil {
			h.Disorderfs = p
		}
	}
	return h
}

// mountFor prepares the mounts condition c needs in reprocheck's private
// mount namespace: a copy of /etc that preloads libfaketime (clock) and the
// checkout seen through disorderfs (file order). undo removes them, last
// first; it is returned with what was mounted even when err is set.
func mountFor(h Host, c Condition, checkout, work string) (undo []func() error, err error) {
	if !c.Mounts() {
		return nil, nil
	}
	if os.Getenv(MountNSEnv) == "" {
		return nil, fmt.Errorf("the clock and file_order variations mount over /etc and the checkout; run reprocheck through its command, which enters a private mount namespace (%s)", MountNSEnv)
	}
	if c.FakeTime != "" {
		etc := filepath.Join(work, "clock-etc")
		if err := os.RemoveAll(etc); err != nil {
			return undo, err
		}
		if err := run("cp", "-a", "/etc", etc); err != nil {
			return undo, err
		}
		if err := os.WriteFile(filepath.Join(etc, "ld.so.preload"), []byte(h.FakeTimeLib+"\n"), 0o644); err != nil {
			return undo, err
		}
		if err := os.WriteFile(filepath.Join(etc, "faketimerc"), []byte(c.FakeTime+"\n"), 0o644); err != nil {
			return undo, err
		}
		if err := run("mount", "--bind", etc, "/etc"); err != nil {
			return undo, err
		}
		undo = append(undo, func() error { return run("umount", "-l", "/etc") })
	}
	if c.ReverseDirs {
		// disorderfs reads the tree through a second view of it: the
		// checkout itself is about to be covered by the FUSE mount.
		src := checkout + ".disorderfs-source"
		if err := os.MkdirAll(src, 0o755); err != nil {
			return undo, err
		}
		if err := run("mount", "--bind", checkout, src); err != nil {
			return undo, err
		}
		undo = append(undo, func() error {
			err := run("umount", "-l", src)
			os.Remove(src)
			return err
		})
		if err := run(h.Disorderfs, "--quiet", "--multi-user=yes", "--reverse-dirents=yes", "--shuffle-dirents=no", src, checkout); err != nil {
			return undo, err
		}
		undo = append(undo, func() error { return run("umount", "-l", checkout) })
	}
	return undo, nil
}

func run(argv ...string) error {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
