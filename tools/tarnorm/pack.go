package tarnorm

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	tw := tar.NewWriter(cw)
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
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			return copyFile(tw, p, hdr.Size)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
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

// WriteFileAtomic creates name by calling write with a temporary file in
// the same directory and renaming it over name once write and the file's
// Sync and Close succeeded. On error the temporary file is removed and name
// is untouched.
func WriteFileAtomic(name string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tarnorm-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
