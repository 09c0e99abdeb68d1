package initrd

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ListItem is one line of a gen_init_cpio list.
type ListItem struct {
	Line     int    // 1-based line number
	Name     string // leading "/" removed, as gen_init_cpio does
	Mode     uint32 // type bits | permission bits
	UID, GID uint32
	Location string   // file: where the contents are
	Target   string   // slink: the link target
	Major    uint32   // nod: device numbers
	Minor    uint32   //
	Links    []string // file: extra hard-link names (added as copies)
}

// listKinds maps a gen_init_cpio keyword to the file type and the number
// of fields after the keyword (minimum; "file" may list extra links).
var listKinds = map[string]struct {
	typ    uint32
	fields int
}{
	"file":  {TypeRegular, 5}, // name location mode uid gid [links...]
	"dir":   {TypeDir, 4},     // name mode uid gid
	"nod":   {TypeChar, 7},    // name mode uid gid b|c maj min
	"slink": {TypeSymlink, 5}, // name target mode uid gid
	"pipe":  {TypeFIFO, 4},    // name mode uid gid
	"sock":  {TypeSocket, 4},  // name mode uid gid
}

// ParseList parses the list format of the kernel's usr/gen_init_cpio:
//
//	file  <name> <location> <mode> <uid> <gid> [<hard links>]
//	dir   <name> <mode> <uid> <gid>
//	nod   <name> <mode> <uid> <gid> <dev_type> <maj> <min>
//	slink <name> <target> <mode> <uid> <gid>
//	pipe  <name> <mode> <uid> <gid>
//	sock  <name> <mode> <uid> <gid>
//
// Fields are separated by blanks, '#' starts a comment line, blank lines
// are ignored. Mode is octal (permission bits only, at most 07777), uid,
// gid, maj and min are decimal. Unlike gen_init_cpio, ${VAR} in locations
// is not expanded. Errors wrap ErrBadList and name the line.
func ParseList(r io.Reader) ([]ListItem, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []ListItem
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Fields(text)
		kind, ok := listKinds[f[0]]
		if !ok {
			return nil, fmt.Errorf("%w: line %d: unknown type %q", ErrBadList, line, f[0])
		}
		args := f[1:]
		if len(args) < kind.fields || (f[0] != "file" && len(args) > kind.fields) {
			return nil, fmt.Errorf("%w: line %d: %s wants %d fields, got %d", ErrBadList, line, f[0], kind.fields, len(args))
		}
		it := ListItem{Line: line, Name: strings.TrimPrefix(args[0], "/")}
		rest := args[1:]
		switch f[0] {
		case "file":
			it.Location, rest = rest[0], rest[1:]
		case "slink":
			it.Target, rest = rest[0], rest[1:]
		}
		mode, err := strconv.ParseUint(rest[0], 8, 32)
		if err != nil || mode > 0o7777 {
			return nil, fmt.Errorf("%w: line %d: bad mode %q", ErrBadList, line, rest[0])
		}
		uid, err1 := strconv.ParseUint(rest[1], 10, 32)
		gid, err2 := strconv.ParseUint(rest[2], 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: line %d: bad uid/gid %q %q", ErrBadList, line, rest[1], rest[2])
		}
		it.Mode, it.UID, it.GID = kind.typ|uint32(mode), uint32(uid), uint32(gid)
		rest = rest[3:]
		switch f[0] {
		case "file":
			for _, l := range rest {
				it.Links = append(it.Links, strings.TrimPrefix(l, "/"))
			}
		case "nod":
			switch rest[0] {
			case "c":
			case "b":
				it.Mode = TypeBlock | uint32(mode)
			default:
				return nil, fmt.Errorf("%w: line %d: device type %q is not b or c", ErrBadList, line, rest[0])
			}
			maj, err1 := strconv.ParseUint(rest[1], 10, 32)
			min, err2 := strconv.ParseUint(rest[2], 10, 32)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%w: line %d: bad device numbers %q %q", ErrBadList, line, rest[1], rest[2])
			}
			it.Major, it.Minor = uint32(maj), uint32(min)
		}
		if _, err := CleanName(it.Name); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrBadList, line, err)
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %w", ErrBadList, line+1, err)
	}
	return out, nil
}
