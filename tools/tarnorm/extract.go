package tarnorm

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ExtractOptions configures Extract.
type ExtractOptions struct {
	// Name identifies the archive in error messages (usually its path).
	Name string
	// StripComponents removes this many leading name components from every
	// member (after dropping empty and "." components); members with no
	// name left are skipped.
	StripComponents int
	// MTime, in seconds since the Unix epoch, is set as the mtime of every
	// extracted file, directory and symlink.
	MTime int64
	// MaxBytes, if > 0, limits the total size of extracted file content
	// (and of zip input read into memory). Exceeding it is ErrTooLarge.
	MaxBytes int64
}

// SourceDateEpoch returns $SOURCE_DATE_EPOCH as seconds, or 0 if unset or empty.
func SourceDateEpoch() (int64, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("SOURCE_DATE_EPOCH=%q: %w", s, err)
	}
	return n, nil
}

// ExtractFile opens the archive at path and extracts it into dest; see Extract.
// If opts.Name is empty, path is used in error messages.
func ExtractFile(archive, dest string, opts ExtractOptions) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	if opts.Name == "" {
		opts.Name = archive
	}
	return Extract(f, dest, opts)
}

// Extract reads an archive from r and extracts it into dest, which must not
// exist or be an empty directory (its parent must exist). The archive is
// first extracted into a temporary directory next to dest, which replaces
// dest only when everything succeeded; on error nothing is left behind.
func Extract(r io.Reader, dest string, opts ExtractOptions) (err error) {
	dest = filepath.Clean(dest)
	existed := false
	if fi, err := os.Lstat(dest); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s: %w", dest, ErrDestNotEmpty)
		}
		ents, err := os.ReadDir(dest)
		if err != nil {
			return err
		}
		if len(ents) > 0 {
			return fmt.Errorf("%s: %w", dest, ErrDestNotEmpty)
		}
		existed = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tarnorm-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := extractInto(r, tmp, opts); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := lchtimes(tmp, opts.MTime); err != nil {
		return err
	}
	if existed {
		if err := os.Remove(dest); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dest)
}

type extractor struct {
	root  string
	opts  ExtractOptions
	links map[string]string // extracted symlinks: rel path -> target
	names map[string]string // extracted symlinks: rel path -> member name
	files map[string]bool   // extracted regular files (hard link targets)
	total int64
}

func extractInto(r io.Reader, root string, opts ExtractOptions) error {
	it, _, err := openArchive(r, opts.MaxBytes)
	if err != nil {
		return fmt.Errorf("%s: %w", displayName(opts.Name), err)
	}
	x := &extractor{root: root, opts: opts, links: map[string]string{}, names: map[string]string{}, files: map[string]bool{}}
	for {
		m, err := it.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", displayName(opts.Name), err)
		}
		if err := x.member(m); err != nil {
			var me *MemberError
			if errors.As(err, &me) {
				return err
			}
			return &MemberError{Archive: opts.Name, Member: m.name, Err: err}
		}
	}
	// Re-check every symlink against the final set of symlinks: a symlink
	// extracted later may change where an earlier one resolves to.
	rels := make([]string, 0, len(x.links))
	for rel := range x.links {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		target := x.links[rel]
		if _, err := resolve(x.links, dirParts(rel), target, new(int)); err != nil {
			return &MemberError{Archive: opts.Name, Member: x.names[rel], Err: fmt.Errorf("symlink to %q: %w", target, err)}
		}
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return lchtimes(p, opts.MTime)
	})
}

func displayName(n string) string {
	if n == "" {
		return "archive"
	}
	return n
}

// cleanName splits a member name into components, dropping empty and "."
// components, and refuses absolute names and ".." components.
func cleanName(name string) ([]string, error) {
	if strings.HasPrefix(name, "/") {
		return nil, ErrAbsolutePath
	}
	var parts []string
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			return nil, ErrPathEscape
		default:
			parts = append(parts, c)
		}
	}
	return parts, nil
}

// relName returns the destination-relative path of a member name, or "" if
// stripping leaves nothing.
func (x *extractor) relName(name string) (string, error) {
	parts, err := cleanName(name)
	if err != nil {
		return "", err
	}
	if len(parts) <= x.opts.StripComponents {
		return "", nil
	}
	return strings.Join(parts[x.opts.StripComponents:], "/"), nil
}

func (x *extractor) member(m *member) error {
	switch m.kind {
	case kindSpecial:
		return fmt.Errorf("%s: %w", m.what, ErrSpecialFile)
	case kindUnsupported:
		return fmt.Errorf("%s: %w", m.what, ErrUnsupportedType)
	}
	rel, err := x.relName(m.name)
	if err != nil || rel == "" {
		return err
	}
	switch m.kind {
	case kindDir:
		return x.mkdirAll(rel)
	case kindFile:
		if err := x.prepare(rel, false); err != nil {
			return err
		}
		if err := x.writeFile(rel, m); err != nil {
			return err
		}
		x.files[rel] = true
		return nil
	case kindSymlink:
		if m.linkname == "" {
			return fmt.Errorf("empty symlink target: %w", ErrLinkEscape)
		}
		if strings.HasPrefix(m.linkname, "/") {
			return fmt.Errorf("symlink to %q: %w", m.linkname, ErrAbsolutePath)
		}
		if strings.ContainsRune(m.linkname, 0) {
			return fmt.Errorf("symlink target contains NUL: %w", ErrLinkEscape)
		}
		if err := x.prepare(rel, true); err != nil {
			return err
		}
		x.links[rel] = m.linkname
		if _, err := resolve(x.links, dirParts(rel), m.linkname, new(int)); err != nil {
			delete(x.links, rel)
			return fmt.Errorf("symlink to %q: %w", m.linkname, err)
		}
		x.names[rel] = m.name
		return os.Symlink(m.linkname, x.path(rel))
	case kindHardlink:
		target, err := x.relName(m.linkname)
		if err != nil {
			return fmt.Errorf("hard link to %q: %w", m.linkname, err)
		}
		if target == "" || !x.files[target] {
			return fmt.Errorf("hard link to %q: %w", m.linkname, ErrBadHardlink)
		}
		if target == rel {
			return nil // a link to itself: the file is already there
		}
		if err := x.prepare(rel, false); err != nil {
			return err
		}
		if err := os.Link(x.path(target), x.path(rel)); err != nil {
			return err
		}
		x.files[rel] = true
		return nil
	}
	return fmt.Errorf("internal: unknown member kind %d", m.kind)
}

func (x *extractor) path(rel string) string {
	return filepath.Join(x.root, filepath.FromSlash(rel))
}

// mkdirAll creates rel and its parents as real directories with mode 0755,
// refusing to go through symlinks or non-directories.
func (x *extractor) mkdirAll(rel string) error {
	parts := strings.Split(rel, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		p := x.path(sub)
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(p, 0o700); err != nil {
				return err
			}
			if err := os.Chmod(p, 0o755); err != nil {
				return err
			}
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symlink: %w", sub, ErrThroughSymlink)
		case !fi.IsDir():
			return fmt.Errorf("%s: %w", sub, ErrNotDir)
		}
	}
	return nil
}

// prepare makes rel's parent directories and removes an earlier regular
// file of the same name (later members win, as in tar). An existing
// directory there is refused, and so is an existing symlink unless the new
// member is itself a symlink (replacing a symlink does not write through it).
func (x *extractor) prepare(rel string, isSymlink bool) error {
	if dir := path.Dir(rel); dir != "." {
		if err := x.mkdirAll(dir); err != nil {
			return err
		}
	}
	p := x.path(rel)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		if !isSymlink {
			return fmt.Errorf("%s is a symlink: %w", rel, ErrThroughSymlink)
		}
	case fi.IsDir():
		return fmt.Errorf("%s: %w", rel, ErrIsDir)
	}
	delete(x.files, rel)
	delete(x.links, rel)
	return os.Remove(p)
}

func (x *extractor) writeFile(rel string, m *member) error {
	src, err := m.open()
	if err != nil {
		return err
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	f, err := os.OpenFile(x.path(rel), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	var n int64
	if x.opts.MaxBytes > 0 {
		left := x.opts.MaxBytes - x.total
		n, err = io.Copy(f, io.LimitReader(src, left+1))
		if err == nil && n > left {
			err = ErrTooLarge
		}
	} else {
		n, err = io.Copy(f, src)
	}
	x.total += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Chmod(x.path(rel), normMode(m.mode))
}

// normMode is 0755 if any execute bit is set, else 0644.
func normMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func dirParts(rel string) []string {
	d := path.Dir(rel)
	if d == "." {
		return nil
	}
	return strings.Split(d, "/")
}

// maxResolveSteps bounds the work of resolving one symlink (loops, or
// chains built to blow up exponentially).
const maxResolveSteps = 4096

// resolve walks target from the directory base (components below the
// destination root), following the symlinks in links, and returns the
// resolved path's components. It fails with ErrLinkEscape if the walk ever
// leaves the destination root, and ErrAbsolutePath for absolute targets.
func resolve(links map[string]string, base []string, target string, steps *int) ([]string, error) {
	if strings.HasPrefix(target, "/") {
		return nil, ErrAbsolutePath
	}
	cur := append([]string(nil), base...)
	for _, c := range strings.Split(target, "/") {
		*steps++
		if *steps > maxResolveSteps {
			return nil, fmt.Errorf("too many levels of symbolic links: %w", ErrLinkEscape)
		}
		switch c {
		case "", ".":
		case "..":
			if len(cur) == 0 {
				return nil, ErrLinkEscape
			}
			cur = cur[:len(cur)-1]
		default:
			cur = append(cur, c)
			if t, ok := links[strings.Join(cur, "/")]; ok {
				r, err := resolve(links, cur[:len(cur)-1], t, steps)
				if err != nil {
					return nil, err
				}
				cur = r
			}
		}
	}
	return cur, nil
}
