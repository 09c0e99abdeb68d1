package mk

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// reader splits makefile text into logical lines: physical lines joined
// while one ends in an odd number of backslashes (make's readline). The
// joins are kept as "\n"; collapse removes them where make does.
type reader struct {
	phys []string
	i    int
	base int // line number of phys[0]
}

func newReader(text string, first int) *reader {
	return &reader{phys: strings.Split(text, "\n"), base: first}
}

func (r *reader) done() bool { return r.i >= len(r.phys) }

// next returns the next logical line and the number of its first line.
func (r *reader) next() (string, int) {
	num := r.base + r.i
	s := r.phys[r.i]
	r.i++
	for oddBackslashes(s) && r.i < len(r.phys) {
		s += "\n" + r.phys[r.i]
		r.i++
	}
	return s, num
}

func oddBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// isBlank and isSpace are make's blank and whitespace classes.
func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }

func isSpace(c byte) bool { return isBlank(c) || c == '\n' }

func trimSpaceLeft(s string) string {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return s[i:]
}

func trimBlanksRight(s string) string {
	i := len(s)
	for i > 0 && isBlank(s[i-1]) {
		i--
	}
	return s[:i]
}

func trimSpace(s string) string {
	s = trimSpaceLeft(s)
	i := len(s)
	for i > 0 && isSpace(s[i-1]) {
		i--
	}
	return s[:i]
}

// fields splits s into words at make's whitespace.
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
}

// firstWord splits s (without leading whitespace) into its first word and
// the rest without leading whitespace.
func firstWord(s string) (string, string) {
	i := 0
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return s[:i], trimSpaceLeft(s[i:])
}

// collapse is make's collapse_continuations outside recipes: each
// backslash-newline, the blanks before it and the blanks starting the
// next line become one space; of a run of backslashes before a newline
// half are kept.
func collapse(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var out []byte
	for {
		q := strings.IndexByte(s, '\n')
		if q < 0 {
			return string(append(out, s...))
		}
		n := 0
		for n < q && s[q-1-n] == '\\' {
			n++
		}
		out = append(out, s[:q-n]...)
		out = append(out, strings.Repeat("\\", n/2)...)
		s = s[q+1:]
		if n%2 == 1 {
			for len(s) > 0 && isBlank(s[0]) {
				s = s[1:]
			}
			for len(out) > 0 && isBlank(out[len(out)-1]) {
				out = out[:len(out)-1]
			}
			out = append(out, ' ')
		} else {
			out = append(out, '\n')
		}
	}
}

// findUnquoted is make's find_map_unquote: the index of the first byte of
// s that is in stops, outside variable references $(...)/${...} and not
// quoted by a backslash. Backslashes before a stop byte are halved, as
// make does; the string so changed is returned with the index (-1 for
// none).
func findUnquoted(s, stops string) (string, int) {
	return findUnquotedIn(s, stops, true)
}

// findUnquotedIn is findUnquoted; vars says whether variable references
// are skipped.
func findUnquotedIn(s, stops string, vars bool) (string, int) {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '$' && vars {
			if i+1 >= len(b) {
				break
			}
			open := b[i+1]
			i += 2
			if open == '(' || open == '{' {
				cl := closer(open)
				for n := 1; i < len(b); i++ {
					if b[i] == open {
						n++
					} else if b[i] == cl {
						if n--; n == 0 {
							break
						}
					}
				}
			} else {
				i--
			}
			continue
		}
		if strings.IndexByte(stops, c) < 0 {
			continue
		}
		n := 0
		for n < i && b[i-1-n] == '\\' {
			n++
		}
		if n == 0 {
			return string(b), i
		}
		// Swallow half of the backslashes (rounded up); an odd run quotes
		// the stop byte.
		drop := (n + 1) / 2
		b = append(b[:i-drop], b[i:]...)
		i -= drop
		if n%2 == 0 {
			return string(b), i
		}
	}
	return string(b), -1
}

func closer(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ')'
}

// stripComment removes a comment as make's remove_comments does.
func stripComment(s string) string {
	s, i := findUnquoted(s, "#")
	if i >= 0 {
		return s[:i]
	}
	return s
}

// condState is one open conditional: make's ignoring value (0 reading,
// 1 no branch taken yet, 2 a branch was taken) and whether a plain else
// was seen.
type condState struct {
	ignoring int
	sawElse  bool
	pos      string
}

// fileState is the state of reading one buffer (a file or $(eval) text).
type fileState struct {
	conds []condState
	// rule is the index in Evaluator.rules of the rule that recipe lines
	// belong to: -1 none, -2 a rule whose targets expanded to nothing.
	rule   int
	ignDef bool // in the body of a define in a skipped branch
}

func (f *fileState) ignoring() bool {
	for _, c := range f.conds {
		if c.ignoring != 0 {
			return true
		}
	}
	return false
}

// evalText evaluates makefile text, make's eval of one buffer; first is
// the number of its first line. Text from $(eval) is all at the line of
// the $(eval) (fixed), as make reports it.
func (e *Evaluator) evalText(name string, first int, text string, fixed bool) error {
	if e.depth++; e.depth > maxDepth {
		e.depth--
		return errorf(fmt.Sprintf("%s:%d", name, first), "evaluation nested more than %d deep", maxDepth)
	}
	defer func() { e.depth-- }()
	r := newReader(text, first)
	f := &fileState{rule: -1}
	for !r.done() {
		raw, num := r.next()
		if fixed {
			num = first
		}
		pos := fmt.Sprintf("%s:%d", name, num)
		if err := e.step(pos); err != nil {
			return err
		}
		if err := e.line(f, r, raw, name, pos); err != nil {
			return err
		}
	}
	if len(f.conds) > 0 {
		return errorf(f.conds[len(f.conds)-1].pos, "conditional without endif")
	}
	return nil
}

// line evaluates one logical line, with make's order of tests.
func (e *Evaluator) line(f *fileState, r *reader, raw, name, pos string) error {
	// A recipe line: a tab after a rule line.
	if strings.HasPrefix(raw, "\t") && f.rule != -1 {
		if f.ignoring() || f.rule < 0 {
			return nil
		}
		rec := strings.ReplaceAll(raw[1:], "\n\t", "\n")
		e.rules[f.rule].Recipe = append(e.rules[f.rule].Recipe, rec)
		return nil
	}
	collapsed := stripComment(collapse(raw))
	p := trimSpaceLeft(collapsed)

	// Assignments come first, so that a variable may be called ifdef,
	// export, ...
	if a, ok := parseVarAssignment(p); ok {
		if f.ignoring() {
			if a.define {
				f.ignDef = true
			}
			return nil
		}
		f.rule = -1
		switch {
		case a.define:
			body, err := readDefine(r, name, pos)
			if err != nil {
				return err
			}
			return e.doDefine(a, body, pos)
		case a.undefine:
			n, err := e.expand(a.name, pos)
			if err != nil {
				return err
			}
			if n = trimSpace(n); n == "" {
				return errorf(pos, "empty variable name")
			}
			e.undefine(n, a.override)
			return nil
		}
		return e.doAssign(a, pos)
	}
	if p == "" {
		return nil
	}
	word, rest := firstWord(p)
	if f.ignDef {
		if word == "endef" && rest == "" {
			f.ignDef = false
		}
		return nil
	}
	switch word {
	case "ifdef", "ifndef", "ifeq", "ifneq", "else", "endif":
		return e.conditional(f, word, rest, pos)
	}
	if f.ignoring() {
		return nil
	}
	switch word {
	case "export", "unexport":
		f.rule = -1
		if rest == "" {
			if word == "export" {
				return e.unsupported(pos, "export without variable names (export every variable)")
			}
			return nil
		}
		names, err := e.expand(rest, pos)
		if err != nil {
			return err
		}
		for _, n := range fields(names) {
			v := e.lookup(n)
			if v == nil {
				v = e.define(n, "", Simple, OriginFile, pos)
			}
			v.Export = word == "export"
		}
		return nil
	case "vpath", "load", "-load":
		f.rule = -1
		return e.unsupported(pos, "%s directive", word)
	case "include", "-include", "sinclude":
		f.rule = -1
		return e.include(rest, word != "include", pos)
	}
	if strings.HasPrefix(raw, "\t") {
		return errorf(pos, "recipe commences before first target")
	}
	f.rule = -1
	idx, err := e.ruleLine(raw, pos)
	if err != nil {
		return err
	}
	f.rule = idx
	return nil
}

// assignment is a parsed assignment, define or undefine line.
type assignment struct {
	name, op, value           string // name unexpanded, value as written
	override, export, private bool
	define, undefine          bool
}

// parseVarAssignment is make's parse_var_assignment: modifiers (export,
// override, private), then an assignment or define/undefine.
func parseVarAssignment(p string) (assignment, bool) {
	var a assignment
	if p = trimSpaceLeft(p); p == "" {
		return a, false
	}
	for {
		if name, op, value, ok := parseVarDefinition(p); ok {
			a.name, a.op, a.value = name, op, value
			return a, true
		}
		w, rest := firstWord(p)
		switch w {
		case "export":
			a.export = true
		case "override":
			a.override = true
		case "private":
			a.private = true
		case "define":
			a.define, a.name = true, rest
			return a, true
		case "undefine":
			a.undefine, a.name = true, rest
			return a, true
		default:
			return a, false
		}
		if p = rest; p == "" {
			return a, false
		}
	}
}

// parseVarDefinition is make's parse_variable_definition: the name (up to
// the operator, trailing blanks excluded), the operator and the value
// without leading blanks. A name has no blanks outside variable
// references.
func parseVarDefinition(s string) (name, op, value string, ok bool) {
	s = trimSpaceLeft(s)
	end := -1
	wspace := false
	for i := 0; i < len(s); {
		c := s[i]
		i++
		switch {
		case c == '#':
			return "", "", "", false
		case c == '$':
			if wspace || i >= len(s) {
				return "", "", "", false
			}
			open := s[i]
			i++
			if open != '(' && open != '{' {
				continue
			}
			cl := closer(open)
			for n := 1; i < len(s); i++ {
				if s[i] == cl {
					if n--; n == 0 {
						i++
						break
					}
				} else if s[i] == open {
					n++
				}
			}
			continue
		case isBlank(c):
			wspace = true
			end = i - 1
			for i < len(s) && isBlank(s[i]) {
				i++
			}
			continue
		case c == '=':
			if end < 0 {
				end = i - 1
			}
			return s[:end], "=", trimSpaceLeft(s[i:]), true
		case c == ':':
			if end < 0 {
				end = i - 1
			}
			if strings.HasPrefix(s[i:], "=") {
				return s[:end], ":=", trimSpaceLeft(s[i+1:]), true
			}
			if strings.HasPrefix(s[i:], ":=") {
				return s[:end], "::=", trimSpaceLeft(s[i+2:]), true
			}
			return "", "", "", false
		case i < len(s) && s[i] == '=' && (c == '+' || c == '?' || c == '!'):
			if end < 0 {
				end = i - 1
			}
			return s[:end], string(c) + "=", trimSpaceLeft(s[i+1:]), true
		}
		if wspace {
			return "", "", "", false
		}
	}
	return "", "", "", false
}

func (e *Evaluator) doAssign(a assignment, pos string) error {
	n, err := e.expand(a.name, pos)
	if err != nil {
		return err
	}
	if n == "" {
		return errorf(pos, "empty variable name")
	}
	if n == ".RECIPEPREFIX" {
		return e.unsupported(pos, "assignment to .RECIPEPREFIX")
	}
	return e.assign(n, a.op, a.value, a.override, a.export, pos)
}

// readDefine reads the body of a define up to its endef, as make's
// do_define does: nested define/endef pairs are counted, lines starting
// with a tab are never directives, continuations are collapsed.
func readDefine(r *reader, name, pos string) (string, error) {
	var body []string
	levels := 1
	for {
		if r.done() {
			return "", errorf(pos, "define without endef")
		}
		raw, num := r.next()
		line := collapse(raw)
		if !strings.HasPrefix(line, "\t") {
			p := trimSpaceLeft(line)
			if strings.HasPrefix(p, "define") && (len(p) == 6 || isBlank(p[6])) {
				levels++
			} else if strings.HasPrefix(p, "endef") && (len(p) == 5 || isBlank(p[5])) {
				if levels--; levels == 0 {
					if trimSpace(stripComment(p[5:])) != "" {
						return "", errorf(fmt.Sprintf("%s:%d", name, num), "extraneous text after 'endef' directive")
					}
					return strings.Join(body, "\n"), nil
				}
			}
		}
		body = append(body, line)
	}
}

// doDefine assigns the body of a define. The define line may end with an
// assignment operator; without one the variable is recursive.
func (e *Evaluator) doDefine(a assignment, body, pos string) error {
	spec, op := a.name, "="
	if name, o, value, ok := parseVarDefinition(spec); ok {
		if trimSpace(value) != "" {
			return errorf(pos, "extraneous text after 'define' directive")
		}
		spec, op = name, o
	}
	n, err := e.expand(spec, pos)
	if err != nil {
		return err
	}
	if n = trimSpace(n); n == "" {
		return errorf(pos, "empty variable name")
	}
	return e.assign(n, op, body, a.override, a.export, pos)
}

// conditional handles ifdef, ifndef, ifeq, ifneq, else and endif, as
// make's conditional_line does: nothing in a skipped branch is expanded.
func (e *Evaluator) conditional(f *fileState, word, rest, pos string) error {
	switch word {
	case "endif":
		if len(f.conds) == 0 {
			return errorf(pos, "extraneous 'endif'")
		}
		if rest != "" {
			e.warn(pos, "extraneous text after 'endif' directive")
		}
		f.conds = f.conds[:len(f.conds)-1]
		return nil
	case "else":
		if len(f.conds) == 0 {
			return errorf(pos, "extraneous 'else'")
		}
		o := &f.conds[len(f.conds)-1]
		if o.sawElse {
			return errorf(pos, "only one 'else' per conditional")
		}
		switch o.ignoring {
		case 0:
			o.ignoring = 2
		case 1:
			o.ignoring = 0
		}
		if rest == "" {
			o.sawElse = true
			return nil
		}
		w2, rest2 := firstWord(rest)
		switch w2 {
		case "ifdef", "ifndef", "ifeq", "ifneq":
		default:
			return errorf(pos, "extraneous text after 'else' directive")
		}
		if err := e.conditional(f, w2, rest2, pos); err != nil {
			return err
		}
		n := len(f.conds)
		if o := &f.conds[n-2]; o.ignoring < 2 {
			o.ignoring = f.conds[n-1].ignoring
		}
		f.conds = f.conds[:n-1]
		return nil
	}
	if f.ignoring() {
		f.conds = append(f.conds, condState{ignoring: 1, pos: pos})
		return nil
	}
	ok, err := e.condition(word, rest, pos)
	if err != nil {
		return err
	}
	c := condState{ignoring: 1, pos: pos}
	if ok {
		c.ignoring = 0
	}
	f.conds = append(f.conds, c)
	return nil
}

// condition evaluates the test of ifdef, ifndef, ifeq or ifneq.
func (e *Evaluator) condition(kind, arg, pos string) (bool, error) {
	if kind == "ifdef" || kind == "ifndef" {
		x, err := e.expand(arg, pos)
		if err != nil {
			return false, err
		}
		name, more := firstWord(trimSpaceLeft(x))
		if more != "" {
			return false, errorf(pos, "invalid syntax in conditional")
		}
		v := e.lookup(name)
		return (v != nil && v.Value != "") == (kind == "ifdef"), nil
	}
	a, b, extra, ok := splitCondArgs(arg)
	if !ok {
		return false, errorf(pos, "invalid syntax in conditional")
	}
	xa, err := e.expand(a, pos)
	if err != nil {
		return false, err
	}
	xb, err := e.expand(b, pos)
	if err != nil {
		return false, err
	}
	if extra {
		e.warn(pos, "extraneous text after '%s' directive", kind)
	}
	return (xa == xb) == (kind == "ifeq"), nil
}

// splitCondArgs splits the arguments of ifeq/ifneq as make does: "(a,b)"
// (the first loses trailing blanks, the second leading ones), or two
// strings each quoted with "..." or '...'. extra reports text after them.
func splitCondArgs(s string) (a, b string, extra, ok bool) {
	if s == "" {
		return "", "", false, false
	}
	if s[0] == '(' {
		i, n := 1, 0
		for ; i < len(s); i++ {
			if s[i] == '(' {
				n++
			} else if s[i] == ')' {
				n--
			} else if s[i] == ',' && n <= 0 {
				break
			}
		}
		if i >= len(s) {
			return "", "", false, false
		}
		a = trimBlanksRight(s[1:i])
		rest := trimSpaceLeft(s[i+1:])
		j := 0
		for n = 0; j < len(rest); j++ {
			if rest[j] == '(' {
				n++
			} else if rest[j] == ')' {
				if n <= 0 {
					break
				}
				n--
			}
		}
		if j >= len(rest) {
			return "", "", false, false
		}
		return a, rest[:j], trimSpaceLeft(rest[j+1:]) != "", true
	}
	q := s[0]
	if q != '"' && q != '\'' {
		return "", "", false, false
	}
	end := strings.IndexByte(s[1:], q)
	if end < 0 {
		return "", "", false, false
	}
	a = s[1 : end+1]
	rest := trimSpaceLeft(s[end+2:])
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return "", "", false, false
	}
	q = rest[0]
	end = strings.IndexByte(rest[1:], q)
	if end < 0 {
		return "", "", false, false
	}
	return a, rest[1 : end+1], trimSpaceLeft(rest[end+2:]) != "", true
}

// include reads the files named by spec, expanded; each word is a glob
// pattern (kept as written when it matches nothing). optional is for
// -include and sinclude: missing files are skipped.
func (e *Evaluator) include(spec string, optional bool, pos string) error {
	files, err := e.expand(spec, pos)
	if err != nil {
		return err
	}
	for _, pat := range fields(files) {
		names := []string{pat}
		if hasGlob(pat) {
			m, err := e.glob(pat, pos)
			if err != nil {
				return err
			}
			if len(m) > 0 {
				names = m
			}
		}
		for _, n := range names {
			p, inTree := e.treePath(n)
			if !inTree {
				if optional {
					e.warn(pos, "-include %s: outside the tree (%s), taken as absent", n, e.Root)
					continue
				}
				return errorf(pos, "%s: outside the tree (%s), not read", n, e.Root)
			}
			b, err := fs.ReadFile(e.FS, p)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					if !optional {
						// make goes on reading, and fails at the end
						// when it cannot make the missing file.
						e.missing = append(e.missing, errorf(pos, "%s: No such file or directory", n))
					}
					continue
				}
				return errorf(pos, "%s: %v", n, err)
			}
			e.addMakefile(n)
			// Positions name the file by its path in FS.
			if err := e.evalText(p, 1, string(b), false); err != nil {
				return err
			}
		}
	}
	return nil
}

// treePath maps a path as make sees it (relative to the working
// directory, or starting with Root) to a path in FS; ok is false for
// paths outside the tree.
func (e *Evaluator) treePath(p string) (string, bool) {
	root := trimTrailingSlash(e.Root)
	switch {
	case root != "" && (p == root || strings.HasPrefix(p, root+"/")):
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

func trimTrailingSlash(s string) string { return strings.TrimSuffix(s, "/") }

// specialTargets are refused: they change how make reads the makefiles or
// what it exports and runs.
var specialTargets = map[string]string{
	".SECONDEXPANSION":      "second expansion of prerequisites",
	".EXPORT_ALL_VARIABLES": "exporting every variable",
	".ONESHELL":             "one shell per recipe",
	".POSIX":                "POSIX mode",
}

// ruleLine records a rule or a target-specific assignment (make's eval
// after the directives). It returns the index of the rule that the
// following recipe lines belong to: -1 for none, -2 for a rule whose
// targets expanded to nothing (make drops its recipe).
func (e *Evaluator) ruleLine(raw, pos string) (int, error) {
	line, semi := findUnquoted(raw, ";#")
	recipe, hasRecipe := "", false
	if semi >= 0 {
		if line[semi] == ';' {
			recipe, hasRecipe = line[semi+1:], true
		}
		line = line[:semi]
	}
	line = collapse(line)

	// A target-specific assignment: targets: [modifiers] NAME op value.
	if c := topLevelColon(line); c >= 0 {
		after := strings.TrimPrefix(line[c+1:], ":")
		rhs := after
		if hasRecipe {
			rhs += ";" + collapse(recipe)
		}
		if a, ok := parseVarAssignment(rhs); ok && !a.define && !a.undefine {
			return -1, e.targetVar(line[:c], a, pos)
		}
	}

	x, err := e.expand(line, pos)
	if err != nil {
		return -1, err
	}
	if trimSpace(x) == "" {
		if hasRecipe {
			return -1, errorf(pos, "recipe without a target")
		}
		return -1, nil
	}
	i := strings.IndexByte(x, ':')
	if i < 0 {
		return -1, errorf(pos, "missing separator (%q is not an assignment, a rule or a directive)", truncate(trimSpace(x), 60))
	}
	r := Rule{Pos: pos, Targets: fields(x[:i])}
	rest := x[i+1:]
	if strings.HasPrefix(rest, ":") {
		r.DoubleColon, rest = true, rest[1:]
	}
	if j := strings.IndexByte(rest, ':'); j >= 0 {
		r.TargetPattern = trimSpace(rest[:j])
		rest = rest[j+1:]
	}
	normal, orderOnly, _ := strings.Cut(rest, "|")
	r.Prereqs, r.OrderOnly = fields(normal), fields(orderOnly)
	if hasRecipe {
		r.Recipe = append(r.Recipe, strings.ReplaceAll(trimSpaceLeft(recipe), "\n\t", "\n"))
	}
	for _, t := range r.Targets {
		if what, ok := specialTargets[t]; ok {
			if err := e.unsupported(pos, "special target %s (%s)", t, what); err != nil {
				return -1, err
			}
		}
	}
	if len(r.Targets) == 0 {
		return -2, nil
	}
	e.rules = append(e.rules, r)
	e.defaultGoal(r, pos)
	return len(e.rules) - 1, nil
}

// defaultGoal sets .DEFAULT_GOAL, if it is empty, to the first target of
// the first rule that is neither a pattern rule nor a special target.
func (e *Evaluator) defaultGoal(r Rule, pos string) {
	if v := e.vars[".DEFAULT_GOAL"]; v != nil && v.Value != "" {
		return
	}
	for _, t := range r.Targets {
		if strings.Contains(t, "%") {
			return
		}
		if !strings.HasPrefix(t, ".") || strings.Contains(t, "/") {
			e.define(".DEFAULT_GOAL", t, Simple, OriginFile, pos)
			return
		}
	}
}

// targetVar records a target-specific assignment without applying it.
func (e *Evaluator) targetVar(targets string, a assignment, pos string) error {
	t, err := e.expand(targets, pos)
	if err != nil {
		return err
	}
	name, err := e.expand(a.name, pos)
	if err != nil {
		return err
	}
	tv := &TargetVar{Name: name, Op: a.op, Value: a.value, Override: a.override, Export: a.export}
	switch a.op {
	case ":=", "::=":
		if tv.Value, err = e.expand(a.value, pos); err != nil {
			return err
		}
	case "!=":
		cmd, err := e.expand(a.value, pos)
		if err != nil {
			return err
		}
		if tv.Value, err = e.shell(cmd, false, pos); err != nil {
			return err
		}
	}
	e.rules = append(e.rules, Rule{Pos: pos, Targets: fields(t), Var: tv})
	return nil
}

// topLevelColon is the index of the first ':' of s outside variable
// references, or -1.
func topLevelColon(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '$':
			if i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{') {
				open, cl := s[i+1], closer(s[i+1])
				n := 0
				for i++; i < len(s); i++ {
					if s[i] == open {
						n++
					} else if s[i] == cl {
						if n--; n == 0 {
							break
						}
					}
				}
			} else {
				i++
			}
		case ':':
			return i
		}
	}
	return -1
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
