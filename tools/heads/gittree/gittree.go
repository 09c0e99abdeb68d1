// Package gittree computes git's object ids of files and directory trees
// (SHA-1 object format) without git, so a downloaded Heads tree can be
// checked against the tree id of the commit it claims to be.
package gittree

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
)

// BlobID is git's id of a file with these contents (git hash-object).
func BlobID(data []byte) string {
	return hex.EncodeToString(object("blob", data))
}

func object(kind string, data []byte) []byte {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(data))
	h.Write(data)
	return h.Sum(nil)
}

// TreeID is git's tree id of dir in fsys, as `git write-tree` computes it
// for those files: regular files are 100644 or, with any execute bit,
// 100755; symbolic links 120000 (their target is the blob); directories
// 40000; empty directories are left out, as git cannot store them.
// Symbolic links need fsys to have fs.ReadLinkFS's ReadLink; other file
// types are an error. Entries of dir named in exclude are left out (files
// a tool put next to the tree).
func TreeID(fsys fs.FS, dir string, exclude ...string) (string, error) {
	id, _, err := tree(fsys, dir, exclude...)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(id), nil
}

// readLinker is fs.ReadLinkFS's method (os.DirFS has it since Go 1.25),
// declared here so the package builds with the go directive of go.mod.
type readLinker interface {
	ReadLink(name string) (string, error)
}

type entry struct {
	name string
	mode string
	id   []byte
}

// tree returns dir's tree id, and whether it has any entry.
func tree(fsys fs.FS, dir string, exclude ...string) ([]byte, bool, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, false, err
	}
	var es []entry
	for _, d := range ents {
		if slices.Contains(exclude, d.Name()) {
			continue
		}
		p := path.Join(dir, d.Name())
		switch t := d.Type(); {
		case t.IsDir():
			id, nonEmpty, err := tree(fsys, p)
			if err != nil {
				return nil, false, err
			}
			if nonEmpty {
				es = append(es, entry{d.Name(), "40000", id})
			}
		case t&fs.ModeSymlink != 0:
			rl, ok := fsys.(readLinker)
			if !ok {
				return nil, false, fmt.Errorf("%s: symbolic link, and the file system cannot read links", p)
			}
			target, err := rl.ReadLink(p)
			if err != nil {
				return nil, false, err
			}
			es = append(es, entry{d.Name(), "120000", object("blob", []byte(target))})
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				return nil, false, err
			}
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, false, err
			}
			mode := "100644"
			if info.Mode().Perm()&0o111 != 0 {
				mode = "100755"
			}
			es = append(es, entry{d.Name(), mode, object("blob", data)})
		default:
			return nil, false, fmt.Errorf("%s: %v cannot be in a git tree", p, t)
		}
	}
	// git sorts entries by name, a directory's name as if it ended in "/".
	key := func(e entry) string {
		if e.mode == "40000" {
			return e.name + "/"
		}
		return e.name
	}
	sort.Slice(es, func(i, j int) bool { return key(es[i]) < key(es[j]) })
	var buf []byte
	for _, e := range es {
		buf = append(buf, e.mode+" "+e.name+"\x00"...)
		buf = append(buf, e.id...)
	}
	return object("tree", buf), len(es) > 0, nil
}
