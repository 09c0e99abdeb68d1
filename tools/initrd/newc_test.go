package initrd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// member renders one raw newc member with uppercase hex.
func member(name string, mode uint32, body string) []byte {
	return appendMember(nil, &Entry{Name: name, Mode: mode, NLink: 1}, []byte(body))
}

func archive(members ...[]byte) []byte {
	b := bytes.Join(members, nil)
	return append(b, gnuTrailer...)
}

func TestReaderErrors(t *testing.T) {
	good := member("a", TypeRegular|0o644, "hello")
	badHex := bytes.Clone(good)
	copy(badHex[6:14], "zzzzzzzz")
	noNul := bytes.Clone(good)
	noNul[headerLen+1] = 'x'
	huge := bytes.Clone(good)
	copy(huge[94:102], "FFFFFFFF")
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"bad magic", []byte(strings.Repeat("x", 200)), ErrBadMagic},
		{"bad hex", archive(badHex), ErrBadHeader},
		{"name without NUL", archive(noNul), ErrBadHeader},
		{"huge name", archive(huge), ErrBadHeader},
		{"truncated body", good[:len(good)-6], ErrTruncated},
		{"no trailer", good, ErrTruncated},
		{"garbage after trailer", append(archive(good), strings.Repeat("junk", 40)...), ErrBadMagic},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadAll(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReaderConcatenatedAndCRC(t *testing.T) {
	a := archive(member("a", TypeRegular|0o644, "1"))
	b := archive(member("b", TypeRegular|0o644, "22"))
	b[5] = '2' // 070702 (newc with checksum) is accepted too
	in := append(Pad(a, 512), b...)
	es, err := ReadAll(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Name != "a" || string(es[1].Data) != "22" {
		t.Fatalf("got %+v", es)
	}
}

func TestHardlinksResolved(t *testing.T) {
	l1 := appendMember(nil, &Entry{Name: "x", Mode: TypeRegular | 0o644, NLink: 2, Ino: 7}, nil)
	l2 := appendMember(nil, &Entry{Name: "y", Mode: TypeRegular | 0o644, NLink: 2, Ino: 7}, []byte("data"))
	es, err := ReadAll(bytes.NewReader(archive(l1, l2)))
	if err != nil {
		t.Fatal(err)
	}
	if string(es[0].Data) != "data" {
		t.Fatalf("hard link x has %q", es[0].Data)
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a/b", "a/b"},
		{"./a/b", "a/b"},
		{"a/b/", "a/b"},
		{".", "."},
		{"./", "."},
		{"/abs", ""},
		{"../x", ""},
		{"a/../b", ""},
		{"a/..", ""},
		{"a//b", ""},
		{"a/./b", ""},
		{"a\x00b", ""},
		{"TRAILER!!!", ""},
		{"TRAILER!!!x", ""},
	}
	for _, tc := range tests {
		got, err := CleanName(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrBadName) {
				t.Errorf("CleanName(%q) = %q, %v; want ErrBadName", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCleanIno(t *testing.T) {
	// perl -MDigest::MD5=md5_hex: XOR of the four hex words of
	// md5_hex("bin/a\0"), as cpio-clean computes it.
	if got := CleanIno("bin/a"); got != 0x2dd1b015 {
		t.Fatalf("CleanIno = %08x, want 2dd1b015", got)
	}
}

func TestRoundTrip(t *testing.T) {
	s := NewSet(FormatDefault)
	in := []*Entry{
		{Name: "usr/bin/tool", Mode: TypeRegular | 0o755, Data: []byte("#!/bin/sh\n")},
		{Name: "etc/config", Mode: TypeRegular | 0o644, UID: 5, GID: 6, Data: []byte("x=1\n")},
		{Name: "bin", Mode: TypeSymlink | 0o777, Data: []byte("usr/bin")},
		{Name: "dev/console", Mode: TypeChar | 0o600, RDevMajor: 5, RDevMinor: 1},
		{Name: "empty", Mode: TypeRegular | 0o644},
	}
	for _, e := range in {
		if err := s.Add("test", e); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%512 != 0 {
		t.Fatalf("len %d not padded", len(b))
	}
	if err := Verify(b, b); err != nil {
		t.Fatal(err)
	}
	got, err := ReadAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, fmt.Sprintf("%s:%o:%d:%d:%q", e.Name, e.Mode, e.UID, e.NLink, e.Data))
	}
	want := []string{
		`bin:120777:0:1:"usr/bin"`,
		`dev:40755:0:2:""`, // implied parent
		`dev/console:20600:0:1:""`,
		`empty:100644:0:1:""`,
		`etc:40755:0:2:""`,
		`etc/config:100644:5:1:"x=1\n"`,
		`usr:40755:0:2:""`,
		`usr/bin:40755:0:2:""`,
		`usr/bin/tool:100755:0:1:"#!/bin/sh\n"`,
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	if got[2].RDevMajor != 5 || got[2].RDevMinor != 1 || got[0].Ino != 721 {
		t.Fatalf("rdev %d,%d ino %d", got[2].RDevMajor, got[2].RDevMinor, got[0].Ino)
	}
	// Re-adding what was read yields the same bytes.
	s2 := NewSet(FormatDefault)
	for _, e := range got {
		if err := s2.Add("again", e); err != nil {
			t.Fatal(err)
		}
	}
	if b2, _ := s2.Bytes(); !bytes.Equal(b, b2) {
		t.Fatal("second round trip differs")
	}
}

func TestSetErrors(t *testing.T) {
	s := NewSet(FormatDefault)
	if err := s.Add("in", &Entry{Name: "../x", Mode: TypeRegular}); !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), `in: member "../x"`) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Add("in", &Entry{Name: "x", Mode: 0o644}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
	s.Add("in", &Entry{Name: "a", Mode: TypeRegular | 0o644})
	s.Add("in", &Entry{Name: "a/b", Mode: TypeRegular | 0o644})
	if _, err := s.Bytes(); !errors.Is(err, ErrNotDir) {
		t.Fatalf("err = %v", err)
	}
}

// TestHeadsCompatGolden checks FormatHeadsCompat against output of Heads'
// bin/cpio-clean (perl) for two parts made by GNU cpio from
// `find . | cpio -H newc -o` (testdata/compat/p1.cpio, p2.cpio; p2
// overrides etc/c and adds etc/n).
func TestHeadsCompatGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/compat/cpio-clean.out")
	if err != nil {
		t.Fatal(err)
	}
	s := NewSet(FormatHeadsCompat)
	for _, p := range []string{"testdata/compat/p1.cpio", "testdata/compat/p2.cpio"} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		err = s.AddCpio(p, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("heads-compat output differs from cpio-clean's:\n%q\n%q", got, want)
	}
}

func TestReaderStopsAtTrailer(t *testing.T) {
	a := archive(member("a", TypeRegular|0o644, "1"))
	rd := NewReader(bytes.NewReader(append(a, archive(member("b", TypeRegular, ""))...)))
	if e, err := rd.Next(); err != nil || e.Name != "a" {
		t.Fatal(e, err)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
}
