package crossgcc

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSum(t *testing.T) {
	src := t.TempDir()
	sum := filepath.Join(src, "util/crossgcc/sum")
	// Bytewise order: "B" < "a" < "b"; dotfiles are skipped; no trailing
	// newline is added.
	write(t, filepath.Join(sum, "b.cksum"), "2 b\n")
	write(t, filepath.Join(sum, "a.cksum"), "1 a")
	write(t, filepath.Join(sum, "B.cksum"), "0 B\n")
	write(t, filepath.Join(sum, ".hidden"), "x")
	got, err := Sum(src)
	if err != nil {
		t.Fatal(err)
	}
	want := "== B.cksum\n0 B\n== a.cksum\n1 a== b.cksum\n2 b\n"
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// The shell loop this replaces prints the same bytes.
	if sh, err := exec.LookPath("sh"); err == nil {
		cmd := exec.Command(sh, "-c", `cd "$1" && for f in *; do printf '== %s\n' "$f"; cat "$f"; done`, "sh", sum)
		cmd.Env = []string{"LC_ALL=C", "PATH=" + os.Getenv("PATH")}
		out, err := cmd.Output()
		if err != nil || string(out) != want {
			t.Fatalf("shell: %q %v", out, err)
		}
	}
}

func TestSumErrors(t *testing.T) {
	if _, err := Sum(t.TempDir()); !errors.Is(err, ErrNoSum) {
		t.Fatalf("missing dir: %v", err)
	}
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "util/crossgcc/sum/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Sum(src); err == nil {
		t.Fatal("directory entry accepted")
	}
}
