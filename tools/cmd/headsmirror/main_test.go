package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/internal/cli"
)

func TestFill(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("bytes")) }))
	defer srv.Close()
	h := sha256.Sum256([]byte("bytes"))
	src := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(src, []byte(`{"sources":[
	 {"name":"a","module":"a","file_name":"a.tar","urls":["`+srv.URL+`/a.tar"],"sha256":"`+hex.EncodeToString(h[:])+`","boards":["x"]},
	 {"name":"g","module":"g","file_name":"g.tar.gz","urls":["`+srv.URL+`/g"],"sha256":"","boards":["y"]}]}`), 0o644)
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"fill", "--sources", src, "--dir", dir, "--board", "x"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "fetched  a.tar (a)") || !strings.Contains(out.String(), "1 pins: 0 missing") {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	err := run([]string{"fill", "--sources", src, "--dir", dir}, &out, &bytes.Buffer{})
	if cli.ExitCode(err) != 1 || !strings.Contains(out.String(), "present  a.tar") || !strings.Contains(out.String(), "no sha256 pinned") {
		t.Errorf("err %v, output %q", err, out.String())
	}
	if err := run([]string{"fill", "--dir", dir}, &bytes.Buffer{}, &bytes.Buffer{}); cli.ExitCode(err) != 2 {
		t.Errorf("no --sources: %v", err)
	}
}
