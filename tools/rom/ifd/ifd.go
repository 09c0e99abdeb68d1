// Package ifd reads the Intel flash descriptor (IFD) at the start of an
// Intel SPI flash image and replaces whole regions (ME, GbE, the
// descriptor itself) from files, as ifdtool -i does.
//
// The descriptor starts with the signature 0x0FF0A55A at offset 0x10.
// FLMAP0 (the next dword) gives FRBA, the region section base, in bits
// 16-23 (shifted left by 4); each FLREG dword there holds a region's base
// (bits 0-14) and limit (bits 16-30) in 4 KiB units. A region whose base
// is above its limit is unused.
package ifd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; returned errors wrap them and add detail.
var (
	ErrNoDescriptor  = errors.New("ifd: no flash descriptor signature")
	ErrCorrupt       = errors.New("ifd: corrupt descriptor")
	ErrUnknownRegion = errors.New("ifd: unknown region")
	ErrUnused        = errors.New("ifd: region unused")
	ErrTooBig        = errors.New("ifd: file larger than region")
)

// Signature is the flash valid signature (FLVALSIG).
const Signature = 0x0ff0a55a

const (
	sigOffset = 0x10
	// DescriptorSize is the size of the descriptor region on every
	// platform ifdtool supports.
	DescriptorSize = 0x1000
	maxRegions     = 16
)

// Region indices (FLREG numbers).
const (
	RegionDescriptor = 0
	RegionBIOS       = 1
	RegionME         = 2
	RegionGbE        = 3
	RegionPD         = 4
)

// regionNames are ifdtool's names (short name used by -i and -x files).
var regionNames = [maxRegions]struct{ long, short string }{
	{"Flash Descriptor", "fd"}, {"BIOS", "bios"}, {"Intel ME", "me"}, {"GbE", "gbe"},
	{"Platform Data", "pd"}, {"Device Exp1", "res1"}, {"Secondary BIOS", "res2"},
	{"Reserved", "res3"}, {"EC", "ec"}, {"Device Exp2", "res4"}, {"Innovation Engine", "ie"},
	{"10GbE_0", "10gbe0"}, {"10GbE_1", "10gbe1"}, {"Reserved", "res5"}, {"Reserved", "res6"},
	{"PTT", "ptt"},
}

// injectNames are the region names ifdtool -i accepts.
var injectNames = []string{"Descriptor", "BIOS", "ME", "GbE", "Platform"}

// Region is one FLREG entry.
type Region struct {
	Index int
	Name  string // ifdtool's long name ("Intel ME")
	Short string // ifdtool's short name ("me")
	Raw   uint32 // the FLREG dword
	Base  uint32
	Limit uint32 // last byte, inclusive
}

// Used reports whether the region is in use (base not above limit).
func (r Region) Used() bool { return r.Base <= r.Limit }

// Size is the region size in bytes (0 if unused).
func (r Region) Size() uint32 {
	if !r.Used() {
		return 0
	}
	return r.Limit - r.Base + 1
}

// Descriptor is a parsed flash descriptor.
type Descriptor struct {
	FLMAP0  uint32
	FRBA    uint32 // region section base
	FCBA    uint32 // component section base
	Version int    // 1 (up to Ivy Bridge, 5 regions) or 2
	Regions []Region
}

// decodeRegion decodes FLREG i; IFDv1 uses 12-bit fields, v2 15-bit,
// like ifdtool.
func decodeRegion(version, i int, raw uint32) Region {
	mask := uint32(0x7fff)
	if version == 1 {
		mask = 0xfff
	}
	return Region{
		Index: i, Name: regionNames[i].long, Short: regionNames[i].short, Raw: raw,
		Base:  (raw & mask) << 12,
		Limit: ((raw>>16)&mask)<<12 | 0xfff,
	}
}

// Parse parses the descriptor at the start of image. Used regions must
// lie inside image and must not overlap.
func Parse(image []byte) (*Descriptor, error) {
	le := binary.LittleEndian
	if len(image) < DescriptorSize {
		return nil, fmt.Errorf("%w: image is %d bytes, a descriptor needs %d", ErrNoDescriptor, len(image), DescriptorSize)
	}
	if le.Uint32(image[sigOffset:]) != Signature {
		return nil, fmt.Errorf("%w: %#08x at offset %#x", ErrNoDescriptor, le.Uint32(image[sigOffset:]), sigOffset)
	}
	d := &Descriptor{FLMAP0: le.Uint32(image[sigOffset+4:])}
	d.FCBA = (d.FLMAP0 & 0xff) << 4
	d.FRBA = ((d.FLMAP0 >> 16) & 0xff) << 4
	// ifdtool tells IFDv1 from v2 by the SPI read frequency in FLCOMP:
	// 20 MHz (0) on v1 chipsets.
	if d.FCBA+4 > DescriptorSize {
		return nil, fmt.Errorf("%w: FCBA %#x outside the descriptor", ErrCorrupt, d.FCBA)
	}
	n := maxRegions
	d.Version = 2
	if (le.Uint32(image[d.FCBA:])>>17)&7 == 0 {
		d.Version, n = 1, 5
	}
	if d.FRBA == 0 || d.FRBA+uint32(n)*4 > DescriptorSize {
		return nil, fmt.Errorf("%w: FRBA %#x: %d region entries do not fit in the descriptor", ErrCorrupt, d.FRBA, n)
	}
	for i := 0; i < n; i++ {
		r := decodeRegion(d.Version, i, le.Uint32(image[d.FRBA+uint32(i)*4:]))
		if i >= 5 && r.Raw == 0xffffffff {
			// Erased entry past the IFDv1 table: treat as unused.
			r.Base, r.Limit = 0x7fff000, 0xfff
		}
		if r.Used() && uint64(r.Limit) >= uint64(len(image)) {
			return nil, fmt.Errorf("%w: region %d (%s) [%#x-%#x] extends past the %#x-byte image", ErrCorrupt, i, r.Name, r.Base, r.Limit, len(image))
		}
		d.Regions = append(d.Regions, r)
	}
	for i, a := range d.Regions {
		for _, b := range d.Regions[:i] {
			if a.Used() && b.Used() && a.Base <= b.Limit && b.Base <= a.Limit {
				return nil, fmt.Errorf("%w: region %d (%s) [%#x-%#x] overlaps region %d (%s) [%#x-%#x]", ErrCorrupt,
					b.Index, b.Name, b.Base, b.Limit, a.Index, a.Name, a.Base, a.Limit)
			}
		}
	}
	if r := d.Regions[RegionDescriptor]; !r.Used() || r.Base != 0 {
		return nil, fmt.Errorf("%w: descriptor region [%#x-%#x] does not start at 0", ErrCorrupt, r.Base, r.Limit)
	}
	return d, nil
}

// Lookup finds a region by name, case-insensitively: ifdtool's -i names
// (Descriptor, BIOS, ME, GbE, Platform), its -x file names (fd, me, gbe,
// pd, ...) or its long names ("Intel ME").
func (d *Descriptor) Lookup(name string) (Region, error) {
	for _, r := range d.Regions {
		if strings.EqualFold(name, r.Short) || strings.EqualFold(name, r.Name) ||
			(r.Index < len(injectNames) && strings.EqualFold(name, injectNames[r.Index])) {
			if !r.Used() {
				return r, fmt.Errorf("%w: %s", ErrUnused, r.Name)
			}
			return r, nil
		}
	}
	var known []string
	for _, r := range d.Regions {
		if r.Used() {
			known = append(known, r.Short)
		}
	}
	return Region{}, fmt.Errorf("%w %q (used regions: %s)", ErrUnknownRegion, name, strings.Join(known, ", "))
}

// Replace writes data over region r of image, padding with 0xff. A file
// bigger than the region is refused with the number of bytes over. When
// the descriptor itself is replaced, the result must still parse.
func Replace(image []byte, r Region, data []byte) error {
	if !r.Used() {
		return fmt.Errorf("%w: %s", ErrUnused, r.Name)
	}
	if r.Index == RegionBIOS {
		// ifdtool -i aligns a short BIOS image to the top of the region;
		// BIOS content is edited through FMAP/CBFS instead.
		return fmt.Errorf("%w: the BIOS region is not replaced here", ErrUnknownRegion)
	}
	if uint64(r.Limit) >= uint64(len(image)) {
		return fmt.Errorf("%w: region %s [%#x-%#x] extends past the %#x-byte image", ErrCorrupt, r.Name, r.Base, r.Limit, len(image))
	}
	size := r.Size()
	if uint64(len(data)) > uint64(size) {
		return fmt.Errorf("%w: %d-byte file for the %d-byte %s region is over by %d bytes", ErrTooBig, len(data), size, r.Name, uint64(len(data))-uint64(size))
	}
	dst := image[r.Base : uint64(r.Limit)+1]
	if r.Index == RegionDescriptor {
		probe := append([]byte(nil), image...)
		fillRegion(probe[r.Base:uint64(r.Limit)+1], data)
		if _, err := Parse(probe); err != nil {
			return fmt.Errorf("new descriptor: %w", err)
		}
	}
	fillRegion(dst, data)
	return nil
}

func fillRegion(dst, data []byte) {
	n := copy(dst, data)
	for i := n; i < len(dst); i++ {
		dst[i] = 0xff
	}
}

// PutRegion encodes base/limit into FLREG i of image (base and limit+1
// must be 4 KiB aligned; base > limit marks it unused).
func PutRegion(image []byte, d *Descriptor, i int, base, limit uint32) error {
	if i < 0 || i >= len(d.Regions) {
		return fmt.Errorf("%w: index %d", ErrUnknownRegion, i)
	}
	mask := uint32(0x7fff)
	if d.Version == 1 {
		mask = 0xfff
	}
	raw := (base>>12)&mask | ((limit>>12)&mask)<<16
	binary.LittleEndian.PutUint32(image[d.FRBA+uint32(i)*4:], raw)
	d.Regions[i] = decodeRegion(d.Version, i, raw)
	return nil
}
