package mk

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Flavors and origins, as $(flavor) and $(origin) name them.
const (
	Recursive = "recursive"
	Simple    = "simple"

	OriginFile        = "file"
	OriginCommandLine = "command line"
	OriginOverride    = "override"
	OriginAutomatic   = "automatic"
	OriginDefault     = "default"
)

// Limits that keep malformed or hostile input from hanging the evaluator.
const (
	maxDepth    = 200      // nested expansions, evals and includes
	maxExpanded = 64 << 20 // bytes of one expansion result
)

// Var is a variable: its value as stored (unexpanded when recursive).
type Var struct {
	Value  string
	Flavor string // Recursive or Simple
	Origin string
	Export bool
	Pos    string // file:line of the last assignment
}

// Rule is a rule line with its recipe, recorded and never run.
type Rule struct {
	Pos     string
	Targets []string
	Prereqs []string // expanded; order-only ones after "|" included
	Recipe  []string // unexpanded recipe lines, without the leading tab
	// TargetVar is set for a target-specific assignment ("VAR = value").
	TargetVar string
}

// Diagnostic is a warning or an $(info)/$(warning) message.
type Diagnostic struct {
	Pos  string
	Kind string // "info", "warning"
	Msg  string
}

func (d Diagnostic) String() string { return d.Pos + ": " + d.Kind + ": " + d.Msg }

// Error is an evaluation error at a position.
type Error struct {
	Pos string
	Msg string
}

func (e *Error) Error() string { return e.Pos + ": " + e.Msg }

// ErrUnsupported marks constructs outside the subset; errors wrap it.
var ErrUnsupported = errors.New("not supported")

// Evaluator holds the variables of one evaluation.
type Evaluator struct {
	// FS holds the files that include and wildcard see, by slash path
	// relative to the tree's top.
	FS fs.FS
	// Root is the path the tree stands for ($(CURDIR), and the prefix
	// that include and wildcard paths must have to be looked up in FS):
	// an absolute path or a placeholder such as ${HEADS_PWD}. Default "/".
	Root string
	// Shell answers $(shell CMD) and != for the commands it knows.
	Shell func(cmd string) (string, bool)
	// Lenient turns unevaluable $(shell) calls into warnings.
	Lenient bool

	vars   map[string]*Var
	rules  []Rule
	diags  []Diagnostic
	frames [][]string // $(call) arguments, innermost last
	active map[string]bool
	depth  int
}

// New returns an evaluator over fsys with make's default variables.
func New(fsys fs.FS) *Evaluator {
	e := &Evaluator{FS: fsys, Root: "/", vars: map[string]*Var{}, active: map[string]bool{}}
	for k, v := range map[string]string{"MAKE": "make", "SHELL": "/bin/sh", "MAKEFLAGS": "", ".SHELLFLAGS": "-c"} {
		e.vars[k] = &Var{Value: v, Flavor: Simple, Origin: OriginDefault}
	}
	return e
}

// Set defines name like a command-line variable (make NAME=value): file
// assignments to it are ignored unless they use override.
func (e *Evaluator) Set(name, value string) {
	e.vars[name] = &Var{Value: value, Flavor: Simple, Origin: OriginCommandLine, Pos: "command line"}
}

// Var returns the variable called name.
func (e *Evaluator) Var(name string) (Var, bool) {
	v, ok := e.vars[name]
	if !ok {
		return Var{}, false
	}
	return *v, true
}

// Value returns the expanded value of name ("" when undefined or when
// expanding it fails; use Expand to see the error).
func (e *Evaluator) Value(name string) string {
	s, _ := e.Expand("$(" + name + ")")
	return s
}

// Expand expands s as make expands a variable's value.
func (e *Evaluator) Expand(s string) (string, error) {
	return e.expand(s, "expand")
}

// Vars returns the names of all variables, sorted.
func (e *Evaluator) Vars() []string {
	var n []string
	for k := range e.vars {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Rules returns the rules read so far, in order.
func (e *Evaluator) Rules() []Rule { return e.rules }

// Diagnostics returns the warnings and messages so far, in order.
func (e *Evaluator) Diagnostics() []Diagnostic { return e.diags }

// ParseFile reads and evaluates the file at name (a slash path in FS).
func (e *Evaluator) ParseFile(name string) error {
	b, err := fs.ReadFile(e.FS, name)
	if err != nil {
		return err
	}
	return e.Eval(name, b)
}

// Eval evaluates src as makefile text read from a file called name.
func (e *Evaluator) Eval(name string, src []byte) error {
	return e.evalText(name, 1, string(src))
}

func (e *Evaluator) warn(pos, format string, a ...any) {
	e.diags = append(e.diags, Diagnostic{Pos: pos, Kind: "warning", Msg: fmt.Sprintf(format, a...)})
}

func errorf(pos, format string, a ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

func unsupported(pos, format string, a ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, a...) + ": " + ErrUnsupported.Error()}
}

// line is one logical line: continuations joined.
type line struct {
	text string
	num  int // number of its first physical line
}

// splitLines joins backslash-newline continuations. raw keeps the
// physical lines of define bodies.
type reader struct {
	phys []string
	i    int
	base int
}

func newReader(text string, first int) *reader {
	return &reader{phys: strings.Split(text, "\n"), base: first}
}

func (r *reader) done() bool { return r.i >= len(r.phys) }

// next returns the next logical line (continuations joined as GNU make
// does outside recipes: the backslash, the newline and the whitespace
// around them become one space).
func (r *reader) next() line {
	l := line{num: r.base + r.i}
	s := r.phys[r.i]
	r.i++
	for endsWithContinuation(s) && r.i < len(r.phys) {
		s = strings.TrimRight(s[:len(s)-1], " \t") + " " + strings.TrimLeft(r.phys[r.i], " \t")
		r.i++
	}
	if endsWithContinuation(s) {
		s = s[:len(s)-1]
	}
	l.text = s
	return l
}

// nextRaw returns the next logical line keeping continuations as written
// (for define bodies and recipes).
func (r *reader) nextRaw() line {
	l := line{num: r.base + r.i}
	s := r.phys[r.i]
	r.i++
	for endsWithContinuation(s) && r.i < len(r.phys) {
		s += "\n" + r.phys[r.i]
		r.i++
	}
	l.text = s
	return l
}

func endsWithContinuation(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// stripComment removes a comment: '#' outside $(...) and ${...} and not
// escaped. "\#" becomes "#".
func stripComment(s string) string {
	if !strings.Contains(s, "#") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '#':
			b.WriteByte('#')
			i++
			continue
		case c == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			depth++
			b.WriteString(s[i : i+2])
			i++
			continue
		case (c == ')' || c == '}') && depth > 0:
			depth--
		case c == '#' && depth == 0:
			return b.String()
		}
		b.WriteByte(c)
	}
	return b.String()
}

// cond is the state of one open conditional.
type cond struct {
	taken   bool // some branch was true
	active  bool // the current branch is being read
	outer   bool // the enclosing context was active
	sawElse bool
	pos     string
}

func (e *Evaluator) evalText(name string, first int, text string) error {
	if e.depth++; e.depth > maxDepth {
		e.depth--
		return errorf(fmt.Sprintf("%s:%d", name, first), "evaluation nested more than %d deep", maxDepth)
	}
	defer func() { e.depth-- }()
	r := newReader(text, first)
	var conds []*cond
	active := func() bool { return len(conds) == 0 || conds[len(conds)-1].active }
	var rule *Rule // the rule whose recipe lines follow
	for !r.done() {
		// Recipe lines: a tab-started line after a rule line.
		if rule != nil && strings.HasPrefix(r.phys[r.i], "\t") {
			l := r.nextRaw()
			if active() {
				rule.Recipe = append(rule.Recipe, l.text[1:])
			}
			continue
		}
		l := r.next()
		pos := fmt.Sprintf("%s:%d", name, l.num)
		text := stripComment(l.text)
		trimmed := strings.TrimSpace(text)
		if trimmed == "" {
			continue
		}
		word, rest := firstWord(trimmed)
		// Conditionals are read even in skipped branches.
		switch word {
		case "ifeq", "ifneq", "ifdef", "ifndef":
			c := &cond{outer: active(), pos: pos}
			if c.outer {
				ok, err := e.condition(word, rest, pos)
				if err != nil {
					return err
				}
				c.active, c.taken = ok, ok
			}
			conds = append(conds, c)
			continue
		case "else":
			if len(conds) == 0 {
				return errorf(pos, "else without ifeq/ifneq/ifdef/ifndef")
			}
			c := conds[len(conds)-1]
			if c.sawElse {
				return errorf(pos, "only one plain else per conditional")
			}
			if rest == "" {
				c.sawElse = true
				c.active = c.outer && !c.taken
				c.taken = c.taken || c.active
				continue
			}
			w2, rest2 := firstWord(rest)
			switch w2 {
			case "ifeq", "ifneq", "ifdef", "ifndef":
			default:
				return errorf(pos, "else followed by %q, not a conditional", rest)
			}
			c.active = false
			if c.outer && !c.taken {
				ok, err := e.condition(w2, rest2, pos)
				if err != nil {
					return err
				}
				c.active, c.taken = ok, ok
			}
			continue
		case "endif":
			if len(conds) == 0 {
				return errorf(pos, "endif without ifeq/ifneq/ifdef/ifndef")
			}
			conds = conds[:len(conds)-1]
			continue
		}
		// A define body is skipped as a block even in a false branch.
		defWord, defRest := word, rest
		var mods []string
		for defWord == "override" || defWord == "export" || defWord == "private" {
			mods = append(mods, defWord)
			defWord, defRest = firstWord(defRest)
		}
		if defWord == "define" {
			body, err := readDefine(r, pos)
			if err != nil {
				return err
			}
			if active() {
				rule = nil
				if err := e.define(defRest, body, mods, pos); err != nil {
					return err
				}
			}
			continue
		}
		if !active() {
			continue
		}
		if strings.HasPrefix(l.text, "\t") && rule == nil {
			// A tab-started line outside a rule is read as a normal line.
			text = strings.TrimLeft(text, "\t")
		}
		newRule, err := e.statement(word, rest, text, pos)
		if err != nil {
			return err
		}
		rule = newRule
	}
	if len(conds) > 0 {
		return errorf(conds[len(conds)-1].pos, "conditional without endif")
	}
	return nil
}

func firstWord(s string) (string, string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// readDefine returns the body of a define, up to its endef.
func readDefine(r *reader, pos string) (string, error) {
	var body []string
	depth := 1
	for !r.done() {
		l := r.nextRaw()
		w, _ := firstWord(strings.TrimSpace(l.text))
		switch w {
		case "define":
			depth++
		case "endef":
			if depth--; depth == 0 {
				return strings.Join(body, "\n"), nil
			}
		}
		if w == "override" || w == "export" {
			if _, rest := firstWord(strings.TrimSpace(l.text)); strings.HasPrefix(rest, "define") {
				depth++
			}
		}
		body = append(body, l.text)
	}
	return "", errorf(pos, "define without endef")
}

func (e *Evaluator) define(spec, body string, mods []string, pos string) error {
	name, op := strings.TrimSpace(spec), "="
	for _, o := range []string{"::=", ":=", "+=", "?=", "!=", "="} {
		if strings.HasSuffix(name, o) {
			name, op = strings.TrimSpace(strings.TrimSuffix(name, o)), o
			break
		}
	}
	n, err := e.expand(name, pos)
	if err != nil {
		return err
	}
	return e.assign(strings.TrimSpace(n), op, body, contains(mods, "override"), contains(mods, "export"), pos)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// statement evaluates one non-conditional line; it returns the rule when
// the line is a rule (so that recipe lines attach to it).
func (e *Evaluator) statement(word, rest, text, pos string) (*Rule, error) {
	switch word {
	case "include", "-include", "sinclude":
		return nil, e.include(rest, word != "include", pos)
	case "vpath", "load", "undefine":
		return nil, unsupported(pos, "%s directive", word)
	case ".SECONDEXPANSION:", ".ONESHELL:":
		return nil, unsupported(pos, "%s", word)
	}
	// Modifiers of assignments.
	override, export := false, false
	s := strings.TrimLeft(text, " \t")
	for {
		w, r := firstWord(s)
		switch w {
		case "override":
			override, s = true, r
			continue
		case "export":
			export, s = true, r
			continue
		case "private":
			s = r
			continue
		case "unexport":
			names, err := e.expand(r, pos)
			if err != nil {
				return nil, err
			}
			for _, n := range strings.Fields(names) {
				if v, ok := e.vars[n]; ok {
					v.Export = false
				}
			}
			return nil, nil
		}
		break
	}
	if name, op, value, ok := splitAssignment(s); ok {
		n, err := e.expand(name, pos)
		if err != nil {
			return nil, err
		}
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, errorf(pos, "empty variable name")
		}
		return nil, e.assign(n, op, value, override, export, pos)
	}
	if export && !strings.Contains(s, ":") {
		// export NAME...: mark variables exported.
		names, err := e.expand(s, pos)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(names) == "" {
			e.warn(pos, "export of all variables is not modelled")
		}
		for _, n := range strings.Fields(names) {
			v, ok := e.vars[n]
			if !ok {
				v = &Var{Flavor: Recursive, Origin: OriginFile, Pos: pos}
				e.vars[n] = v
			}
			v.Export = true
		}
		return nil, nil
	}
	if override {
		return nil, errorf(pos, "override without an assignment")
	}
	return e.ruleLine(s, pos)
}

// splitAssignment finds an assignment operator at the top level of s
// (outside $(...)), before any rule colon.
func splitAssignment(s string) (name, op, value string, ok bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			depth++
			i++
		case (c == ')' || c == '}') && depth > 0:
			depth--
		case depth > 0:
		case c == '=':
			op = "="
			j := i
			if i > 0 {
				switch s[i-1] {
				case '+', '?', '!':
					op, j = s[i-1:i+1], i-1
				case ':':
					op, j = ":=", i-1
					if i > 1 && s[i-2] == ':' {
						op, j = "::=", i-2
					}
				}
			}
			return s[:j], op, strings.TrimLeft(s[i+1:], " \t"), true
		case c == ':':
			if strings.HasPrefix(s[i:], ":=") || strings.HasPrefix(s[i:], "::=") {
				continue
			}
			return "", "", "", false
		case c == ';':
			return "", "", "", false
		}
	}
	return "", "", "", false
}

func (e *Evaluator) assign(name, op, value string, override, export bool, pos string) error {
	old, exists := e.vars[name]
	if exists && old.Origin == OriginCommandLine && !override {
		if export {
			old.Export = true
		}
		return nil
	}
	if exists && old.Origin == OriginOverride && !override {
		return nil
	}
	origin := OriginFile
	if override {
		origin = OriginOverride
	}
	keepExport := exists && old.Export
	nv := &Var{Origin: origin, Export: export || keepExport, Pos: pos}
	switch op {
	case "=":
		nv.Value, nv.Flavor = value, Recursive
	case ":=", "::=":
		v, err := e.expand(value, pos)
		if err != nil {
			return err
		}
		nv.Value, nv.Flavor = v, Simple
	case "?=":
		if exists {
			if export {
				old.Export = true
			}
			return nil
		}
		nv.Value, nv.Flavor = value, Recursive
	case "+=":
		if !exists || old.Flavor == "" {
			nv.Value, nv.Flavor = value, Recursive
			break
		}
		nv.Flavor, nv.Value = old.Flavor, old.Value
		add := value
		if old.Flavor == Simple {
			v, err := e.expand(value, pos)
			if err != nil {
				return err
			}
			add = v
		}
		if nv.Value != "" && add != "" {
			nv.Value += " "
		}
		nv.Value += add
		if old.Origin == OriginOverride && !override {
			nv.Origin = OriginOverride
		}
	case "!=":
		cmd, err := e.expand(value, pos)
		if err != nil {
			return err
		}
		out, err := e.shell(cmd, pos)
		if err != nil {
			return err
		}
		nv.Value, nv.Flavor = strings.ReplaceAll(out, "$", "$$"), Recursive
	default:
		return errorf(pos, "unknown assignment operator %q", op)
	}
	e.vars[name] = nv
	return nil
}

func (e *Evaluator) include(spec string, optional bool, pos string) error {
	files, err := e.expand(spec, pos)
	if err != nil {
		return err
	}
	for _, pat := range strings.Fields(files) {
		p, inTree := e.treePath(pat)
		if !inTree {
			if optional {
				e.warn(pos, "include of %s, outside the tree, skipped", pat)
				continue
			}
			return errorf(pos, "include of %s: outside the tree (%s)", pat, e.Root)
		}
		var names []string
		if strings.ContainsAny(p, "*?[") {
			m, err := fs.Glob(e.FS, p)
			if err != nil {
				return errorf(pos, "include %s: %v", pat, err)
			}
			names = m
		} else {
			names = []string{p}
		}
		for _, n := range names {
			b, err := fs.ReadFile(e.FS, n)
			if errors.Is(err, fs.ErrNotExist) && optional {
				continue
			}
			if errors.Is(err, fs.ErrNotExist) {
				return errorf(pos, "include %s: no such file", pat)
			}
			if err != nil {
				return errorf(pos, "include %s: %v", pat, err)
			}
			if err := e.evalText(n, 1, string(b)); err != nil {
				return err
			}
		}
	}
	return nil
}

// treePath maps a make path to a path in FS; absolute paths must be under
// Root.
func (e *Evaluator) treePath(p string) (string, bool) {
	root := strings.TrimSuffix(e.Root, "/")
	switch {
	case root != "" && (p == root || strings.HasPrefix(p, root+"/")):
		// Root may also be a placeholder such as ${HEADS_PWD}.
		p = strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	case strings.HasPrefix(p, "/"):
		if root != "" {
			return "", false
		}
		p = strings.TrimPrefix(p, "/")
	}
	if p == "" {
		p = "."
	}
	p = path.Clean(p)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

func (e *Evaluator) ruleLine(s, pos string) (*Rule, error) {
	recipe := ""
	if i := topLevelIndex(s, ';'); i >= 0 {
		s, recipe = s[:i], strings.TrimLeft(s[i+1:], " \t")
	}
	// Target-specific assignment: targets: VAR = value (value unexpanded).
	if i := topLevelIndex(s, ':'); i >= 0 {
		if name, op, value, ok := splitAssignment(s[i+1:]); ok && !strings.HasPrefix(s[i+1:], "=") {
			t, err := e.expand(s[:i], pos)
			if err != nil {
				return nil, err
			}
			rule := Rule{Pos: pos, Targets: strings.Fields(t), TargetVar: strings.TrimSpace(name) + " " + op + " " + value}
			e.rules = append(e.rules, rule)
			return nil, nil
		}
	}
	x, err := e.expand(s, pos)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(x) == "" {
		if recipe != "" {
			return nil, errorf(pos, "recipe without a rule")
		}
		return nil, nil
	}
	i := strings.IndexByte(x, ':')
	if i < 0 {
		return nil, errorf(pos, "missing separator: %q is neither an assignment, a rule nor a directive", strings.TrimSpace(truncate(x, 80)))
	}
	targets := strings.Fields(x[:i])
	pre := strings.TrimPrefix(x[i+1:], ":")
	rule := Rule{Pos: pos, Targets: targets, Prereqs: strings.Fields(pre)}
	if recipe != "" {
		rule.Recipe = append(rule.Recipe, recipe)
	}
	for _, t := range targets {
		if t == ".SECONDEXPANSION" || t == ".ONESHELL" {
			return nil, unsupported(pos, "special target %s", t)
		}
	}
	e.rules = append(e.rules, rule)
	return &e.rules[len(e.rules)-1], nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// topLevelIndex is the index of c in s outside $(...)/${...}, or -1.
func topLevelIndex(s string, c byte) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			depth++
			i++
		case (s[i] == ')' || s[i] == '}') && depth > 0:
			depth--
		case s[i] == '$' && i+1 < len(s):
			i++ // $$ or $x
		case s[i] == c && depth == 0:
			return i
		}
	}
	return -1
}

// condition evaluates the test of ifeq/ifneq/ifdef/ifndef.
func (e *Evaluator) condition(kind, arg, pos string) (bool, error) {
	switch kind {
	case "ifdef", "ifndef":
		n, err := e.expand(arg, pos)
		if err != nil {
			return false, err
		}
		n = strings.TrimSpace(n)
		if strings.ContainsAny(n, " \t") {
			return false, errorf(pos, "%s takes one variable name, got %q", kind, n)
		}
		v, ok := e.vars[n]
		def := ok && v.Value != "" && v.Flavor != ""
		return def == (kind == "ifdef"), nil
	}
	a, b, err := splitCondArgs(arg)
	if err != nil {
		return false, errorf(pos, "%s %s: %v", kind, arg, err)
	}
	xa, err := e.expand(a, pos)
	if err != nil {
		return false, err
	}
	xb, err := e.expand(b, pos)
	if err != nil {
		return false, err
	}
	return (xa == xb) == (kind == "ifeq"), nil
}

// splitCondArgs splits "(a,b)", "'a' 'b'" or "\"a\" \"b\"" as GNU make
// does: in the parenthesised form the first argument loses trailing and
// the second leading whitespace.
func splitCondArgs(s string) (string, string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", errors.New("missing arguments")
	}
	if s[0] == '(' {
		depth, comma := 0, -1
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '(':
				depth++
			case ')':
				if depth == 0 {
					if comma < 0 {
						return "", "", errors.New("missing ','")
					}
					if strings.TrimSpace(s[i+1:]) != "" {
						return "", "", errors.New("extraneous text after the arguments")
					}
					return strings.TrimRight(s[1:comma], " \t"), strings.TrimLeft(s[comma+1:i], " \t"), nil
				}
				depth--
			case ',':
				if depth == 0 && comma < 0 {
					comma = i
				}
			}
		}
		return "", "", errors.New("missing ')'")
	}
	var args []string
	for len(args) < 2 {
		s = strings.TrimLeft(s, " \t")
		if s == "" || (s[0] != '"' && s[0] != '\'') {
			return "", "", errors.New("arguments must be (a,b), \"a\" \"b\" or 'a' 'b'")
		}
		q := s[0]
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return "", "", errors.New("unterminated quote")
		}
		args = append(args, s[1:end+1])
		s = s[end+2:]
	}
	if strings.TrimSpace(s) != "" {
		return "", "", errors.New("extraneous text after the arguments")
	}
	return args[0], args[1], nil
}
