package mk

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestHeadsTree evaluates a real Heads tree when HEADS_TREE names one
// (HEADS_BOARD chooses the board): its board configuration and modules,
// then its whole top-level Makefile.
func TestHeadsTree(t *testing.T) {
	dir := os.Getenv("HEADS_TREE")
	if dir == "" {
		t.Skip("HEADS_TREE does not name a Heads tree to evaluate")
	}
	board := os.Getenv("HEADS_BOARD")
	if board == "" {
		board = "qemu-coreboot-whiptail-tpm1"
	}
	fsys := os.DirFS(dir)
	const root = "/heads"
	newEval := func() *Evaluator {
		e := New(fsys)
		e.Root = root
		e.Shell = headsShell(fsys, root)
		e.Set("BOARD", board)
		return e
	}
	show := func(e *Evaluator, names ...string) {
		for _, n := range names {
			t.Logf("%s = %s", n, e.Value(n))
		}
	}

	t.Run("config and modules", func(t *testing.T) {
		e := newEval()
		boards := "boards"
		if strings.HasPrefix(board, "UNMAINTAINED_") {
			boards = "unmaintained_boards"
		}
		driver := "pwd := $(shell pwd)\nCONFIG_TARGET_ARCH := x86\n" +
			"include " + boards + "/$(BOARD)/$(BOARD).config\ninclude modules/musl-cross-make\ninclude modules/*\n"
		if err := e.Eval("driver.mk", []byte(driver)); err != nil {
			t.Fatal(err)
		}
		show(e, "modules-y", "busybox_version", "coreboot_module", "coreboot_dir", "linux_version", "linux_dir")
		checkHeads(t, e)
	})

	t.Run("Makefile", func(t *testing.T) {
		e := newEval()
		err := e.ParseFile("Makefile")
		if err != nil {
			t.Errorf("strict evaluation: %v", err)
			e = newEval()
			e.Lenient = true
			if err := e.ParseFile("Makefile"); err != nil {
				t.Fatalf("lenient evaluation: %v", err)
			}
		}
		for _, d := range e.Diagnostics() {
			if d.Kind == "warning" {
				t.Logf("%s", d)
			}
		}
		show(e, "modules-y", "bin_modules-y", "coreboot_version", "CONFIG_COREBOOT_VERSION", "coreboot_dir",
			"busybox_version", "linux_version", "linux_dir", "CROSS", "CB_OUTPUT_FILE", "initrd-y")
		checkHeads(t, e)
		if len(fields(e.Value("bin_modules-y"))) == 0 {
			t.Errorf("bin_modules-y is empty")
		}
		targets := map[string]bool{}
		recipes := 0
		for _, r := range e.Rules() {
			for _, x := range r.Targets {
				targets[x] = true
			}
			recipes += len(r.Recipe)
		}
		t.Logf("%d variables, %d rules (%d targets, %d recipe lines), %d diagnostics",
			len(e.Vars()), len(e.Rules()), len(targets), recipes, len(e.Diagnostics()))
		for _, m := range fields(e.Value("modules-y")) {
			if m != "initrd" && !targets[m] {
				t.Errorf("no rule for module %s (define_module)", m)
			}
		}
	})
}

// checkHeads checks that the module variables of an evaluation are
// there and plausible.
func checkHeads(t *testing.T, e *Evaluator) {
	t.Helper()
	version := regexp.MustCompile(`^[0-9]+(\.[0-9]+)+$`)
	mods := " " + e.Value("modules-y") + " "
	for _, m := range []string{"musl-cross-make", "busybox", "linux"} {
		if !strings.Contains(mods, " "+m+" ") {
			t.Errorf("modules-y = %q, without %s", mods, m)
		}
	}
	for _, v := range []string{"busybox_version", "linux_version"} {
		if !version.MatchString(e.Value(v)) {
			t.Errorf("%s = %q", v, e.Value(v))
		}
	}
	if cb := e.Value("CONFIG_COREBOOT_VERSION"); cb != "" {
		m := e.Value("coreboot_module")
		if m != "coreboot-"+cb || e.Value(m+"_version") != cb || !strings.Contains(mods, " "+m+" ") {
			t.Errorf("coreboot %s: module %q, version %q", cb, m, e.Value(m+"_version"))
		}
	}
	if lv := e.Value("CONFIG_LINUX_VERSION"); lv != "" && !strings.HasPrefix(lv, e.Value("linux_version")) {
		t.Errorf("linux_version = %q, CONFIG_LINUX_VERSION = %q", e.Value("linux_version"), lv)
	}
}

// headsShell answers the $(shell) commands of Heads' Makefile and modules
// for a tree that has not been built (nothing under build/ or crossgcc/).
func headsShell(fsys fs.FS, root string) func(string) (string, bool) {
	exists := func(p string) bool {
		if strings.HasPrefix(p, root+"/") {
			p = p[len(root)+1:]
		}
		if strings.HasPrefix(p, "/") {
			return false
		}
		_, err := fs.Stat(fsys, path.Clean(p))
		return err == nil
	}
	yes := func(b bool) string {
		if b {
			return "y"
		}
		return ""
	}
	var (
		reTest    = regexp.MustCompile(`^\[ -[rx] '?([^' ]+)'? \] && echo y$`)
		reOr      = regexp.MustCompile(`^\[ -r (\S+) \] \|\| echo (\S+)$`)
		reUnmaint = regexp.MustCompile(`^echo '([^']*)' \| grep -E '\^UNMAINTAINED_'`)
		reLower   = regexp.MustCompile(`^echo (\S+) \| tr A-Z a-z$`)
		reTriple  = regexp.MustCompile(`^echo (\S*) \| grep -Eoe`)
		reFind    = regexp.MustCompile(`^find (\S+) -type f 2>/dev/null$`)
		reArith   = regexp.MustCompile(`^echo \$\(\((.*)\)\)$`)
	)
	return func(cmd string) (string, bool) {
		c := strings.Join(strings.Fields(cmd), " ")
		switch {
		case c == "pwd":
			return root, true
		case c == "nproc":
			return "4", true
		case strings.HasPrefix(c, "cat /proc/meminfo"):
			return "8", true
		case strings.HasPrefix(c, "uptime"):
			return "0.5", true
		case c == "git rev-parse HEAD":
			return "0123456789abcdef0123456789abcdef01234567", true
		case strings.HasPrefix(c, "if git diff --exit-code"):
			return "clean", true
		case strings.HasPrefix(c, "git describe --abbrev"):
			return "v0.0.0-1-g0123456", true
		case strings.HasPrefix(c, "git log -1"):
			return "202601010000", true
		case strings.HasPrefix(c, "git describe --exact-match"):
			return "n", true
		case strings.HasPrefix(c, "mkdir -p"), strings.HasPrefix(c, "cpio -o"):
			return "", true
		case c == "mktemp -d":
			return "/tmp/heads-initrd", true
		case strings.HasPrefix(c, "stat ") && strings.HasSuffix(c, "|| echo FORCE"):
			return "FORCE", true
		}
		if m := reTest.FindStringSubmatch(c); m != nil {
			return yes(exists(m[1])), true
		}
		if m := reOr.FindStringSubmatch(c); m != nil {
			if exists(m[1]) {
				return "", true
			}
			return m[2], true
		}
		if m := reUnmaint.FindStringSubmatch(c); m != nil {
			return yes(strings.HasPrefix(m[1], "UNMAINTAINED_")), true
		}
		if m := reLower.FindStringSubmatch(c); m != nil {
			return strings.ToLower(m[1]), true
		}
		if m := reTriple.FindStringSubmatch(c); m != nil {
			return regexp.MustCompile(`[^/]*-linux-musl`).FindString(m[1]), true
		}
		if m := reFind.FindStringSubmatch(c); m != nil {
			d := strings.TrimPrefix(strings.TrimPrefix(m[1], root), "/")
			var out []string
			_ = fs.WalkDir(fsys, d, func(p string, de fs.DirEntry, err error) error {
				if err == nil && de.Type().IsRegular() {
					out = append(out, root+"/"+p)
				}
				return nil
			})
			return strings.Join(out, "\n"), true
		}
		if m := reArith.FindStringSubmatch(c); m != nil {
			if v, err := arith(m[1]); err == nil {
				return strconv.FormatInt(v, 10), true
			}
		}
		return "", false
	}
}

// arith evaluates the shell arithmetic of Heads' Makefile: integers,
// parentheses, * / % + - < > <= >= == != and ?:.
func arith(s string) (int64, error) {
	p := &arithParser{s: strings.ReplaceAll(s, " ", "")}
	v, err := p.ternary()
	if err == nil && p.i != len(p.s) {
		err = errors.New("trailing text")
	}
	return v, err
}

type arithParser struct {
	s string
	i int
}

func (p *arithParser) ternary() (int64, error) {
	c, err := p.binary(0)
	if err != nil || !p.eat("?") {
		return c, err
	}
	a, err := p.ternary()
	if err != nil || !p.eat(":") {
		return 0, errors.New("bad ?:")
	}
	b, err := p.ternary()
	if c != 0 {
		return a, err
	}
	return b, err
}

var arithLevels = [][]string{{"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"}}

func (p *arithParser) binary(level int) (int64, error) {
	if level == len(arithLevels) {
		return p.unary()
	}
	a, err := p.binary(level + 1)
	for err == nil {
		op := ""
		for _, o := range arithLevels[level] {
			if p.eat(o) {
				op = o
				break
			}
		}
		if op == "" {
			return a, nil
		}
		var b int64
		if b, err = p.binary(level + 1); err != nil {
			break
		}
		bool := func(x bool) int64 {
			if x {
				return 1
			}
			return 0
		}
		switch op {
		case "==":
			a = bool(a == b)
		case "!=":
			a = bool(a != b)
		case "<=":
			a = bool(a <= b)
		case ">=":
			a = bool(a >= b)
		case "<":
			a = bool(a < b)
		case ">":
			a = bool(a > b)
		case "+":
			a += b
		case "-":
			a -= b
		case "*":
			a *= b
		case "/", "%":
			if b == 0 {
				return 0, errors.New("division by zero")
			}
			if op == "/" {
				a /= b
			} else {
				a %= b
			}
		}
	}
	return 0, err
}

func (p *arithParser) unary() (int64, error) {
	if p.eat("-") {
		v, err := p.unary()
		return -v, err
	}
	if p.eat("(") {
		v, err := p.ternary()
		if err == nil && !p.eat(")") {
			err = errors.New("missing )")
		}
		return v, err
	}
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j == p.i {
		return 0, errors.New("number expected")
	}
	v, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	p.i = j
	return v, err
}

func (p *arithParser) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func TestArith(t *testing.T) {
	for s, want := range map[string]int64{"8 / 1": 8, "(4 * 3) / 2": 6, "4 < 8 ? 4 : 8": 4, "9<8?9:8": 8, "-2+3*2": 4} {
		if v, err := arith(s); err != nil || v != want {
			t.Errorf("arith(%q) = %d, %v", s, v, err)
		}
	}
}

// TestHeadsTreeAgainstMake evaluates a copy of the Heads tree named by
// HEADS_TREE twice, with GNU make and with the evaluator, and compares
// every variable that the makefiles define: flavor and value as stored.
// Here the Shell hook runs the commands (as make does), with mktemp,
// nproc and uptime replaced by deterministic ones for both.
func TestHeadsTreeAgainstMake(t *testing.T) {
	src := os.Getenv("HEADS_TREE")
	if src == "" {
		t.Skip("HEADS_TREE does not name a Heads tree to evaluate")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("GNU make is not installed")
	}
	board := os.Getenv("HEADS_BOARD")
	if board == "" {
		board = "qemu-coreboot-whiptail-tpm1"
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "heads")
	if err := copyTree(src, dir); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "bin")
	fake := map[string]string{
		"mktemp": "#!/bin/sh\nn=$(cat " + tmp + "/n 2>/dev/null || echo 0); n=$((n+1)); echo $n >" + tmp + "/n; mkdir -p " + tmp + "/t$n; echo " + tmp + "/t$n\n",
		"nproc":  "#!/bin/sh\necho 4\n",
		"uptime": "#!/bin/sh\necho ' 00:00:00 up 1 day,  1 user,  load average: 0.00, 0.00, 0.00'\n",
	}
	for name, text := range fake {
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"PATH=" + bin + ":/usr/bin:/bin", "LC_ALL=C", "HOME=" + tmp}
	vars := []string{"BOARD=" + board, "CPUS=1", "LOADAVG=1", "AVAILABLE_MEM_GB=1"}

	// GNU make: each variable as origin, flavor and value on one line.
	out := filepath.Join(tmp, "vars")
	show := "define __nl\n\n\nendef\n" +
		"$(foreach __v,$(sort $(.VARIABLES)),$(if $(filter file override,$(origin $(__v))),$(file >>" + out +
		",$(__v)\x03$(flavor $(__v))\x03$(subst $(__nl),\x01,$(value $(__v))))))\n.show: ; @:\n"
	if err := os.WriteFile(filepath.Join(tmp, "show.mk"), []byte(show), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", append([]string{"--no-print-directory", "-f", "Makefile", "-f", filepath.Join(tmp, "show.mk"), ".show"}, vars...)...)
	cmd.Dir, cmd.Env = dir, env
	makeOut, makeErr := cmd.CombinedOutput()
	newEval := func() *Evaluator {
		e := New(os.DirFS(dir))
		e.Root = dir
		e.Shell = func(c string) (string, bool) {
			cmd := exec.Command("/bin/sh", "-c", c)
			cmd.Dir, cmd.Env = dir, env
			b, _ := cmd.Output()
			return string(b), true
		}
		for _, v := range vars {
			n, val, _ := strings.Cut(v, "=")
			e.Set(n, val)
		}
		return e
	}
	if makeErr != nil {
		// GNU make stops on an error: the evaluator must stop on the same.
		lines := strings.Split(strings.TrimSpace(string(makeOut)), "\n")
		want := lines[len(lines)-1]
		err := newEval().ParseFile("Makefile")
		if err == nil || err.Error() != want {
			t.Fatalf("GNU make: %v: %s\nthe evaluator: %v", makeErr, want, err)
		}
		t.Logf("both stop with %s", want)
		return
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Var{}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		f := strings.Split(l, "\x03")
		if len(f) == 3 && !strings.HasPrefix(f[0], "__") {
			want[f[0]] = Var{Flavor: f[1], Value: strings.ReplaceAll(f[2], "\x01", "\n")}
		}
	}
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(tmp, "n"))

	// The evaluator, its Shell hook running the commands as make does.
	e := newEval()
	if err := e.ParseFile("Makefile"); err != nil {
		t.Fatal(err)
	}
	got := map[string]Var{}
	for _, n := range e.Vars() {
		if v, _ := e.Var(n); v.Origin == OriginFile || v.Origin == OriginOverride {
			got[n] = v
		}
	}
	mismatches := 0
	for n, w := range want {
		g, ok := got[n]
		switch {
		case n == ".SHELLSTATUS" || n == "MAKEFLAGS":
			continue // the status of $(shell) is not known; flags differ
		case n == "MAKEFILE_LIST":
			w.Value = strings.TrimSuffix(w.Value, " "+filepath.Join(tmp, "show.mk"))
		case !ok:
			t.Errorf("%s is not defined; GNU make: %s %q", n, w.Flavor, truncate(w.Value, 200))
			mismatches++
			continue
		}
		if g.Flavor != w.Flavor || g.Value != w.Value {
			t.Errorf("%s = %s %q\nGNU make: %s %q", n, g.Flavor, truncate(g.Value, 300), w.Flavor, truncate(w.Value, 300))
			mismatches++
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s is defined, not by GNU make", n)
			mismatches++
		}
	}
	t.Logf("%d variables compared, %d differ", len(want), mismatches)
}

// copyTree copies the directory src to dst, symbolic links as links.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
}
