//go:build !unix

package tarnorm

import "io/fs"

type fileID struct{ dev, ino uint64 }

// hardlinkID: hard links are not detected on this platform.
func hardlinkID(fs.FileInfo) (fileID, bool) { return fileID{}, false }
