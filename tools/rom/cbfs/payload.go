package cbfs

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Payload segment types (ASCII tags, as cbfstool writes them).
const (
	SegCode   uint32 = 0x434f4445 // "CODE"
	SegData   uint32 = 0x44415441 // "DATA"
	SegBSS    uint32 = 0x42535320 // "BSS "
	SegParams uint32 = 0x50415241 // "PARA"
	SegEntry  uint32 = 0x454e5452 // "ENTR"
)

// SegmentSize is the size of one serialized payload segment header.
const SegmentSize = 28

// Segment is one entry of a SELF payload's segment table.
type Segment struct {
	Type        uint32
	Compression uint32
	Offset      uint32 // from the start of the payload data
	LoadAddr    uint64
	Len         uint32 // stored length
	MemLen      uint32
}

// TypeName renders the segment type the way cbfstool print -v does.
func (s Segment) TypeName() string {
	switch s.Type {
	case SegCode:
		return "code"
	case SegData:
		return "data"
	case SegBSS:
		return "BSS"
	case SegParams:
		return "parameters"
	case SegEntry:
		return "entry"
	}
	return fmt.Sprintf("0x%x", s.Type)
}

// ParsePayload reads the segment table of a SELF payload up to and
// including the entry segment, checking that each segment's data lies
// inside the payload.
func ParsePayload(data []byte) ([]Segment, error) {
	be := binary.BigEndian
	var segs []Segment
	for off := 0; ; off += SegmentSize {
		if off+SegmentSize > len(data) {
			return nil, fmt.Errorf("%w: segment table truncated at payload offset %#x (no entry segment)", ErrTruncated, off)
		}
		p := data[off:]
		s := Segment{
			Type:        be.Uint32(p),
			Compression: be.Uint32(p[4:]),
			Offset:      be.Uint32(p[8:]),
			LoadAddr:    be.Uint64(p[12:]),
			Len:         be.Uint32(p[20:]),
			MemLen:      be.Uint32(p[24:]),
		}
		segs = append(segs, s)
		switch s.Type {
		case SegEntry:
			return segs, nil
		case SegCode, SegData:
			if end := uint64(s.Offset) + uint64(s.Len); end > uint64(len(data)) {
				return nil, fmt.Errorf("%w: segment %d at payload offset %#x: data [%#x,%#x) past payload end %#x", ErrCorrupt, len(segs)-1, off, s.Offset, end, len(data))
			}
		}
	}
}

func marshalSegments(segs []Segment) []byte {
	be := binary.BigEndian
	b := make([]byte, len(segs)*SegmentSize)
	for i, s := range segs {
		p := b[i*SegmentSize:]
		be.PutUint32(p, s.Type)
		be.PutUint32(p[4:], s.Compression)
		be.PutUint32(p[8:], s.Offset)
		be.PutUint64(p[12:], s.LoadAddr)
		be.PutUint32(p[20:], s.Len)
		be.PutUint32(p[24:], s.MemLen)
	}
	return b
}

// Fixed addresses used by cbfstool's Linux trampoline.
const (
	TrampolineEntry = 0x40000
	LinuxParamLoc   = 0x90000
	CommandLineLoc  = 0x91000
	// linuxParamsSize is sizeof(struct linux_params) in cbfstool 25.09:
	// the 4 KiB zero page (the struct is packed).
	linuxParamsSize = 0x1000
	// linuxParamsSize415 is its size in cbfstool 4.15: the zero page plus
	// 0x80 bytes of padding from the then unpacked e820 table.
	linuxParamsSize415 = 0x1080
	linuxHeaderEnd     = 0x264
)

// Compat selects which cbfstool's add-payload output BuildLinuxPayload
// reproduces byte for byte. The zero value is the pinned build root's.
type Compat int

const (
	// Compat2509 is coreboot-utils 25.09 (Debian forky, the pinned build
	// root): a 0x1000-byte parameter block with the boot protocol
	// version copied to offset 0x206, and an empty kernel is an error.
	Compat2509 Compat = iota
	// Compat415 is coreboot-utils 4.15 (Debian 12): a 0x1080-byte
	// parameter block (struct linux_params was not packed, so its e820
	// table added 0x80 bytes of padding), no protocol version at 0x206,
	// and an empty kernel segment is silently left out.
	Compat415
)

func (c Compat) String() string {
	switch c {
	case Compat2509:
		return "25.09"
	case Compat415:
		return "4.15"
	}
	return fmt.Sprintf("Compat(%d)", int(c))
}

// ParseCompat maps a coreboot-utils version ("25.09", "4.15", or a
// Debian package version such as "25.09+dfsg-1") to the Compat whose
// add-payload layout it writes. Versions before 25.09 map to Compat415;
// only 4.15 and 25.09 themselves are verified against cbfstool.
func ParseCompat(version string) (Compat, error) {
	v := version
	if i := strings.IndexByte(v, ':'); i >= 0 { // Debian epoch
		v = v[i+1:]
	}
	if i := strings.IndexAny(v, "+-~ "); i >= 0 {
		v = v[:i]
	}
	majS, minS, _ := strings.Cut(v, ".")
	maj, err1 := strconv.Atoi(majS)
	min, err2 := strconv.Atoi(minS)
	if err1 != nil || err2 != nil || maj < 0 || min < 0 {
		return 0, fmt.Errorf("cbfs: unrecognised coreboot-utils version %q", version)
	}
	if maj > 25 || maj == 25 && min >= 9 {
		return Compat2509, nil
	}
	return Compat415, nil
}

// LinuxPayload is the input of cbfstool add-payload for a bzImage.
type LinuxPayload struct {
	// Kernel is the bzImage.
	Kernel []byte
	// Initrd is the initramfs; HasInitrd says whether one was given (an
	// empty file still takes a segment slot, as in cbfstool).
	Initrd    []byte
	HasInitrd bool
	// Cmdline is the kernel command line; HasCmdline says whether one was
	// given (an empty command line is stored as a single NUL).
	Cmdline    string
	HasCmdline bool
	// Trampoline is the 32-bit stub cbfstool links in (linux_trampoline),
	// the code segment loaded at TrampolineEntry. It is coreboot code and
	// is not shipped here; take it from a payload cbfstool built (segment
	// 2, see ParsePayload) or from a coreboot build.
	Trampoline []byte
	// Compat selects the cbfstool version whose output is reproduced;
	// the zero value is Compat2509.
	Compat Compat
}

// alignUpC mimics coreboot's ALIGN_UP(x, a) = (x + (a-1)) & ~(a-1) with
// the mask computed as (typeof(x))(a) - 1UL, including its behaviour for
// a zero or non-power-of-two alignment.
func alignUpC(x, mask uint64) uint64 { return (x + mask) &^ mask }

// BuildLinuxPayload builds the uncompressed SELF payload that
// `cbfstool add-payload -f bzImage [-I initrd] [-C cmdline] -c none`
// stores: segments parameters (zero page at LinuxParamLoc), kernel,
// trampoline, optional command line, optional initrd and the entry.
// p.Compat selects which cbfstool's layout is reproduced.
func BuildLinuxPayload(p LinuxPayload) ([]byte, error) {
	k := p.Kernel
	if len(k) < linuxHeaderEnd {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the %d-byte setup header", ErrBadKernel, len(k), linuxHeaderEnd)
	}
	if string(k[0x202:0x206]) != "HdrS" {
		return nil, fmt.Errorf("%w: no HdrS signature at 0x202", ErrBadKernel)
	}
	if len(p.Trampoline) == 0 {
		return nil, ErrNoTrampoline
	}
	le := binary.LittleEndian
	setupSects := k[0x1f1]
	rootFlags := le.Uint16(k[0x1f2:])
	rootDev := le.Uint16(k[0x1fc:])
	version := le.Uint16(k[0x206:])
	loadflags := k[0x211]
	kernelAlignment := le.Uint32(k[0x230:])
	relocatable := k[0x234]
	prefAddress := le.Uint64(k[0x258:])
	initSize := le.Uint32(k[0x260:])

	setupSize := 4 * 512
	if setupSects != 0 {
		setupSize = (int(setupSects) + 1) * 512
	}
	if len(k) < setupSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than its %d-byte setup code", ErrBadKernel, len(k), setupSize)
	}
	kernel := k[setupSize:]

	var paramsSize int
	switch p.Compat {
	case Compat2509:
		paramsSize = linuxParamsSize
		if len(kernel) == 0 {
			// 25.09's bzp_output_segment refuses an empty buffer.
			return nil, fmt.Errorf("%w: no protected-mode code after the %d-byte setup", ErrBadKernel, setupSize)
		}
	case Compat415:
		paramsSize = linuxParamsSize415
	default:
		return nil, fmt.Errorf("cbfs: unknown %v", p.Compat)
	}
	params := make([]byte, paramsSize)
	le.PutUint16(params[0x1f2:], rootFlags)
	le.PutUint16(params[0x1fc:], rootDev)
	le.PutUint32(params[0x260:], initSize)
	params[0x06] = 3  // orig_video_mode
	params[0x07] = 80 // orig_video_cols
	params[0x0e] = 25 // orig_video_lines
	params[0x0f] = 1  // orig_video_isVGA
	le.PutUint16(params[0x10:], 16)
	params[0x210] = 0xff // loader_type: unregistered
	if p.HasCmdline {
		if version < 0x202 {
			le.PutUint16(params[0x20:], 0xa33f)
			le.PutUint16(params[0x22:], CommandLineLoc-LinuxParamLoc)
		} else {
			le.PutUint32(params[0x228:], CommandLineLoc)
		}
	}
	kernelBase := uint64(0x100000)
	if version < 0x200 || loadflags&1 == 0 {
		kernelBase = 0x1000 // zImage
	}
	if version >= 0x20a && prefAddress>>32 == 0 {
		kernelBase = prefAddress
	}
	if version >= 0x205 {
		params[0x234] = relocatable
		le.PutUint32(params[0x230:], kernelAlignment)
		if relocatable != 0 {
			kernelBase = alignUpC(16<<20, uint64(int64(int32(kernelAlignment)))-1)
			if initSize == 0 {
				return nil, fmt.Errorf("%w: init_size is 0 for a relocatable kernel", ErrBadKernel)
			}
		}
	}
	le.PutUint32(params[0x214:], uint32(kernelBase))
	if p.Compat == Compat2509 {
		le.PutUint16(params[0x206:], version) // param_block_version
	}

	// Without HasInitrd there is no initrd (and no slot for one), whatever
	// p.Initrd holds.
	var initrd []byte
	if p.HasInitrd {
		initrd = p.Initrd
	}
	initrdBase := uint32(64 << 20)
	if len(initrd) != 0 {
		initrdBase = uint32(alignUpC(kernelBase+uint64(len(kernel)), 64<<20-1))
		le.PutUint32(params[0x218:], initrdBase)
		le.PutUint32(params[0x21c:], uint32(len(initrd)))
	}

	var cmdline []byte
	if p.HasCmdline {
		cmdline = append([]byte(p.Cmdline), 0)
	}

	// Slots: parameters, kernel, trampoline, entry, plus initrd and
	// command line when given; empty buffers keep their (zeroed) slot.
	n := 4
	if p.HasInitrd {
		n++
	}
	if p.HasCmdline {
		n++
	}
	segs := make([]Segment, n)
	out := make([]byte, n*SegmentSize)
	i := 0
	// emit mirrors bzp_output_segment: empty buffers are skipped (4.15;
	// 25.09 skips an empty initrd before the call and refuses an empty
	// kernel above), the entry segment (hasData false) has no data.
	emit := func(b []byte, hasData bool, typ uint32, load uint64) {
		if hasData && len(b) == 0 {
			return
		}
		s := Segment{Type: typ, LoadAddr: load}
		if hasData {
			s.Offset = uint32(len(out))
			s.Len = uint32(len(b))
			s.MemLen = uint32(len(b))
			out = append(out, b...)
		}
		segs[i] = s
		i++
	}
	emit(params, true, SegData, LinuxParamLoc)
	emit(kernel, true, SegCode, kernelBase)
	emit(p.Trampoline, true, SegCode, TrampolineEntry)
	emit(cmdline, true, SegData, CommandLineLoc)
	emit(initrd, true, SegData, uint64(initrdBase))
	emit(nil, false, SegEntry, TrampolineEntry)
	if uint64(len(out)) > 0xffffffff {
		return nil, fmt.Errorf("%w: payload is %d bytes", ErrNoSpace, len(out))
	}
	copy(out, marshalSegments(segs))
	return out, nil
}

// AddLinuxPayload builds a Linux payload (see BuildLinuxPayload) and adds
// it as a SELF file named name.
func (c *CBFS) AddLinuxPayload(name string, p LinuxPayload) error {
	data, err := BuildLinuxPayload(p)
	if err != nil {
		return err
	}
	return c.Add(name, TypeSELF, data)
}

// Segments returns the segment table of the named SELF payload.
func (c *CBFS) Segments(name string) ([]Segment, error) {
	f, err := c.File(name)
	if err != nil {
		return nil, err
	}
	if f.Type != TypeSELF {
		return nil, fmt.Errorf("%w: %q is %s", ErrNotPayload, name, f.Type)
	}
	return ParsePayload(c.Data(f))
}

// SegmentData returns the stored bytes of segment i of the named payload.
func (c *CBFS) SegmentData(name string, i int) ([]byte, error) {
	segs, err := c.Segments(name)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(segs) || (segs[i].Type != SegCode && segs[i].Type != SegData) {
		return nil, fmt.Errorf("%w: %q has no code/data segment %d (%d segments)", ErrNotFound, name, i, len(segs))
	}
	f, _ := c.File(name)
	d := c.Data(f)
	return d[segs[i].Offset : segs[i].Offset+segs[i].Len], nil
}
