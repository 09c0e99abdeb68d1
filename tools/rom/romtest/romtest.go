// Package romtest holds test helpers that drive the coreboot utilities
// (cbfstool, fmaptool, ifdtool) found on PATH, for cross-checking the
// rom packages against them.
package romtest

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Need skips the test, saying why, unless every named tool is on PATH,
// and returns their paths.
func Need(t testing.TB, tools ...string) []string {
	t.Helper()
	var paths []string
	for _, tool := range tools {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("SKIP cross-check: %s not on PATH (install coreboot-utils): %v", tool, err)
		}
		paths = append(paths, p)
	}
	return paths
}

// Run runs a tool and fails the test on error, returning stdout.
func Run(t testing.TB, dir string, name string, args ...string) string {
	t.Helper()
	out, err := Try(dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

// Try runs a tool, returning stdout, or an error carrying stderr.
func Try(dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%v: %s", err, stderr.String())
	}
	return stdout.String(), nil
}

// CBFSVersion returns a short description of the cbfstool on PATH, for
// logs (cbfstool has no --version; the Debian package version is used
// when dpkg knows it).
func CBFSVersion() string {
	p, err := exec.LookPath("cbfstool")
	if err != nil {
		return "absent"
	}
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "coreboot-utils").Output()
	if err == nil && len(out) > 0 {
		return p + " (coreboot-utils " + string(out) + ")"
	}
	return p
}

// CBFSToolVersion returns the coreboot-utils package version of the
// cbfstool on PATH as dpkg knows it ("25.09+dfsg-1"), or "" when that is
// unknown (cbfstool itself has no --version).
func CBFSToolVersion() string {
	if _, err := exec.LookPath("cbfstool"); err != nil {
		return ""
	}
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "coreboot-utils").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// FMD is a flashmap description for a small test ROM: FMAP and a CBFS
// named COREBOOT inside BIOS, plus a RW_DATA region.
func FMD(romSize, cbfsSize int) string {
	return fmt.Sprintf(`FLASH %#x {
	BIOS@0 %#x {
		FMAP 0x200
		RW_DATA 0x1000
		COREBOOT(CBFS) %#x
	}
}
`, romSize, romSize, cbfsSize)
}

// NewROM writes an FMD, compiles it with fmaptool and creates the ROM
// with cbfstool create -M, returning the ROM path.
func NewROM(t testing.TB, dir, fmd string) string {
	t.Helper()
	fmdPath := filepath.Join(dir, "layout.fmd")
	if err := os.WriteFile(fmdPath, []byte(fmd), 0o644); err != nil {
		t.Fatal(err)
	}
	Run(t, dir, "fmaptool", fmdPath, filepath.Join(dir, "layout.fmap"))
	rom := filepath.Join(dir, "base.rom")
	Run(t, dir, "cbfstool", rom, "create", "-M", filepath.Join(dir, "layout.fmap"))
	return rom
}

// ReadFile reads a file or fails the test.
func ReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WriteFile writes a file or fails the test.
func WriteFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FirstDiff returns the offset of the first differing byte, or -1.
func FirstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// minimizeCap bounds the time the fuzzing engine spends minimizing each
// input when -test.fuzzminimizetime is not given. The default (60 s per
// input) stalls the ROM fuzz targets: their inputs are whole ROM regions of
// several KiB, and minimizing a []byte of n bytes tries O(n²) candidates
// (tens of millions for 4 KiB), each a full run of the fuzz function, so
// every newly interesting input froze fuzzing at 0 execs/sec for a minute.
const minimizeCap = "2s"

// FuzzMain is the TestMain of the ROM packages' tests: it caps fuzz input
// minimization (see minimizeCap) unless the caller chose a value, then runs
// the tests.
func FuzzMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", minimizeCap); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}
