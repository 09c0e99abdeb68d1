package reprocheck

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Artifact is one output file of the first build.
type Artifact struct {
	// Path is relative to the compared roots (e.g. bazel-out/.../x.rom).
	Path   string
	SHA256 string
	Size   int64
}

// Compare hashes every file under each of paths (files, or directories:
// tree artifacts) in rootA and rootB and returns the first build's
// artifacts in path order and the first difference (nil if every file is
// identical and both builds have the same files).
func Compare(rootA, rootB string, paths []string) ([]Artifact, *Difference, error) {
	filesA, err := expand(rootA, paths)
	if err != nil {
		return nil, nil, err
	}
	filesB, err := expand(rootB, paths)
	if err != nil {
		return nil, nil, err
	}
	var arts []Artifact
	var first *Difference
	inB := map[string]bool{}
	for _, f := range filesB {
		inB[f] = true
	}
	for _, f := range filesA {
		a, err := os.ReadFile(filepath.Join(rootA, f))
		if err != nil {
			return nil, nil, err
		}
		sum := sha256.Sum256(a)
		arts = append(arts, Artifact{Path: f, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(a))})
		if first != nil {
			continue
		}
		if !inB[f] {
			first = &Difference{Artifact: f, Offset: -1, Detail: "only in the first build"}
			continue
		}
		b, err := os.ReadFile(filepath.Join(rootB, f))
		if err != nil {
			return nil, nil, err
		}
		first = Explain(f, a, b)
	}
	if first == nil {
		inA := map[string]bool{}
		for _, f := range filesA {
			inA[f] = true
		}
		for _, f := range filesB {
			if !inA[f] {
				first = &Difference{Artifact: f, Offset: -1, Detail: "only in the second build"}
				break
			}
		}
	}
	return arts, first, nil
}

// expand lists the regular files of paths under root (relative, sorted).
func expand(root string, paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		full := filepath.Join(root, p)
		fi, err := os.Stat(full)
		if errors.Is(err, fs.ErrNotExist) {
			continue // reported as "only in the other build"
		}
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(full, func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if de.Type().IsRegular() {
				rel, err := filepath.Rel(root, path)
				if err != nil {
					return err
				}
				out = append(out, rel)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", full, err)
		}
	}
	sort.Strings(out)
	return out, nil
}
