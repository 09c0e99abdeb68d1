package main

import (
	"bytes"
	"errors"
	"os"
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
		args := []string{"build", "-o", a, "--compress", c, "--tree", filepath.Join(d, "tree"),
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
	runOK(t, "build", "-o", b, "--compress", "none", "--tree", filepath.Join(d, "tree"), "--tree", filepath.Join(d, "tree2"),
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
	err := run([]string{"build", "-o", out, "--tree", filepath.Join(d, "tree"), "--list", filepath.Join(d, "bad.list")}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, initrd.ErrBadName) || !strings.Contains(err.Error(), "bad.list") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 0 {
		t.Fatalf("left %v behind", ents)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frob"}, {"build"}, {"build", "-o", "x"}, {"list"}, {"diff", "a"}, {"build", "--compress", "lz4", "-o", "x", "--tree", "."}} {
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
