package initrd

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Format selects how a Set is serialised.
type Format int

const (
	// FormatDefault is rules_heads' own deterministic newc: members sorted
	// by name, ino numbered from 721 in that order (as gen_init_cpio
	// starts), mtime/dev/check 0, nlink 2 for directories and 1 otherwise,
	// uppercase hex like the kernel's gen_init_cpio and GNU cpio, implied
	// parent directories added (0755 root:root), a gen_init_cpio style
	// trailer (nlink 1) and the whole archive padded to 512 bytes.
	FormatDefault Format = iota
	// FormatHeadsCompat reproduces the bytes of Heads' bin/cpio-clean for
	// the same inputs: see the package documentation.
	FormatHeadsCompat
)

// gnuTrailer is the trailer GNU cpio -H newc and gen_init_cpio write.
var gnuTrailer = appendMember(nil, &Entry{Name: TrailerName, NLink: 1}, nil)

// Set is a merged collection of members: adding a member whose name is
// already present replaces it (the later input wins, like cpio-clean).
type Set struct {
	format  Format
	m       map[string]*Entry
	trailer []byte // heads-compat: trailer of the last input
}

// NewSet returns an empty Set that will be written in format f.
func NewSet(f Format) *Set {
	return &Set{format: f, m: map[string]*Entry{}, trailer: gnuTrailer}
}

// Format returns the format the Set was created with.
func (s *Set) Format() Format { return s.format }

// Len returns the number of members.
func (s *Set) Len() int { return len(s.m) }

// CleanName normalises a member name: leading "./" and trailing "/" are
// removed; "" and "." name the root ("."). Absolute names, names with ".."
// components, empty components or NUL bytes are refused with ErrBadName.
func CleanName(n string) (string, error) {
	orig := n
	for strings.HasPrefix(n, "./") {
		n = strings.TrimLeft(n[2:], "/")
	}
	n = strings.TrimRight(n, "/")
	if n == "" || n == "." {
		if strings.HasPrefix(orig, "/") {
			return "", fmt.Errorf("%w: %q is absolute", ErrBadName, orig)
		}
		return ".", nil
	}
	switch {
	case strings.HasPrefix(n, "/"):
		return "", fmt.Errorf("%w: %q is absolute", ErrBadName, orig)
	case strings.IndexByte(n, 0) >= 0:
		return "", fmt.Errorf("%w: %q contains NUL", ErrBadName, orig)
	case n == ".." || strings.HasPrefix(n, "../") || strings.HasSuffix(n, "/..") || strings.Contains(n, "/../"):
		return "", fmt.Errorf("%w: %q has a .. component", ErrBadName, orig)
	case path.Clean(n) != n:
		return "", fmt.Errorf("%w: %q is not clean (want %q)", ErrBadName, orig, path.Clean(n))
	case n == TrailerName || strings.HasPrefix(n, TrailerName):
		// cpio-clean treats any name starting with TRAILER!!! as the end.
		return "", fmt.Errorf("%w: %q would end the archive", ErrBadName, orig)
	}
	return n, nil
}

// Add inserts e, replacing a member with the same name. input names the
// source for error messages. The name is cleaned with CleanName; the root
// "." is kept only in FormatHeadsCompat (cpio-clean keeps the "." that
// `find . | cpio` writes) and dropped otherwise.
func (s *Set) Add(input string, e *Entry) error {
	n, err := CleanName(e.Name)
	if err != nil {
		return fmt.Errorf("%s: member %q: %w", input, e.Name, err)
	}
	if n == "." && s.format != FormatHeadsCompat {
		return nil
	}
	switch e.Type() {
	case TypeRegular, TypeDir, TypeSymlink, TypeChar, TypeBlock, TypeFIFO, TypeSocket:
	default:
		return fmt.Errorf("%s: member %q: %w: mode %#o", input, e.Name, ErrUnsupported, e.Mode)
	}
	if n != e.Name {
		c := *e
		c.Name, c.raw = n, nil
		e = &c
	}
	s.m[n] = e
	return nil
}

// setTrailer records the trailer of the input just merged (heads-compat
// keeps the trailer of the last input verbatim).
func (s *Set) setTrailer(raw []byte) {
	if raw == nil {
		raw = gnuTrailer
	}
	s.trailer = raw
}

// Entries returns the members sorted by name (bytewise, as Perl's sort).
// In FormatDefault, missing parent directories are added first.
func (s *Set) Entries() ([]*Entry, error) {
	if s.format == FormatDefault {
		if err := s.addParents(); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(s.m))
	for n := range s.m {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*Entry, len(names))
	for i, n := range names {
		out[i] = s.m[n]
	}
	return out, nil
}

func (s *Set) addParents() error {
	var missing []string
	for n := range s.m {
		for d := path.Dir(n); d != "."; d = path.Dir(d) {
			p, ok := s.m[d]
			if !ok {
				missing = append(missing, d)
				continue
			}
			if !p.IsDir() {
				return fmt.Errorf("%w: %q is needed as a directory for %q but is mode %#o", ErrNotDir, d, n, p.Mode)
			}
		}
	}
	for _, d := range missing {
		s.m[d] = &Entry{Name: d, Mode: TypeDir | 0o755}
	}
	return nil
}

// Bytes serialises the Set as a complete newc archive (see Format).
func (s *Set) Bytes() ([]byte, error) {
	es, err := s.Entries()
	if err != nil {
		return nil, err
	}
	var size int
	for _, e := range es {
		size += headerLen + len(e.Name) + len(e.Data) + 8
	}
	buf := make([]byte, 0, size+1024)
	for i, e := range es {
		if s.format == FormatHeadsCompat {
			buf = appendClean(buf, e)
		} else {
			buf = appendDefault(buf, e, uint32(721+i))
		}
	}
	if s.format == FormatHeadsCompat {
		buf = append(buf, s.trailer...)
	} else {
		buf = append(buf, gnuTrailer...)
	}
	return append(buf, make([]byte, (512-len(buf)%512)%512)...), nil
}

// WriteTo writes the archive to w.
func (s *Set) WriteTo(w io.Writer) (int64, error) {
	b, err := s.Bytes()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

func appendDefault(dst []byte, e *Entry, ino uint32) []byte {
	c := Entry{Name: e.Name, Ino: ino, Mode: e.Mode, UID: e.UID, GID: e.GID, NLink: 1}
	var body []byte
	switch e.Type() {
	case TypeDir:
		c.NLink = 2
	case TypeRegular:
		body = e.Data
	case TypeSymlink:
		body = bytes.TrimSuffix(e.Data, []byte{0})
	case TypeChar, TypeBlock:
		c.RDevMajor, c.RDevMinor = e.RDevMajor, e.RDevMinor
	}
	return appendMember(dst, &c, body)
}

// CleanIno is cpio-clean's inode number for a member name: the XOR of the
// four 32-bit words of MD5(name + NUL), each read big-endian (cpio-clean
// takes them from md5_hex as 8-digit hex numbers, i.e. unpack "N4").
func CleanIno(name string) uint32 {
	sum := md5.Sum(append([]byte(name), 0))
	var x uint32
	for i := 0; i < 16; i += 4 {
		x ^= binary.BigEndian.Uint32(sum[i:])
	}
	return x
}

const hexLower = "0123456789abcdef"

func putHex8(dst []byte, v uint32, digits string) {
	for i := 0; i < 8; i++ {
		dst[i] = digits[(v>>uint(28-4*i))&0xf]
	}
}

// appendClean appends e as cpio-clean would emit it. Members read from a
// cpio input are patched verbatim (so untouched fields keep their original
// hex spelling and padding bytes); other members are first rendered the way
// GNU `cpio -H newc -o` writes them (uppercase hex, symlink target without
// NUL), which is what Heads feeds cpio-clean.
func appendClean(dst []byte, e *Entry) []byte {
	start := len(dst)
	if e.raw != nil {
		dst = append(dst, e.raw...)
	} else {
		var body []byte
		switch e.Type() {
		case TypeRegular:
			body = e.Data
		case TypeSymlink:
			body = bytes.TrimSuffix(e.Data, []byte{0})
		}
		c := *e
		c.NLink = 1
		if e.IsDir() {
			c.NLink = 2
		}
		dst = appendMember(dst, &c, body)
	}
	h := dst[start : start+headerLen]
	mode, _ := parseHex8(h[14:22])
	putHex8(h[6:14], CleanIno(e.Name), hexLower) // ino, lowercase %08x
	putHex8(h[14:22], mode&^0o077, hexUpper)     // mode &= ~0077, %08X
	for _, off := range []int{22, 30, 38, 46, 62, 70, 102} {
		// uid, gid, nlink, mtime, devmajor, devminor, check
		copy(h[off:off+8], "00000000")
	}
	return dst
}
