package initrd

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func sampleArchive(t testing.TB) []byte {
	t.Helper()
	s := NewSet(FormatDefault)
	for i := 0; i < 50; i++ {
		body := strings.Repeat("line of text for compression "+string(rune('a'+i%26))+"\n", 40*i)
		if err := s.Add("t", &Entry{Name: "d/f" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Mode: TypeRegular | 0o644, Data: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompressRoundTripDeterministic(t *testing.T) {
	arch := sampleArchive(t)
	type tc struct {
		name string
		c    Compression
		o    CompressOptions
		ext  bool
	}
	cases := []tc{{"none", None, CompressOptions{}, false}, {"gzip", Gzip, CompressOptions{}, false},
		{"zstd", Zstd, CompressOptions{}, false}, {"xz-go", XZ, CompressOptions{NoExternal: true}, false},
		{"xz-ext", XZ, CompressOptions{}, true}, {"xz-heads", XZ, CompressOptions{XZArgs: HeadsXZArgs}, true}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.ext {
				if _, err := exec.LookPath("xz"); err != nil {
					t.Skip("xz binary not installed: external xz path not tested")
				}
			}
			for _, pad := range []int{0, 512} {
				a, err := Finish(arch, c.c, pad, c.o)
				if err != nil {
					t.Fatal(err)
				}
				b, err := Finish(arch, c.c, pad, c.o)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Fatal("two runs differ")
				}
				if pad == 512 && len(a)%512 != 0 {
					t.Fatalf("len %d not padded", len(a))
				}
				if Detect(a) != c.c {
					t.Fatalf("detected %s", Detect(a))
				}
			}
		})
	}
}

// TestXZCheckIsCRC32 is the kernel-acceptance property: the kernel's xz
// decoder only accepts CRC32 (or no) integrity checks, so the stream
// flags' check ID (byte 7 of the stream header) must be 0x01.
func TestXZCheckIsCRC32(t *testing.T) {
	arch := sampleArchive(t)
	opts := []CompressOptions{{NoExternal: true}}
	if _, err := exec.LookPath("xz"); err == nil {
		opts = append(opts, CompressOptions{}, CompressOptions{XZArgs: HeadsXZArgs})
	} else {
		t.Log("xz binary not installed: only the Go encoder is checked")
	}
	for _, o := range opts {
		out, err := Compress(arch, XZ, o)
		if err != nil {
			t.Fatal(err)
		}
		if out[6] != 0 || out[7] != 0x01 {
			t.Fatalf("%+v: stream flags %#x %#x, want 0x00 0x01 (CRC32)", o, out[6], out[7])
		}
	}
	// Verify refuses what the kernel would refuse.
	if xzbin, err := exec.LookPath("xz"); err == nil {
		out, err := Compress(arch, XZ, CompressOptions{XZPath: xzbin, XZArgs: []string{"--check=crc64", "-c"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(out, arch); !errors.Is(err, ErrVerify) {
			t.Fatalf("CRC64 stream passed Verify: %v", err)
		}
	}
}

func TestVerifyCatchesCorruption(t *testing.T) {
	arch := sampleArchive(t)
	out, err := Compress(arch, Gzip, CompressOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(out, arch[:len(arch)-512]); !errors.Is(err, ErrVerify) {
		t.Fatalf("err = %v", err)
	}
	if err := Verify(arch[:len(arch)-1], arch[:len(arch)-1]); !errors.Is(err, ErrVerify) {
		t.Fatalf("unpadded archive passed: %v", err)
	}
	if _, err := ParseCompression("lz4"); !errors.Is(err, ErrCompression) {
		t.Fatal(err)
	}
}
