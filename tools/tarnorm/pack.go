package tarnorm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RecordSize is the size GNU tar pads archives to (its default blocking
// factor 20 times 512-byte blocks). Pack pads its tar stream to a multiple
// of it.
const RecordSize = 10240

// PackOptions configures Pack and Repack.
type PackOptions struct {
	// Prefix is prepended to every name. If not empty it is normalised to
	// end in "/" and emitted first as the entry for the packed directory
	// itself. "./" reproduces GNU tar's "-C DIR ." naming; "" gives bare
	// names and no top-level entry.
	Prefix string
	// MTime, in seconds since the Unix epoch, is the mtime of every entry.
	MTime int64
	// Hardlinks stores the second and later paths of a multiply linked
	// regular file as hard links (as GNU tar does). If false, every path is
	// stored as a regular file with its content.
	Hardlinks bool
	// Gzip compresses the output with compress/gzip at BestCompression
	// (header mtime 0, no name, OS "unknown"; the padded tar stream is what
	// is compressed). The bytes are stable for a given Go release.
	Gzip bool
}

// normPrefix validates a prefix and makes it end with exactly one "/".
func normPrefix(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%q: %w", p, ErrBadPrefix)
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return "", fmt.Errorf("%q: %w", p, ErrBadPrefix)
		}
	}
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "", fmt.Errorf("%q: %w", "/", ErrBadPrefix)
	}
	return p + "/", nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Pack writes the tree rooted at dir to w as a deterministic tar stream; see
// the package documentation for the exact format. If dir is a symlink, the
// directory it points to is packed. Device nodes, fifos and sockets in the
// tree are refused with ErrSpecialFile.
func Pack(w io.Writer, dir string, opts PackOptions) error {
	prefix, err := normPrefix(opts.Prefix)
	if err != nil {
		return err
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(root); err != nil {
		return err
	} else if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", dir)
	}
	var gz *gzip.Writer
	if opts.Gzip {
		gz, _ = gzip.NewWriterLevel(w, gzip.BestCompression)
		gz.Header = gzip.Header{OS: 255} // no name, no mtime, unknown OS
		w = gz
	}
	cw := &countWriter{w: w}
	mtime := time.Unix(opts.MTime, 0)
	seen := map[fileID]string{}

	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := prefix
		if rel != "." {
			name += filepath.ToSlash(rel)
		} else if prefix == "" {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: name, ModTime: mtime}
		switch m := fi.Mode(); {
		case m.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Mode = 0o755
			if !strings.HasSuffix(hdr.Name, "/") {
				hdr.Name += "/"
			}
		case m&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = target
			hdr.Mode = 0o777
		case m.IsRegular():
			hdr.Typeflag = tar.TypeReg
			hdr.Mode = int64(normMode(m))
			hdr.Size = fi.Size()
			if id, ok := hardlinkID(fi); ok && opts.Hardlinks {
				if first, ok := seen[id]; ok {
					hdr.Typeflag = tar.TypeLink
					hdr.Linkname = first
					hdr.Size = 0
				} else {
					seen[id] = name
				}
			}
		default:
			return fmt.Errorf("%s: %w", p, ErrSpecialFile)
		}
		if err := writeHeader(cw, hdr); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if err := copyFile(cw, p, hdr.Size); err != nil {
				return err
			}
			return writePadding(cw, hdr.Size)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// End of archive: two zero blocks, as tar.Writer.Close writes them.
	if _, err := cw.Write(make([]byte, 2*blockSize)); err != nil {
		return err
	}
	if rem := cw.n % RecordSize; rem != 0 {
		if _, err := cw.Write(make([]byte, RecordSize-rem)); err != nil {
			return err
		}
	}
	if gz != nil {
		return gz.Close()
	}
	return nil
}

// blockSize is the tar block size.
const blockSize = 512

// Offsets of ustar header fields.
const (
	offSize     = 124 // size, 12 bytes
	offChksum   = 148 // chksum, 8 bytes
	offTypeflag = 156
	offDevmajor = 329 // devmajor and devminor, 8 bytes each
	offDevEnd   = 345
)

// writeHeader writes the header block(s) for hdr to w: archive/tar formats
// them (ustar, or a PAX 'x' header and its records followed by the ustar
// header when ustar cannot hold hdr), then fixGNUHeader makes every header
// block match GNU tar 1.35.
func writeHeader(w io.Writer, hdr *tar.Header) error {
	var buf bytes.Buffer
	// A throwaway tar.Writer per entry: WriteHeader writes all the header
	// blocks to buf at once, and the file content is written by the caller.
	if err := tar.NewWriter(&buf).WriteHeader(hdr); err != nil {
		return err
	}
	b := buf.Bytes()
	for off := 0; off < len(b); {
		if len(b)-off < blockSize {
			return fmt.Errorf("archive/tar wrote a partial header block (%d bytes)", len(b)-off)
		}
		blk := b[off : off+blockSize]
		fixGNUHeader(blk)
		off += blockSize
		switch blk[offTypeflag] {
		case tar.TypeXHeader, tar.TypeXGlobalHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
			// An extended header; its records precede the next header.
			f := strings.TrimRight(string(blk[offSize:offSize+12]), "\x00 ")
			n, err := strconv.ParseUint(f, 8, 32)
			if err != nil {
				return fmt.Errorf("archive/tar wrote an extended header with size field %q: %w", f, err)
			}
			off += int((n + blockSize - 1) / blockSize * blockSize)
		}
	}
	_, err := w.Write(b)
	return err
}

// fixGNUHeader rewrites a header block the way GNU tar 1.35 writes it:
// devmajor and devminor are left all NUL unless the entry is a character
// or block device (archive/tar, like GNU tar up to 1.34, writes "0000000\x00"
// in both), and the checksum is recomputed and stored as GNU tar and
// archive/tar store it: six octal digits, NUL, space.
func fixGNUHeader(blk []byte) {
	if t := blk[offTypeflag]; t != tar.TypeChar && t != tar.TypeBlock {
		clear(blk[offDevmajor:offDevEnd])
	}
	var sum uint32
	for i, c := range blk {
		if i >= offChksum && i < offChksum+8 {
			c = ' '
		}
		sum += uint32(c)
	}
	copy(blk[offChksum:offChksum+8], fmt.Sprintf("%06o\x00 ", sum))
}

// writePadding pads a member's content of size bytes to a whole block.
func writePadding(w io.Writer, size int64) error {
	if rem := size % blockSize; rem != 0 {
		_, err := w.Write(make([]byte, blockSize-rem))
		return err
	}
	return nil
}

// copyFile copies exactly size bytes of the file at p to w.
func copyFile(w io.Writer, p string, size int64) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(w, io.LimitReader(f, size))
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if n != size {
		return fmt.Errorf("%s: file shrank while packing (%d of %d bytes)", p, n, size)
	}
	return nil
}

// Repack extracts the archive read from r (with all the checks of Extract)
// into a temporary directory under tmpDir ("" for os.TempDir) and packs it
// to w with po. The result is the same as Extract followed by Pack.
func Repack(r io.Reader, w io.Writer, eo ExtractOptions, po PackOptions, tmpDir string) error {
	if _, err := normPrefix(po.Prefix); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(tmpDir, "tarnorm-repack-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	tree := filepath.Join(tmp, "tree")
	if err := Extract(r, tree, eo); err != nil {
		return err
	}
	return Pack(w, tree, po)
}
