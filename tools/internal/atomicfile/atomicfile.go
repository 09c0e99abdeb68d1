// Package atomicfile writes output files so that a reader, or a build that
// is interrupted, never sees a partial file: the content goes to a
// temporary file in the destination's directory, which is given its final
// mode, synced, closed and then renamed over the destination. On any error
// the temporary file is removed and the destination is left untouched.
//
// It is shared by the command-line tools (mkinitrd, romstitch, tarnorm)
// and the packages behind them.
package atomicfile

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write creates or replaces path with the bytes write produces. write is
// called once with the temporary file; if it returns an error, that error
// is returned and nothing is left behind. The file gets mode perm exactly,
// regardless of the process umask.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
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
	return os.Rename(f.Name(), path)
}

// WriteBytes is Write with a fixed content.
func WriteBytes(path string, perm fs.FileMode, data []byte) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
