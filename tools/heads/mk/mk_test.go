package mk

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// gnuMake runs GNU make on the makefile a.mk (and any other files) in a
// new directory and returns the value of variable v after reading it. ok
// is false when no make is installed.
func gnuMake(t *testing.T, files map[string]string, v string) (string, bool) {
	t.Helper()
	dir, ok := makeDir(t, files)
	if !ok {
		return "", false
	}
	out, err := runMake(dir, v)
	if err != nil {
		t.Fatalf("GNU make: %v", err)
	}
	return out, true
}

func makeDir(t *testing.T, files map[string]string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		return "", false
	}
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, true
}

// runMake reads a.mk in dir with GNU make and returns the value of v,
// written by $(file) so that any byte comes through.
func runMake(dir, v string) (string, error) {
	out := filepath.Join(dir, ".value")
	show := "$(file >" + out + ",$(" + v + "))\n.show: ; @:\n"
	if err := os.WriteFile(filepath.Join(dir, ".show.mk"), []byte(show), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command("make", "--no-print-directory", "-f", "a.mk", "-f", ".show.mk", ".show")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New(err.Error() + ": " + string(b))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// makeFails reports whether GNU make fails to read a.mk (and why).
func makeFails(t *testing.T, src string) (bool, string, bool) {
	t.Helper()
	dir, ok := makeDir(t, map[string]string{"a.mk": src})
	if !ok {
		return false, "", false
	}
	cmd := exec.Command("make", "--no-print-directory", "-f", "a.mk", "-n")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	b, err := cmd.CombinedOutput()
	return err != nil, string(b), true
}

// testShell answers the few commands the tables use, as sh would.
func testShell(cmd string) (string, bool) {
	switch {
	case strings.HasPrefix(cmd, "echo "):
		return strings.Join(strings.Fields(cmd[5:]), " ") + "\n", true
	case strings.HasPrefix(cmd, "printf '") && strings.HasSuffix(cmd, "'"):
		return strings.ReplaceAll(cmd[8:len(cmd)-1], `\n`, "\n"), true
	}
	return "", false
}

type valueCase struct {
	name, src, v, want string
}

var valueCases = []valueCase{
	// Assignments.
	{"simple", "A := x\nB := $(A) y\n", "B", "x y"},
	{"recursive is late", "B = $(A) y\nA := x\n", "B", "x y"},
	{"simple is early", "B := $(A) y\nA := x\n", "B", " y"},
	{"posix simple", "A ::= [$(X)]\nX := 1\n", "A", "[]"},
	{"conditional", "A ?= 1\nA ?= 2\nB ?= $(A)\n", "B", "1"},
	{"conditional on empty", "A :=\nA ?= x\nB := [$(A)]\n", "B", "[]"},
	{"append recursive", "A = $(X)\nA += b\nX := a\n", "A", "a b"},
	{"append simple", "X := a\nA := $(X)\nA += $(Y)\nY := z\n", "A", "a"},
	{"append undefined is recursive", "A += $(X)\nX := 1\nB := $(A) $(flavor A)\n", "B", "1 recursive"},
	{"append nothing", "A := x\nA +=\nB := [$(A)]\n", "B", "[x]"},
	{"append to empty", "A :=\nA += y\nB := [$(A)]\n", "B", "[y]"},
	{"append keeps trailing blanks", "A := x \nA += y\nB := [$(A)]\n", "B", "[x  y]"},
	{"append empty expansion to recursive", "A = x\nA += $(E)\nB := [$(A)]\n", "B", "[x ]"},
	{"value blanks", "A :=    x  \nB := [$(A)]\n", "B", "[x  ]"},
	{"override", "override A := 1\nA := 2\n", "A", "1"},
	{"override append", "override A := 1\nA += 2\noverride A += 3\n", "A", "1 3"},
	{"undefine", "A := 1\nundefine A\nB := $(origin A)\n", "B", "undefined"},
	{"directive names as variables", "export := 1\nifdef := 2\nB := $(export)$(ifdef)\n", "B", "12"},
	{"export assignment", "export A := 1\nB := $(A)\n", "B", "1"},
	{"export undefined", "export A\nC := $(origin A) $(flavor A)\n", "C", "file simple"},
	{"computed assignment name", "n := X\n$(n)_v := 1\nB := $(X_v)\n", "B", "1"},
	{"name with reference then blank", "n := X\nA$(n) = 1\nB := $(AX)\n", "B", "1"},
	{"shell assignment", "A != printf 'a\\nb\\n\\n'\nB := [$(A)] $(flavor A)\n", "B", "[a b ] recursive"},
	{"shell function", "A := [$(shell printf 'a\\nb\\n\\n')]\n", "A", "[a b]"},
	{"shell assignment is recursive", "A != printf '$$(B)'\nB := bee\nC := $(A)\n", "C", "bee"},
	// define.
	{"define", "define D\nline1\n  line2\nendef\n", "D", "line1\n  line2"},
	{"define simple", "X := 1\ndefine D :=\n$(X)\nendef\nX := 2\n", "D", "1"},
	{"define append", "D := a\ndefine D +=\nb\nendef\n", "D", "a b"},
	{"define nested", "define O\ndefine I\nx\nendef\nendef\n", "O", "define I\nx\nendef"},
	{"define collapses continuations", "define D\na \\\n  b\nendef\n", "D", "a b"},
	{"define tab endef", "define D\n\tendef\nendef\n", "D", "\tendef"},
	{"define endef comment", "define D\nx # kept\nendef # gone\n", "D", "x # kept"},
	{"define in false branch", "ifeq (a,b)\ndefine D\nendif\nendef\nendif\nE := ok\n", "E", "ok"},
	{"ignored define ends at first endef", "ifeq (a,b)\ndefine O\ndefine I\nendef\nA := 1\nendef\nendif\nB := [$(A)]\n", "B", "[]"},
	{"override define", "override define D\nx\nendef\nD := y\n", "D", "x"},
	// Comments and continuations.
	{"comment", "A := x # c\nB := [$(A)]\n", "B", "[x ]"},
	{"escaped hash", "A := x\\#y\n", "A", "x#y"},
	{"escaped backslash then comment", "A := x\\\\#y\nB := [$(A)]\n", "B", "[x\\]"},
	{"hash in function", "A := $(subst a,#,aba)\n", "A", "#b#"},
	{"continuation", "A := 1 \\\n   2\\\n3\n", "A", "1 2 3"},
	{"continuation keeps half the backslashes", "A := a\\\\\\\nb\nB := [$(A)]\n", "B", "[a\\ b]"},
	{"consecutive continuations", "A := a \\\n \\\n   b\n", "A", "a b"},
	{"comment continues", "# c \\\nA := 1\nB := [$(A)]\n", "B", "[]"},
	// References.
	{"braces and single char", "A := x\nx := 1\nB := ${A}$A$$A\n", "B", "xx$A"},
	{"computed name", "m := busy\nbusy_dir := b-1\nB := $($(m)_dir)\n", "B", "b-1"},
	{"substitution reference", "L := a.c b.c\nA := $(L:.c=.o) $(L:%.c=x/%.o)\n", "A", "a.o b.o x/a.o x/b.o"},
	{"substitution reference after expansion", "x := a=b\nv := ca cb\nC := $(v:$(x))\n", "C", "cb cb"},
	{"substitution reference suffix only", "v := a.c.c b  c\nC := $(v:.c=.o)\n", "C", "a.c.o b c"},
	{"substitution reference to nothing", "V := x y x\nC := [$(V:x=)]\n", "C", "[ y ]"},
	{"substitution reference no percent in pattern", "V := a.c\nC := $(V:.c=%.o)\n", "C", "a%.o"},
	{"trailing dollar", "C := x$\n", "C", "x$"},
	{"name that is a function name", "info := X\nC := [$(info)]\n", "C", "[X]"},
	{"dollar dollar kept by recursive", "A = $$(x)\nB := $(A)\n", "B", "$(x)"},
	{"braces comma", "a,a := v\nC := $(subst a,b,${a,a})\n", "C", "v"},
	// Conditionals.
	{"ifeq paren", "A := x\nifeq ($(A),x)\nB := yes\nelse\nB := no\nendif\n", "B", "yes"},
	{"ifeq whitespace", "ifeq ( a , a )\nC += 1\nendif\nifeq (a ,a )\nC += 2\nendif\nifeq ( a,a)\nC += 3\nendif\nifeq (a, a)\nC+=4\nendif\nifeq \"a \" \"a \"\nC+=5\nendif\nifeq ($(E), )\nC+=6\nendif\n", "C", "4 5 6"},
	{"ifeq quoted", "A := y\nifeq \"$(A)\" \"y\"\nB := 1\nendif\nifneq 'a' 'a '\nB += 2\nendif\nifeq \"a\" 'a'\nB += 3\nendif\n", "B", "1 2 3"},
	{"ifeq nested parens", "ifeq ($(subst a,b,a),b)\nB := 1\nendif\n", "B", "1"},
	{"else if chain", "A := b\nifeq ($(A),a)\nB := 1\nelse ifeq ($(A),b)\nB := 2\nelse\nB := 3\nendif\n", "B", "2"},
	{"else if after taken", "ifeq (a,a)\nB := 1\nelse ifeq (b,b)\nB := 2\nelse\nB := 3\nendif\n", "B", "1"},
	{"nested false", "ifeq (a,b)\nifeq (c,c)\nB := 1\nelse\nB := 2\nendif\nelse\nB := 3\nendif\n", "B", "3"},
	{"skipped branch not expanded", "ifeq (a,b)\nifeq ($(error no),x)\nendif\nendif\nifeq (a,a)\nelse ifeq ($(error no),)\nendif\nC := ok\n", "C", "ok"},
	{"ifdef", "A :=\nB := x\nE =\nR = $(E)\nifdef A\nC += a\nendif\nifdef B\nC += b\nendif\nifndef Z\nC += z\nendif\nifdef R\nC += r\nendif\n", "C", "b z r"},
	{"ifdef computed", "n := X\nX := 1\nifdef $(n)\nC := y\nendif\n", "C", "y"},
	{"endif with comment", "ifeq (a,a) # c\nC := 1\nendif # c\n", "C", "1"},
	// call, foreach, eval, value, origin, flavor.
	{"call", "f = [$(1)][$(2)][$(0)]\nA := $(call f, p ,q)\n", "A", "[ p ][q][f]"},
	{"call name trimmed", "f = $(0):$(1):$(2)\nC := $(call f , a , b )\n", "C", "f: a : b "},
	{"nested call hides args", "g = <$(2)>\nf = $(call g,$(1))\nA := $(call f,a,b)\n", "A", "<>"},
	{"call does not hide beyond", "3 := glob\nf = <$(3)>\nC := $(call f,a)|$(3)\n", "C", "<glob>|glob"},
	{"call simple variable", "f := $$(1)y\nC := $(call f,a)\n", "C", "$(1)y"},
	{"call builtin", "C := $(call subst,a,X,banana)\n", "C", "bXnXnX"},
	{"call undefined", "C := [$(call nope,a)]\n", "C", "[]"},
	{"call recursion", "f = $(if $(1),$(firstword $(1))-$(call f,$(wordlist 2,9,$(1))),end)\nD := $(call f,x y z)\n", "D", "x-y-z-end"},
	{"call origin", "f = $(origin 1) $(flavor 1)\nC := $(call f,a)\n", "C", "automatic simple"},
	{"foreach", "L := a b c\nA := $(foreach x,$(L),<$(x)>)\n", "A", "<a> <b> <c>"},
	{"foreach restores", "x := keep\nA := $(foreach x,1 2,$(x))\nB := $(x)\n", "B", "keep"},
	{"foreach eval assigns globally", "x := keep\nC := $(foreach x,1 2,$(eval x := $(x)$(x)))$(x)\n", "C", " 22"},
	{"foreach empty bodies", "C := [$(foreach x,a b,)]\n", "C", "[ ]"},
	{"foreach name blanks", "C := [$(foreach x ,a b,<$(x)>)]\n", "C", "[<a> <b>]"},
	{"foreach origin", "C := $(foreach v,a,$(flavor v)$(origin v))\n", "C", "simpleautomatic"},
	{"eval", "$(eval A := 1)\n$(foreach m,p q,$(eval $(m)_dir := $(m)-dir))\nB := $(A) $(q_dir)\n", "B", "1 q-dir"},
	{"eval define", "define mod\n$(1)_v := $(2)\nendef\n$(eval $(call mod,busybox,1.36))\nA := $(busybox_v)\n", "A", "1.36"},
	{"eval multi-line with rule", "define r\nt_$(1): x\n\techo $$@\n$(1)_done := y\nendef\n$(eval $(call r,a))\nC := $(a_done)\n", "C", "y"},
	{"map as heads", "define map =\n$(foreach _,$2,$(eval $(call $1,$_)))\nendef\ndefine dm =\n  $$(eval $1_base = $$(or $$($1_base),$$($1_dir)))\nendef\nx_dir := xd\n$(call map, dm, x)\nA := $(x_base)\n", "A", "xd"},
	{"eval before conditional in body", "define m =\n  $(eval $1_n = a)\n  ifneq (\"$($1_repo)\",\"\")\n    $(eval $1_n = b)\n  else\n    $(eval $1_n = c)\n  endif\nendef\n$(eval $(call m,x))\nC := $(x_n)\n", "C", "c"},
	{"value origin flavor", "X = $(Y)\nS := s\nA := $(value X) $(origin X) $(flavor X) $(flavor S) $(origin nope) $(flavor nope)\n", "A", "$(Y) file recursive simple undefined undefined"},
	{"origin override default", "override O := 1\nC := $(origin O) $(origin CC)\n", "C", "override default"},
	// if, or, and.
	{"if or and", "A := $(if  x  , t ,e)|$(if ,t,e)|$(or  ,  x  ,y)|$(and a, b )|$(and a,,c)\n", "A", " t |e|x|b|"},
	{"if or and keep blank results", "SP := $(subst x, ,x)\nC := [$(or $(SP),x)|$(if $(SP),t,e)|$(and $(SP),z)]\n", "C", "[ |t|z]"},
	{"if commas in else", "C := $(if ,a,b,c)\n", "C", "b,c"},
	// Text functions.
	{"subst", "C := $(subst a,b,a,a)|$(subst ,x,abc)|$(subst a,,banana)\n", "C", "b,b|abcx|bnn"},
	{"patsubst", "A := $(patsubst %.c,%.o,a.c b.h) $(patsubst a%,%,abc)\n", "A", "a.o b.h bc"},
	{"patsubst without percent keeps spacing", "C := $(patsubst a,b,a   c  a)|$(patsubst %a,b,a   c  a)\n", "C", "b   c  b|b c b"},
	{"patsubst to nothing", "C := [$(patsubst %.c,,a.c b.o)]|[$(patsubst %.c,%,.c b)]\n", "C", "[b.o]|[ b]"},
	{"patsubst escaped percent", "C := $(patsubst a\\%b,X,a%b a\\%b)\n", "C", "X a\\%b"},
	{"strip", "C := [$(strip  a \t b  )]|[$(strip )]\n", "C", "[a b]|[]"},
	{"findstring", "C := $(findstring b,abc)|$(findstring x,abc)\n", "C", "b|"},
	{"filter", "C := $(filter %.c %.h,a.c b.o c.h)|$(filter a,a ab a)|$(filter-out a%,ab cd)\n", "C", "a.c c.h|a a|cd"},
	{"sort", "C := $(sort c a b a  B)\n", "C", "B a b c"},
	{"word wordlist words", "C := $(word 2,x y z)|$(word 4,x y z)|$(wordlist 2,9,a b c)|$(wordlist 3,2,a b c)|$(wordlist 1, 2 ,a b c)|$(words a  b)|$(words )\n", "C", "y||b c||a b|2|0"},
	{"firstword lastword", "C := $(firstword a b)|$(lastword a b)|$(firstword )|$(lastword )\n", "C", "a|b||"},
	{"dir notdir", "C := $(dir a/b c /d/ e/f/g)|$(notdir a/b c a/ /x)\n", "C", "a/ ./ /d/ e/f/|b c  x"},
	{"suffix basename", "C := $(suffix a.c b/x.y/z .h a/b.c.d)|$(basename a.c b/x.y/z a .h a/b.c.d)\n", "C", ".c .h .d|a b/x.y/z a  a/b.c"},
	{"addsuffix addprefix join", "C := $(addsuffix .c,a b) $(addprefix x/,a b) $(join a b c,1 2) $(join a,1 2 3)\n", "C", "a.c b.c x/a x/b a1 b2 c a1 2 3"},
	{"error inside if not taken", "C := $(if ,$(error no),ok)\n", "C", "ok"},
	{"parens counted in arguments", "p := (\nC := $(subst $(p),[,f(x))|$(subst a,b,(a,a))\n", "C", "f[x)|(b,b)"},
	// Rules and variables.
	{"rule then assignment", "all: x\n\techo $(A) := no\nA := yes\n", "A", "yes"},
	{"tab outside rule", "ifeq (a,a)\n\tB := tab\nendif\n", "B", "tab"},
	{"conditional inside recipe", "all:\nifeq (a,a)\n\techo a\nendif\nB := after\n", "B", "after"},
	{"target variable not global", "t: A = 1\nB := $(A)x\n", "B", "x"},
	{"target simple variable expanded now", "t: A := $(eval X := 1)\nB := $(X)\n", "B", "1"},
	{"prerequisites expanded now", "t: $(eval X := 2)\nB := $(X)\n", "B", "2"},
	{"modules-y", "CONFIG_X := y\nmodules-$(CONFIG_X) += x\nmodules-$(CONFIG_Y) += y\nA := $(modules-y)|$(modules-)\n", "A", "x|y"},
	{"MAKEFILE_LIST", "C := $(MAKEFILE_LIST)\n", "C", "a.mk"},
}

func TestValues(t *testing.T) {
	for _, c := range valueCases {
		t.Run(c.name, func(t *testing.T) {
			e := New(fstest.MapFS{})
			e.Shell = testShell
			if err := e.Eval("a.mk", []byte(c.src)); err != nil {
				t.Fatal(err)
			}
			if got := e.Value(c.v); got != c.want {
				t.Errorf("%s = %q, want %q", c.v, got, c.want)
			}
			if real, ok := gnuMake(t, map[string]string{"a.mk": c.src}, c.v); ok && real != c.want {
				t.Errorf("GNU make gives %s = %q, the table says %q", c.v, real, c.want)
			}
		})
	}
}

// TestFiles compares include, wildcard, realpath and abspath with GNU
// make on a directory of files.
func TestFiles(t *testing.T) {
	files := map[string]string{
		"mods/b":       "mods-y += b\nb_v := 2\n",
		"mods/a":       "mods-y += a\na_v := 1\n",
		"cfg/x.cfg":    "CONFIG_B := y\n",
		"targets/t.mk": "T := t\n",
		"a.mk": "include cfg/x.cfg\n-include nothere.mk site/*.mk\nsinclude nothere2.mk\ninclude mods/*\n" +
			"include $(foreach t,t,targets/$(t).mk)\n" +
			"W := $(wildcard mods/* cfg/x.cfg nothere ./mods/a) $(wildcard $(CURDIR)/cfg/*)\n" +
			"R := $(realpath cfg/x.cfg nothere cfg/../mods/a)\n" +
			"A := $(abspath x/../y /a/./b/ c)\n" +
			"L := $(MAKEFILE_LIST)\n",
	}
	e := New(mapFS(files))
	dir := "/tree"
	real, ok := makeDir(t, files)
	if ok {
		dir = real
	}
	e.Root = dir
	if err := e.ParseFile("a.mk"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"mods-y":   "a b",
		"CONFIG_B": "y",
		"T":        "t",
		"W":        "mods/a mods/b cfg/x.cfg ./mods/a " + dir + "/cfg/x.cfg",
		"R":        dir + "/cfg/x.cfg " + dir + "/mods/a",
		"A":        dir + "/y /a/b " + dir + "/c",
		"L":        "a.mk cfg/x.cfg mods/a mods/b targets/t.mk",
	}
	for v, w := range want {
		if got := e.Value(v); got != w {
			t.Errorf("%s = %q, want %q", v, got, w)
		}
		if ok {
			got, err := runMake(dir, v)
			if err != nil {
				t.Fatal(err)
			}
			if v == "L" {
				got = strings.TrimSuffix(got, " .show.mk")
			}
			if got != w {
				t.Errorf("GNU make gives %s = %q, the table says %q", v, got, w)
			}
		}
	}
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

func TestIncludeUnderRoot(t *testing.T) {
	fsys := mapFS(map[string]string{
		"modules/a":         "modules-y += a\n",
		"modules/b":         "modules-$(CONFIG_B) += b\n",
		"boards/x/x.config": "CONFIG_B := y\n",
	})
	e := New(fsys)
	e.Root = "${HEADS_PWD}"
	src := "pwd := $(CURDIR)\ninclude $(pwd)/boards/x/x.config\n-include $(pwd)/site-local/config\ninclude modules/*\n" +
		"W := $(wildcard $(pwd)/modules/a /elsewhere/x)\n-include /elsewhere/y\n"
	if err := e.Eval("Makefile", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if got := e.Value("modules-y"); got != "a b" {
		t.Errorf("modules-y = %q", got)
	}
	if got := e.Value("W"); got != "${HEADS_PWD}/modules/a" {
		t.Errorf("W = %q", got)
	}
	d := e.Diagnostics()
	if len(d) != 2 || d[0].String() != "Makefile:5: warning: $(wildcard /elsewhere/x): outside the tree (${HEADS_PWD}), taken as absent" ||
		!strings.HasPrefix(d[1].String(), "Makefile:6: warning: -include /elsewhere/y: outside the tree") {
		t.Errorf("diagnostics %q", d)
	}
	// As make, the evaluation goes on after a missing include, and fails
	// at the end (or earlier, on another error).
	e = New(fsys)
	err := e.Eval("Makefile", []byte("\ninclude nothere.mk\nA := 1\n"))
	if err == nil || err.Error() != "Makefile:2: nothere.mk: No such file or directory" || e.Value("A") != "1" {
		t.Errorf("missing include: %v", err)
	}
	err = New(fsys).Eval("Makefile", []byte("include nothere.mk\n$(error stop)\n"))
	if err == nil || err.Error() != "Makefile:2: *** stop.  Stop." {
		t.Errorf("missing include then error: %v", err)
	}
}

func TestCommandLineVariable(t *testing.T) {
	e := New(fstest.MapFS{})
	e.Set("BOARD", "x230")
	e.Set("JOBS", "${HEADS_JOBS}")
	src := "BOARD ?= qemu\nBOARD := other\nBOARD += more\nB := $(BOARD) $(origin BOARD) $(JOBS)\noverride JOBS := 2\n"
	if err := e.Eval("a.mk", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if got := e.Value("B"); got != "x230 command line ${HEADS_JOBS}" {
		t.Errorf("B = %q", got)
	}
	if v, _ := e.Var("JOBS"); v.Value != "2" || v.Origin != OriginOverride {
		t.Errorf("JOBS = %+v", v)
	}
	if v, f, ok := e.Raw("B"); v != "x230 command line ${HEADS_JOBS}" || f != Simple || !ok {
		t.Errorf("Raw(B) = %q %q %v", v, f, ok)
	}
	if _, _, ok := e.Raw("nope"); ok {
		t.Errorf("Raw(nope) is defined")
	}
}

func TestExport(t *testing.T) {
	e := New(fstest.MapFS{})
	src := "export CONFIG_A=1\nCONFIG_B=2\nexport CONFIG_B\nCONFIG_C := 3\nexport CONFIG_D := 4\nunexport CONFIG_D\nCONFIG_A := 5\nexport CONFIG_E ?= 6\n"
	if err := e.Eval("a.mk", []byte(src)); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{"CONFIG_A": true, "CONFIG_B": true, "CONFIG_C": false, "CONFIG_D": false, "CONFIG_E": true} {
		if v, _ := e.Var(n); v.Export != want {
			t.Errorf("%s exported = %v, want %v", n, v.Export, want)
		}
	}
	if got := e.Value("CONFIG_A"); got != "5" {
		t.Errorf("CONFIG_A = %q", got)
	}
}

func TestShell(t *testing.T) {
	e := New(fstest.MapFS{})
	e.Shell = func(cmd string) (string, bool) {
		if cmd == "nproc" {
			return "4\n", true
		}
		return "", false
	}
	if err := e.Eval("a.mk", []byte("N := $(shell nproc)\nM != nproc\n")); err != nil {
		t.Fatal(err)
	}
	if e.Value("N") != "4" || e.Value("M") != "4" {
		t.Errorf("N=%q M=%q", e.Value("N"), e.Value("M"))
	}
	err := e.Eval("b.mk", []byte("\n\nG := $(shell git rev-parse HEAD)\n"))
	if err == nil || err.Error() != "b.mk:3: $(shell git rev-parse HEAD) cannot be evaluated without running it" {
		t.Fatalf("err = %v", err)
	}
	e.Lenient = true
	if err := e.Eval("b.mk", []byte("G := [$(shell git rev-parse HEAD)]\n")); err != nil {
		t.Fatal(err)
	}
	if e.Value("G") != "[]" {
		t.Errorf("G = %q", e.Value("G"))
	}
	d := e.Diagnostics()
	if len(d) != 1 || d[0].String() != "b.mk:1: warning: $(shell git rev-parse HEAD) cannot be evaluated without running it; taken as empty" {
		t.Errorf("diagnostics %q", d)
	}
}

func TestInfoWarning(t *testing.T) {
	e := New(fstest.MapFS{})
	if err := e.Eval("a.mk", []byte("X := 1\n$(info x is $(X))\n\n$(warning careful)\n")); err != nil {
		t.Fatal(err)
	}
	want := []Diagnostic{{"a.mk:2", "info", "x is 1"}, {"a.mk:4", "warning", "careful"}}
	if d := e.Diagnostics(); len(d) != 2 || d[0] != want[0] || d[1] != want[1] {
		t.Errorf("diagnostics %q", d)
	}
}

func TestRules(t *testing.T) {
	e := New(fstest.MapFS{})
	src := "build := /b\n" +
		"$(build)/x/.build: $(build)/y/.build | dir\n\tcd $(build) && \\\n\t  make\n\n# comment\n\t@touch $$@\n" +
		"all: ; @echo hi # not a comment\n" +
		"a b:: c\n" +
		"%.o: %.c\n" +
		"objs: %.x: %.y z\n" +
		"t: override export V := $(build)\n" +
		"u: W = $(build);x\n" +
		"define r\n$(1): dep\n\techo $(1)\nendef\n" +
		"$(eval $(call r,gen))\n" +
		"$(EMPTY): ignored\n\trecipe of nothing\n"
	if err := e.Eval("m", []byte(src)); err != nil {
		t.Fatal(err)
	}
	r := e.Rules()
	if len(r) != 8 {
		t.Fatalf("%d rules: %+v", len(r), r)
	}
	check := func(i int, pos, targets, prereqs, orderOnly string, recipe ...string) {
		t.Helper()
		x := r[i]
		if x.Pos != pos || strings.Join(x.Targets, " ") != targets || strings.Join(x.Prereqs, " ") != prereqs ||
			strings.Join(x.OrderOnly, " ") != orderOnly || strings.Join(x.Recipe, "|") != strings.Join(recipe, "|") {
			t.Errorf("rule %d = %+v", i, x)
		}
	}
	check(0, "m:2", "/b/x/.build", "/b/y/.build", "dir", "cd $(build) && \\\n  make", "@touch $$@")
	check(1, "m:8", "all", "", "", "@echo hi # not a comment")
	check(2, "m:9", "a b", "c", "")
	if !r[2].DoubleColon {
		t.Errorf("rule 2 is not double-colon")
	}
	check(3, "m:10", "%.o", "%.c", "")
	check(4, "m:11", "objs", "%.y z", "")
	if r[4].TargetPattern != "%.x" {
		t.Errorf("rule 4 pattern %q", r[4].TargetPattern)
	}
	if v := r[5].Var; v == nil || r[5].Pos != "m:12" || v.Name != "V" || v.Op != ":=" || v.Value != "/b" || !v.Override || !v.Export {
		t.Errorf("rule 5 = %+v %+v", r[5], v)
	}
	if v := r[6].Var; v == nil || v.Name != "W" || v.Op != "=" || v.Value != "$(build);x" {
		t.Errorf("rule 6 = %+v %+v", r[6], v)
	}
	check(7, "m:18", "gen", "dep", "", "echo gen")
	if _, ok := e.Var("V"); ok {
		t.Errorf("target-specific V is global")
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		src, want string
		makeFails bool // GNU make fails on it too (otherwise not run)
	}{
		{"ifeq (a,b)\nA := 1\n", "f.mk:1: conditional without endif", true},
		{"A := 1\nendif\n", "f.mk:2: extraneous 'endif'", true},
		{"else\n", "f.mk:1: extraneous 'else'", true},
		{"ifeq (a,b)\nelse\nelse\nendif\n", "f.mk:3: only one 'else' per conditional", true},
		{"ifeq (a b)\nendif\n", "f.mk:1: invalid syntax in conditional", true},
		{"ifeq a b\nendif\n", "f.mk:1: invalid syntax in conditional", true},
		{"ifdef A B\nendif\n", "f.mk:1: invalid syntax in conditional", true},
		{"define X\nabc\n", "f.mk:1: define without endef", true},
		{"A = $(A)\nB := $(A)\n", "f.mk:1: Recursive variable 'A' references itself (eventually)", true},
		{"A = $(B)\nB = $(A)\nC := $(B)\n", "f.mk:2: Recursive variable 'B' references itself (eventually)", true},
		{"just words here\n", "f.mk:1: missing separator", true},
		{"A B = 1\n", "f.mk:1: missing separator", true},
		{"\n$(error stop here)\n", "f.mk:2: *** stop here.  Stop.", true},
		{"A := $(word 0,a)\n", "f.mk:1: first argument to 'word' function must be greater than 0", true},
		{"A := $(wordlist x,1,a)\n", "f.mk:1: non-numeric first argument to 'wordlist' function: 'x'", true},
		{"A := $(foo\n", "f.mk:1: unterminated variable reference", true},
		{"A := $(subst a,b\n", "f.mk:1: unterminated call to function 'subst': missing ')'", true},
		{"A := $(subst a,b)\n", "f.mk:1: insufficient number of arguments (2) to function 'subst'", true},
		{"\techo hi\n", "f.mk:1: recipe commences before first target", true},
		{"all: x\nA := 1\n\techo hi\n", "f.mk:3: recipe commences before first target", true},
		{"all: x\nexport A\n\techo hi\n", "f.mk:3: recipe commences before first target", true},
		{"define r\n$$(error in eval)\nendef\n\n$(eval $(r))\n", "f.mk:5: *** in eval.  Stop.", true},
		{"define r\nx := 1\n\n$$(error line 3)\nendef\n\n$(eval $(r))\n", "f.mk:7: *** line 3.  Stop.", true},
		{"f = $(call f)\nA := $(call f)\n", "nested more than", false},
		{"A := $(shell uname)\n", "f.mk:1: $(shell uname) cannot be evaluated without running it", false},
		{"vpath %.c src\n", "f.mk:1: vpath directive: not supported", false},
		{"A := $(file >x,y)\n", "f.mk:1: function $(file) (writes or reads files): not supported", false},
		{".SECONDEXPANSION:\n", "f.mk:1: special target .SECONDEXPANSION (second expansion of prerequisites): not supported", false},
		{"export\n", "f.mk:1: export without variable names (export every variable): not supported", false},
		{".RECIPEPREFIX := >\n", "f.mk:1: assignment to .RECIPEPREFIX: not supported", false},
	} {
		err := New(fstest.MapFS{}).Eval("f.mk", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.src, err, c.want)
		}
		var me *Error
		if err != nil && !errors.As(err, &me) {
			t.Errorf("%q: %T is not *Error", c.src, err)
		}
		if strings.Contains(c.want, "not supported") && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%q: %v is not ErrUnsupported", c.src, err)
		}
		if c.makeFails {
			if fails, out, ok := makeFails(t, c.src); ok && !fails {
				t.Errorf("%q: GNU make accepts it:\n%s", c.src, out)
			}
		}
	}
}

func TestLenient(t *testing.T) {
	e := New(fstest.MapFS{})
	e.Lenient = true
	src := "vpath %.c src\nA := [$(file >x,y)]\n.SECONDEXPANSION:\nexport\nB := ok\n"
	if err := e.Eval("f.mk", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if e.Value("A") != "[]" || e.Value("B") != "ok" {
		t.Errorf("A=%q B=%q", e.Value("A"), e.Value("B"))
	}
	var got []string
	for _, d := range e.Diagnostics() {
		got = append(got, d.String())
	}
	want := []string{
		"f.mk:1: warning: vpath directive: not supported; skipped",
		"f.mk:2: warning: function $(file) (writes or reads files): not supported; skipped",
		"f.mk:3: warning: special target .SECONDEXPANSION (second expansion of prerequisites): not supported; skipped",
		"f.mk:4: warning: export without variable names (export every variable): not supported; skipped",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s", strings.Join(got, "\n"))
	}
}

func TestLimits(t *testing.T) {
	for _, src := range []string{
		"f = $(call f)$(call f)\nA := $(call f)\n",
		"a := x x x x x x x x x x\nb := $(foreach _,$(a),$(a))\nc := $(foreach _,$(b),$(b))\nd := $(foreach _,$(c),$(c))\ne := $(foreach _,$(d),$(d))\n",
		"include f.mk\n",
	} {
		e := New(mapFS(map[string]string{"f.mk": src}))
		e.MaxSteps, e.MaxBytes = 100000, 1<<20
		if err := e.ParseFile("f.mk"); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func FuzzEval(f *testing.F) {
	for _, c := range valueCases {
		f.Add([]byte(c.src))
	}
	for _, s := range []string{
		"A = $(B)\nB = $(A)\nC := $(A)\n",
		"f = $(call f,$(1)x)\nA := $(call f,a)\n",
		"define D\n$(1)\nendef\n$(eval $(call D,B := 1))\n",
		"x: y\n\trecipe\n",
		"include a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New(fstest.MapFS{"a": {Data: data}})
		e.MaxSteps, e.MaxBytes = 20000, 1<<20
		e.Shell = func(cmd string) (string, bool) { return cmd, len(cmd)%2 == 0 }
		e.Lenient = len(data)%2 == 0
		_ = e.Eval("f", data)
		for _, n := range e.Vars() {
			_ = e.Value(n)
		}
		_, _ = e.Expand(string(data))
	})
}
