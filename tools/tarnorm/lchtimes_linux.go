//go:build linux

package tarnorm

import (
	"io/fs"
	"syscall"
	"unsafe"
)

const atSymlinkNofollow = 0x100 // AT_SYMLINK_NOFOLLOW

// lchtimes sets atime and mtime of p to sec without following a final symlink.
func lchtimes(p string, sec int64) error {
	ts := [2]syscall.Timespec{{Sec: sec}, {Sec: sec}}
	b, err := syscall.BytePtrFromString(p)
	if err != nil {
		return err
	}
	const atFdcwd = -100
	fd := atFdcwd
	_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(fd), uintptr(unsafe.Pointer(b)), uintptr(unsafe.Pointer(&ts[0])), atSymlinkNofollow, 0, 0)
	if e != 0 {
		return &fs.PathError{Op: "utimensat", Path: p, Err: e}
	}
	return nil
}

// lchtimesSymlinks reports whether lchtimes sets symlink mtimes.
const lchtimesSymlinks = true
