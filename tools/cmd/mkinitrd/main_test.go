package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/initrd"
	"github.com/rules-heads/rules_heads/tools/internal/cli"
)

func write(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(args, &out, &errb); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

func TestBuildListDiff(t *testing.T) {
	d := t.TempDir()
	write(t, filepath.Join(d, "tree/etc/config"), "A=1\n")
	write(t, filepath.Join(d, "tree2/etc/config"), "A=2\n")
	write(t, filepath.Join(d, "lists/init.sh"), "#!/bin/sh\n")
	write(t, filepath.Join(d, "lists/l"), "dir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\nfile /init init.sh 0755 0 0\n")
	for _, c := range []string{"none", "xz", "gzip", "zstd"} {
		a := filepath.Join(d, "a."+c)
		args := []string{"build", "--out", a, "--compress", c, "--tree", filepath.Join(d, "tree"),
			"--list", filepath.Join(d, "lists/l"), "--tree", filepath.Join(d, "tree2") + "=opt"}
		runOK(t, args...)
		first, _ := os.ReadFile(a)
		runOK(t, args...)
		second, _ := os.ReadFile(a)
		if !bytes.Equal(first, second) {
			t.Fatalf("%s: two builds differ", c)
		}
		if c == "xz" && (len(first)%512 != 0 || first[7] != 1) {
			t.Fatalf("xz output: len %d, check %d", len(first), first[7])
		}
		got := runOK(t, "list", a)
		want := "0040755 0:0 0 - dev\n0020600 0:0 5,1 - dev/console\n0040755 0:0 0 - etc\n0100644 0:0 4 "
		if !strings.HasPrefix(got, want) || !strings.Contains(got, " init\n") || !strings.Contains(got, " opt/etc/config\n") {
			t.Fatalf("%s: list:\n%s", c, got)
		}
		if c != "none" {
			runOK(t, "diff", a, filepath.Join(d, "a.none"))
		}
	}
	// Same contents, different compression: identical.
	runOK(t, "diff", filepath.Join(d, "a.xz"), filepath.Join(d, "a.zstd"))
	// Later input wins: tree2 over tree changes etc/config.
	b := filepath.Join(d, "b.cpio")
	runOK(t, "build", "--out", b, "--compress", "none", "--tree", filepath.Join(d, "tree"), "--tree", filepath.Join(d, "tree2"),
		"--list", filepath.Join(d, "lists/l"), "--tree", filepath.Join(d, "tree2")+"=opt")
	err := run([]string{"diff", filepath.Join(d, "a.none"), b}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, initrd.ErrDiffer) || !strings.Contains(err.Error(), `"etc/config": contents differ`) {
		t.Fatalf("diff err = %v", err)
	}
	if cli.ExitCode(err) != 1 {
		t.Fatal("diff exit code")
	}
}

func TestBuildErrorLeavesNoOutput(t *testing.T) {
	d := t.TempDir()
	write(t, filepath.Join(d, "tree/x"), "x")
	write(t, filepath.Join(d, "bad.list"), "file /../escape x 0644 0 0\n")
	out := filepath.Join(d, "out", "initrd.cpio.xz")
	os.MkdirAll(filepath.Dir(out), 0o755)
	err := run([]string{"build", "--out", out, "--tree", filepath.Join(d, "tree"), "--list", filepath.Join(d, "bad.list")}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, initrd.ErrBadName) || !strings.Contains(err.Error(), "bad.list") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 0 {
		t.Fatalf("left %v behind", ents)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frob"}, {"build"}, {"build", "--out", "x"}, {"list"}, {"diff", "a"}, {"build", "--compress", "lz4", "--out", "x", "--tree", "."}} {
		var errb bytes.Buffer
		err := run(args, &bytes.Buffer{}, &errb)
		if cli.ExitCode(err) != 2 {
			t.Errorf("%v: err = %v (exit %d), want usage error", args, err, cli.ExitCode(err))
		}
	}
	var out bytes.Buffer
	if err := run([]string{"help"}, &out, &bytes.Buffer{}); err != nil || !strings.Contains(out.String(), "build") {
		t.Fatalf("help: %v %q", err, out.String())
	}
}

// TestXZWithoutBinaryFails: with no xz on PATH and no --xz, build must not
// silently fall back to the Go encoder's different bytes.
func TestXZWithoutBinaryFails(t *testing.T) {
	d := t.TempDir()
	write(t, filepath.Join(d, "tree/x"), "x")
	t.Setenv("PATH", "")
	out := filepath.Join(d, "out.cpio.xz")
	var errb bytes.Buffer
	err := run([]string{"build", "--out", out, "--tree", filepath.Join(d, "tree")}, &bytes.Buffer{}, &errb)
	if err == nil || !errors.Is(err, initrd.ErrNoXZ) || !strings.Contains(err.Error(), "--xz-encoder=go") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("output written")
	}
	errb.Reset()
	if err := run([]string{"build", "--out", out, "--xz-encoder=go", "--tree", filepath.Join(d, "tree")}, &bytes.Buffer{}, &errb); err != nil {
		t.Fatal(err)
	}
	if errb.String() != "mkinitrd: xz: Go encoder\n" {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestXZNamesBinary(t *testing.T) {
	xzbin, err := exec.LookPath("xz")
	if err != nil {
		t.Skip("no xz binary")
	}
	d := t.TempDir()
	write(t, filepath.Join(d, "tree/x"), "x")
	var errb bytes.Buffer
	if err := run([]string{"build", "--out", filepath.Join(d, "o"), "--xz", xzbin, "--tree", filepath.Join(d, "tree")}, &bytes.Buffer{}, &errb); err != nil {
		t.Fatal(err)
	}
	if errb.String() != "mkinitrd: xz: "+xzbin+"\n" {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestEtcConfig(t *testing.T) {
	d := t.TempDir()
	out := filepath.Join(d, "config")
	cfg := filepath.Join(d, "fixture.config")
	// tests/fixtures/boards/fixture/fixture.config
	write(t, cfg, "# comment\nCONFIG_LINUX_CONFIG=config/linux-fixture.config\n"+
		"export CONFIG_BOOT_DEV=\"/dev/sda1\"\nexport CONFIG_BOOTSCRIPT=/bin/gui-init\n"+
		"export CONFIG_WARNING_BG_COLOR := \"--background-gradient\"\nCONFIG_NOT_EXPORTED=y\n")
	runOK(t, "etc-config", "--out", out, "--board-config", cfg, "--set", "CONFIG_BOARD=fixture")
	got, _ := os.ReadFile(out)
	// The bytes the old shell in rules/private/initrd.bzl wrote.
	want := "export CONFIG_BOOT_DEV=\"/dev/sda1\"\n" +
		"export CONFIG_BOOTSCRIPT=\"/bin/gui-init\"\n" +
		"export CONFIG_WARNING_BG_COLOR=\"--background-gradient\"\n" +
		"export CONFIG_BOARD=\"fixture\"\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// Only --set lines without a board config.
	runOK(t, "etc-config", "--out", out, "--set", "A=1", "--set", "B=x=y")
	if got, _ := os.ReadFile(out); string(got) != "export A=\"1\"\nexport B=\"x=y\"\n" {
		t.Fatalf("got %q", got)
	}
	bad := filepath.Join(d, "bad.config")
	write(t, bad, "export CONFIG_OK=1\nexport CONFIG_BROKEN\n")
	err := run([]string{"etc-config", "--out", out, "--board-config", bad}, &bytes.Buffer{}, &bytes.Buffer{})
	if want := bad + ":2: malformed export line; expected 'export CONFIG_NAME=value': export CONFIG_BROKEN"; err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	for _, args := range [][]string{{"etc-config"}, {"etc-config", "--out", out, "--set", "nokey"}, {"etc-config", "--out", out, "x"}} {
		if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}); cli.ExitCode(err) != 2 {
			t.Errorf("%v: err = %v, want usage error", args, err)
		}
	}
}

func TestOldOutputFlagGone(t *testing.T) {
	err := run([]string{"build", "-o", "x", "--tree", "."}, &bytes.Buffer{}, &bytes.Buffer{})
	if cli.ExitCode(err) != 2 {
		t.Fatalf("-o accepted: %v", err)
	}
}

// TestListSrcsOnly: in the mode the rules use, a list reads only files
// passed as --list-src; /etc/passwd is refused with the list and line.
func TestListSrcsOnly(t *testing.T) {
	d := t.TempDir()
	write(t, filepath.Join(d, "banner.txt"), "hi\n")
	write(t, filepath.Join(d, "other.txt"), "no\n")
	write(t, filepath.Join(d, "abs.list"), "file /etc/x /etc/passwd 0644 0 0\n")
	write(t, filepath.Join(d, "ok.list"), "file /etc/banner banner.txt 0644 0 0\n")
	write(t, filepath.Join(d, "undeclared.list"), "file /etc/o other.txt 0644 0 0\n")
	out := filepath.Join(d, "o.cpio")
	build := func(list string, extra ...string) error {
		args := append([]string{"build", "--out", out, "--compress", "none", "--list-srcs-only"}, extra...)
		return run(append(args, "--list", filepath.Join(d, list)), &bytes.Buffer{}, &bytes.Buffer{})
	}
	if err := build("abs.list", "--list-src", filepath.Join(d, "banner.txt")); !errors.Is(err, initrd.ErrLocation) || !strings.Contains(err.Error(), "abs.list:1") {
		t.Fatalf("absolute: %v", err)
	}
	if err := build("undeclared.list", "--list-src", filepath.Join(d, "banner.txt")); !errors.Is(err, initrd.ErrUndeclared) || !strings.Contains(err.Error(), "dev_list_srcs") {
		t.Fatalf("undeclared: %v", err)
	}
	if err := build("ok.list"); !errors.Is(err, initrd.ErrUndeclared) {
		t.Fatalf("nothing declared: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("output written by a failed build")
	}
	if err := build("ok.list", "--list-src", filepath.Join(d, "banner.txt")); err != nil {
		t.Fatal(err)
	}
}
