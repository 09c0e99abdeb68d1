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

// gnuMake returns the value GNU make gives variable v after reading src,
// or skip=true when no make is installed.
func gnuMake(t *testing.T, src, v string) (string, bool) {
	t.Helper()
	mk, err := exec.LookPath("make")
	if err != nil {
		return "", false
	}
	d := t.TempDir()
	out := filepath.Join(d, "out")
	show := "$(file >" + out + ",$(" + v + "))\n__show: ; @:\n"
	if err := os.WriteFile(filepath.Join(d, "a.mk"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "show.mk"), []byte(show), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(mk, "--no-print-directory", "-f", "a.mk", "-f", "show.mk", "__show")
	cmd.Dir = d
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n"), true
}

func TestValues(t *testing.T) {
	for _, c := range []struct {
		name, src, v, want string
	}{
		{"simple", "A := x\nB := $(A) y\n", "B", "x y"},
		{"recursive late", "B = $(A) y\nA := x\n", "B", "x y"},
		{"simple early", "B := $(A) y\nA := x\n", "B", " y"},
		{"braces and single char", "A := x\nx := 1\nB := ${A}$A$$A\n", "B", "xx$A"},
		{"computed name", "m := busy\nbusy_dir := busybox-1\nB := $($(m)_dir)\n", "B", "busybox-1"},
		{"conditional assign", "A ?= 1\nA ?= 2\nB ?= $(A)\n", "B", "1"},
		{"append recursive", "A = $(X)\nA += b\nX := a\n", "A", "a b"},
		{"append simple", "X := a\nA := $(X)\nA += $(Y)\nY := z\n", "A", "a"},
		{"append undefined", "A += x\n", "A", "x"},
		{"continuation", "A := 1 \\\n   2\\\n3\n", "A", "1 2 3"},
		{"comment keeps trailing space", "A := x # c\n", "A", "x "},
		{"trailing space kept", "A := x  \n", "A", "x  "},
		{"escaped hash", "A := x\\#y\n", "A", "x#y"},
		{"hash in function", "A := $(subst a,#,aba)\n", "A", "#b#"},
		{"ifeq paren", "A := x\nifeq ($(A),x)\nB := yes\nelse\nB := no\nendif\n", "B", "yes"},
		{"ifeq whitespace", "ifeq ( x ,x)\nB := 1\nendif\nifeq (x , x)\nC := 1\nendif\nD := $(B)$(C)\n", "D", "1"},
		{"ifeq quoted", "A := y\nifeq \"$(A)\" \"y\"\nB := 1\nendif\nifneq 'a' 'a '\nB += 2\nendif\n", "B", "1 2"},
		{"else if chain", "A := b\nifeq ($(A),a)\nB := 1\nelse ifeq ($(A),b)\nB := 2\nelse\nB := 3\nendif\n", "B", "2"},
		{"nested false", "ifeq (a,b)\nifeq (c,c)\nB := 1\nelse\nB := 2\nendif\nelse\nB := 3\nendif\n", "B", "3"},
		{"ifdef", "A := \nB := x\nifdef A\nC += a\nendif\nifdef B\nC += b\nendif\nifndef Z\nC += z\nendif\n", "C", "b z"},
		{"define", "define D\nline1\n  line2\nendef\n", "D", "line1\n  line2"},
		{"define simple", "X := 1\ndefine D :=\n$(X)\nendef\nX := 2\n", "D", "1"},
		{"define in false branch", "ifeq (a,b)\ndefine D\nendif\nendef\nendif\nE := ok\n", "E", "ok"},
		{"call", "f = [$(1)][$(2)][$(0)]\nA := $(call f, p ,q)\n", "A", "[ p ][q][f]"},
		{"nested call hides args", "g = <$(2)>\nf = $(call g,$(1))\nA := $(call f,a,b)\n", "A", "<>"},
		{"foreach", "L := a b c\nA := $(foreach x,$(L),<$(x)>)\n", "A", "<a> <b> <c>"},
		{"foreach restores", "x := keep\nA := $(foreach x,1 2,$(x))\nB := $(x)\n", "B", "keep"},
		{"eval", "$(eval A := 1)\n$(foreach m,p q,$(eval $(m)_dir := $(m)-dir))\nB := $(A) $(q_dir)\n", "B", "1 q-dir"},
		{"eval define", "define mod\n$(1)_v := $(2)\nendef\n$(eval $(call mod,busybox,1.36))\nA := $(busybox_v)\n", "A", "1.36"},
		{"map as heads", "define map =\n$(foreach _,$2,$(eval $(call $1,$_)))\nendef\ndefine dm =\n  $$(eval $1_base = $$(or $$($1_base),$$($1_dir)))\nendef\nx_dir := xd\n$(call map, dm, x)\nA := $(x_base)\n", "A", "xd"},
		{"subst ref", "L := a.c b.c\nA := $(L:.c=.o) $(L:%.c=x/%.o)\n", "A", "a.o b.o x/a.o x/b.o"},
		{"functions 1", "A := $(patsubst %.c,%.o,a.c b.h) $(strip  a   b ) $(findstring b,abc) $(filter %.c %.h,a.c b.o c.h)\n", "A", "a.o b.h a b b a.c c.h"},
		{"functions 2", "A := $(filter-out a%,ab cd) $(sort c a b a) $(word 2,x y z) $(wordlist 2,9,a b c) $(words a b) $(firstword a b) $(lastword a b)\n", "A", "cd a b c y b c 2 a b"},
		{"functions 3", "A := $(dir a/b c) $(notdir a/b c) $(suffix a.c b/x.y/z) $(basename a.c b/x.y/z a)\n", "A", "a/ ./ b c .c a b/x.y/z a"},
		{"functions 4", "A := $(addsuffix .c,a b) $(addprefix x/,a b) $(join a b c,1 2)\n", "A", "a.c b.c x/a x/b a1 b2 c"},
		{"if or and", "A := $(if  x  , t ,e)|$(if ,t,e)|$(or  ,  x  ,y)|$(and a, b )|$(and a,,c)\n", "A", " t |e|x|b|"},
		{"value origin flavor", "X = $(Y)\nS := s\nA := $(value X) $(origin X) $(flavor X) $(flavor S) $(origin nope) $(flavor nope)\n", "A", "$(Y) file recursive simple undefined undefined"},
		{"subst empty commas", "A := $(subst a,b,a,a)\n", "A", "b,b"},
		{"export", "export CONFIG_A=1\nB := $(CONFIG_A)\n", "B", "1"},
		{"override", "override A := 1\nA := 2\n", "A", "1"},
		{"rule context tab", "all: x\n\techo $(A) := no\nA := yes\n", "A", "yes"},
		{"tab outside rule", "ifeq (a,a)\n\tB := tab\nendif\n", "B", "tab"},
		{"conditional inside recipe", "all:\nifeq (a,a)\n\techo a\nendif\nB := after\n", "B", "after"},
		{"target var not global", "t: A = 1\nB := $(A)x\n", "B", "x"},
		{"dollar dollar in recipe var", "A = $$(x)\nB := $(A)\n", "B", "$(x)"},
		{"modules-y", "CONFIG_X := y\nmodules-$(CONFIG_X) += x\nmodules-$(CONFIG_Y) += y\nA := $(modules-y)|$(modules-)\n", "A", "x|y"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := New(fstest.MapFS{})
			if err := e.Eval("a.mk", []byte(c.src)); err != nil {
				t.Fatal(err)
			}
			if got := e.Value(c.v); got != c.want {
				t.Errorf("%s = %q, want %q", c.v, got, c.want)
			}
			if real, ok := gnuMake(t, c.src, c.v); ok && real != c.want {
				t.Errorf("GNU make gives %s = %q, the table says %q", c.v, real, c.want)
			}
		})
	}
}

func TestCommandLineVariable(t *testing.T) {
	e := New(fstest.MapFS{})
	e.Set("BOARD", "x230")
	if err := e.Eval("a.mk", []byte("BOARD ?= qemu\nBOARD := other\nB := $(BOARD)\noverride C := 1\n")); err != nil {
		t.Fatal(err)
	}
	if got := e.Value("B"); got != "x230" {
		t.Fatalf("BOARD = %q", got)
	}
	if v, _ := e.Var("BOARD"); v.Origin != OriginCommandLine {
		t.Fatalf("origin %q", v.Origin)
	}
}

func TestExport(t *testing.T) {
	e := New(fstest.MapFS{})
	src := "export CONFIG_A=1\nCONFIG_B=2\nexport CONFIG_B\nCONFIG_C := 3\nexport CONFIG_D := 4\nunexport CONFIG_D\n"
	if err := e.Eval("a.mk", []byte(src)); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{"CONFIG_A": true, "CONFIG_B": true, "CONFIG_C": false, "CONFIG_D": false} {
		if v, _ := e.Var(n); v.Export != want {
			t.Errorf("%s exported = %v, want %v", n, v.Export, want)
		}
	}
}

func TestInclude(t *testing.T) {
	fsys := fstest.MapFS{
		"modules/a":              {Data: []byte("modules-y += a\na_version := 1\n")},
		"modules/b":              {Data: []byte("modules-$(CONFIG_B) += b\n")},
		"boards/x/x.config":      {Data: []byte("CONFIG_B := y\n")},
		"targets/split.mk":       {Data: []byte("T := split\n")},
		"site-local/placeholder": {Data: []byte("")},
	}
	e := New(fsys)
	e.Root = "/heads"
	src := "pwd := /heads\ninclude $(pwd)/boards/x/x.config\n-include $(pwd)/site-local/config\ninclude modules/*\ninclude $(foreach t,split,targets/$(t).mk)\nW := $(wildcard modules/*) $(wildcard $(pwd)/modules/a) $(wildcard /elsewhere/x)\n"
	if err := e.Eval("Makefile", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if got := e.Value("modules-y"); got != "a b" {
		t.Errorf("modules-y = %q", got)
	}
	if got := e.Value("T"); got != "split" {
		t.Errorf("T = %q", got)
	}
	if got := e.Value("W"); got != "modules/a modules/b /heads/modules/a " {
		t.Errorf("W = %q", got)
	}
	if d := e.Diagnostics(); len(d) != 1 || !strings.Contains(d[0].String(), "Makefile:6: warning: $(wildcard /elsewhere/x): outside the tree") {
		t.Errorf("diagnostics %v", d)
	}
	err := New(fsys).Eval("Makefile", []byte("\ninclude nothere.mk\n"))
	if err == nil || err.Error() != "Makefile:2: include nothere.mk: no such file" {
		t.Errorf("missing include: %v", err)
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
	if err := e.Eval("b.mk", []byte("G := $(shell git rev-parse HEAD)\n")); err != nil {
		t.Fatal(err)
	}
	if d := e.Diagnostics(); len(d) != 1 || d[0].Kind != "warning" || !strings.Contains(d[0].Msg, "taken as empty") {
		t.Errorf("diagnostics %v", d)
	}
}

func TestRules(t *testing.T) {
	e := New(fstest.MapFS{})
	src := "build := /b\n$(build)/x/.build: $(build)/y/.build | dir\n\tcd $(build) && make\n\t@touch $$@\nall: ; @echo hi\n"
	if err := e.Eval("m", []byte(src)); err != nil {
		t.Fatal(err)
	}
	r := e.Rules()
	if len(r) != 2 {
		t.Fatalf("rules %+v", r)
	}
	if r[0].Pos != "m:2" || strings.Join(r[0].Targets, " ") != "/b/x/.build" || strings.Join(r[0].Prereqs, " ") != "/b/y/.build | dir" ||
		strings.Join(r[0].Recipe, "\n") != "cd $(build) && make\n@touch $$@" {
		t.Errorf("rule 0 %+v", r[0])
	}
	if r[1].Recipe[0] != "@echo hi" {
		t.Errorf("rule 1 %+v", r[1])
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"ifeq (a,b)\nA := 1\n", "f.mk:1: conditional without endif"},
		{"A := 1\nendif\n", "f.mk:2: endif without"},
		{"else\n", "f.mk:1: else without"},
		{"ifeq (a,b)\nelse\nelse\nendif\n", "f.mk:3: only one plain else"},
		{"ifeq (a b)\nendif\n", "f.mk:1: ifeq (a b): missing ','"},
		{"ifeq a b\nendif\n", "f.mk:1: ifeq a b: arguments must be"},
		{"define X\nabc\n", "f.mk:1: define without endef"},
		{"A = $(A)\nB := $(A)\n", "f.mk:2: recursive variable 'A' references itself"},
		{"just words here\n", "f.mk:1: missing separator"},
		{"$(error stop here)\n", "f.mk:1: *** stop here"},
		{"vpath %.c src\n", "f.mk:1: vpath directive: not supported"},
		{"A := $(file >x,y)\n", "f.mk:1: function $(file): not supported"},
		{"A := $(word 0,a)\n", "f.mk:1: $(word) index"},
		{"A := $(foo\n", "f.mk:1: unterminated variable reference"},
		{"f = $(call f)\nA := $(call f)\n", "nested more than"},
	} {
		err := New(fstest.MapFS{}).Eval("f.mk", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.src, err, c.want)
		}
		var me *Error
		if err != nil && !errors.As(err, &me) {
			t.Errorf("%q: %T is not *Error", c.src, err)
		}
	}
}

func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"A := $(foreach x,a b,$(x))\n",
		"define D\n$(1)\nendef\n$(eval $(call D,B := 1))\n",
		"ifeq ($(A),)\nB = $(subst a,b,$(A))\nelse\nendif\n",
		"x: y\n\trecipe\n",
		"A = $(B)\nB = $(A)\nC := $(A)\n",
		"f = $(call f,$(1)x)\nA := $(call f,a)\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New(fstest.MapFS{"a": {Data: data}})
		_ = e.Eval("f", data)
		for _, n := range e.Vars() {
			_ = e.Value(n)
		}
	})
}
