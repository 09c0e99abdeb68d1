// Package crossgcc reads what coreboot's util/crossgcc says about the
// cross toolchain a coreboot tree builds.
package crossgcc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNoSum marks a coreboot tree without util/crossgcc/sum.
var ErrNoSum = errors.New("crossgcc: no util/crossgcc/sum; this coreboot source cannot use a heads_coreboot_toolchain")

// Sum returns the listing of src's util/crossgcc/sum directory: for each
// file not starting with "." in bytewise name order, "== NAME\n" followed
// by its content, as `for f in *; do printf '== %s\n' "$f"; cat "$f"; done`
// in the C locale prints it. Two coreboot trees whose listings are equal
// build the same crossgcc, so it keys a shared toolchain. Entries that are
// not regular files (after following symlinks) are an error.
func Sum(src string) ([]byte, error) {
	dir := filepath.Join(src, "util", "crossgcc", "sum")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", src, ErrNoSum)
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		p := filepath.Join(dir, n)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "== %s\n", n)
		b.Write(data)
	}
	return b.Bytes(), nil
}
