package initrd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
)

// Members decompresses b if needed and returns its members merged by name
// (a later member wins, as when the kernel unpacks) and sorted.
func Members(b []byte) ([]*Entry, error) {
	data, _, err := Decompress(b)
	if err != nil {
		return nil, err
	}
	es, err := ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	m := map[string]*Entry{}
	for _, e := range es {
		m[e.Name] = e
	}
	out := make([]*Entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Describe renders e as one line of `mkinitrd list`:
// mode (octal) uid:gid size sha256 name [-> target]. The sha256 column is
// "-" for anything but regular files; devices show maj,min as their size.
func Describe(e *Entry) string {
	sum, size := "-", fmt.Sprint(len(e.Data))
	switch e.Type() {
	case TypeRegular:
		s := sha256.Sum256(e.Data)
		sum = hex.EncodeToString(s[:])
	case TypeChar, TypeBlock:
		size = fmt.Sprintf("%d,%d", e.RDevMajor, e.RDevMinor)
	case TypeDir, TypeFIFO, TypeSocket:
		size = "0"
	}
	line := fmt.Sprintf("%07o %d:%d %s %s %s", e.Mode, e.UID, e.GID, size, sum, e.Name)
	if e.Type() == TypeSymlink {
		line += " -> " + string(bytes.TrimSuffix(e.Data, []byte{0}))
	}
	return line
}

// List writes Describe for every member of the (possibly compressed)
// archive b.
func List(w io.Writer, b []byte) error {
	es, err := Members(b)
	if err != nil {
		return err
	}
	for _, e := range es {
		if _, err := fmt.Fprintln(w, Describe(e)); err != nil {
			return err
		}
	}
	return nil
}

// Diff compares the contents of two (possibly compressed) archives: names,
// modes, owners, device numbers, file data and symlink targets. Inode,
// mtime, nlink, dev and check fields, member order, hex case and
// compression are ignored. It returns nil when they match, else an error
// wrapping ErrDiffer that names the first differing member.
func Diff(a, b []byte) error {
	ea, err := Members(a)
	if err != nil {
		return fmt.Errorf("first archive: %w", err)
	}
	eb, err := Members(b)
	if err != nil {
		return fmt.Errorf("second archive: %w", err)
	}
	i, j := 0, 0
	for i < len(ea) || j < len(eb) {
		switch {
		case j == len(eb) || (i < len(ea) && ea[i].Name < eb[j].Name):
			return fmt.Errorf("%w: %q only in the first", ErrDiffer, ea[i].Name)
		case i == len(ea) || eb[j].Name < ea[i].Name:
			return fmt.Errorf("%w: %q only in the second", ErrDiffer, eb[j].Name)
		}
		x, y := ea[i], eb[j]
		if d := x.diff(y); d != "" {
			return fmt.Errorf("%w: %q: %s", ErrDiffer, x.Name, d)
		}
		i++
		j++
	}
	return nil
}

func (e *Entry) diff(o *Entry) string {
	switch {
	case e.Mode != o.Mode:
		return fmt.Sprintf("mode %07o != %07o", e.Mode, o.Mode)
	case e.UID != o.UID || e.GID != o.GID:
		return fmt.Sprintf("owner %d:%d != %d:%d", e.UID, e.GID, o.UID, o.GID)
	case (e.Type() == TypeChar || e.Type() == TypeBlock) &&
		(e.RDevMajor != o.RDevMajor || e.RDevMinor != o.RDevMinor):
		return fmt.Sprintf("device %d,%d != %d,%d", e.RDevMajor, e.RDevMinor, o.RDevMajor, o.RDevMinor)
	case e.Type() == TypeSymlink && !bytes.Equal(bytes.TrimSuffix(e.Data, []byte{0}), bytes.TrimSuffix(o.Data, []byte{0})):
		return fmt.Sprintf("symlink target %q != %q", e.Data, o.Data)
	case e.Type() == TypeRegular && !bytes.Equal(e.Data, o.Data):
		sa, sb := sha256.Sum256(e.Data), sha256.Sum256(o.Data)
		return fmt.Sprintf("contents differ (%d bytes sha256 %x != %d bytes sha256 %x)", len(e.Data), sa[:6], len(o.Data), sb[:6])
	}
	return ""
}

// Finish compresses an archive, pads it to a multiple of pad bytes (0 or 1
// for none) and verifies the result with Verify.
func Finish(archive []byte, c Compression, pad int, o CompressOptions) ([]byte, error) {
	out, err := Compress(archive, c, o)
	if err != nil {
		return nil, err
	}
	out = Pad(out, pad)
	if err := Verify(out, archive); err != nil {
		return nil, err
	}
	return out, nil
}
