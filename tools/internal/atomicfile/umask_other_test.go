//go:build !unix

package atomicfile

import "testing"

// setUmask does nothing where there is no umask.
func setUmask(*testing.T, int) {}
