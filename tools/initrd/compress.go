package initrd

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compression names an initrd compression.
type Compression string

const (
	None Compression = "none"
	XZ   Compression = "xz"
	Gzip Compression = "gzip"
	Zstd Compression = "zstd"
)

// ParseCompression accepts none, xz, gzip or zstd.
func ParseCompression(s string) (Compression, error) {
	switch c := Compression(s); c {
	case None, XZ, Gzip, Zstd:
		return c, nil
	}
	return "", fmt.Errorf("%w: %q (want none, xz, gzip or zstd)", ErrCompression, s)
}

var (
	magicXZ   = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Detect names the compression of b from its magic (None if unknown).
func Detect(b []byte) Compression {
	switch {
	case bytes.HasPrefix(b, magicXZ):
		return XZ
	case bytes.HasPrefix(b, magicGzip):
		return Gzip
	case bytes.HasPrefix(b, magicZstd):
		return Zstd
	}
	return None
}

// XZ command lines. HeadsXZArgs is Heads' own; note that its trailing -9
// resets the filter chain, so the stream really uses -9's 64 MiB
// dictionary (xz -lvv shows --lzma2=dict=64MiB). DefaultXZArgs gets the
// 1 MiB dictionary Heads meant, which also bounds the kernel's decoder
// allocation. -T1 keeps xz >= 5.6 (threaded by default) single-threaded
// and byte-identical.
var (
	HeadsXZArgs   = []string{"--check=crc32", "--lzma2=dict=1MiB", "-9", "-T1", "-c"}
	DefaultXZArgs = []string{"--check=crc32", "-9", "--lzma2=preset=9,dict=1MiB", "-T1", "-c"}
)

// CompressOptions tunes Compress.
type CompressOptions struct {
	// XZPath is the xz binary; "" looks up "xz" in PATH. When neither
	// names a binary, xz compression fails with ErrNoXZ: the Go encoder
	// is never chosen silently.
	XZPath string
	// XZArgs overrides DefaultXZArgs (e.g. HeadsXZArgs).
	XZArgs []string
	// NoExternal selects the pure Go xz encoder (CRC32 check, 1 MiB
	// dictionary) instead of an xz binary. Its output differs from xz's
	// and is roughly 38% larger than xz -9.
	NoExternal bool
	// Log, when set, is told which xz encoder ran.
	Log io.Writer
}

// ErrNoXZ is returned for xz compression when no xz binary is given or on
// PATH and the Go encoder was not asked for.
var ErrNoXZ = errors.New("no xz binary on PATH; pass --xz PATH, or --xz-encoder=go to accept the Go encoder's different bytes")

// XZEncoder names the xz encoder Compress would use with o: the path of
// the xz binary, or "" for the Go encoder (o.NoExternal). It fails with
// ErrNoXZ when no binary is found.
func XZEncoder(o CompressOptions) (string, error) {
	if o.NoExternal {
		return "", nil
	}
	if o.XZPath != "" {
		return o.XZPath, nil
	}
	bin, err := exec.LookPath("xz")
	if err != nil {
		return "", ErrNoXZ
	}
	return bin, nil
}

// Compress compresses data deterministically. xz always uses the CRC32
// integrity check because the kernel refuses CRC64/SHA-256 streams; gzip is
// level 9 with no name and mtime 0; zstd is a single frame from the best
// level with an 8 MiB window (the kernel refuses windows over 128 MiB).
func Compress(data []byte, c Compression, o CompressOptions) ([]byte, error) {
	switch c {
	case None:
		return data, nil
	case Gzip:
		var b bytes.Buffer
		w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if err != nil {
			return nil, err
		}
		w.Header.OS = 3 // Unix, fixed rather than "unknown" for gzip -l
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	case Zstd:
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedBestCompression),
			zstd.WithWindowSize(8<<20),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(true))
		if err != nil {
			return nil, err
		}
		defer enc.Close()
		return enc.EncodeAll(data, nil), nil
	case XZ:
		return compressXZ(data, o)
	}
	return nil, fmt.Errorf("%w: %q", ErrCompression, c)
}

func compressXZ(data []byte, o CompressOptions) ([]byte, error) {
	bin, err := XZEncoder(o)
	if err != nil {
		return nil, err
	}
	if bin != "" {
		args := o.XZArgs
		if args == nil {
			args = DefaultXZArgs
		}
		cmd := exec.Command(bin, args...)
		cmd.Stdin = bytes.NewReader(data)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "xz: %s %s\n", bin, strings.Join(args, " "))
		}
		return out.Bytes(), nil
	}
	if o.Log != nil {
		fmt.Fprintln(o.Log, "xz: Go encoder")
	}
	var b bytes.Buffer
	w, err := xz.WriterConfig{CheckSum: xz.CRC32, DictCap: 1 << 20}.NewWriter(&b)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Pad appends zero bytes up to a multiple of n, like dd bs=n conv=sync.
func Pad(b []byte, n int) []byte {
	if n <= 1 || len(b)%n == 0 {
		return b
	}
	return append(b, make([]byte, n-len(b)%n)...)
}

// XZCheck returns the integrity check ID from an xz stream header (0 none,
// 1 CRC32, 4 CRC64, 10 SHA-256).
func XZCheck(b []byte) (byte, error) {
	if len(b) < 12 || !bytes.HasPrefix(b, magicXZ) || b[6] != 0 {
		return 0, fmt.Errorf("%w: not an xz stream header", ErrVerify)
	}
	return b[7] & 0x0f, nil
}

// Decompress undoes the compression detected from b's magic (returning b
// itself for None). Zero padding after the compressed stream, as added by
// Pad, is accepted.
func Decompress(b []byte) ([]byte, Compression, error) {
	c := Detect(b)
	var out []byte
	var err error
	switch c {
	case None:
		return b, None, nil
	case XZ:
		var r *xz.Reader
		if r, err = xz.NewReader(bytes.NewReader(b)); err == nil {
			out, err = io.ReadAll(r)
		}
	case Gzip:
		var r *gzip.Reader
		if r, err = gzip.NewReader(bytes.NewReader(b)); err == nil {
			r.Multistream(false)
			out, err = io.ReadAll(r)
		}
	case Zstd:
		var d *zstd.Decoder
		if d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<31)); err == nil {
			out, err = d.DecodeAll(trimZstdPadding(b), nil)
			d.Close()
		}
	}
	if err != nil {
		return nil, c, fmt.Errorf("%s: %w", c, err)
	}
	return out, c, nil
}

// trimZstdPadding drops trailing zero padding after the last zstd frame.
// The frames are walked so that zero bytes belonging to a frame are kept.
func trimZstdPadding(b []byte) []byte {
	end := 0
	for end < len(b) && bytes.HasPrefix(b[end:], magicZstd) {
		var h zstd.Header
		if err := h.Decode(b[end:]); err != nil {
			return b
		}
		n, ok := zstdFrameLen(b[end:], h)
		if !ok {
			return b
		}
		end += n
	}
	for _, x := range b[end:] {
		if x != 0 {
			return b
		}
	}
	return b[:end]
}

// zstdFrameLen walks the blocks of one frame (RFC 8878 section 3.1.1).
func zstdFrameLen(b []byte, h zstd.Header) (int, bool) {
	off := h.HeaderSize
	for {
		if off+3 > len(b) {
			return 0, false
		}
		bh := uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16
		last, typ, size := bh&1 == 1, (bh>>1)&3, int(bh>>3)
		off += 3
		switch typ {
		case 1: // RLE: one byte
			size = 1
		case 3:
			return 0, false
		}
		off += size
		if last {
			break
		}
	}
	if h.HasCheckSum {
		off += 4
	}
	return off, off <= len(b)
}

// Verify checks a finished initrd: it must decompress (in Go) to exactly
// want, which must parse as a sorted newc archive ending in a trailer; an
// xz stream must carry a check the kernel accepts (none or CRC32).
func Verify(out, want []byte) error {
	if Detect(out) == XZ {
		chk, err := XZCheck(out)
		if err != nil {
			return err
		}
		if chk != 0 && chk != 1 {
			return fmt.Errorf("%w: xz check type %d; the kernel only accepts CRC32 (1) or none", ErrVerify, chk)
		}
	}
	got, _, err := Decompress(out)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: decompressed %d bytes differ from the %d-byte archive", ErrVerify, len(got), len(want))
	}
	rd := NewReader(bytes.NewReader(got))
	var names []string
	for {
		e, err := rd.NextRaw()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrVerify, err)
		}
		if e.Name == TrailerName {
			if len(got)%512 != 0 {
				return fmt.Errorf("%w: archive is %d bytes, not a multiple of 512", ErrVerify, len(got))
			}
			if !sort.StringsAreSorted(names) {
				return fmt.Errorf("%w: members are not sorted", ErrVerify)
			}
			return nil
		}
		names = append(names, e.Name)
	}
	return fmt.Errorf("%w: no trailer", ErrVerify)
}
