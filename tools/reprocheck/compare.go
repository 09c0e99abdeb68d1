package reprocheck

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/rules-heads/rules_heads/tools/initrd"
	"github.com/rules-heads/rules_heads/tools/rom/cbfs"
	"github.com/rules-heads/rules_heads/tools/rom/fmap"
)

// maxDepth bounds how deep Explain looks into nested containers (a ROM's
// CBFS holds a payload holding an initrd holding a tar ...).
const maxDepth = 8

// maxMember bounds the size of one container member read into memory.
const maxMember = 1 << 31

// Difference is where two artifacts first differ.
type Difference struct {
	// Artifact is the artifact's path (relative to the compared roots).
	Artifact string
	// Path is the location inside it, outermost first: archive members,
	// FMAP regions, CBFS files, ELF sections. Each element is
	// "<format> <name>", e.g. "tar member lib/libc.so" or "ELF section .text".
	Path []string
	// Offset is the first differing byte inside the innermost element
	// (-1 when the difference is not in the bytes: a missing member, a
	// mode, a size).
	Offset int64
	// Detail says what differs there.
	Detail string
}

func (d *Difference) String() string {
	var b strings.Builder
	b.WriteString(d.Artifact)
	for _, p := range d.Path {
		b.WriteString(": ")
		b.WriteString(p)
	}
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(d.Detail)
	}
	if d.Offset >= 0 {
		fmt.Fprintf(&b, " (first differing byte at offset %d)", d.Offset)
	}
	return b.String()
}

// Explain returns where a and b (two versions of one artifact) first
// differ, looking inside tar, cpio (also xz or gzip compressed: initrds),
// zip, ROM images (FMAP regions, then CBFS files) and ELF files (sections),
// or nil if they are identical.
func Explain(artifact string, a, b []byte) *Difference {
	if bytes.Equal(a, b) {
		return nil
	}
	d := &Difference{Artifact: artifact}
	explain(d, a, b, 0)
	return d
}

// explain fills d.Path, d.Offset and d.Detail for a != b.
func explain(d *Difference, a, b []byte, depth int) {
	if depth < maxDepth {
		for _, f := range formats {
			if f.match(a) && f.match(b) {
				if f.diff(d, a, b, depth) {
					return
				}
				break
			}
		}
	}
	d.Offset = firstByte(a, b)
	if len(a) != len(b) {
		d.Detail = fmt.Sprintf("%d bytes vs %d", len(a), len(b))
	} else {
		d.Detail = fmt.Sprintf("%d bytes", len(a))
	}
}

// firstByte is the first offset where a and b differ (or the shorter length).
func firstByte(a, b []byte) int64 {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return int64(i)
		}
	}
	return int64(n)
}

// A format recognises a container and, given two differing instances,
// descends into the first differing part. diff returns false when it
// cannot parse both (explain then falls back to the byte offset).
type format struct {
	name  string
	match func([]byte) bool
	diff  func(d *Difference, a, b []byte, depth int) bool
}

var formats []format

func init() {
	// Order matters: magic at offset 0 first, tar's at 257, then a ROM,
	// recognised by an FMAP anywhere in it.
	formats = []format{
		{"ELF", hasPrefix("\x7fELF"), diffELF},
		{"zip", hasPrefix("PK\x03\x04"), diffZip},
		{"compressed", isCompressed, diffCompressed},
		{"cpio", isCpio, diffCpio},
		{"tar", isTar, diffTar},
		{"ROM", isROM, diffROM},
	}
}

func hasPrefix(p string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(p)) }
}

func isTar(b []byte) bool {
	return len(b) >= 512 && (bytes.Equal(b[257:263], []byte("ustar\x00")) || bytes.Equal(b[257:265], []byte("ustar  \x00")))
}

func isROM(b []byte) bool {
	_, err := fmap.Find(b)
	return err == nil
}

func isCpio(b []byte) bool {
	return bytes.HasPrefix(b, []byte("070701")) || bytes.HasPrefix(b, []byte("070702"))
}

func isCompressed(b []byte) bool { return initrd.Detect(b) != initrd.None }

// diffCompressed compares the decompressed streams (an initrd.cpio.xz,
// a .tar.gz): the difference is described inside them.
func diffCompressed(d *Difference, a, b []byte, depth int) bool {
	da, ca, err := initrd.Decompress(a)
	if err != nil {
		return false
	}
	db, _, err := initrd.Decompress(b)
	if err != nil {
		return false
	}
	if bytes.Equal(da, db) {
		d.Path = append(d.Path, string(ca)+" stream")
		d.Offset = firstByte(a, b)
		d.Detail = "same contents, compressed differently"
		return true
	}
	d.Path = append(d.Path, string(ca)+" stream")
	explain(d, da, db, depth+1)
	return true
}

// member is one named part of a container, for the generic walk.
type member struct {
	name string
	meta string // what must match besides the data (type, mode, link)
	data []byte
}

// diffMembers compares two member lists (sorted by name) and descends
// into the first member whose metadata or data differ.
func diffMembers(d *Difference, kind string, ma, mb []member, depth int) bool {
	sort.SliceStable(ma, func(i, j int) bool { return ma[i].name < ma[j].name })
	sort.SliceStable(mb, func(i, j int) bool { return mb[i].name < mb[j].name })
	i, j := 0, 0
	for i < len(ma) || j < len(mb) {
		switch {
		case j == len(mb) || (i < len(ma) && ma[i].name < mb[j].name):
			d.Path = append(d.Path, kind+" "+ma[i].name)
			d.Offset, d.Detail = -1, "only in the first build"
			return true
		case i == len(ma) || mb[j].name < ma[i].name:
			d.Path = append(d.Path, kind+" "+mb[j].name)
			d.Offset, d.Detail = -1, "only in the second build"
			return true
		}
		x, y := ma[i], mb[j]
		if x.meta != y.meta {
			d.Path = append(d.Path, kind+" "+x.name)
			d.Offset, d.Detail = -1, fmt.Sprintf("%s vs %s", x.meta, y.meta)
			return true
		}
		if !bytes.Equal(x.data, y.data) {
			d.Path = append(d.Path, kind+" "+x.name)
			explain(d, x.data, y.data, depth+1)
			return true
		}
		i++
		j++
	}
	// Same members, same contents: the difference is in the framing
	// (order, padding, headers Explain does not compare).
	return false
}

func tarMembers(b []byte) ([]member, error) {
	tr := tar.NewReader(bytes.NewReader(b))
	var out []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxMember))
		if err != nil {
			return nil, err
		}
		meta := fmt.Sprintf("type %q mode %04o uid %d gid %d mtime %d link %q",
			h.Typeflag, h.Mode, h.Uid, h.Gid, h.ModTime.Unix(), h.Linkname)
		out = append(out, member{name: h.Name, meta: meta, data: data})
	}
}

func diffTar(d *Difference, a, b []byte, depth int) bool {
	ma, err := tarMembers(a)
	if err != nil {
		return false
	}
	mb, err := tarMembers(b)
	if err != nil {
		return false
	}
	return diffMembers(d, "tar member", ma, mb, depth)
}

func cpioMembers(b []byte) ([]member, error) {
	es, err := initrd.Members(b)
	if err != nil {
		return nil, err
	}
	out := make([]member, 0, len(es))
	for _, e := range es {
		meta := fmt.Sprintf("mode %07o uid %d gid %d mtime %d", e.Mode, e.UID, e.GID, e.MTime)
		out = append(out, member{name: e.Name, meta: meta, data: e.Data})
	}
	return out, nil
}

func diffCpio(d *Difference, a, b []byte, depth int) bool {
	ma, err := cpioMembers(a)
	if err != nil {
		return false
	}
	mb, err := cpioMembers(b)
	if err != nil {
		return false
	}
	return diffMembers(d, "cpio member", ma, mb, depth)
}

func zipMembers(b []byte) ([]member, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	var out []member
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxMember))
		rc.Close()
		if err != nil {
			return nil, err
		}
		meta := fmt.Sprintf("mode %v modified %s method %d", f.Mode(), f.Modified.UTC().Format("2006-01-02T15:04:05"), f.Method)
		out = append(out, member{name: f.Name, meta: meta, data: data})
	}
	return out, nil
}

func diffZip(d *Difference, a, b []byte, depth int) bool {
	ma, err := zipMembers(a)
	if err != nil {
		return false
	}
	mb, err := zipMembers(b)
	if err != nil {
		return false
	}
	return diffMembers(d, "zip member", ma, mb, depth)
}

func elfSections(b []byte) ([]member, error) {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out []member
	for i, s := range f.Sections {
		var data []byte
		if s.Type != elf.SHT_NOBITS {
			if s.Offset+s.FileSize > uint64(len(b)) {
				return nil, errors.New("section outside the file")
			}
			data = b[s.Offset : s.Offset+s.FileSize]
		}
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		meta := fmt.Sprintf("type %v flags %v addr %#x size %d", s.Type, s.Flags, s.Addr, s.Size)
		out = append(out, member{name: name, meta: meta, data: data})
	}
	return out, nil
}

func diffELF(d *Difference, a, b []byte, depth int) bool {
	ma, err := elfSections(a)
	if err != nil {
		return false
	}
	mb, err := elfSections(b)
	if err != nil {
		return false
	}
	// Sections keep their file order here (names can repeat): compare
	// position by position.
	for i := 0; i < len(ma) && i < len(mb); i++ {
		x, y := ma[i], mb[i]
		if x.name != y.name || x.meta != y.meta {
			d.Path = append(d.Path, "ELF section "+x.name)
			d.Offset, d.Detail = -1, fmt.Sprintf("%s %s vs %s %s", x.name, x.meta, y.name, y.meta)
			return true
		}
		if !bytes.Equal(x.data, y.data) {
			d.Path = append(d.Path, "ELF section "+x.name)
			d.Offset = firstByte(x.data, y.data)
			d.Detail = fmt.Sprintf("%d bytes", len(x.data))
			return true
		}
	}
	if len(ma) != len(mb) {
		d.Offset, d.Detail = -1, fmt.Sprintf("%d ELF sections vs %d", len(ma), len(mb))
		return true
	}
	return false // headers or padding: the byte offset says where
}

func romRegions(b []byte) ([]member, error) {
	m, err := fmap.Find(b)
	if err != nil {
		return nil, err
	}
	var out []member
	for _, a := range m.Areas {
		if a.End() > uint64(len(b)) {
			return nil, fmt.Errorf("FMAP area %s outside the image", a.Name)
		}
		out = append(out, member{
			name: a.Name,
			meta: fmt.Sprintf("offset %#x size %#x", a.Offset, a.Size),
			data: b[a.Offset:a.End()],
		})
	}
	return out, nil
}

// diffROM descends into the smallest FMAP area that differs (areas nest:
// COREBOOT inside FMAP's whole-flash areas), then into its CBFS files.
func diffROM(d *Difference, a, b []byte, depth int) bool {
	ra, err := romRegions(a)
	if err != nil {
		return false
	}
	rb, err := romRegions(b)
	if err != nil || len(ra) != len(rb) {
		return false
	}
	best := -1
	for i := range ra {
		if ra[i].name != rb[i].name || ra[i].meta != rb[i].meta {
			d.Path = append(d.Path, "FMAP area "+ra[i].name)
			d.Offset, d.Detail = -1, fmt.Sprintf("%s vs %s %s", ra[i].meta, rb[i].name, rb[i].meta)
			return true
		}
		if !bytes.Equal(ra[i].data, rb[i].data) && (best < 0 || len(ra[i].data) < len(ra[best].data)) {
			best = i
		}
	}
	if best < 0 {
		return false
	}
	d.Path = append(d.Path, "FMAP area "+ra[best].name)
	x, y := ra[best].data, rb[best].data
	if ca, err := cbfsFiles(x); err == nil {
		if cb, err := cbfsFiles(y); err == nil {
			if diffMembers(d, "CBFS file", ca, cb, depth) {
				return true
			}
		}
	}
	d.Offset = firstByte(x, y)
	d.Detail = fmt.Sprintf("%d bytes", len(x))
	return true
}

func cbfsFiles(region []byte) ([]member, error) {
	c, err := cbfs.Open(append([]byte(nil), region...))
	if err != nil {
		return nil, err
	}
	var out []member
	for _, f := range c.Files() {
		if f.Empty() {
			continue
		}
		start := uint64(f.Offset) + uint64(f.DataOffset)
		end := start + uint64(f.Len)
		if end > uint64(len(region)) {
			return nil, fmt.Errorf("CBFS file %s outside the region", f.Name)
		}
		meta := fmt.Sprintf("type %v compression %s offset %#x", f.Type, cbfs.CompressionName(f.Compression), f.Offset)
		out = append(out, member{name: f.Name, meta: meta, data: region[start:end]})
	}
	return out, nil
}
