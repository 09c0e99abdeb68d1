package initrd

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// benchTree writes ~2,000 files totalling ~40 MB: mostly text-like lines
// from a small vocabulary (compressible) mixed with random blocks (not),
// from a fixed seed so every run sees the same tree.
func benchTree(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	rng := rand.New(rand.NewSource(1))
	words := []string{"initrd", "heads", "coreboot", "kexec", "tpm", "gpg", "measure", "boot", "config", "=y\n", "linux", "firmware", " ", "\n"}
	for i := 0; i < 2000; i++ {
		p := filepath.Join(dir, fmt.Sprintf("d%02d/s%d/f%04d", i%40, i%7, i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		size := 10000 + rng.Intn(20001) // 10-30 KB, ~40 MB in all
		var buf bytes.Buffer
		for buf.Len() < size {
			if rng.Intn(100) == 0 { // ~30% of the bytes are random
				blk := make([]byte, 256)
				rng.Read(blk)
				buf.Write(blk)
			} else {
				buf.WriteString(words[rng.Intn(len(words))])
			}
		}
		if err := os.WriteFile(p, buf.Bytes()[:size], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkBuildVsShell compares a full mkinitrd build (tree -> sorted
// newc -> xz CRC32 -> pad -> verify) with Heads' shell pipeline without
// cpio-clean: find . | cpio -H newc -o | xz --check=crc32
// --lzma2=dict=1MiB -9 (whose -9 really selects a 64 MiB dictionary).
// The Go side runs with DefaultXZArgs (1 MiB dictionary) and with
// HeadsXZArgs. Run with -benchtime=1x.
func BenchmarkBuildVsShell(b *testing.B) {
	for _, tool := range []string{"sh", "find", "cpio", "xz"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed: shell pipeline cannot run", tool)
		}
	}
	dir := benchTree(b)
	b.ResetTimer()
	var shSize int
	var goSize [2]int
	var goTime [2]time.Duration
	var shTime time.Duration
	for i := 0; i < b.N; i++ {
		for k, args := range [][]string{DefaultXZArgs, HeadsXZArgs} {
			t0 := time.Now()
			s := NewSet(FormatDefault)
			if err := s.AddTree(dir, ""); err != nil {
				b.Fatal(err)
			}
			arch, err := s.Bytes()
			if err != nil {
				b.Fatal(err)
			}
			out, err := Finish(arch, XZ, 512, CompressOptions{XZArgs: args})
			if err != nil {
				b.Fatal(err)
			}
			goTime[k] += time.Since(t0)
			goSize[k] = len(out)
		}
		t0 := time.Now()
		cmd := exec.Command("sh", "-c", "find . | cpio -H newc -o --quiet | xz --check=crc32 --lzma2=dict=1MiB -9")
		cmd.Dir = dir
		sh, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		shTime += time.Since(t0)
		shSize = len(sh)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(shSize), "shell-bytes")
	b.ReportMetric(shTime.Seconds()/n, "shell-s/op")
	for k, name := range []string{"go1MiB", "goHeadsXZ"} {
		b.ReportMetric(float64(goSize[k]), name+"-bytes")
		b.ReportMetric(goTime[k].Seconds()/n, name+"-s/op")
		b.ReportMetric(goTime[k].Seconds()/shTime.Seconds(), name+"-time-ratio")
		b.ReportMetric(float64(goSize[k])/float64(shSize), name+"-size-ratio")
	}
}
