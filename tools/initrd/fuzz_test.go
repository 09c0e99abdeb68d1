package initrd

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReader: the newc reader must never panic or over-allocate, and
// whatever it accepts must survive a write/read round trip.
func FuzzReader(f *testing.F) {
	f.Add(archive(member("a", TypeRegular|0o644, "hello")))
	f.Add(archive(member("d", TypeDir|0o755, ""), member("d/l", TypeSymlink|0o777, "x")))
	f.Add(append(Pad(archive(member("a", TypeRegular|0o644, "1")), 512), archive(member("b", TypeRegular|0o644, "2"))...))
	f.Add([]byte("070701"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ReadAll(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, f := range []Format{FormatDefault, FormatHeadsCompat} {
			s := NewSet(f)
			n := 0
			for _, e := range es {
				if s.Add("fuzz", e) == nil {
					n++
				}
			}
			b, err := s.Bytes()
			if err != nil {
				continue // e.g. a file where a directory is needed
			}
			if err := Verify(b, b); err != nil {
				t.Fatalf("format %d: own output fails Verify: %v", f, err)
			}
			back, err := ReadAll(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("format %d: re-read: %v", f, err)
			}
			if f == FormatDefault && len(back) < s.Len() {
				t.Fatalf("re-read %d members, wrote %d", len(back), s.Len())
			}
		}
	})
}

// FuzzParseList: the gen_init_cpio list parser must not panic, and every
// item it returns must have a clean name and a mode Set.Add accepts.
func FuzzParseList(f *testing.F) {
	f.Add("file /init init.sh 755 0 0\ndir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\nslink /bin/sh busybox 777 0 0\n")
	f.Add("# comment\n\npipe /p 644 0 0\nsock /s 644 0 0\nfile /a a 0644 1 2 /b /c\n")
	f.Fuzz(func(t *testing.T, in string) {
		items, err := ParseList(strings.NewReader(in))
		if err != nil {
			return
		}
		s := NewSet(FormatDefault)
		for _, it := range items {
			if _, err := CleanName(it.Name); err != nil {
				t.Fatalf("line %d: unclean name %q accepted", it.Line, it.Name)
			}
			e := &Entry{Name: it.Name, Mode: it.Mode}
			if err := s.Add("fuzz", e); err != nil {
				t.Fatalf("line %d: parsed item refused by Set.Add: %v", it.Line, err)
			}
		}
	})
}
