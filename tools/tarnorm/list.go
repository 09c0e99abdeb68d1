package tarnorm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
)

// List writes one line per member of the archive read from r:
//
//	MODE SIZE SHA256 NAME [-> TARGET]
//
// MODE is Go's fs.FileMode string (e.g. "-rw-r--r--", "drwxr-xr-x",
// "Lrwxrwxrwx"; hard links are shown as "h" plus permissions), SHA256 is
// the hex digest of a file's content or "-". Names are printed as stored;
// nothing is refused or normalised.
func List(r io.Reader, w io.Writer) error {
	it, _, err := openArchive(r, 0)
	if err != nil {
		return err
	}
	for {
		m, err := it.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		sum := "-"
		size := int64(0)
		var mode string
		switch m.kind {
		case kindFile:
			src, err := m.open()
			if err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			h := sha256.New()
			size, err = io.Copy(h, src)
			if c, ok := src.(io.Closer); ok {
				c.Close()
			}
			if err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			sum = hex.EncodeToString(h.Sum(nil))
			mode = m.mode.String()
		case kindDir:
			mode = (m.mode | fs.ModeDir).String()
		case kindSymlink:
			mode = (m.mode | fs.ModeSymlink).String()
		case kindHardlink:
			mode = "h" + m.mode.String()[1:]
		default:
			mode = "?" + m.mode.String()[1:]
		}
		line := fmt.Sprintf("%s %d %s %s", mode, size, sum, m.name)
		if m.kind == kindSymlink || m.kind == kindHardlink {
			line += " -> " + m.linkname
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
}
