package gittree

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Entry is one line of `git ls-tree -r <commit>`: a file of the commit.
type Entry struct {
	Mode string // 100644, 100755 or 120000
	ID   string // the blob id, hex
	Path string
}

// ParseManifest reads `git ls-tree -r <commit>` output (name is for
// errors): "<mode> blob <id>\t<path>" lines. Submodules (commit
// entries) and malformed lines are errors naming name:line.
func ParseManifest(name string, r io.Reader) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	seen := map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		meta, p, ok := strings.Cut(line, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want `<mode> blob <id>\\t<path>` (git ls-tree -r), got %q", name, n, line)
		}
		if f[1] != "blob" {
			return nil, fmt.Errorf("%s:%d: %s entry %s: only files (blobs) are supported", name, n, f[1], p)
		}
		switch f[0] {
		case "100644", "100755", "120000":
		default:
			return nil, fmt.Errorf("%s:%d: mode %s of %s is not a git file mode", name, n, f[0], p)
		}
		if b, err := hex.DecodeString(f[2]); err != nil || len(b) != 20 {
			return nil, fmt.Errorf("%s:%d: %q is not a blob id", name, n, f[2])
		}
		if p == "" || path.Clean(p) != p || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("%s:%d: path %q is not a clean relative path", name, n, p)
		}
		if seen[p] {
			return nil, fmt.Errorf("%s:%d: %s listed twice", name, n, p)
		}
		seen[p] = true
		out = append(out, Entry{f[0], f[2], p})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return out, nil
}

// Diff is how a directory differs from a manifest.
type Diff struct {
	Missing []string // in the manifest, not in the directory
	Changed []string // other content or mode
	Extra   []string // in the directory, not in the manifest
}

// Empty reports whether the directory is the manifest's tree.
func (d Diff) Empty() bool { return len(d.Missing)+len(d.Changed)+len(d.Extra) == 0 }

// Compare compares the files under dir of fsys with the manifest, by
// blob id and mode (git's view: empty directories do not count).
// Top-level entries named in exclude are left out.
func Compare(fsys fs.FS, dir string, manifest []Entry, exclude ...string) (Diff, error) {
	have, err := collect(fsys, dir, exclude)
	if err != nil {
		return Diff{}, err
	}
	var diff Diff
	for _, m := range manifest {
		h, ok := have[m.Path]
		switch {
		case !ok:
			diff.Missing = append(diff.Missing, m.Path)
		case h.ID != m.ID || h.Mode != m.Mode:
			diff.Changed = append(diff.Changed, m.Path)
		}
		delete(have, m.Path)
	}
	for p := range have {
		diff.Extra = append(diff.Extra, p)
	}
	sort.Strings(diff.Missing)
	sort.Strings(diff.Changed)
	sort.Strings(diff.Extra)
	return diff, nil
}

// collect is every file under dir with its git mode and blob id, by path
// relative to dir.
func collect(fsys fs.FS, dir string, exclude []string) (map[string]Entry, error) {
	have := map[string]Entry{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		if dir == "." {
			rel = p
		}
		if rel != "" && rel != "." {
			top, _, _ := strings.Cut(rel, "/")
			for _, x := range exclude {
				if top == x {
					if d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
			}
		}
		if d.IsDir() {
			return nil
		}
		e, err := blobEntry(fsys, p, d)
		if err != nil {
			return err
		}
		e.Path = rel
		have[rel] = e
		return nil
	})
	return have, err
}

// blobEntry is git's mode and blob id of one file.
func blobEntry(fsys fs.FS, p string, d fs.DirEntry) (Entry, error) {
	t := d.Type()
	switch {
	case t&fs.ModeSymlink != 0:
		rl, ok := fsys.(readLinker)
		if !ok {
			return Entry{}, fmt.Errorf("%s: symbolic link, and the file system cannot read links", p)
		}
		target, err := rl.ReadLink(p)
		if err != nil {
			return Entry{}, err
		}
		return Entry{Mode: "120000", ID: hex.EncodeToString(object("blob", []byte(target)))}, nil
	case t.IsRegular():
		info, err := d.Info()
		if err != nil {
			return Entry{}, err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return Entry{}, err
		}
		mode := "100644"
		if info.Mode().Perm()&0o111 != 0 {
			mode = "100755"
		}
		return Entry{Mode: mode, ID: hex.EncodeToString(object("blob", data))}, nil
	}
	return Entry{}, fmt.Errorf("%s: %v cannot be in a git tree", p, t)
}

// Manifest lists the files under dir as `git ls-tree -r` would for a
// commit of them: sorted by path (git's order), one Entry per file.
func Manifest(fsys fs.FS, dir string, exclude ...string) ([]Entry, error) {
	have, err := collect(fsys, dir, exclude)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(have))
	for _, e := range have {
		out = append(out, e)
	}
	// Plain byte order of the full paths is git's order: git compares a
	// directory as "name/", and the paths carry that "/".
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Format writes entries in `git ls-tree -r` format.
func Format(w io.Writer, entries []Entry) error {
	for _, e := range entries {
		if _, err := fmt.Fprintf(w, "%s blob %s\t%s\n", e.Mode, e.ID, e.Path); err != nil {
			return err
		}
	}
	return nil
}
