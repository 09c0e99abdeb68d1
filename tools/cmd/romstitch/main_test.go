package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/internal/cli"
	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(args, &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func TestUsage(t *testing.T) {
	out, err := runCmd(t)
	if err == nil {
		t.Error("no command accepted")
	}
	for _, n := range commandNames() {
		if !strings.Contains(out, n) {
			t.Errorf("usage lacks %q", n)
		}
	}
	if _, err := runCmd(t, "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
	if _, err := runCmd(t, "pad", "--rom", "x"); err == nil || !strings.Contains(err.Error(), "--out is required") {
		t.Errorf("missing flag: %v", err)
	}
	// Exit statuses: 2 for command-line mistakes, 1 for failures.
	for _, tc := range []struct {
		args []string
		exit int
	}{
		{[]string{"frobnicate"}, 2},
		{[]string{"pad", "--rom", "x"}, 2},
		{[]string{"pad", "--bogus"}, 2},
		{[]string{"pad", "--rom", filepath.Join(t.TempDir(), "missing.rom"), "--out", "o", "--size", "1M"}, 1},
		{[]string{"help"}, 0},
	} {
		_, err := runCmd(t, tc.args...)
		if got := cli.ExitCode(err); got != tc.exit {
			t.Errorf("%v: exit %d (%v), want %d", tc.args, got, err, tc.exit)
		}
	}
}

func TestCBFSCommands(t *testing.T) {
	romtest.Need(t, "cbfstool", "fmaptool")
	dir := t.TempDir()
	rom := romtest.NewROM(t, dir, romtest.FMD(0x10000, 0xee00))
	p := func(n string) string { return filepath.Join(dir, n) }
	romtest.WriteFile(t, p("cfg"), []byte("CONFIG_X=y\n"))

	if _, err := runCmd(t, "cbfs", "add", "--rom", rom, "--out", p("a.rom"), "--name", "heads/config", "--file", p("cfg")); err != nil {
		t.Fatal(err)
	}
	romtest.Run(t, dir, "cbfstool", rom, "add", "-n", "heads/config", "-f", p("cfg"), "-t", "raw")
	if !bytes.Equal(romtest.ReadFile(t, rom), romtest.ReadFile(t, p("a.rom"))) {
		t.Error("romstitch cbfs add differs from cbfstool add")
	}
	out, err := runCmd(t, "cbfs", "print", "--rom", p("a.rom"))
	if err != nil || !strings.Contains(out, "heads/config\traw\t0x0\t11\tnone") {
		t.Errorf("print: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "cbfs", "extract", "--rom", p("a.rom"), "--name", "heads/config", "--file", p("cfg.out")); err != nil {
		t.Fatal(err)
	}
	if string(romtest.ReadFile(t, p("cfg.out"))) != "CONFIG_X=y\n" {
		t.Error("extract content")
	}
	out, err = runCmd(t, "fmap", "print", "--rom", p("a.rom"))
	if err != nil || !strings.Contains(out, "COREBOOT\t0x1200\t0xee00\t") {
		t.Errorf("fmap print: %v\n%s", err, out)
	}

	// Errors leave --out untouched, even when it is --rom.
	before := romtest.ReadFile(t, p("a.rom"))
	romtest.WriteFile(t, p("big"), make([]byte, 0x10000))
	_, err = runCmd(t, "cbfs", "add", "--rom", p("a.rom"), "--out", p("a.rom"), "--name", "big", "--file", p("big"))
	if err == nil || !strings.Contains(err.Error(), "over by") {
		t.Errorf("oversize: %v", err)
	}
	_, err = runCmd(t, "cbfs", "add", "--rom", p("a.rom"), "--out", p("new.rom"), "--name", "heads/config", "--file", p("cfg"))
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate: %v", err)
	}
	_, err = runCmd(t, "cbfs", "print", "--rom", p("a.rom"), "--region", "NOPE")
	if err == nil || !strings.Contains(err.Error(), "known: BIOS, FMAP, RW_DATA, COREBOOT") {
		t.Errorf("unknown region: %v", err)
	}
	if !bytes.Equal(before, romtest.ReadFile(t, p("a.rom"))) {
		t.Error("failed command modified --rom")
	}
	if _, err := os.Stat(p("new.rom")); !os.IsNotExist(err) {
		t.Error("failed command created --out")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}

	if _, err := runCmd(t, "cbfs", "remove", "--rom", p("a.rom"), "--out", p("a.rom"), "--name", "heads/config"); err != nil {
		t.Fatal(err)
	}
	romtest.Run(t, dir, "cbfstool", rom, "remove", "-n", "heads/config")
	if !bytes.Equal(romtest.ReadFile(t, rom), romtest.ReadFile(t, p("a.rom"))) {
		t.Error("romstitch cbfs remove differs from cbfstool remove")
	}
}

func TestPadSplitHashes(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	romtest.WriteFile(t, p("in.rom"), bytes.Repeat([]byte{1}, 3<<10))
	if _, err := runCmd(t, "pad", "--rom", p("in.rom"), "--out", p("heads.rom"), "--size", "12K"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "split", "--rom", p("heads.rom"), "--sizes", "8K,5K", "--out-dir", dir); err == nil || !strings.Contains(err.Error(), "add up") {
		t.Errorf("bad sizes: %v", err)
	}
	if _, err := runCmd(t, "split", "--rom", p("heads.rom"), "--sizes", "8K,4K", "--out-dir", dir); err != nil {
		t.Fatal(err)
	}
	bottom, top := romtest.ReadFile(t, p("bottom.rom")), romtest.ReadFile(t, p("top.rom"))
	full := romtest.ReadFile(t, p("heads.rom"))
	if !bytes.Equal(append(bottom, top...), full) || len(bottom) != 8<<10 {
		t.Error("split parts do not make up the image")
	}
	_, err := runCmd(t, "hashes", "--root", dir, "--hashes", p("hashes.txt"), "--sizes", p("sizes.txt"), p("heads.rom"), p("bottom.rom"), p("bottom.rom"))
	if err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("duplicate artifact: %v", err)
	}
	if _, err := os.Stat(p("hashes.txt")); !os.IsNotExist(err) {
		t.Error("hashes.txt written on error")
	}
	if _, err := runCmd(t, "hashes", "--root", dir, "--hashes", p("hashes.txt"), "--sizes", p("sizes.txt"), p("top.rom"), p("heads.rom"), p("bottom.rom")); err != nil {
		t.Fatal(err)
	}
	if got := string(romtest.ReadFile(t, p("sizes.txt"))); got != "8192 bottom.rom\n12288 heads.rom\n4096 top.rom\n" {
		t.Errorf("sizes.txt:\n%s", got)
	}
	if lines := strings.Split(strings.TrimSpace(string(romtest.ReadFile(t, p("hashes.txt")))), "\n"); len(lines) != 3 || !strings.HasSuffix(lines[1], "  heads.rom") {
		t.Errorf("hashes.txt: %q", lines)
	}
}

// TestAddPayload: cbfs add-payload with --compat of the cbfstool on PATH
// reproduces its add-payload -c none; a bad --compat is refused.
func TestAddPayload(t *testing.T) {
	romtest.Need(t, "cbfstool", "fmaptool")
	dir := t.TempDir()
	rom := romtest.NewROM(t, dir, romtest.FMD(0x40000, 0x3ee00))
	base := romtest.ReadFile(t, rom)
	p := func(n string) string { return filepath.Join(dir, n) }
	k := make([]byte, 4*512+3000)
	for i := range k {
		k[i] = byte(i*7 + i>>8)
	}
	k[0x1f1] = 3
	copy(k[0x202:], "HdrS")
	k[0x206], k[0x207] = 0x0f, 0x02
	k[0x211] = 1
	copy(k[0x230:], []byte{0, 0, 0x20, 0, 1})
	copy(k[0x258:], []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0})
	romtest.WriteFile(t, p("bzImage"), k)
	romtest.WriteFile(t, p("initrd"), []byte("initramfs"))
	romtest.Run(t, dir, "cbfstool", rom, "add-payload", "-n", "fallback/payload", "-f", "bzImage", "-c", "none", "-I", "initrd", "-C", "console=ttyS0")
	if _, err := runCmd(t, "cbfs", "extract", "--rom", rom, "--name", "fallback/payload", "--segment", "2", "--file", p("tramp")); err != nil {
		t.Fatal(err)
	}
	romtest.WriteFile(t, p("empty.rom"), base)
	args := []string{"cbfs", "add-payload", "--rom", p("empty.rom"), "--out", p("ours.rom"), "--kernel", p("bzImage"),
		"--trampoline", p("tramp"), "--initrd", p("initrd"), "--cmdline", "console=ttyS0"}
	if _, err := runCmd(t, append(args, "--compat", "3.x")...); err == nil || !strings.Contains(err.Error(), "unrecognised") {
		t.Errorf("bad --compat: %v", err)
	}
	v := romtest.CBFSToolVersion()
	if v == "" {
		t.Skip("coreboot-utils version unknown: cannot pick --compat")
	}
	t.Logf("coreboot-utils %s", v)
	if _, err := runCmd(t, append(args, "--compat", v)...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(romtest.ReadFile(t, rom), romtest.ReadFile(t, p("ours.rom"))) {
		t.Errorf("romstitch cbfs add-payload --compat %s differs from cbfstool add-payload", v)
	}
}

func TestZipAndCrossgccSum(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, d := range []string{"a", "b", "c", "cb/util/crossgcc/sum"} {
		if err := os.MkdirAll(p(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	romtest.WriteFile(t, p("a/board.rom"), bytes.Repeat([]byte{0xff}, 4096))
	romtest.WriteFile(t, p("b/sha256sum.txt"), []byte("x  board.rom\n"))
	if _, err := runCmd(t, "zip", "--out", p("r.zip"), p("a/board.rom"), p("b/sha256sum.txt")); err != nil {
		t.Fatal(err)
	}
	// Same bytes from another directory and another run: only base names
	// and contents count.
	romtest.WriteFile(t, p("c/board.rom"), bytes.Repeat([]byte{0xff}, 4096))
	romtest.WriteFile(t, p("c/sha256sum.txt"), []byte("x  board.rom\n"))
	if _, err := runCmd(t, "zip", "--out", p("r2.zip"), p("c/board.rom"), p("c/sha256sum.txt")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(romtest.ReadFile(t, p("r.zip")), romtest.ReadFile(t, p("r2.zip"))) {
		t.Error("zip depends on more than names and contents")
	}
	if _, err := runCmd(t, "zip", "--out", p("bad.zip"), p("a/board.rom"), p("c/board.rom")); err == nil || !strings.Contains(err.Error(), "bad zip member name") {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := os.Stat(p("bad.zip")); !os.IsNotExist(err) {
		t.Error("zip written on error")
	}
	if _, err := runCmd(t, "zip", "--out", p("z")); cli.ExitCode(err) != 2 {
		t.Errorf("no files: %v", err)
	}

	romtest.WriteFile(t, p("cb/util/crossgcc/sum/gcc.cksum"), []byte("1 gcc\n"))
	if _, err := runCmd(t, "crossgcc-sum", "--src", p("cb"), "--out", p("sum")); err != nil {
		t.Fatal(err)
	}
	if got := string(romtest.ReadFile(t, p("sum"))); got != "== gcc.cksum\n1 gcc\n" {
		t.Errorf("sum %q", got)
	}
	if _, err := runCmd(t, "crossgcc-sum", "--src", p("a"), "--out", p("sum2")); err == nil || !strings.Contains(err.Error(), "heads_coreboot_toolchain") {
		t.Errorf("no sum dir: %v", err)
	}
	if _, err := runCmd(t, "crossgcc-sum", "--src", p("cb"), "--out", p("sum"), "extra"); cli.ExitCode(err) != 2 {
		t.Errorf("extra argument: %v", err)
	}
}
