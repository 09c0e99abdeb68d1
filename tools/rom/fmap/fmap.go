// Package fmap reads and writes flashmap (FMAP) tables, the "__FMAP__"
// structure that coreboot's fmaptool produces and cbfstool reads to find
// named regions (COREBOOT, BIOS, FMAP, ...) inside a firmware image.
//
// Layout (all little-endian, version 1.x):
//
//	header: signature[8] "__FMAP__", ver_major u8, ver_minor u8,
//	        base u64, size u32, name[32], nareas u16   (56 bytes)
//	area:   offset u32, size u32, name[32], flags u16  (42 bytes each)
//
// Parse validates the table (version, truncation, NUL-terminated names,
// areas inside the flash, no partially overlapping areas); nesting and
// aliases (identical offset and size) are allowed, as fmaptool emits both.
package fmap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Signature is the magic that starts an FMAP.
const Signature = "__FMAP__"

const (
	headerSize = 56
	areaSize   = 42
	nameLen    = 32
)

// Area flags as defined by flashmap.
const (
	FlagStatic     = 1 << 0
	FlagCompressed = 1 << 1
	FlagRO         = 1 << 2
	FlagPreserve   = 1 << 3
)

// Sentinel errors; returned errors wrap them and add detail.
var (
	ErrNotFound      = errors.New("fmap: no __FMAP__ signature found")
	ErrTruncated     = errors.New("fmap: truncated")
	ErrCorrupt       = errors.New("fmap: corrupt")
	ErrOverlap       = errors.New("fmap: overlapping regions")
	ErrUnknownRegion = errors.New("fmap: unknown region")
)

// Area is one named region.
type Area struct {
	Name   string
	Offset uint32
	Size   uint32
	Flags  uint16
}

// End returns the first offset after the area.
func (a Area) End() uint64 { return uint64(a.Offset) + uint64(a.Size) }

// FlagString renders flags the way flashmap tools do ("static,ro", or "").
func (a Area) FlagString() string {
	var s []string
	for _, f := range []struct {
		bit  uint16
		name string
	}{{FlagStatic, "static"}, {FlagCompressed, "compressed"}, {FlagRO, "ro"}, {FlagPreserve, "preserve"}} {
		if a.Flags&f.bit != 0 {
			s = append(s, f.name)
		}
	}
	return strings.Join(s, ",")
}

// FMAP is a parsed flashmap.
type FMAP struct {
	// Offset is where the FMAP structure was found in the image.
	Offset   int
	VerMajor uint8
	VerMinor uint8
	Base     uint64
	Size     uint32
	Name     string
	Areas    []Area
}

// Find locates and parses the first valid FMAP in image. If the signature
// occurs but no occurrence parses, the error of the first occurrence is
// returned.
func Find(image []byte) (*FMAP, error) {
	var firstErr error
	for off := 0; ; {
		i := bytes.Index(image[off:], []byte(Signature))
		if i < 0 {
			break
		}
		f, err := Parse(image[off+i:])
		if err == nil {
			f.Offset = off + i
			if uint64(f.Size) > uint64(len(image)) {
				err = fmt.Errorf("%w: at offset %#x: FMAP size %#x exceeds image size %#x", ErrCorrupt, off+i, f.Size, len(image))
			} else {
				return f, nil
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("at offset %#x: %w", off+i, err)
		}
		off += i + 1
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, ErrNotFound
}

func cstring(b []byte) (string, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return string(b), false
	}
	return string(b[:i]), true
}

// Parse parses an FMAP that starts at b[0].
func Parse(b []byte) (*FMAP, error) {
	if len(b) < headerSize {
		return nil, fmt.Errorf("%w: header needs %d bytes, have %d", ErrTruncated, headerSize, len(b))
	}
	if string(b[:8]) != Signature {
		return nil, ErrNotFound
	}
	le := binary.LittleEndian
	f := &FMAP{
		VerMajor: b[8],
		VerMinor: b[9],
		Base:     le.Uint64(b[10:]),
		Size:     le.Uint32(b[18:]),
	}
	if f.VerMajor != 1 {
		return nil, fmt.Errorf("%w: unsupported version %d.%d", ErrCorrupt, f.VerMajor, f.VerMinor)
	}
	name, ok := cstring(b[22 : 22+nameLen])
	if !ok {
		return nil, fmt.Errorf("%w: FMAP name is not NUL-terminated", ErrCorrupt)
	}
	f.Name = name
	n := int(le.Uint16(b[54:]))
	if need := headerSize + n*areaSize; len(b) < need {
		return nil, fmt.Errorf("%w: %d areas need %d bytes, have %d", ErrTruncated, n, need, len(b))
	}
	for i := 0; i < n; i++ {
		p := b[headerSize+i*areaSize:]
		a := Area{Offset: le.Uint32(p), Size: le.Uint32(p[4:]), Flags: le.Uint16(p[40:])}
		a.Name, ok = cstring(p[8 : 8+nameLen])
		if !ok {
			return nil, fmt.Errorf("%w: area %d name is not NUL-terminated", ErrCorrupt, i)
		}
		if a.Name == "" {
			return nil, fmt.Errorf("%w: area %d has an empty name", ErrCorrupt, i)
		}
		if a.End() > uint64(f.Size) {
			return nil, fmt.Errorf("%w: area %q [%#x+%#x] extends past the flash size %#x", ErrCorrupt, a.Name, a.Offset, a.Size, f.Size)
		}
		f.Areas = append(f.Areas, a)
	}
	if err := checkOverlap(f.Areas); err != nil {
		return nil, err
	}
	return f, nil
}

// checkOverlap refuses areas that partially overlap: each pair must be
// disjoint, nested, or identical.
func checkOverlap(areas []Area) error {
	s := append([]Area(nil), areas...)
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Offset != s[j].Offset {
			return s[i].Offset < s[j].Offset
		}
		return s[i].Size > s[j].Size
	})
	// Stack of enclosing areas; with sorted starts, a new area must either
	// nest inside the innermost open area or start after it ends.
	var stack []Area
	for _, a := range s {
		for len(stack) > 0 && stack[len(stack)-1].End() <= uint64(a.Offset) {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if a.End() > top.End() {
				return fmt.Errorf("%w: %q [%#x-%#x) and %q [%#x-%#x)", ErrOverlap,
					top.Name, top.Offset, top.End(), a.Name, a.Offset, a.End())
			}
		}
		stack = append(stack, a)
	}
	return nil
}

// Area returns the area with the given name, or an error wrapping
// ErrUnknownRegion that lists the known names.
func (f *FMAP) Area(name string) (Area, error) {
	for _, a := range f.Areas {
		if a.Name == name {
			return a, nil
		}
	}
	return Area{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownRegion, name, strings.Join(f.Names(), ", "))
}

// Names lists the area names in table order.
func (f *FMAP) Names() []string {
	var n []string
	for _, a := range f.Areas {
		n = append(n, a.Name)
	}
	return n
}

// Region returns the bytes of the named area inside image (a slice of
// image, so writes go to image).
func (f *FMAP) Region(image []byte, name string) ([]byte, Area, error) {
	a, err := f.Area(name)
	if err != nil {
		return nil, a, err
	}
	if a.End() > uint64(len(image)) {
		return nil, a, fmt.Errorf("%w: area %q [%#x+%#x] extends past the image size %#x", ErrCorrupt, a.Name, a.Offset, a.Size, len(image))
	}
	return image[a.Offset:a.End():a.End()], a, nil
}

// Marshal encodes f in the on-flash format. Names longer than 31 bytes
// are an error.
func (f *FMAP) Marshal() ([]byte, error) {
	if len(f.Areas) > 0xffff {
		return nil, fmt.Errorf("fmap: too many areas (%d)", len(f.Areas))
	}
	b := make([]byte, headerSize+len(f.Areas)*areaSize)
	le := binary.LittleEndian
	copy(b, Signature)
	b[8], b[9] = f.VerMajor, f.VerMinor
	le.PutUint64(b[10:], f.Base)
	le.PutUint32(b[18:], f.Size)
	if len(f.Name) >= nameLen {
		return nil, fmt.Errorf("fmap: name %q longer than %d bytes", f.Name, nameLen-1)
	}
	copy(b[22:], f.Name)
	le.PutUint16(b[54:], uint16(len(f.Areas)))
	for i, a := range f.Areas {
		p := b[headerSize+i*areaSize:]
		le.PutUint32(p, a.Offset)
		le.PutUint32(p[4:], a.Size)
		if len(a.Name) >= nameLen {
			return nil, fmt.Errorf("fmap: area name %q longer than %d bytes", a.Name, nameLen-1)
		}
		copy(p[8:], a.Name)
		le.PutUint16(p[40:], a.Flags)
	}
	return b, nil
}
