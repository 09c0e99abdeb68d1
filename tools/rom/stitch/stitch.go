// Package stitch holds the whole-image steps of a Heads ROM build: padding
// an image, splitting it into per-chip images (the x230's 8 MiB bottom and
// 4 MiB top), writing hashes.txt/sizes.txt, and writing files atomically.
package stitch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Sentinel errors; returned errors wrap them and add detail.
var (
	ErrBadSize   = errors.New("stitch: invalid size")
	ErrTooBig    = errors.New("stitch: image larger than target size")
	ErrSizeSum   = errors.New("stitch: sizes do not add up to the image size")
	ErrDuplicate = errors.New("stitch: artifact listed twice")
	ErrOutside   = errors.New("stitch: artifact outside root")
)

// ParseSize parses a byte count: decimal, 0x hex, or with a K/M/G suffix
// (binary units, optional trailing "iB" or "B").
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "i")
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult != 1 {
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseInt(t, 0, 64)
	if err != nil || v < 0 || v > (1<<40)/mult {
		return 0, fmt.Errorf("%w: %q", ErrBadSize, s)
	}
	return v * mult, nil
}

// ParseSizes parses a comma-separated size list ("8M,4M").
func ParseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		v, err := ParseSize(f)
		if err != nil {
			return nil, err
		}
		if v == 0 {
			return nil, fmt.Errorf("%w: zero-sized part in %q", ErrBadSize, s)
		}
		out = append(out, v)
	}
	return out, nil
}

// Pad returns image padded with 0xff to size bytes.
func Pad(image []byte, size int64) ([]byte, error) {
	if int64(len(image)) > size {
		return nil, fmt.Errorf("%w: %d bytes, target %d: over by %d bytes", ErrTooBig, len(image), size, int64(len(image))-size)
	}
	out := make([]byte, size)
	n := copy(out, image)
	for i := n; i < len(out); i++ {
		out[i] = 0xff
	}
	return out, nil
}

// Split cuts image into consecutive parts of the given sizes, which must
// add up to the image size.
func Split(image []byte, sizes []int64) ([][]byte, error) {
	var sum int64
	for _, s := range sizes {
		sum += s
	}
	if sum != int64(len(image)) {
		return nil, fmt.Errorf("%w: %d != %d bytes", ErrSizeSum, sum, len(image))
	}
	var parts [][]byte
	var off int64
	for _, s := range sizes {
		parts = append(parts, image[off:off+s])
		off += s
	}
	return parts, nil
}

// Artifact is one file listed in hashes.txt and sizes.txt.
type Artifact struct {
	Path   string // relative to the root, slash-separated
	Size   int64
	SHA256 string
}

// Describe hashes files and names them relative to root. Each file may
// appear only once (after cleaning); the result is sorted by path.
func Describe(root string, files []string) ([]Artifact, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var arts []Artifact
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(absRoot, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("%w: %s is not under %s", ErrOutside, f, root)
		}
		rel = filepath.ToSlash(rel)
		if seen[rel] {
			return nil, fmt.Errorf("%w: %s", ErrDuplicate, rel)
		}
		seen[rel] = true
		a, err := hashFile(abs)
		if err != nil {
			return nil, err
		}
		a.Path = rel
		arts = append(arts, a)
	}
	sort.SliceStable(arts, func(i, j int) bool { return arts[i].Path < arts[j].Path })
	return arts, nil
}

func hashFile(path string) (Artifact, error) {
	f, err := os.Open(path)
	if err != nil {
		return Artifact{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Artifact{}, fmt.Errorf("%s: %w", path, err)
	}
	return Artifact{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// HashesText renders sha256sum-format lines ("HASH  path").
func HashesText(arts []Artifact) []byte {
	var b strings.Builder
	for _, a := range arts {
		fmt.Fprintf(&b, "%s  %s\n", a.SHA256, a.Path)
	}
	return []byte(b.String())
}

// SizesText renders "size path" lines.
func SizesText(arts []Artifact) []byte {
	var b strings.Builder
	for _, a := range arts {
		fmt.Fprintf(&b, "%d %s\n", a.Size, a.Path)
	}
	return []byte(b.String())
}
