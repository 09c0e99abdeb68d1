package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/heads/tree"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestFill(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/good.tar", "/second.tar":
			w.Write([]byte("good bytes"))
		case "/evil.tar":
			w.Write([]byte("other bytes"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "have.tar"), []byte("have"), 0o644); err != nil {
		t.Fatal(err)
	}
	srcs := []tree.Source{
		{Name: "have", FileName: "have.tar", SHA256: sum("have"), URLs: []string{srv.URL + "/nothing"}},
		{Name: "good", FileName: "good.tar", SHA256: sum("good bytes"), URLs: []string{srv.URL + "/good.tar"}},
		// The first URL 404s, the second serves the pinned bytes.
		{Name: "second", FileName: "second.tar", SHA256: sum("good bytes"), URLs: []string{srv.URL + "/gone", srv.URL + "/second.tar"}},
		{Name: "evil", FileName: "evil.tar", SHA256: sum("good bytes"), URLs: []string{srv.URL + "/evil.tar"}},
		{Name: "git", FileName: "git.tar.gz", URLs: []string{srv.URL + "/good.tar"}},
	}
	res := Fill(context.Background(), srv.Client(), srcs, dir)
	var got []string
	for _, r := range res {
		got = append(got, r.Source.Name+"="+r.Status)
	}
	if want := []string{"have=present", "good=fetched", "second=fetched", "evil=missing", "git=missing"}; !reflect.DeepEqual(got, want) {
		t.Errorf("results %q, want %q", got, want)
	}
	if !strings.Contains(res[3].Why, "sha256 mismatch") || !strings.Contains(res[4].Why, "no sha256 pinned") {
		t.Errorf("why: %q / %q", res[3].Why, res[4].Why)
	}
	// Only verified files are in the directory: no evil.tar, no temporaries.
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"good.tar", "have.tar", "second.tar"}; !reflect.DeepEqual(names, want) {
		t.Errorf("directory %q, want %q", names, want)
	}
}

func TestSelectAndRead(t *testing.T) {
	srcs := []tree.Source{{Name: "a", Boards: []string{"x", "y"}}, {Name: "b", Boards: []string{"y"}}, {Name: "c", Boards: []string{"z"}}}
	var got []string
	for _, s := range Select(srcs, []string{"x", "z"}) {
		got = append(got, s.Name)
	}
	if strings.Join(got, " ") != "a c" {
		t.Errorf("Select = %q", got)
	}
	if len(Select(srcs, nil)) != 3 {
		t.Error("Select without boards keeps everything")
	}
	bad := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(bad, []byte(`{"sources":[{"name":"n","file_name":"../x"}]}`), 0o644)
	if _, err := ReadSources(bad); err == nil || !strings.Contains(err.Error(), `file name "../x" is not a plain file name`) {
		t.Errorf("err = %v", err)
	}
	srcFile := filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree.sources.json")
	if s, err := ReadSources(srcFile); err != nil || len(s) != 8 {
		t.Errorf("fixture sources: %d, %v", len(s), err)
	}
}

func TestSubstitute(t *testing.T) {
	srcs := []tree.Source{{Name: "a", Module: "a", FileName: "a.tar.xz", SHA256: "aa"}, {Name: "b", Module: "b", FileName: "b.tar", SHA256: "bb"}}
	got, err := Substitute(srcs, []Substitution{{Name: "a", FileName: "a.tar.gz", SHA256: "cc", URLs: []string{"u"}, Origin: "o", Why: "w"}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].FileName != "a.tar.gz" || got[0].SHA256 != "cc" || got[0].URLs[0] != "u" || got[0].Module != "a (substitute: o)" || !reflect.DeepEqual(got[1], srcs[1]) {
		t.Errorf("got %+v", got)
	}
	if srcs[0].FileName != "a.tar.xz" {
		t.Error("Substitute changed its input")
	}
	if _, err := Substitute(srcs, []Substitution{{Name: "zzz"}}); err == nil || !strings.Contains(err.Error(), "names zzz, which is no pin") {
		t.Errorf("err = %v", err)
	}
	// The fixture tree's list reads and applies to its sources file.
	subs, err := ReadSubstitutions(filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree.substitutions.json"))
	if err != nil {
		t.Fatal(err)
	}
	fsrcs, _ := ReadSources(filepath.Join("..", "..", "..", "tests", "fixtures", "heads_tree.sources.json"))
	if _, err := Substitute(fsrcs, subs); err != nil {
		t.Error(err)
	}
	bad := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(bad, []byte(`{"substitutions":[{"name":"a","file_name":"x.tar","sha256":"s","origin":"o"}]}`), 0o644)
	if _, err := ReadSubstitutions(bad); err == nil || !strings.Contains(err.Error(), "needs name, file_name, sha256, origin and why") {
		t.Errorf("no why: %v", err)
	}
}
