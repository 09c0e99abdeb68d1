package initrd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// File type bits of Entry.Mode (the st_mode values newc carries).
const (
	TypeMask    = 0o170000
	TypeSocket  = 0o140000
	TypeSymlink = 0o120000
	TypeRegular = 0o100000
	TypeBlock   = 0o060000
	TypeDir     = 0o040000
	TypeChar    = 0o020000
	TypeFIFO    = 0o010000
)

// TrailerName is the name of the record that ends a newc archive.
const TrailerName = "TRAILER!!!"

const (
	headerLen    = 110
	magicNewc    = "070701"
	magicNewcCRC = "070702"
	// maxMember bounds a single member's name and body so that a corrupt
	// header cannot make the reader allocate gigabytes.
	maxName = 1 << 16
	maxBody = 1 << 31
)

// Entry is one newc member. Data holds a regular file's contents or a
// symlink's target (without a trailing NUL). Fields other than Name, Mode,
// UID, GID, RDevMajor, RDevMinor and Data are informational: the writers
// derive ino, nlink, mtime and check themselves.
type Entry struct {
	Name                 string
	Ino                  uint32
	Mode                 uint32
	UID, GID             uint32
	NLink                uint32
	MTime                uint32
	DevMajor, DevMinor   uint32
	RDevMajor, RDevMinor uint32
	Check                uint32
	Data                 []byte

	// raw is the member exactly as read (header, name, padding, body,
	// padding); --heads-compat output patches it like cpio-clean does.
	raw []byte
}

// Type returns the file type bits of e.Mode.
func (e *Entry) Type() uint32 { return e.Mode & TypeMask }

// IsDir reports whether e is a directory.
func (e *Entry) IsDir() bool { return e.Type() == TypeDir }

func pad4(n int) int { return (4 - n%4) % 4 }

// header fields in on-disk order after the magic.
func (e *Entry) fields(size, namesize uint32) [13]uint32 {
	return [13]uint32{e.Ino, e.Mode, e.UID, e.GID, e.NLink, e.MTime, size,
		e.DevMajor, e.DevMinor, e.RDevMajor, e.RDevMinor, namesize, e.Check}
}

// appendMember appends a complete newc member (header, name, body and
// their 4-byte padding) using the given hex format ("%08X" or "%08x").
func appendMember(dst []byte, e *Entry, body []byte) []byte {
	f := e.fields(uint32(len(body)), uint32(len(e.Name)+1))
	dst = append(dst, magicNewc...)
	for _, v := range f {
		dst = appendHex8(dst, v)
	}
	dst = append(dst, e.Name...)
	dst = append(dst, 0)
	dst = append(dst, make([]byte, pad4(headerLen+len(e.Name)+1))...)
	dst = append(dst, body...)
	dst = append(dst, make([]byte, pad4(len(body)))...)
	return dst
}

const hexUpper = "0123456789ABCDEF"

func appendHex8(dst []byte, v uint32) []byte {
	for i := 28; i >= 0; i -= 4 {
		dst = append(dst, hexUpper[(v>>uint(i))&0xf])
	}
	return dst
}

// Reader reads members of one or more concatenated newc archives.
type Reader struct {
	r   *bufio.Reader
	off int64
	// Concatenated makes Next continue after a TRAILER!!! (skipping zero
	// padding) when another archive follows, like the kernel does.
	Concatenated bool
	done         bool
	afterTrailer bool
}

// NewReader returns a Reader that stops at the first TRAILER!!!.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

func (r *Reader) read(n int) ([]byte, error) {
	b := make([]byte, n)
	m, err := io.ReadFull(r.r, b)
	r.off += int64(m)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w at offset %d", ErrTruncated, r.off)
		}
		return nil, err
	}
	return b, nil
}

func parseHex8(b []byte) (uint32, bool) {
	v, err := strconv.ParseUint(string(b), 16, 32)
	return uint32(v), err == nil && len(b) == 8
}

// Next returns the next member. After the trailer it returns io.EOF. The
// trailer itself is returned as an Entry named TRAILER!!! only by NextRaw.
func (r *Reader) Next() (*Entry, error) {
	for {
		e, err := r.NextRaw()
		if err != nil {
			return nil, err
		}
		if e.Name != TrailerName {
			return e, nil
		}
	}
}

// NextRaw is like Next but also returns trailer records.
func (r *Reader) NextRaw() (*Entry, error) {
	if r.done {
		return nil, io.EOF
	}
	start := r.off
	if r.afterTrailer {
		// Skip zero padding between archives (the kernel skips NULs too).
		for {
			b, err := r.r.Peek(1)
			if err != nil {
				r.done = true
				return nil, io.EOF
			}
			if b[0] != 0 {
				break
			}
			r.r.Discard(1)
			r.off++
		}
		start = r.off
		r.afterTrailer = false
	}
	hdr, err := r.read(headerLen)
	if err != nil {
		return nil, err
	}
	if m := string(hdr[:6]); m != magicNewc && m != magicNewcCRC {
		return nil, fmt.Errorf("%w: offset %d: magic %q", ErrBadMagic, start, m)
	}
	var f [13]uint32
	for i := range f {
		v, ok := parseHex8(hdr[6+8*i : 14+8*i])
		if !ok {
			return nil, fmt.Errorf("%w: offset %d: field %d is %q", ErrBadHeader, start, i, hdr[6+8*i:14+8*i])
		}
		f[i] = v
	}
	size, namesize := f[6], f[11]
	if namesize < 1 || namesize > maxName {
		return nil, fmt.Errorf("%w: offset %d: name size %d", ErrBadHeader, start, namesize)
	}
	if size > maxBody {
		return nil, fmt.Errorf("%w: offset %d: file size %d", ErrBadHeader, start, size)
	}
	nameb, err := r.read(int(namesize) + pad4(headerLen+int(namesize)))
	if err != nil {
		return nil, err
	}
	if nameb[namesize-1] != 0 || bytes.IndexByte(nameb[:namesize-1], 0) >= 0 {
		return nil, fmt.Errorf("%w: offset %d: name is not NUL-terminated", ErrBadHeader, start)
	}
	body, err := r.read(int(size) + pad4(int(size)))
	if err != nil {
		return nil, err
	}
	e := &Entry{
		Name: string(nameb[:namesize-1]),
		Ino:  f[0], Mode: f[1], UID: f[2], GID: f[3], NLink: f[4], MTime: f[5],
		DevMajor: f[7], DevMinor: f[8], RDevMajor: f[9], RDevMinor: f[10], Check: f[12],
		Data: body[:size:size],
	}
	raw := make([]byte, 0, len(hdr)+len(nameb)+len(body))
	e.raw = append(append(append(raw, hdr...), nameb...), body...)
	if e.Name == TrailerName {
		r.done = !r.Concatenated
		r.afterTrailer = true
	}
	return e, nil
}

// ReadAll reads every member (trailers excluded) of r, following
// concatenated archives like the kernel. Hard links (regular files with
// nlink > 1 sharing dev/ino, whose data GNU cpio stores only on the last
// link) are resolved so every link carries the data.
func ReadAll(r io.Reader) ([]*Entry, error) {
	rd := NewReader(r)
	rd.Concatenated = true
	var out []*Entry
	for {
		e, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	if len(out) == 0 && rd.off == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrTruncated)
	}
	resolveHardlinks(out)
	return out, nil
}

func resolveHardlinks(es []*Entry) {
	type key struct{ maj, min, ino uint32 }
	data := map[key][]byte{}
	for _, e := range es {
		if e.Type() == TypeRegular && e.NLink > 1 && len(e.Data) > 0 {
			data[key{e.DevMajor, e.DevMinor, e.Ino}] = e.Data
		}
	}
	for _, e := range es {
		if e.Type() == TypeRegular && e.NLink > 1 && len(e.Data) == 0 {
			if d, ok := data[key{e.DevMajor, e.DevMinor, e.Ino}]; ok {
				e.Data = d // raw keeps the empty body, as cpio-clean would
			}
		}
	}
}
