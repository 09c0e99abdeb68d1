package tarnorm

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/ulikunitz/xz"
)

// Format is a detected archive format.
type Format string

// The formats tarnorm reads.
const (
	FormatTar   Format = "tar"
	FormatGzip  Format = "tar.gz"
	FormatBzip2 Format = "tar.bz2"
	FormatXz    Format = "tar.xz"
	FormatZip   Format = "zip"
)

var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicBzip2 = []byte("BZh")
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicZip   = []byte("PK\x03\x04")
	magicZipE  = []byte("PK\x05\x06") // empty zip: end of central directory only
)

// DetectFormat returns the archive format whose magic bytes head starts
// with. head should hold at least the first 512 bytes of the archive (or all
// of it, if shorter).
func DetectFormat(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return FormatGzip, nil
	case bytes.HasPrefix(head, magicBzip2):
		return FormatBzip2, nil
	case bytes.HasPrefix(head, magicXz):
		return FormatXz, nil
	case bytes.HasPrefix(head, magicZip), bytes.HasPrefix(head, magicZipE):
		return FormatZip, nil
	case looksLikeTar(head):
		return FormatTar, nil
	}
	return "", ErrUnknownFormat
}

// looksLikeTar accepts a ustar/GNU magic, a valid v7 header checksum, or an
// all-zero first block (an empty archive).
func looksLikeTar(head []byte) bool {
	if len(head) < 512 {
		return false
	}
	b := head[:512]
	if string(b[257:262]) == "ustar" {
		return true
	}
	if bytes.Count(b, []byte{0}) == 512 {
		return true
	}
	s := strings.TrimRight(strings.TrimSpace(strings.TrimRight(string(b[148:156]), "\x00")), "\x00 ")
	want, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return false
	}
	var sum uint64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += uint64(c)
	}
	return sum == want
}

type kind int

const (
	kindFile kind = iota
	kindDir
	kindSymlink
	kindHardlink
	kindSpecial
	kindUnsupported
)

// member is one archive entry in a format-neutral form.
type member struct {
	name     string
	kind     kind
	mode     fs.FileMode // permission bits as stored
	size     int64
	linkname string
	what     string // description for special/unsupported members
	open     func() (io.Reader, error)
}

type iterator interface {
	// next returns the next member or io.EOF.
	next() (*member, error)
}

// openArchive detects the format of r and returns an iterator over its
// members. For zip input that is not an io.ReaderAt with a known size, the
// whole input is read into memory (at most maxBytes if > 0).
func openArchive(r io.Reader, maxBytes int64) (iterator, Format, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(512)
	if err != nil && err != io.EOF {
		return nil, "", err
	}
	f, err := DetectFormat(head)
	if err != nil {
		return nil, "", err
	}
	switch f {
	case FormatTar:
		return &tarIter{tr: tar.NewReader(br)}, f, nil
	case FormatGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, f, fmt.Errorf("gzip: %w", err)
		}
		return &tarIter{tr: tar.NewReader(zr)}, f, nil
	case FormatBzip2:
		return &tarIter{tr: tar.NewReader(bzip2.NewReader(br))}, f, nil
	case FormatXz:
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, f, fmt.Errorf("xz: %w", err)
		}
		return &tarIter{tr: tar.NewReader(xr)}, f, nil
	case FormatZip:
		var ra io.ReaderAt
		var size int64
		if s, ok := r.(interface {
			io.ReaderAt
			io.Seeker
		}); ok && br.Buffered() == len(head) {
			// Nothing consumed beyond the peek: read the file directly.
			if size, err = s.Seek(0, io.SeekEnd); err != nil {
				return nil, f, err
			}
			ra = s
		} else {
			var lr io.Reader = br
			if maxBytes > 0 {
				lr = io.LimitReader(br, maxBytes+1)
			}
			data, err := io.ReadAll(lr)
			if err != nil {
				return nil, f, err
			}
			if maxBytes > 0 && int64(len(data)) > maxBytes {
				return nil, f, ErrTooLarge
			}
			ra, size = bytes.NewReader(data), int64(len(data))
		}
		zr, err := zip.NewReader(ra, size)
		if err != nil {
			return nil, f, fmt.Errorf("zip: %w", err)
		}
		return &zipIter{files: zr.File}, f, nil
	}
	return nil, "", ErrUnknownFormat
}

type tarIter struct{ tr *tar.Reader }

func (it *tarIter) next() (*member, error) {
	for {
		h, err := it.tr.Next()
		if err != nil {
			return nil, err
		}
		m := &member{
			name:     h.Name,
			mode:     fs.FileMode(h.Mode) & fs.ModePerm,
			size:     h.Size,
			linkname: h.Linkname,
		}
		switch h.Typeflag {
		case tar.TypeXGlobalHeader:
			continue // PAX global header: metadata only
		case tar.TypeReg, tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse:
			m.kind = kindFile
			m.open = func() (io.Reader, error) { return it.tr, nil }
		case tar.TypeDir:
			m.kind = kindDir
		case tar.TypeSymlink:
			m.kind = kindSymlink
		case tar.TypeLink:
			m.kind = kindHardlink
		case tar.TypeChar:
			m.kind, m.what = kindSpecial, "character device"
		case tar.TypeBlock:
			m.kind, m.what = kindSpecial, "block device"
		case tar.TypeFifo:
			m.kind, m.what = kindSpecial, "fifo"
		default:
			m.kind, m.what = kindUnsupported, fmt.Sprintf("tar type flag %q", h.Typeflag)
		}
		return m, nil
	}
}

type zipIter struct {
	files []*zip.File
	i     int
}

// maxZipSymlink bounds the size of a zip symlink's target.
const maxZipSymlink = 4096

func (it *zipIter) next() (*member, error) {
	if it.i >= len(it.files) {
		return nil, io.EOF
	}
	zf := it.files[it.i]
	it.i++
	mode := zf.Mode()
	m := &member{
		name: zf.Name,
		mode: mode & fs.ModePerm,
		size: int64(zf.UncompressedSize64),
	}
	switch {
	case mode&fs.ModeSymlink != 0:
		m.kind = kindSymlink
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("zip member %q: %w", zf.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxZipSymlink+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("zip member %q: %w", zf.Name, err)
		}
		if len(b) > maxZipSymlink {
			return nil, fmt.Errorf("zip member %q: symlink target longer than %d bytes", zf.Name, maxZipSymlink)
		}
		m.linkname = string(b)
	case mode.IsDir() || strings.HasSuffix(zf.Name, "/"):
		m.kind = kindDir
	case mode&fs.ModeNamedPipe != 0:
		m.kind, m.what = kindSpecial, "fifo"
	case mode&fs.ModeSocket != 0:
		m.kind, m.what = kindSpecial, "socket"
	case mode&fs.ModeDevice != 0:
		m.kind, m.what = kindSpecial, "device"
	case mode&fs.ModeIrregular != 0:
		m.kind, m.what = kindUnsupported, "irregular file"
	default:
		m.kind = kindFile
		m.open = func() (io.Reader, error) {
			rc, err := zf.Open()
			if err != nil {
				return nil, err
			}
			return readCloser{rc}, nil
		}
	}
	return m, nil
}

// readCloser lets the extractor close zip member readers it opened.
type readCloser struct{ io.ReadCloser }
