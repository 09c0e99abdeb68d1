package stitch

import (
	"archive/zip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// ErrZipName marks a release zip member name that is empty, a path or a
// duplicate.
var ErrZipName = errors.New("stitch: bad zip member name")

// ZipFile is one member of a release zip.
type ZipFile struct {
	Name string // base name; no directories
	Data []byte
}

// zipDOSDate is 1980-01-01 in MS-DOS date format, the earliest a zip can
// record; the time field is 00:00:00.
const zipDOSDate = 1<<5 | 1

// WriteZip writes files, in the given order, as a zip whose bytes depend
// only on the names and contents: every member is stored (not deflated:
// deflate's output changes between Go releases, Go 1.26 and 1.27 already
// differ, and the release zip must not change with the toolchain), dated
// 1980-01-01 00:00:00 with no extended timestamp, mode 0644 from a Unix
// creator, with sizes and CRC in the local header (no data descriptors)
// and no archive comment.
func WriteZip(w io.Writer, files []ZipFile) error {
	seen := map[string]bool{}
	zw := zip.NewWriter(w)
	for _, f := range files {
		if f.Name == "" || strings.ContainsAny(f.Name, "/\\\x00") || f.Name == "." || f.Name == ".." || seen[f.Name] {
			return fmt.Errorf("%w: %q", ErrZipName, f.Name)
		}
		seen[f.Name] = true
		h := &zip.FileHeader{
			Name:               f.Name,
			Method:             zip.Store,
			ModifiedDate:       zipDOSDate,
			CRC32:              crc32.ChecksumIEEE(f.Data),
			CompressedSize64:   uint64(len(f.Data)),
			UncompressedSize64: uint64(len(f.Data)),
		}
		h.SetMode(0o644)
		mw, err := zw.CreateRaw(h)
		if err != nil {
			return err
		}
		if _, err := mw.Write(f.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}
