//go:build unix

package tarnorm

import (
	"io/fs"
	"syscall"
)

type fileID struct{ dev, ino uint64 }

// hardlinkID identifies a regular file with more than one link.
func hardlinkID(fi fs.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, true
}
