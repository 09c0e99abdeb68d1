package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

func TestWrite(t *testing.T) {
	// A restrictive umask must not change the requested mode.
	setUmask(t, 0o077)
	boom := errors.New("boom")
	writeString := func(s string) func(io.Writer) error {
		return func(w io.Writer) error {
			_, err := io.WriteString(w, s)
			return err
		}
	}
	tests := []struct {
		name     string
		path     string // relative to the test's directory
		setup    func(t *testing.T, dir string)
		perm     fs.FileMode
		write    func(io.Writer) error // nil: WriteBytes with "new"
		wantErr  error                 // errors.Is target; errAny for any error
		wantData string                // content of path afterwards ("" and no file: absent)
		wantMode fs.FileMode           // checked when nonzero
		wantDir  []string              // directory listing afterwards
	}{
		{
			name:     "new file",
			path:     "out.rom",
			perm:     0o644,
			wantData: "new",
			wantMode: 0o644,
			wantDir:  []string{"out.rom"},
		},
		{
			name:     "new file via Write",
			path:     "out.tar",
			perm:     0o644,
			write:    writeString("streamed"),
			wantData: "streamed",
			wantMode: 0o644,
			wantDir:  []string{"out.tar"},
		},
		{
			name:     "executable mode despite umask",
			path:     "tool",
			perm:     0o755,
			wantData: "new",
			wantMode: 0o755,
			wantDir:  []string{"tool"},
		},
		{
			name:     "empty content",
			path:     "empty",
			perm:     0o644,
			write:    func(io.Writer) error { return nil },
			wantData: "",
			wantMode: 0o644,
			wantDir:  []string{"empty"},
		},
		{
			name:     "replaces existing file and its mode",
			path:     "out.rom",
			setup:    writeOld("out.rom", 0o600),
			perm:     0o644,
			wantData: "new",
			wantMode: 0o644,
			wantDir:  []string{"out.rom"},
		},
		{
			name:  "write error leaves existing file untouched",
			path:  "out.tar",
			setup: writeOld("out.tar", 0o644),
			perm:  0o644,
			write: func(w io.Writer) error {
				io.WriteString(w, "partial")
				return boom
			},
			wantErr:  boom,
			wantData: "old",
			wantMode: 0o644,
			wantDir:  []string{"out.tar"},
		},
		{
			name: "write error leaves nothing",
			path: "out.cpio",
			perm: 0o644,
			write: func(w io.Writer) error {
				io.WriteString(w, "partial")
				return boom
			},
			wantErr: boom,
			wantDir: []string{},
		},
		{
			name:    "missing directory",
			path:    filepath.Join("missing", "x"),
			perm:    0o644,
			wantErr: fs.ErrNotExist,
			wantDir: []string{},
		},
		{
			name: "destination is a directory",
			path: "sub",
			setup: func(t *testing.T, dir string) {
				if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			perm:    0o644,
			wantErr: errAny,
			wantDir: []string{"sub"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.path)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			// A reader that opened the old file keeps seeing it whole:
			// the new content arrives by rename, not by rewriting.
			var old *os.File
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
				if old, err = os.Open(path); err != nil {
					t.Fatal(err)
				}
				defer old.Close()
			}

			var err error
			if tt.write == nil {
				err = WriteBytes(path, tt.perm, []byte("new"))
			} else {
				err = Write(path, tt.perm, tt.write)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("err = %v, want nil", err)
			case tt.wantErr == errAny && err == nil:
				t.Fatal("err = nil, want an error")
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}

			if got := listDir(t, dir); !reflect.DeepEqual(got, tt.wantDir) {
				t.Errorf("directory holds %q, want %q", got, tt.wantDir)
			}
			if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != tt.wantData {
					t.Errorf("content %q, want %q", b, tt.wantData)
				}
				if tt.wantMode != 0 && st.Mode().Perm() != tt.wantMode {
					t.Errorf("mode %v, want %v", st.Mode().Perm(), tt.wantMode)
				}
			} else if tt.wantData != "" {
				t.Errorf("stat: %v, want a file with %q", err, tt.wantData)
			}
			if old != nil {
				if b, err := io.ReadAll(old); err != nil || string(b) != "old" {
					t.Errorf("file opened before now reads %q, %v; want %q", b, err, "old")
				}
			}
		})
	}
}

// errAny as TestWrite's wantErr accepts any non-nil error.
var errAny = errors.New("any error")

func writeOld(name string, perm fs.FileMode) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("old"), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
