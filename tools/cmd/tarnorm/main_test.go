package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rules-heads/rules_heads/tools/internal/cli"
)

func writeTar(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"pkg/", "pkg/a", "pkg/sub/b"} {
		h := &tar.Header{Name: name, Mode: 0o644, ModTime: time.Unix(99, 0), Uid: 1000, Uname: "me"}
		if strings.HasSuffix(name, "/") {
			h.Typeflag, h.Mode = tar.TypeDir, 0o700
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(files[name]))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[name]))
	}
	tw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	archive := filepath.Join(dir, "src.tar")
	writeTar(t, archive, map[string]string{"pkg/a": "alpha\n", "pkg/sub/b": "beta\n"})
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer

	// Flags after the archive are accepted too.
	if err := run([]string{"extract", "--strip-components", "1", archive, "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("extract: %v\n%s", err, stderr.String())
	}
	fi, err := os.Stat(filepath.Join(out, "sub", "b"))
	if err != nil || fi.Mode().Perm() != 0o644 || fi.ModTime().Unix() != 1700000000 {
		t.Fatalf("extracted sub/b: %v %v", fi, err)
	}

	packed := filepath.Join(dir, "packed.tar")
	if err := run([]string{"pack", "--out", packed, out}, &stdout, &stderr); err != nil {
		t.Fatalf("pack: %v\n%s", err, stderr.String())
	}
	repacked := filepath.Join(dir, "repacked.tar")
	if err := run([]string{"repack", "--strip-components=1", "--out", repacked, archive}, &stdout, &stderr); err != nil {
		t.Fatalf("repack: %v\n%s", err, stderr.String())
	}
	a, _ := os.ReadFile(packed)
	b, _ := os.ReadFile(repacked)
	if len(a) == 0 || len(a)%10240 != 0 || !bytes.Equal(a, b) {
		t.Errorf("pack (%d bytes) and repack (%d bytes) outputs differ", len(a), len(b))
	}

	stdout.Reset()
	if err := run([]string{"list", packed}, &stdout, &stderr); err != nil {
		t.Fatalf("list: %v", err)
	}
	want := "drwxr-xr-x 0 - ./\n" +
		"-rw-r--r-- 6 " + sha("alpha\n") + " ./a\n" +
		"drwxr-xr-x 0 - ./sub/\n" +
		"-rw-r--r-- 5 " + sha("beta\n") + " ./sub/b\n"
	if got := stdout.String(); got != want {
		t.Errorf("list output:\n%s\nwant:\n%s", got, want)
	}

	gz := filepath.Join(dir, "packed.tar.gz")
	if err := run([]string{"pack", "--gzip", "--prefix", "usr/", "--mtime", "0", "--out", gz, out}, &stdout, &stderr); err != nil {
		t.Fatalf("pack --gzip: %v", err)
	}
	stdout.Reset()
	if err := run([]string{"list", gz}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), " usr/sub/b\n") {
		t.Errorf("list of gzip output: %v\n%s", err, stdout.String())
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	evil := filepath.Join(dir, "evil.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "../escape", Typeflag: tar.TypeReg, Mode: 0o644})
	tw.Close()
	os.WriteFile(evil, buf.Bytes(), 0o644)

	tests := []struct {
		name  string
		args  []string
		usage bool   // want cli.ErrUsage
		msg   string // substring of the error
	}{
		{"no command", nil, true, "no command"},
		{"unknown command", []string{"frob"}, true, `unknown command "frob"`},
		{"missing out", []string{"pack", dir}, true, "--out is required"},
		{"missing arg", []string{"extract", "--out", filepath.Join(dir, "x")}, true, "wants one ARCHIVE"},
		{"extra arg", []string{"list", "a", "b"}, true, "wants one ARCHIVE"},
		{"bad flag", []string{"pack", "--nope", "--out", "x", dir}, true, "nope"},
		{"bad strip", []string{"extract", "--strip-components", "x", "--out", "o", evil}, true, "strip-components"},
		{"evil archive", []string{"extract", "--out", filepath.Join(dir, "x"), evil}, false, `evil.tar: member "../escape"`},
		{"missing archive", []string{"list", filepath.Join(dir, "nope.tar")}, false, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || errors.Is(err, cli.ErrUsage) != tt.usage {
				t.Errorf("run(%q) = %v; want error containing %q, usage=%v", tt.args, err, tt.msg, tt.usage)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !os.IsNotExist(err) {
		t.Errorf("refused extract left output: %v", err)
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"--help"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, c := range program.Commands {
		if !strings.Contains(stdout.String(), c.Name) {
			t.Errorf("usage does not mention %q:\n%s", c.Name, stdout.String())
		}
	}
	stderr.Reset()
	if err := run([]string{"extract", "-h"}, &stdout, &stderr); cli.ExitCode(err) != 0 {
		t.Fatalf("extract -h: %v (exit %d)", err, cli.ExitCode(err))
	}
	if !strings.Contains(stderr.String(), "-strip-components") {
		t.Errorf("extract -h:\n%s", stderr.String())
	}
}

func TestRunBadEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"pack", "--out", "o.tar", "x"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("err = %v", err)
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
