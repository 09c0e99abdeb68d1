package initrd

import "errors"

// Sentinel errors; match them with errors.Is. Returned errors wrap them with
// the input and member they concern.
var (
	ErrBadMagic    = errors.New("initrd: not a newc cpio archive")
	ErrBadHeader   = errors.New("initrd: malformed newc header")
	ErrTruncated   = errors.New("initrd: truncated archive")
	ErrBadName     = errors.New("initrd: unsafe member name")
	ErrBadList     = errors.New("initrd: malformed gen_init_cpio list")
	ErrNotDir      = errors.New("initrd: parent of member is not a directory")
	ErrUnsupported = errors.New("initrd: unsupported member type")
	ErrCompression = errors.New("initrd: unknown compression")
	ErrVerify      = errors.New("initrd: output failed verification")
	ErrDiffer      = errors.New("initrd: archives differ")
	ErrLocation    = errors.New("initrd: list file location outside the list's directory")
	ErrUndeclared  = errors.New("initrd: list file location not declared")
)
