package initrd

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		name, in string
		want     []ListItem
		err      error
	}{
		{"empty and comments", "\n# comment\n   \n", nil, nil},
		{"file", "file /init init.sh 755 0 0", []ListItem{{Line: 1, Name: "init", Location: "init.sh", Mode: TypeRegular | 0o755}}, nil},
		{"file with links", "file /bin/a a 0755 1 2 /bin/b bin/c", []ListItem{{Line: 1, Name: "bin/a", Location: "a", Mode: TypeRegular | 0o755, UID: 1, GID: 2, Links: []string{"bin/b", "bin/c"}}}, nil},
		{"dir", "dir /dev 0755 0 0", []ListItem{{Line: 1, Name: "dev", Mode: TypeDir | 0o755}}, nil},
		{"char nod", "nod /dev/console 0600 0 0 c 5 1", []ListItem{{Line: 1, Name: "dev/console", Mode: TypeChar | 0o600, Major: 5, Minor: 1}}, nil},
		{"block nod", "nod /dev/sda 0660 0 6 b 8 0", []ListItem{{Line: 1, Name: "dev/sda", Mode: TypeBlock | 0o660, GID: 6, Major: 8}}, nil},
		{"slink", "\nslink /bin/sh busybox 777 0 0", []ListItem{{Line: 2, Name: "bin/sh", Target: "busybox", Mode: TypeSymlink | 0o777}}, nil},
		{"pipe and sock", "pipe /p 644 0 0\nsock /s 644 0 0", []ListItem{{Line: 1, Name: "p", Mode: TypeFIFO | 0o644}, {Line: 2, Name: "s", Mode: TypeSocket | 0o644}}, nil},
		{"unknown type", "link a b", nil, ErrBadList},
		{"too few", "dir /dev 0755 0", nil, ErrBadList},
		{"too many", "dir /dev 0755 0 0 0", nil, ErrBadList},
		{"bad mode", "dir /dev 0789 0 0", nil, ErrBadList},
		{"mode with type bits", "dir /dev 040755 0 0", nil, ErrBadList},
		{"bad uid", "dir /dev 0755 root 0", nil, ErrBadList},
		{"bad dev type", "nod /dev/x 0600 0 0 x 1 1", nil, ErrBadList},
		{"bad major", "nod /dev/x 0600 0 0 c -1 1", nil, ErrBadList},
		{"dotdot", "dir /../etc 0755 0 0", nil, ErrBadName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList(strings.NewReader(tc.in))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestAddList(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "init.sh"), []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	list := "dir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\nfile /init init.sh 0755 0 0 /init2\nslink /sh init 0777 0 0\n"
	s := NewSet(FormatDefault)
	if err := s.AddList("l", strings.NewReader(list), ListOptions{Root: dir}); err != nil {
		t.Fatal(err)
	}
	es, _ := s.Entries()
	var got []string
	for _, e := range es {
		got = append(got, Describe(e))
	}
	want := []string{
		"0040755 0:0 0 - dev",
		"0020600 0:0 5,1 - dev/console",
		"0100755 0:0 10 " + sha("#!/bin/sh\n") + " init",
		"0100755 0:0 10 " + sha("#!/bin/sh\n") + " init2",
		"0120777 0:0 4 - sh -> init",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	err := NewSet(FormatDefault).AddList("l", strings.NewReader("file /x missing 0644 0 0"), ListOptions{Root: dir})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "l:1") || !strings.Contains(err.Error(), "dev_list_srcs") {
		t.Fatalf("err = %v", err)
	}
}

// TestAddListLocations: a list may only read files inside its directory,
// and with Srcs only the declared ones.
func TestAddListLocations(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "lists")
	for name, data := range map[string]string{
		"lists/ok.txt":        "ok",
		"lists/sub/a b $HOME": "odd name",
		"secret":              "outside",
	} {
		p := filepath.Join(top, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../secret", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	declared := []string{filepath.Join(dir, "ok.txt"), filepath.Join(dir, "link")}
	for _, c := range []struct {
		name, loc string
		srcs      []string
		want      error // nil: reads fine
	}{
		{"relative", "ok.txt", nil, nil},
		{"dot", "./ok.txt", nil, nil},
		{"absolute", "/etc/passwd", nil, ErrLocation},
		{"absolute declared", filepath.Join(dir, "ok.txt"), declared, ErrLocation},
		{"dotdot", "../secret", nil, ErrLocation},
		{"inner dotdot", "sub/../../secret", nil, ErrLocation},
		{"symlink out", "link", nil, ErrLocation},
		{"declared", "ok.txt", declared, nil},
		{"declared symlink", "link", declared, nil}, // Bazel's sandbox inputs are symlinks
		{"undeclared", "sub/a b $HOME", declared, ErrUndeclared},
		{"none declared", "ok.txt", []string{}, ErrUndeclared},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A name with a blank cannot be written in a list; test it
			// through listLocation, the rest through AddList.
			if strings.ContainsAny(c.loc, " ") {
				_, err := listLocation(dir, c.loc, map[string]bool{})
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				return
			}
			err := NewSet(FormatDefault).AddList("my.list", strings.NewReader("file /x "+c.loc+" 0644 0 0\n"), ListOptions{Root: dir, Srcs: c.srcs})
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), "my.list:1: ") {
				t.Fatalf("err = %v, want %v naming my.list:1", err, c.want)
			}
		})
	}
	// A location with a "$" is taken literally (no ${VAR} expansion).
	s := NewSet(FormatDefault)
	if err := s.AddList("l", strings.NewReader("file /x sub/$HOME 0644 0 0\n"), ListOptions{Root: dir}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}
