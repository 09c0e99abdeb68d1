package mirror

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/rules-heads/rules_heads/tools/heads/tree"
	"github.com/ulikunitz/xz"
)

// DebianFile is one file of a Debian source package, as a Sources index
// lists it.
type DebianFile struct {
	Package, Version string
	Path             string // relative to the archive root: <Directory>/<name>
	Size             string
}

// ParseSources reads a Debian Sources index (deb822 paragraphs) and
// returns its files by sha256 (Checksums-Sha256). name is for errors. A
// paragraph with checksums but no Directory is an error naming the line.
func ParseSources(name string, r io.Reader) (map[string]DebianFile, error) {
	out := map[string]DebianFile{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var pkg, ver, dir, field string
	var sums [][3]string // sha256, size, name
	start := 1
	flush := func(line int) error {
		if len(sums) > 0 {
			if dir == "" || strings.Contains(dir, "..") || strings.HasPrefix(dir, "/") {
				return fmt.Errorf("%s:%d: source package %q has files but Directory is %q", name, start, pkg, dir)
			}
			for _, s := range sums {
				if strings.ContainsAny(s[2], "/\\") || s[2] == ".." {
					return fmt.Errorf("%s:%d: file name %q of %s is not a plain name", name, start, s[2], pkg)
				}
				out[s[0]] = DebianFile{Package: pkg, Version: ver, Path: path.Join(dir, s[2]), Size: s[1]}
			}
		}
		pkg, ver, dir, field, sums = "", "", "", "", nil
		start = line + 1
		return nil
	}
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			if err := flush(n); err != nil {
				return nil, err
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if field == "checksums-sha256" {
				f := strings.Fields(line)
				if len(f) != 3 || !isSHA256(f[0]) {
					return nil, fmt.Errorf("%s:%d: Checksums-Sha256 line %q is not `<sha256> <size> <name>`", name, n, line)
				}
				sums = append(sums, [3]string{strings.ToLower(f[0]), f[1], f[2]})
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is neither a field nor a continuation", name, n, line)
		}
		field = strings.ToLower(k)
		v = strings.TrimSpace(v)
		switch field {
		case "package":
			pkg = v
		case "version":
			ver = v
		case "directory":
			dir = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if err := flush(n); err != nil {
		return nil, err
	}
	return out, nil
}

func isSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

// FetchSourcesIndex downloads and parses dists/<suite>/main/source/Sources.xz
// of the Debian archive at archive.
func FetchSourcesIndex(ctx context.Context, client *http.Client, archive, suite string) (map[string]DebianFile, error) {
	u := strings.TrimSuffix(archive, "/") + "/dists/" + suite + "/main/source/Sources.xz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %s", u, resp.Status)
	}
	zr, err := xz.NewReader(bufio.NewReader(resp.Body))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", u, err)
	}
	return ParseSources(u, zr)
}

// WithDebian gives each pin whose sha256 a Debian source file has that
// file's URL in the archive (first), so Fill fetches Heads' exact bytes
// from Debian. It returns the pins found there.
func WithDebian(srcs []tree.Source, index map[string]DebianFile, archive string) (out []tree.Source, found []string) {
	for _, s := range srcs {
		if f, ok := index[s.SHA256]; ok && s.SHA256 != "" {
			s.URLs = append([]string{strings.TrimSuffix(archive, "/") + "/" + f.Path}, s.URLs...)
			found = append(found, fmt.Sprintf("%s: %s = Debian %s %s %s", s.Module, s.FileName, f.Package, f.Version, path.Base(f.Path)))
		}
		out = append(out, s)
	}
	return out, found
}

// AptArchive is the Debian archive URI of this machine's apt configuration
// (deb822 .sources files and sources.list), the first one ending in
// /debian: the mirror the host already uses, never a built-in host name.
func AptArchive(etc string) (string, error) {
	var files []string
	if m, _ := filepath.Glob(filepath.Join(etc, "sources.list.d", "*.sources")); m != nil {
		files = append(files, m...)
	}
	files = append(files, filepath.Join(etc, "sources.list"))
	if m, _ := filepath.Glob(filepath.Join(etc, "sources.list.d", "*.list")); m != nil {
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			var cands []string
			switch {
			case strings.HasPrefix(line, "URIs:"):
				cands = strings.Fields(strings.TrimPrefix(line, "URIs:"))
			case strings.HasPrefix(line, "deb-src ") || strings.HasPrefix(line, "deb "):
				for _, w := range strings.Fields(line)[1:] {
					if strings.Contains(w, "://") {
						cands = append(cands, w)
						break
					}
				}
			}
			for _, c := range cands {
				if strings.HasSuffix(strings.TrimSuffix(c, "/"), "/debian") {
					return strings.TrimSuffix(c, "/"), nil
				}
			}
		}
	}
	return "", fmt.Errorf("no Debian archive URI (ending in /debian) in %s's apt sources; give --archive", etc)
}
