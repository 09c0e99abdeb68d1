//go:build !linux

package tarnorm

import (
	"io/fs"
	"os"
	"time"
)

// lchtimes sets atime and mtime of p to sec. Symlinks are left alone on
// platforms without a portable lutimes.
func lchtimes(p string, sec int64) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil
	}
	t := time.Unix(sec, 0)
	return os.Chtimes(p, t, t)
}

// lchtimesSymlinks reports whether lchtimes sets symlink mtimes.
const lchtimesSymlinks = false
