package tarnorm

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

func TestExtractRefuses(t *testing.T) {
	long := strings.Repeat("x", 120)
	tests := []struct {
		name    string
		archive func(t testing.TB) []byte
		strip   int
		member  string // member named in the error
		want    error
	}{
		{"absolute name", tar1(file("/etc/evil", "x")), 0, "/etc/evil", ErrAbsolutePath},
		{"dotdot name", tar1(file("../evil", "x")), 0, "../evil", ErrPathEscape},
		{"dotdot inside name", tar1(dir("a/"), file("a/../../evil", "x")), 0, "a/../../evil", ErrPathEscape},
		{"dotdot stripped away still refused", tar1(file("../pkg/evil", "x")), 1, "../pkg/evil", ErrPathEscape},
		{"dotdot in long PAX name", tar1(file(long+"/../../"+long, "x")), 0, long + "/../../" + long, ErrPathEscape},
		{"symlink absolute", tar1(symlink("l", "/etc")), 0, "l", ErrAbsolutePath},
		{"symlink dotdot", tar1(symlink("l", "../outside")), 0, "l", ErrLinkEscape},
		{"symlink nested dotdot", tar1(dir("a/"), symlink("a/l", "../../outside")), 0, "a/l", ErrLinkEscape},
		{"symlink escape after strip", tar1(symlink("pkg/l", "../x")), 1, "pkg/l", ErrLinkEscape},
		{"symlink via symlink chain", tar1(symlink("s", "."), symlink("t", "s/s/s/..")), 0, "t", ErrLinkEscape},
		{"symlink redirected by later symlink", tar1(symlink("t", "s/s/.."), symlink("s", ".")), 0, "t", ErrLinkEscape},
		{"symlink redirected after strip", tar1(symlink("p/t", "s/s/.."), symlink("p/s", ".")), 1, "p/t", ErrLinkEscape},
		{"symlink loop", tar1(symlink("a", "b/x"), symlink("b", "a/y")), 0, "b", ErrLinkEscape},
		{"symlink empty target", tar1(symlink("l", "")), 0, "l", ErrLinkEscape},
		{"hardlink absolute", tar1(hardlink("h", "/etc/passwd")), 0, "h", ErrAbsolutePath},
		{"hardlink dotdot", tar1(hardlink("h", "../outside")), 0, "h", ErrPathEscape},
		{"hardlink to missing", tar1(hardlink("h", "nothere")), 0, "h", ErrBadHardlink},
		{"hardlink to symlink", tar1(symlink("l", "x"), hardlink("h", "l")), 0, "h", ErrBadHardlink},
		{"hardlink to dir", tar1(dir("d/"), hardlink("h", "d")), 0, "h", ErrBadHardlink},
		{"char device", tar1(special("dev/null", tar.TypeChar)), 0, "dev/null", ErrSpecialFile},
		{"block device", tar1(special("dev/sda", tar.TypeBlock)), 0, "dev/sda", ErrSpecialFile},
		{"fifo", tar1(special("fifo", tar.TypeFifo)), 0, "fifo", ErrSpecialFile},
		{"unsupported type", tar1(special("vol", 'V')), 0, "vol", ErrUnsupportedType},
		{"file through symlink dir", tar1(dir("sub/"), symlink("d", "sub"), file("d/x", "x")), 0, "d/x", ErrThroughSymlink},
		{"file through dot symlink", tar1(symlink("d", "."), file("d/x", "x")), 0, "d/x", ErrThroughSymlink},
		{"file over symlink", tar1(file("target", "t"), symlink("f", "target"), file("f", "x")), 0, "f", ErrThroughSymlink},
		{"dir through symlink", tar1(dir("sub/"), symlink("d", "sub"), dir("d/e/")), 0, "d/e/", ErrThroughSymlink},
		{"hardlink through symlink", tar1(file("f", "x"), dir("sub/"), symlink("d", "sub"), hardlink("d/h", "f")), 0, "d/h", ErrThroughSymlink},
		{"symlink through symlink", tar1(dir("sub/"), symlink("d", "sub"), symlink("d/l", "x")), 0, "d/l", ErrThroughSymlink},
		{"dir over file", tar1(file("a", "x"), file("a/b", "y")), 0, "a/b", ErrNotDir},
		{"file over dir", tar1(dir("a/"), file("a", "x")), 0, "a", ErrIsDir},
		{"gzip absolute name", gz1(file("/abs", "x")), 0, "/abs", ErrAbsolutePath},
		{"zip absolute name", zip1(file("/abs", "x")), 0, "/abs", ErrAbsolutePath},
		{"zip dotdot name", zip1(file("../evil", "x")), 0, "../evil", ErrPathEscape},
		{"zip symlink escape", zip1(symlink("l", "../../etc")), 0, "l", ErrLinkEscape},
		{"zip fifo", zip1(special("p", tar.TypeFifo)), 0, "p", ErrSpecialFile},
		{"zip device", zip1(special("d", tar.TypeChar)), 0, "d", ErrSpecialFile},
		{"zip file through symlink", zip1(symlink("d", "."), file("d/x", "x")), 0, "d/x", ErrThroughSymlink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "out")
			err := Extract(bytes.NewReader(tt.archive(t)), dest, ExtractOptions{Name: "evil.tar", StripComponents: tt.strip})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Extract() error = %v, want %v", err, tt.want)
			}
			var me *MemberError
			if !errors.As(err, &me) || me.Member != tt.member || me.Archive != "evil.tar" {
				t.Errorf("Extract() error = %#v, want a *MemberError for archive %q member %q", err, "evil.tar", tt.member)
			}
			if msg := err.Error(); !strings.Contains(msg, "evil.tar") || !strings.Contains(msg, tt.member) {
				t.Errorf("error %q does not name the archive and the member", msg)
			}
			if got := listDir(t, parent); len(got) != 0 {
				t.Errorf("partial output left behind: %v", got)
			}
		})
	}
}

func tar1(ents ...ent) func(testing.TB) []byte {
	return func(t testing.TB) []byte { return tarOf(t, ents...) }
}

func gz1(ents ...ent) func(testing.TB) []byte {
	return func(t testing.TB) []byte { return gzipOf(t, tarOf(t, ents...)) }
}

func zip1(ents ...ent) func(testing.TB) []byte {
	return func(t testing.TB) []byte { return zipOf(t, ents...) }
}

func TestExtractOtherErrors(t *testing.T) {
	t.Run("unknown format", func(t *testing.T) {
		parent := t.TempDir()
		err := Extract(strings.NewReader("this is not an archive at all"), filepath.Join(parent, "out"), ExtractOptions{Name: "x.txt"})
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "x.txt") {
			t.Fatalf("err = %v, want ErrUnknownFormat naming x.txt", err)
		}
		if got := listDir(t, parent); len(got) != 0 {
			t.Errorf("left behind: %v", got)
		}
	})
	t.Run("destination not empty", func(t *testing.T) {
		dest := t.TempDir()
		os.WriteFile(filepath.Join(dest, "keep"), nil, 0o644)
		err := Extract(bytes.NewReader(tarOf(t, file("a", "x"))), dest, ExtractOptions{})
		if !errors.Is(err, ErrDestNotEmpty) {
			t.Fatalf("err = %v, want ErrDestNotEmpty", err)
		}
		if got := listDir(t, dest); !reflect.DeepEqual(got, []string{"keep"}) {
			t.Errorf("destination changed: %v", got)
		}
	})
	t.Run("size limit", func(t *testing.T) {
		parent := t.TempDir()
		err := Extract(bytes.NewReader(tarOf(t, file("a", "12345"), file("b", "67890"))), filepath.Join(parent, "out"),
			ExtractOptions{Name: "big.tar", MaxBytes: 8})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), `"b"`) {
			t.Fatalf("err = %v, want ErrTooLarge for member b", err)
		}
		if got := listDir(t, parent); len(got) != 0 {
			t.Errorf("left behind: %v", got)
		}
	})
	t.Run("truncated archive", func(t *testing.T) {
		parent := t.TempDir()
		b := tarOf(t, file("a", strings.Repeat("x", 2000)))
		err := Extract(bytes.NewReader(b[:1200]), filepath.Join(parent, "out"), ExtractOptions{Name: "cut.tar"})
		if err == nil || !strings.Contains(err.Error(), "cut.tar") {
			t.Fatalf("err = %v, want an error naming cut.tar", err)
		}
		if got := listDir(t, parent); len(got) != 0 {
			t.Errorf("left behind: %v", got)
		}
	})
}

func TestExtract(t *testing.T) {
	const epoch = 1700000000
	want := []string{
		". drwxr-xr-x",
		"bin drwxr-xr-x",
		"bin/run -rwxr-xr-x =#!/bin/sh\n",
		"empty drwxr-xr-x",
		"greeting -rw-r--r-- =hello\n",
		"hard -rw-r--r-- =hello\n",
		"link Lrwxrwxrwx -> greeting",
		"up Lrwxrwxrwx -> x/../greeting",
		"x drwxr-xr-x",
		"x/up Lrwxrwxrwx -> ../bin/../greeting",
	}
	ents := []ent{
		dir("pkg/"),
		withMode(file("pkg/greeting", "hello\n"), 0o600),
		withMode(exe("pkg/bin/run", "#!/bin/sh\n"), 0o700), // parent dir implied
		withMode(dir("pkg/empty/"), 0o700),
		symlink("pkg/link", "greeting"),
		hardlink("pkg/hard", "pkg/greeting"),
		dir("pkg/x"),
		symlink("pkg/x/up", "../bin/../greeting"),
		symlink("pkg/up", "x/../greeting"),
		file("README", "skipped: nothing left after strip"),
	}

	tarb := tarOf(t, ents...)
	formats := map[string][]byte{
		"tar":    tarb,
		"tar.gz": gzipOf(t, tarb),
		"tar.xz": xzOf(t, tarb),
		"ustar":  buildTar(t, tar.FormatUSTAR, ents),
		"gnu":    buildTar(t, tar.FormatGNU, ents),
	}
	zipEnts := []ent{}
	for _, e := range ents {
		if e.typ != tar.TypeLink {
			zipEnts = append(zipEnts, e)
		}
	}
	for name, b := range formats {
		t.Run(name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			if err := Extract(bytes.NewReader(b), dest, ExtractOptions{StripComponents: 1, MTime: epoch}); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, dest); !reflect.DeepEqual(got, want) {
				t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			checkMtimes(t, dest, epoch)
		})
	}
	t.Run("zip", func(t *testing.T) {
		dest := filepath.Join(t.TempDir(), "out")
		if err := Extract(bytes.NewReader(zipOf(t, zipEnts...)), dest, ExtractOptions{StripComponents: 1, MTime: epoch}); err != nil {
			t.Fatal(err)
		}
		var wantZip []string
		for _, w := range want {
			if !strings.HasPrefix(w, "hard ") {
				wantZip = append(wantZip, w)
			}
		}
		if got := snapshot(t, dest); !reflect.DeepEqual(got, wantZip) {
			t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantZip, "\n"))
		}
		checkMtimes(t, dest, epoch)
	})
}

func xzOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkMtimes(t *testing.T, root string, epoch int64) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Lstat(p)
		if fi.Mode()&fs.ModeSymlink != 0 && !lchtimesSymlinks {
			return nil
		}
		if got := fi.ModTime().Unix(); got != epoch {
			t.Errorf("%s: mtime %d, want %d", p, got, epoch)
		}
		return nil
	})
}

// TestExtractFixtures reads archives made by the real bzip2 and xz tools.
func TestExtractFixtures(t *testing.T) {
	want := []string{
		". drwxr-xr-x",
		"bin drwxr-xr-x",
		"bin/run -rwxr-xr-x =#!/bin/sh\necho hi\n",
		"greeting -rw-r--r-- =hello\n",
		"link Lrwxrwxrwx -> greeting",
	}
	for _, name := range []string{"hello.tar.bz2", "hello.tar.xz"} {
		t.Run(name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			if err := ExtractFile(filepath.Join("testdata", name), dest, ExtractOptions{StripComponents: 1}); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, dest); !reflect.DeepEqual(got, want) {
				t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestExtractDetails(t *testing.T) {
	tests := []struct {
		name  string
		ents  []ent
		strip int
		want  []string
	}{
		{"later member wins", []ent{file("a", "old"), file("a", "new")}, 0, []string{". drwxr-xr-x", "a -rw-r--r-- =new"}},
		{"dot slash names", []ent{dir("./"), file("./p/a", "x")}, 1, []string{". drwxr-xr-x", "a -rw-r--r-- =x"}},
		{"strip drops short names", []ent{file("top", "x"), file("p/q/r", "y")}, 2, []string{". drwxr-xr-x", "r -rw-r--r-- =y"}},
		{"symlink replaced by symlink", []ent{symlink("l", "a"), symlink("l", "b")}, 0, []string{". drwxr-xr-x", "l Lrwxrwxrwx -> b"}},
		{"dangling symlink inside", []ent{symlink("l", "nothere/x")}, 0, []string{". drwxr-xr-x", "l Lrwxrwxrwx -> nothere/x"}},
		{"symlink to root", []ent{symlink("l", ".")}, 0, []string{". drwxr-xr-x", "l Lrwxrwxrwx -> ."}},
		{"hardlink with strip", []ent{file("p/a", "x"), hardlink("p/b", "p/a")}, 1, []string{". drwxr-xr-x", "a -rw-r--r-- =x", "b -rw-r--r-- =x"}},
		{"empty archive", nil, 0, []string{". drwxr-xr-x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			if err := Extract(bytes.NewReader(tarOf(t, tt.ents...)), dest, ExtractOptions{StripComponents: tt.strip}); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, dest); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	t.Run("into existing empty dir", func(t *testing.T) {
		dest := t.TempDir()
		if err := Extract(bytes.NewReader(tarOf(t, file("a", "x"))), dest, ExtractOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := listDir(t, dest); !reflect.DeepEqual(got, []string{"a"}) {
			t.Errorf("got %v", got)
		}
	})
}

func TestDetectFormat(t *testing.T) {
	tarb := tarOf(t, file("a", "x"))
	v7 := buildTar(t, tar.FormatUSTAR, []ent{file("a", "x")})
	copy(v7[257:265], make([]byte, 8)) // drop the ustar magic, fix the checksum
	var sum int
	for i, c := range v7[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int(c)
	}
	copy(v7[148:156], octal6(sum)+"\x00 ")
	tests := []struct {
		name string
		data []byte
		want Format
		err  error
	}{
		{"tar", tarb, FormatTar, nil},
		{"v7 tar", v7, FormatTar, nil},
		{"empty tar", make([]byte, 1024), FormatTar, nil},
		{"gzip", gzipOf(t, tarb), FormatGzip, nil},
		{"xz", xzOf(t, tarb), FormatXz, nil},
		{"bzip2", []byte("BZh91AY&SY"), FormatBzip2, nil},
		{"zip", zipOf(t, file("a", "x")), FormatZip, nil},
		{"empty zip", zipOf(t), FormatZip, nil},
		{"text", []byte("hello"), "", ErrUnknownFormat},
		{"empty", nil, "", ErrUnknownFormat},
		{"garbage block", bytes.Repeat([]byte{7}, 600), "", ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := tt.data
			if len(head) > 512 {
				head = head[:512]
			}
			got, err := DetectFormat(head)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("DetectFormat() = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func octal6(n int) string {
	s := ""
	for i := 0; i < 6; i++ {
		s = string(rune('0'+n%8)) + s
		n /= 8
	}
	return s
}
