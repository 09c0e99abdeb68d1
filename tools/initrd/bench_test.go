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
		size := 20000 * (1 + rng.Intn(2)) // 20 KB or 40 KB, ~40 MB in all
		var buf bytes.Buffer
		for buf.Len() < size {
			if rng.Intn(4) == 0 {
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
// --lzma2=dict=1MiB -9. Run with -benchtime=1x.
func BenchmarkBuildVsShell(b *testing.B) {
	for _, tool := range []string{"sh", "find", "cpio", "xz"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed: shell pipeline cannot run", tool)
		}
	}
	dir := benchTree(b)
	b.ResetTimer()
	var goSize, shSize int
	var goTime, shTime time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		s := NewSet(FormatDefault)
		if err := s.AddTree(dir, ""); err != nil {
			b.Fatal(err)
		}
		arch, err := s.Bytes()
		if err != nil {
			b.Fatal(err)
		}
		out, err := Finish(arch, XZ, 512, CompressOptions{})
		if err != nil {
			b.Fatal(err)
		}
		goTime += time.Since(t0)
		goSize = len(out)

		t0 = time.Now()
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
	b.ReportMetric(float64(goSize), "go-bytes")
	b.ReportMetric(float64(shSize), "shell-bytes")
	b.ReportMetric(goTime.Seconds()/float64(b.N), "go-s/op")
	b.ReportMetric(shTime.Seconds()/float64(b.N), "shell-s/op")
	b.ReportMetric(goTime.Seconds()/shTime.Seconds(), "time-ratio")
	b.ReportMetric(float64(goSize)/float64(shSize), "size-ratio")
}
