package tarnorm

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fuzzSeeds are archives in every supported format, benign and hostile.
func fuzzSeeds(t testing.TB) [][]byte {
	long := strings.Repeat("x", 120)
	seeds := [][]byte{
		tarOf(t, dir("p/"), file("p/a", "x"), exe("p/b", "y"), symlink("p/l", "a"), hardlink("p/h", "p/a")),
		tarOf(t, symlink("s", "."), symlink("t", "s/s/s/.."), file("t/x", "x")),
		tarOf(t, symlink("t", "s/s/.."), symlink("s", ".")),
		tarOf(t, dir("sub/"), symlink("d", "sub"), file("d/x", "x")),
		tarOf(t, file("../evil", "x"), file("/abs", "y")),
		tarOf(t, file(long+"/"+long, "long"), symlink("l", long+"/../"+long)),
		buildTar(t, tar.FormatGNU, []ent{file("gnu/a", "x")}),
		gzipOf(t, tarOf(t, file("a", "x"), symlink("l", "../x"))),
		xzOf(t, tarOf(t, file("a", "x"))),
		zipOf(t, file("a", "x"), symlink("l", "../../x"), dir("d/")),
		zipOf(t, symlink("d", "."), file("d/x", "x")),
		make([]byte, 1024),
	}
	for _, name := range []string{"hello.tar.bz2", "hello.tar.xz"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// Fuzzing the readers (each run takes one core):
//
//	TMPDIR=/dev/shm go test ./tools/tarnorm -run '^$' -fuzz '^FuzzExtract$' \
//	    -fuzztime 60s -fuzzminimizetime 50x -parallel 1
//
// FuzzExtract makes and removes a temporary tree per input, so a tmpfs
// TMPDIR and a bounded -fuzzminimizetime keep it from spending its time in
// the file system and in minimising.

// FuzzExtract feeds arbitrary bytes (of any detected format) to Extract.
// It must not panic, must leave nothing but the destination next to it
// (and only on success), must not touch a sibling directory, and every
// symlink it leaves must resolve inside the destination (if it resolves).
func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, strip uint8) {
		root := t.TempDir()
		outside := filepath.Join(root, "outside")
		if err := os.MkdirAll(filepath.Join(outside, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(outside, "x", "keep"), []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, outside)
		dest := filepath.Join(root, "out")
		err := Extract(bytes.NewReader(data), dest, ExtractOptions{StripComponents: int(strip % 4), MaxBytes: 1 << 20})

		want := []string{"out", "outside"}
		if err != nil {
			want = []string{"outside"}
		}
		if got := listDir(t, root); !reflect.DeepEqual(got, want) {
			t.Fatalf("Extract() = %v; entries next to the destination: %v, want %v", err, got, want)
		}
		if after := snapshot(t, outside); !reflect.DeepEqual(before, after) {
			t.Fatalf("Extract() changed a sibling directory:\n%v\n%v", before, after)
		}
		if err != nil {
			return
		}
		realDest, err := filepath.EvalSymlinks(dest)
		if err != nil {
			t.Fatal(err)
		}
		filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			if d.Type()&os.ModeSymlink == 0 {
				return nil
			}
			if target, _ := os.Readlink(p); filepath.IsAbs(target) {
				t.Fatalf("%s: absolute symlink %q", p, target)
			}
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				return nil // dangling or a loop: harmless
			}
			if real != realDest && !strings.HasPrefix(real, realDest+string(filepath.Separator)) {
				t.Fatalf("%s resolves outside the destination: %s", p, real)
			}
			return nil
		})
	})
}

// FuzzList: listing arbitrary bytes must not panic.
func FuzzList(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		List(bytes.NewReader(data), io.Discard)
	})
}
