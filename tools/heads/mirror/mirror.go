// Package mirror fills a mirror directory (a distdir: files found by name)
// with the source archives a Heads tree's sources file pins, checking
// every sha256, and says what is still missing.
package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rules-heads/rules_heads/tools/heads/tree"
	"github.com/rules-heads/rules_heads/tools/internal/atomicfile"
)

// Result is what Fill did with one pin.
type Result struct {
	Source tree.Source
	// Status is "present" (already in the directory with its sha256),
	// "fetched", or "missing".
	Status string
	// Why says why a pin is missing: each URL's error, or no sha256.
	Why string
}

// ReadSources reads a sources file (headsgen sources).
func ReadSources(name string) ([]tree.Source, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var f tree.SourcesFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	for i, s := range f.Sources {
		if s.FileName == "" || strings.ContainsAny(s.FileName, "/\\") || s.FileName == "." || s.FileName == ".." {
			return nil, fmt.Errorf("%s: sources[%d] (%s): file name %q is not a plain file name", name, i, s.Name, s.FileName)
		}
	}
	return f.Sources, nil
}

// Substitution is one entry of a substitution list: a source archive
// that replaces the pin Name of the sources file.
type Substitution struct {
	Name     string   `json:"name"`
	FileName string   `json:"file_name"`
	SHA256   string   `json:"sha256"`
	URLs     []string `json:"urls"`
	Origin   string   `json:"origin"`
	Why      string   `json:"why"`
}

// ReadSubstitutions reads a substitution list (JSON `substitutions`).
func ReadSubstitutions(name string) ([]Substitution, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var f struct {
		Substitutions []Substitution `json:"substitutions"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	for i, e := range f.Substitutions {
		if e.Name == "" || e.FileName == "" || e.SHA256 == "" || e.Origin == "" || e.Why == "" {
			return nil, fmt.Errorf("%s: substitutions[%d] needs name, file_name, sha256, origin and why", name, i)
		}
		if strings.ContainsAny(e.FileName, "/\\") || e.FileName == "." || e.FileName == ".." {
			return nil, fmt.Errorf("%s: substitutions[%d] (%s): file name %q is not a plain file name", name, i, e.Name, e.FileName)
		}
	}
	return f.Substitutions, nil
}

// Substitute replaces the pins named in subs by their substitutes (file
// name, sha256, URLs; Module gets " (substitute: <origin>)"), as the
// heads module extension does. A substitution naming no pin is an error.
func Substitute(srcs []tree.Source, subs []Substitution) ([]tree.Source, error) {
	byName := map[string]Substitution{}
	for _, s := range subs {
		byName[s.Name] = s
	}
	out := make([]tree.Source, len(srcs))
	for i, s := range srcs {
		if sub, ok := byName[s.Name]; ok {
			s.FileName, s.SHA256, s.URLs = sub.FileName, sub.SHA256, sub.URLs
			s.Module += " (substitute: " + sub.Origin + ")"
			delete(byName, s.Name)
		}
		out[i] = s
	}
	for n := range byName {
		return nil, fmt.Errorf("the substitution list names %s, which is no pin of the sources file", n)
	}
	return out, nil
}

// Select keeps the pins any of boards uses (all pins when boards is empty).
func Select(srcs []tree.Source, boards []string) []tree.Source {
	if len(boards) == 0 {
		return srcs
	}
	var out []tree.Source
	for _, s := range srcs {
		for _, b := range boards {
			if slices.Contains(s.Boards, b) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// Fill makes sure dir holds every pin of srcs with its sha256: a file
// already there is checked, else each URL is tried in turn. Bytes are
// written to dir only once they match the pin (no partial or wrong file is
// ever left there). A pin without sha256 is never downloaded.
func Fill(ctx context.Context, client *http.Client, srcs []tree.Source, dir string) []Result {
	var out []Result
	for _, s := range srcs {
		r := Result{Source: s}
		dest := filepath.Join(dir, s.FileName)
		switch {
		case s.SHA256 == "":
			r.Status, r.Why = "missing", "no sha256 pinned (a git commit whose forge archive has not been hashed)"
		case fileHas(dest, s.SHA256):
			r.Status = "present"
		default:
			var whys []string
			for _, u := range s.URLs {
				err := fetch(ctx, client, u, s.SHA256, dest)
				if err == nil {
					r.Status = "fetched"
					break
				}
				whys = append(whys, fmt.Sprintf("%s: %v", u, err))
			}
			if r.Status == "" {
				r.Status = "missing"
				if len(whys) == 0 {
					whys = append(whys, "no URL")
				}
				if _, err := os.Stat(dest); err == nil {
					whys = append(whys, dest+" is there with another sha256 (left as it is)")
				}
				r.Why = strings.Join(whys, "; ")
			}
		}
		out = append(out, r)
	}
	return out
}

func fileHas(name, sum string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == sum
}

var errSum = errors.New("sha256 mismatch")

func fetch(ctx context.Context, client *http.Client, url, sum, dest string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return atomicfile.Write(dest, 0o644, func(w io.Writer) error {
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(w, h), resp.Body); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			return fmt.Errorf("%w: got %s, want %s", errSum, got, sum)
		}
		return nil
	})
}
