// Package cbfs reads and edits a coreboot filesystem (CBFS) held in one
// FMAP region (usually "COREBOOT"), the way coreboot's cbfstool does, so
// that adding and removing files gives byte-identical images.
//
// A CBFS region is a chain of entries, each starting on a 64-byte
// boundary:
//
//	magic "LARCHIVE", len u32, type u32, attributes_offset u32,
//	offset u32 (start of data from the entry), name (NUL-padded to 4
//	bytes), attributes, data                       (all big-endian)
//
// Free space is described by "null" entries (type 0xffffffff) whose data
// is 0xff. As in cbfstool, every edit first rewrites each run of
// consecutive empty entries as a single empty entry; a new file goes into
// the first run it fits, the rest of the run becoming a new empty entry
// (4 bytes shorter when it reaches the region end, which cbfstool keeps
// for the x86 master-header pointer).
//
// The CBFS type operates in place on the region slice it was opened on.
package cbfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors; returned errors wrap them and add detail.
var (
	ErrNoCBFS       = errors.New("cbfs: no CBFS found")
	ErrCorrupt      = errors.New("cbfs: corrupt")
	ErrTruncated    = errors.New("cbfs: truncated")
	ErrNotFound     = errors.New("cbfs: file not found")
	ErrExists       = errors.New("cbfs: file already exists")
	ErrNoSpace      = errors.New("cbfs: component does not fit")
	ErrBadName      = errors.New("cbfs: invalid file name")
	ErrUnknownType  = errors.New("cbfs: unknown file type")
	ErrCompressed   = errors.New("cbfs: file is compressed")
	ErrNotPayload   = errors.New("cbfs: not a payload")
	ErrBadKernel    = errors.New("cbfs: invalid Linux kernel image")
	ErrNoTrampoline = errors.New("cbfs: no trampoline")
)

// Magic starts every CBFS entry.
const Magic = "LARCHIVE"

const (
	// Align is the entry alignment cbfstool uses for FMAP-based CBFS.
	Align = 64
	// fileHeaderSize is the fixed part of an entry header.
	fileHeaderSize = 0x18
	// emptyHeaderSize is the header size of an entry with an empty name.
	emptyHeaderSize = fileHeaderSize + 4
	// fill is the value of unused flash.
	fill = 0xff
)

// FileType is a CBFS file's type (enum cbfs_type); String names it as
// cbfstool prints it.
type FileType uint32

// File types (enum cbfs_type).
const (
	TypeDeleted     FileType = 0x00000000
	TypeNull        FileType = 0xffffffff
	TypeBootblock   FileType = 0x01
	TypeCBFSHeader  FileType = 0x02
	TypeLegacyStage FileType = 0x10
	TypeStage       FileType = 0x11
	TypeSELF        FileType = 0x20
	TypeFITPayload  FileType = 0x21
	TypeOptionROM   FileType = 0x30
	TypeBootsplash  FileType = 0x40
	TypeRaw         FileType = 0x50
	TypeVSA         FileType = 0x51
	TypeMBI         FileType = 0x52
	TypeMicrocode   FileType = 0x53
	TypeIntelFIT    FileType = 0x54
	TypeFSP         FileType = 0x60
	TypeMRC         FileType = 0x61
	TypeMMA         FileType = 0x62
	TypeEFI         FileType = 0x63
	TypeStruct      FileType = 0x70
	TypeCMOSDefault FileType = 0xaa
	TypeSPD         FileType = 0xab
	TypeMRCCache    FileType = 0xac
	TypeCMOSLayout  FileType = 0x1aa
)

var typeNames = map[FileType]string{
	TypeDeleted: "deleted", TypeNull: "null", TypeBootblock: "bootblock",
	TypeCBFSHeader: "cbfs header", TypeLegacyStage: "stage", TypeStage: "stage",
	TypeSELF: "simple elf", TypeFITPayload: "fit_payload", TypeOptionROM: "optionrom",
	TypeBootsplash: "bootsplash", TypeRaw: "raw", TypeVSA: "vsa", TypeMBI: "mbi",
	TypeMicrocode: "microcode", TypeIntelFIT: "intel_fit", TypeFSP: "fsp", TypeMRC: "mrc",
	TypeMMA: "mma", TypeEFI: "efi", TypeStruct: "struct", TypeCMOSDefault: "cmos_default",
	TypeSPD: "spd", TypeMRCCache: "mrc_cache", TypeCMOSLayout: "cmos_layout",
}

// simpleTypes are the types whose content cbfstool adds verbatim, so Add
// accepts them by name.
var simpleTypes = map[string]FileType{
	"raw": TypeRaw, "optionrom": TypeOptionROM, "bootsplash": TypeBootsplash,
	"vsa": TypeVSA, "mbi": TypeMBI, "microcode": TypeMicrocode, "mrc": TypeMRC,
	"mma": TypeMMA, "efi": TypeEFI, "struct": TypeStruct, "cmos_default": TypeCMOSDefault,
	"spd": TypeSPD, "mrc_cache": TypeMRCCache, "cmos_layout": TypeCMOSLayout,
}

// String names a file type as cbfstool prints it.
func (t FileType) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("(unknown 0x%x)", uint32(t))
}

// SimpleType returns the type for a name accepted by Add ("raw", ...).
func SimpleType(name string) (FileType, error) {
	if t, ok := simpleTypes[name]; ok {
		return t, nil
	}
	var names []string
	for n := range simpleTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return 0, fmt.Errorf("%w %q (supported: %s)", ErrUnknownType, name, strings.Join(names, ", "))
}

// Compression algorithms (file compression attribute and payload segments).
const (
	CompressNone uint32 = 0
	CompressLZMA uint32 = 1
	CompressLZ4  uint32 = 2
)

// CompressionName names an algorithm as cbfstool prints it.
func CompressionName(c uint32) string {
	switch c {
	case CompressNone:
		return "none"
	case CompressLZMA:
		return "LZMA"
	case CompressLZ4:
		return "LZ4"
	}
	return fmt.Sprintf("(unknown 0x%x)", c)
}

// Attribute tags.
const (
	attrUnused      uint32 = 0
	attrUnused2     uint32 = 0xffffffff
	attrCompression uint32 = 0x42435a4c
)

// File is one entry of the CBFS.
type File struct {
	Name string
	Type FileType
	// Offset is the entry's offset inside the region.
	Offset uint32
	// DataOffset is the data's offset from the entry (the metadata size).
	DataOffset uint32
	// AttrOffset is the attributes' offset from the entry, 0 if none.
	AttrOffset uint32
	// Len is the stored data length.
	Len uint32
	// Compression is from the compression attribute (CompressNone if none);
	// DecompressedSize is only set when compressed.
	Compression      uint32
	DecompressedSize uint32
}

// Empty reports whether the entry is free space.
func (f File) Empty() bool { return f.Type == TypeNull || f.Type == TypeDeleted }

// next returns the offset of the following entry.
func (f File) next() uint64 {
	return alignUp(uint64(f.Offset)+uint64(f.DataOffset)+uint64(f.Len), Align)
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) / a * a }

// CBFS is a parsed CBFS region. Its methods edit the region in place.
type CBFS struct {
	buf   []byte
	files []File
}

// Open parses the CBFS in region. The returned CBFS keeps region and edits
// it in place.
func Open(region []byte) (*CBFS, error) {
	c := &CBFS{buf: region}
	if err := c.parse(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CBFS) parse() error {
	be := binary.BigEndian
	var files []File
	n := uint64(len(c.buf))
	for addr := uint64(0); addr < n; {
		rest := c.buf[addr:]
		if len(rest) < len(Magic) || string(rest[:len(Magic)]) != Magic {
			if addr == 0 {
				return fmt.Errorf("%w: no %s magic at region offset 0", ErrNoCBFS, Magic)
			}
			// cbfstool stops walking here. Accept erased flash and the
			// x86 master-header pointer in the last 4 bytes; refuse
			// anything else, which means a damaged chain.
			tail := rest
			if len(tail) > 4 {
				tail = tail[:len(tail)-4]
			}
			if len(bytes.Trim(tail, "\xff")) != 0 {
				return fmt.Errorf("%w: no %s magic at region offset %#x (entry chain broken)", ErrCorrupt, Magic, addr)
			}
			break
		}
		if len(rest) < fileHeaderSize {
			return fmt.Errorf("%w: entry header at offset %#x needs %d bytes, region has %d left", ErrTruncated, addr, fileHeaderSize, len(rest))
		}
		f := File{
			Offset:     uint32(addr),
			Len:        be.Uint32(rest[8:]),
			Type:       FileType(be.Uint32(rest[12:])),
			AttrOffset: be.Uint32(rest[16:]),
			DataOffset: be.Uint32(rest[20:]),
		}
		if f.DataOffset < fileHeaderSize+1 {
			return fmt.Errorf("%w: entry at offset %#x: data offset %#x is inside the header", ErrCorrupt, addr, f.DataOffset)
		}
		if end := addr + uint64(f.DataOffset) + uint64(f.Len); end > n {
			return fmt.Errorf("%w: entry at offset %#x: data ends at %#x, past the region end %#x", ErrTruncated, addr, end, n)
		}
		nameEnd := f.DataOffset
		if f.AttrOffset != 0 {
			if f.AttrOffset < fileHeaderSize+1 || f.AttrOffset > f.DataOffset {
				return fmt.Errorf("%w: entry at offset %#x: attributes offset %#x outside metadata [%#x,%#x]", ErrCorrupt, addr, f.AttrOffset, fileHeaderSize+1, f.DataOffset)
			}
			nameEnd = f.AttrOffset
		}
		nameField := rest[fileHeaderSize:nameEnd]
		i := bytes.IndexByte(nameField, 0)
		if i < 0 {
			return fmt.Errorf("%w: entry at offset %#x: name is not NUL-terminated", ErrCorrupt, addr)
		}
		f.Name = string(nameField[:i])
		if f.AttrOffset != 0 {
			if err := parseAttrs(&f, rest[f.AttrOffset:f.DataOffset]); err != nil {
				return fmt.Errorf("entry at offset %#x: %w", addr, err)
			}
		}
		files = append(files, f)
		addr = f.next()
	}
	c.files = files
	return nil
}

func parseAttrs(f *File, b []byte) error {
	be := binary.BigEndian
	for len(b) >= 8 {
		tag, l := be.Uint32(b), be.Uint32(b[4:])
		if tag == attrUnused || tag == attrUnused2 {
			return nil
		}
		if l < 8 || uint64(l) > uint64(len(b)) {
			return fmt.Errorf("%w: attribute %#x has length %d, %d bytes left", ErrCorrupt, tag, l, len(b))
		}
		if tag == attrCompression {
			if l < 16 {
				return fmt.Errorf("%w: compression attribute has length %d", ErrCorrupt, l)
			}
			f.Compression = be.Uint32(b[8:])
			f.DecompressedSize = be.Uint32(b[12:])
		}
		b = b[min(alignUp(uint64(l), 4), uint64(len(b))):]
	}
	return nil
}

// Size returns the region size.
func (c *CBFS) Size() int { return len(c.buf) }

// Files returns all entries, including empty ones, in region order.
func (c *CBFS) Files() []File { return append([]File(nil), c.files...) }

// File returns the first non-empty file with the given name.
func (c *CBFS) File(name string) (File, error) {
	for _, f := range c.files {
		if !f.Empty() && f.Name == name {
			return f, nil
		}
	}
	return File{}, fmt.Errorf("%w: %q", ErrNotFound, name)
}

// Data returns the stored bytes of f (a copy; compressed files are
// returned as stored).
func (c *CBFS) Data(f File) []byte {
	start := uint64(f.Offset) + uint64(f.DataOffset)
	return append([]byte(nil), c.buf[start:start+uint64(f.Len)]...)
}

// Extract returns the content of the named file. Compressed files are
// refused with ErrCompressed (use Data to get the stored bytes).
func (c *CBFS) Extract(name string) ([]byte, error) {
	f, err := c.File(name)
	if err != nil {
		return nil, err
	}
	if f.Compression != CompressNone {
		return nil, fmt.Errorf("%w: %q uses %s", ErrCompressed, name, CompressionName(f.Compression))
	}
	return c.Data(f), nil
}

// HeaderSize is the metadata size cbfstool uses for a file named name
// without attributes.
func HeaderSize(name string) int {
	return fileHeaderSize + int(alignUp(uint64(len(name)+1), 4))
}

func checkName(name string) error {
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// run is a stretch of consecutive empty entries [start, end).
type run struct{ start, end uint64 }

// emptyRuns returns the runs of consecutive empty entries, each ending
// where the next non-empty entry starts (clamped to the region).
func (c *CBFS) emptyRuns() []run {
	var runs []run
	n := uint64(len(c.buf))
	for i := 0; i < len(c.files); i++ {
		if !c.files[i].Empty() {
			continue
		}
		r := run{start: uint64(c.files[i].Offset)}
		for i+1 < len(c.files) && c.files[i+1].Empty() {
			i++
		}
		r.end = min(c.files[i].next(), n)
		runs = append(runs, r)
	}
	return runs
}

// writeEmpty writes an empty entry with data length l at addr, as
// cbfstool's cbfs_create_empty_entry does (data filled with 0xff).
func (c *CBFS) writeEmpty(addr, l uint64) {
	e := c.buf[addr:]
	copy(e, Magic)
	be := binary.BigEndian
	be.PutUint32(e[8:], uint32(l))
	be.PutUint32(e[12:], uint32(TypeNull))
	be.PutUint32(e[16:], 0)
	be.PutUint32(e[20:], emptyHeaderSize)
	clear(e[fileHeaderSize:emptyHeaderSize])
	d := e[emptyHeaderSize : emptyHeaderSize+l]
	for i := range d {
		d[i] = fill
	}
}

// merge rewrites every run of empty entries as one empty entry.
func (c *CBFS) merge() {
	for _, r := range c.emptyRuns() {
		if r.end-r.start < emptyHeaderSize {
			continue
		}
		c.writeEmpty(r.start, r.end-r.start-emptyHeaderSize)
	}
}

// Add stores data as a new file of type typ, uncompressed and without
// attributes, exactly where and how cbfstool add would. It refuses
// duplicate names and components that do not fit (ErrNoSpace, saying by
// how many bytes). On error the region is unchanged.
func (c *CBFS) Add(name string, typ FileType, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if typ == TypeNull || typ == TypeDeleted {
		return fmt.Errorf("%w: cannot add a file of type %s", ErrUnknownType, typ)
	}
	if _, err := c.File(name); err == nil {
		return fmt.Errorf("%w: %q", ErrExists, name)
	}
	hsize := uint64(HeaderSize(name))
	need := hsize + uint64(len(data))
	if need > 0xffffffff {
		return fmt.Errorf("%w: %q is %d bytes, over the 4 GiB CBFS limit", ErrNoSpace, name, len(data))
	}
	var best uint64
	var slot *run
	runs := c.emptyRuns()
	for i := range runs {
		space := runs[i].end - runs[i].start
		if need <= space {
			slot = &runs[i]
			break
		}
		best = max(best, space)
	}
	if slot == nil {
		return fmt.Errorf("%w: %q needs %d bytes (%d header + %d data), largest free space in the %d-byte CBFS is %d bytes: over by %d bytes",
			ErrNoSpace, name, need, hsize, len(data), len(c.buf), best, need-best)
	}
	c.merge()

	e := c.buf[slot.start:]
	for i := range e[:fileHeaderSize] {
		e[i] = fill
	}
	copy(e, Magic)
	be := binary.BigEndian
	be.PutUint32(e[8:], uint32(len(data)))
	be.PutUint32(e[12:], uint32(typ))
	be.PutUint32(e[16:], 0)
	be.PutUint32(e[20:], uint32(hsize))
	clear(e[fileHeaderSize:hsize])
	copy(e[fileHeaderSize:], name)
	copy(e[hsize:], data)

	next := alignUp(slot.start+need, Align)
	if next < slot.end && slot.end-next >= emptyHeaderSize {
		l := slot.end - next - emptyHeaderSize
		// cbfstool keeps the last 4 bytes of the region free for the x86
		// master-header pointer.
		if next+emptyHeaderSize+l > uint64(len(c.buf))-4 && l >= 4 {
			l -= 4
		}
		c.writeEmpty(next, l)
	}
	return c.parse()
}

// Remove deletes the named file, turning it into free space and merging
// it with neighbouring free space as cbfstool remove does.
func (c *CBFS) Remove(name string) error {
	f, err := c.File(name)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(c.buf[f.Offset+12:], uint32(TypeDeleted))
	for i := range c.files {
		if c.files[i].Offset == f.Offset {
			c.files[i].Type = TypeDeleted
		}
	}
	c.merge()
	return c.parse()
}

// FreeSpace returns the size of the largest run of free space, the
// biggest header+data that Add can still store.
func (c *CBFS) FreeSpace() uint64 {
	var best uint64
	for _, r := range c.emptyRuns() {
		best = max(best, r.end-r.start)
	}
	return best
}
