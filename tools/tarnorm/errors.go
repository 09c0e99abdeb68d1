package tarnorm

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors about a single archive member are returned wrapped
// in a *MemberError; test for them with errors.Is.
var (
	// ErrUnknownFormat: the input is not a tar, tar.gz, tar.bz2, tar.xz or zip archive.
	ErrUnknownFormat = errors.New("unknown archive format")
	// ErrAbsolutePath: a member name or link target is absolute.
	ErrAbsolutePath = errors.New("absolute path")
	// ErrPathEscape: a member name has a ".." component.
	ErrPathEscape = errors.New(`name contains ".."`)
	// ErrLinkEscape: a symlink or hard link target resolves outside the destination.
	ErrLinkEscape = errors.New("link target outside the destination")
	// ErrBadHardlink: a hard link does not point at a regular file extracted before it.
	ErrBadHardlink = errors.New("hard link target is not a previously extracted regular file")
	// ErrSpecialFile: a member (or a file in a packed tree) is a device node, fifo or socket.
	ErrSpecialFile = errors.New("device nodes, fifos and sockets are not allowed")
	// ErrUnsupportedType: a tar member has a type flag tarnorm does not handle.
	ErrUnsupportedType = errors.New("unsupported member type")
	// ErrThroughSymlink: a member would be written through a previously extracted symlink.
	ErrThroughSymlink = errors.New("would be written through a symlink")
	// ErrNotDir: a member needs a directory where a non-directory was extracted.
	ErrNotDir = errors.New("path exists and is not a directory")
	// ErrIsDir: a non-directory member has the name of an extracted directory.
	ErrIsDir = errors.New("path exists and is a directory")
	// ErrDestNotEmpty: the extraction destination exists and is not an empty directory.
	ErrDestNotEmpty = errors.New("destination exists and is not an empty directory")
	// ErrTooLarge: the archive content exceeds ExtractOptions.MaxBytes.
	ErrTooLarge = errors.New("archive content exceeds the size limit")
	// ErrBadPrefix: PackOptions.Prefix is absolute or contains "..".
	ErrBadPrefix = errors.New(`prefix must be relative and without ".."`)
)

// MemberError reports a refused or failed archive member.
type MemberError struct {
	Archive string // archive name as given in the options ("" if unknown)
	Member  string // member name as stored in the archive
	Err     error  // usually one of the sentinel errors
}

func (e *MemberError) Error() string {
	a := e.Archive
	if a == "" {
		a = "archive"
	}
	return fmt.Sprintf("%s: member %q: %v", a, e.Member, e.Err)
}

func (e *MemberError) Unwrap() error { return e.Err }
