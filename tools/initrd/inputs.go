package initrd

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// AddCpio merges the members of a newc archive, optionally compressed with
// xz, gzip or zstd (detected from its magic). In FormatDefault, concatenated
// archives are followed like the kernel does and hard links are resolved.
// In FormatHeadsCompat only the first archive is read (cpio-clean stops at
// the first TRAILER!!! of each file) and its trailer becomes the output's.
func (s *Set) AddCpio(input string, r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s: %w", input, err)
	}
	data, _, err := Decompress(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", input, err)
	}
	rd := NewReader(bytes.NewReader(data))
	rd.Concatenated = s.format != FormatHeadsCompat
	var es []*Entry
	var trailer []byte
	for {
		e, err := rd.NextRaw()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", input, err)
		}
		if e.Name == TrailerName {
			trailer = e.raw
			continue
		}
		es = append(es, e)
	}
	if trailer == nil {
		return fmt.Errorf("%s: %w: no %s", input, ErrTruncated, TrailerName)
	}
	resolveHardlinks(es)
	for _, e := range es {
		if err := s.Add(input, e); err != nil {
			return err
		}
	}
	s.setTrailer(trailer)
	return nil
}

// AddTree merges the directory tree dir, placing its contents under dest
// ("" for the archive root). Modes are normalised: directories and files
// with any execute bit get 0755, other files 0644, symlinks 0777 with their
// target kept verbatim; owner is root:root. Hard links become independent
// copies. Devices, FIFOs and sockets are refused (ErrUnsupported). In
// FormatHeadsCompat a tree without dest also yields the "." member that
// Heads' `find . | cpio -H newc -o` parts carry.
func (s *Set) AddTree(dir, dest string) error {
	input := dir
	if dest != "" {
		d, err := CleanName(dest)
		if err != nil {
			return fmt.Errorf("%s: destination: %w", input, err)
		}
		dest = d
		if dest == "." {
			dest = ""
		}
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := path.Join(dest, filepath.ToSlash(rel))
		if name == "." && s.format != FormatHeadsCompat {
			return nil // FormatHeadsCompat keeps "." like `find . | cpio`
		}
		e := &Entry{Name: name}
		switch t := d.Type(); {
		case t.IsDir():
			e.Mode = TypeDir | 0o755
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			e.Mode, e.Data = TypeSymlink|0o777, []byte(target)
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			e.Mode = TypeRegular | 0o644
			if info.Mode().Perm()&0o111 != 0 {
				e.Mode = TypeRegular | 0o755
			}
			if e.Data, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: member %q: %w: %v", input, name, ErrUnsupported, t)
		}
		return s.Add(input, e)
	})
	if err != nil {
		return fmt.Errorf("tree %s: %w", input, err)
	}
	s.setTrailer(nil)
	return nil
}

// AddTar merges a tar archive (optionally xz/gzip/zstd compressed) under
// dest. Permission bits (07777) come from the tar; owner becomes
// root:root; hard links become copies of their target's data.
func (s *Set) AddTar(input string, r io.Reader, dest string) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s: %w", input, err)
	}
	data, _, err := Decompress(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", input, err)
	}
	if dest != "" {
		if dest, err = CleanName(dest); err != nil {
			return fmt.Errorf("%s: destination: %w", input, err)
		}
	}
	tr := tar.NewReader(bytes.NewReader(data))
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", input, err)
		}
		member, err := CleanName(h.Name)
		if err != nil {
			return fmt.Errorf("%s: member %q: %w", input, h.Name, err)
		}
		name := path.Join(dest, member)
		perm := uint32(h.Mode) & 0o7777
		e := &Entry{Name: name}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			b, err := io.ReadAll(tr)
			if err != nil {
				return fmt.Errorf("%s: member %q: %w", input, h.Name, err)
			}
			e.Mode, e.Data = TypeRegular|perm, b
			files[member] = b
		case tar.TypeLink:
			target, err := CleanName(h.Linkname)
			if err != nil {
				return fmt.Errorf("%s: member %q: link target: %w", input, h.Name, err)
			}
			b, ok := files[target]
			if !ok {
				return fmt.Errorf("%s: member %q: %w: hard link to unknown %q", input, h.Name, ErrUnsupported, h.Linkname)
			}
			e.Mode, e.Data = TypeRegular|perm, b
			files[member] = b
		case tar.TypeDir:
			e.Mode = TypeDir | perm
		case tar.TypeSymlink:
			e.Mode, e.Data = TypeSymlink|0o777, []byte(h.Linkname)
		case tar.TypeChar, tar.TypeBlock:
			e.Mode = TypeChar | perm
			if h.Typeflag == tar.TypeBlock {
				e.Mode = TypeBlock | perm
			}
			e.RDevMajor, e.RDevMinor = uint32(h.Devmajor), uint32(h.Devminor)
		case tar.TypeFifo:
			e.Mode = TypeFIFO | perm
		default:
			return fmt.Errorf("%s: member %q: %w: tar type %q", input, h.Name, ErrUnsupported, h.Typeflag)
		}
		if name == "." || name == "" {
			continue // the archive root itself
		}
		if err := s.Add(input, e); err != nil {
			return err
		}
	}
	s.setTrailer(nil)
	return nil
}

// ListOptions says where AddList finds the contents of `file` entries.
type ListOptions struct {
	// Root is the directory that file locations are relative to (the
	// list's own directory when the caller has no better one).
	Root string
	// Srcs, when non-nil, is every file a location may name (as paths
	// that Root-joined locations are compared with after filepath.Clean):
	// the files a build declared as inputs. Any other location fails with
	// ErrUndeclared, so a list cannot read what the build did not declare.
	Srcs []string
}

// AddList merges a gen_init_cpio list read from r (see ParseList). A file
// location must be relative and stay inside o.Root: absolute locations,
// ".." leaving it and (without o.Srcs) symlinks resolving outside it fail
// with ErrLocation naming the list and line. Owners and modes are taken
// from the list.
func (s *Set) AddList(input string, r io.Reader, o ListOptions) error {
	items, err := ParseList(r)
	if err != nil {
		return fmt.Errorf("%s: %w", input, err)
	}
	var srcs map[string]bool
	if o.Srcs != nil {
		srcs = map[string]bool{}
		for _, f := range o.Srcs {
			srcs[filepath.Clean(f)] = true
		}
	}
	for _, it := range items {
		e := &Entry{Name: it.Name, Mode: it.Mode, UID: it.UID, GID: it.GID}
		switch it.Mode & TypeMask {
		case TypeRegular:
			loc, err := listLocation(o.Root, it.Location, srcs)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", input, it.Line, err)
			}
			if e.Data, err = os.ReadFile(loc); err != nil {
				return fmt.Errorf("%s:%d: %w (is it listed in dev_list_srcs?)", input, it.Line, err)
			}
		case TypeSymlink:
			e.Data = []byte(it.Target)
		case TypeChar, TypeBlock:
			e.RDevMajor, e.RDevMinor = it.Major, it.Minor
		}
		for _, n := range append([]string{it.Name}, it.Links...) {
			c := *e
			c.Name = n
			if err := s.Add(fmt.Sprintf("%s:%d", input, it.Line), &c); err != nil {
				return err
			}
		}
	}
	s.setTrailer(nil)
	return nil
}

// listLocation resolves a list's file location against root, refusing
// what could read outside the declared inputs (see ListOptions).
func listLocation(root, loc string, srcs map[string]bool) (string, error) {
	if filepath.IsAbs(loc) {
		return "", fmt.Errorf("%w: %q is absolute; name it relative to the list's directory and declare it in dev_list_srcs", ErrLocation, loc)
	}
	if !filepath.IsLocal(loc) {
		return "", fmt.Errorf("%w: %q leaves the list's directory", ErrLocation, loc)
	}
	p := filepath.Join(root, loc)
	if srcs != nil {
		if !srcs[p] {
			return "", fmt.Errorf("%w: %q is not declared in dev_list_srcs", ErrUndeclared, loc)
		}
		return p, nil
	}
	// Without a declared set, the resolved file must still be under root.
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("%w (is it listed in dev_list_srcs?)", err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%w: %q resolves to %s, outside the list's directory", ErrLocation, loc, real)
	}
	return p, nil
}
