//go:build unix

package atomicfile

import (
	"syscall"
	"testing"
)

// setUmask sets the process umask for the rest of the test.
func setUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}
