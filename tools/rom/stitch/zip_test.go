package stitch

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"
)

func TestWriteZip(t *testing.T) {
	files := []ZipFile{
		{"board.rom", bytes.Repeat([]byte{0xff, 0, 1, 2}, 4096)},
		{"sha256sum.txt", []byte("abc  board.rom\n")},
		{"empty", nil},
	}
	var a, b bytes.Buffer
	if err := WriteZip(&a, files); err != nil {
		t.Fatal(err)
	}
	if err := WriteZip(&b, files); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes differ")
	}
	// The bytes are the contract: a change here changes every release zip.
	sum := sha256.Sum256(a.Bytes())
	if got, want := hex.EncodeToString(sum[:]), "5246d0813ef3397072bb79dfb2ed0a6e69907cb55394fc18551a95ca8abb7541"; got != want {
		t.Errorf("sha256 = %s, want %s", got, want)
	}
	r, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.File) != len(files) {
		t.Fatalf("%d members", len(r.File))
	}
	for i, f := range r.File {
		if f.Name != files[i].Name || f.Method != zip.Store || f.Mode() != 0o644 ||
			!f.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) || f.Flags&0x8 != 0 || len(f.Extra) != 0 {
			t.Errorf("member %d: %q method %d mode %v date %v flags %#x extra %d", i, f.Name, f.Method, f.Mode(), f.Modified, f.Flags, len(f.Extra))
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, files[i].Data) {
			t.Errorf("member %q: content differs (%v)", f.Name, err)
		}
	}
}

func TestWriteZipBadNames(t *testing.T) {
	for _, files := range [][]ZipFile{
		{{"", nil}},
		{{"dir/x", nil}},
		{{"..", nil}},
		{{"a", nil}, {"a", nil}},
	} {
		if err := WriteZip(io.Discard, files); !errors.Is(err, ErrZipName) {
			t.Errorf("%q: err = %v", files, err)
		}
	}
}
