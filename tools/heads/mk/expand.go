package mk

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// expand expands s: make's variable_expand_string.
func (e *Evaluator) expand(s, pos string) (string, error) {
	if strings.IndexByte(s, '$') < 0 {
		return s, nil
	}
	if e.depth++; e.depth > maxDepth {
		e.depth--
		return "", errorf(pos, "expansion nested more than %d deep", maxDepth)
	}
	defer func() { e.depth-- }()
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		if s == "" {
			b.WriteByte('$') // a $ ending the text stands for itself
			break
		}
		switch c := s[0]; c {
		case '$':
			b.WriteByte('$')
			s = s[1:]
		case '(', '{':
			out, n, err := e.reference(s, pos)
			if err != nil {
				return "", err
			}
			b.WriteString(out)
			s = s[n:]
		default:
			out, err := e.varRef(string(c), pos)
			if err != nil {
				return "", err
			}
			b.WriteString(out)
			s = s[1:]
		}
		if err := e.checkSize(b.Len(), pos); err != nil {
			return "", err
		}
	}
	if err := e.produced(b.Len(), pos); err != nil {
		return "", err
	}
	return b.String(), nil
}

// checkSize fails when one result under construction exceeds the byte
// budget.
func (e *Evaluator) checkSize(n int, pos string) error {
	max := e.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if e.bytes+n > max {
		return errorf(pos, "expansions produce more than %d bytes", max)
	}
	return nil
}

// reference expands the reference that starts at s[0] ('(' or '{'): a
// function call, a substitution reference or a variable. It returns the
// number of bytes of s it used.
func (e *Evaluator) reference(s, pos string) (string, int, error) {
	if err := e.step(pos); err != nil {
		return "", 0, err
	}
	open, cl := s[0], closer(s[0])
	body := s[1:]
	if name, argStart, ok := lookupFunction(body); ok {
		end := matchingClose(body, argStart, open, cl)
		if end < 0 {
			return "", 0, errorf(pos, "unterminated call to function '%s': missing '%c'", name, cl)
		}
		out, err := e.callFunction(name, body[argStart:end], open, cl, pos)
		return out, end + 2, err
	}
	end := strings.IndexByte(body, cl)
	if end < 0 {
		return "", 0, errorf(pos, "unterminated variable reference")
	}
	name := body[:end]
	if strings.IndexByte(name, '$') >= 0 {
		// A computed name: find the matching close and expand the inside.
		if end = matchingClose(body, 0, open, cl); end < 0 {
			return "", 0, errorf(pos, "unterminated variable reference")
		}
		x, err := e.expand(body[:end], pos)
		if err != nil {
			return "", 0, err
		}
		name = x
	}
	if c := strings.IndexByte(name, ':'); c >= 0 {
		if q := strings.IndexByte(name[c+1:], '='); q >= 0 {
			// A substitution reference $(var:pattern=replacement).
			v := e.lookup(name[:c])
			if v == nil || v.Value == "" {
				return "", end + 2, nil
			}
			val, err := e.valueOf(name[:c], v, pos)
			if err != nil {
				return "", 0, err
			}
			return substRef(val, name[c+1:c+1+q], name[c+2+q:]), end + 2, nil
		}
	}
	out, err := e.varRef(name, pos)
	return out, end + 2, err
}

// matchingClose is the index in s, from start, of the close that ends a
// reference, counting only parentheses of the reference's own kind (as
// make does); -1 if there is none.
func matchingClose(s string, start int, open, cl byte) int {
	n := 0
	for j := start; j < len(s); j++ {
		switch s[j] {
		case open:
			n++
		case cl:
			if n == 0 {
				return j
			}
			n--
		}
	}
	return -1
}

// varRef expands a reference to the variable called name.
func (e *Evaluator) varRef(name, pos string) (string, error) {
	v := e.lookup(name)
	if v == nil {
		return "", nil
	}
	return e.valueOf(name, v, pos)
}

// valueOf is the value of v: expanded if it is recursive, which fails if
// v is already being expanded (outside a $(call) of it), as in make.
func (e *Evaluator) valueOf(name string, v *Var, pos string) (string, error) {
	if v.Flavor != Recursive {
		return v.Value, nil
	}
	if e.expanding[v] > 0 && e.calling[v] == 0 {
		return "", errorf(v.Pos, "Recursive variable '%s' references itself (eventually)", name)
	}
	e.expanding[v]++
	defer func() { e.expanding[v]-- }()
	return e.expand(v.Value, pos)
}

// fn describes a function: its argument counts (max 0: any) and whether
// its arguments are expanded before it is called.
type fn struct {
	min, max int
	expand   bool
}

var functions = map[string]fn{
	"subst": {3, 3, true}, "patsubst": {3, 3, true}, "strip": {0, 1, true},
	"findstring": {2, 2, true}, "filter": {2, 2, true}, "filter-out": {2, 2, true},
	"sort": {0, 1, true}, "word": {2, 2, true}, "wordlist": {3, 3, true},
	"words": {0, 1, true}, "firstword": {0, 1, true}, "lastword": {0, 1, true},
	"dir": {0, 1, true}, "notdir": {0, 1, true}, "suffix": {0, 1, true},
	"basename": {0, 1, true}, "addsuffix": {2, 2, true}, "addprefix": {2, 2, true},
	"join": {2, 2, true}, "wildcard": {0, 1, true}, "realpath": {0, 1, true},
	"abspath": {0, 1, true}, "if": {2, 3, false}, "or": {1, 0, false},
	"and": {1, 0, false}, "foreach": {3, 3, false}, "call": {1, 0, true},
	"value": {0, 1, true}, "eval": {0, 1, true}, "origin": {0, 1, true},
	"flavor": {0, 1, true}, "error": {0, 1, true}, "warning": {0, 1, true},
	"info": {0, 1, true}, "shell": {0, 1, true},
	// Refused: they write files, run Guile, or are GNU make 4.4's.
	"file": {1, 2, false}, "guile": {0, 1, false}, "let": {3, 3, false},
	"intcmp": {2, 5, false},
}

var refused = map[string]string{
	"file":   "writes or reads files",
	"guile":  "runs Guile",
	"let":    "GNU make 4.4",
	"intcmp": "GNU make 4.4",
}

// lookupFunction recognises a function call at the start of s: a known
// name followed by whitespace (make's lookup_function). argStart is where
// its arguments begin.
func lookupFunction(s string) (name string, argStart int, ok bool) {
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] == '-') {
		i++
	}
	if i == 0 || i >= len(s) || !isSpace(s[i]) {
		return "", 0, false
	}
	if _, ok := functions[s[:i]]; !ok {
		return "", 0, false
	}
	j := i
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	return s[:i], j, true
}

// splitArgs splits a function's arguments at commas outside parentheses
// of the reference's own kind; the last of max arguments takes the rest.
func splitArgs(s string, max int, open, cl byte) []string {
	var out []string
	n, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case open:
			n++
		case cl:
			n--
		case ',':
			if n == 0 && (max == 0 || len(out) < max-1) {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func (e *Evaluator) callFunction(name, argText string, open, cl byte, pos string) (string, error) {
	f := functions[name]
	args := splitArgs(argText, f.max, open, cl)
	if len(args) < f.min {
		return "", errorf(pos, "insufficient number of arguments (%d) to function '%s'", len(args), name)
	}
	if why, ok := refused[name]; ok {
		return "", e.unsupported(pos, "function $(%s) (%s)", name, why)
	}
	if f.expand {
		for i, a := range args {
			x, err := e.expand(a, pos)
			if err != nil {
				return "", err
			}
			args[i] = x
		}
	}
	if e.depth++; e.depth > maxDepth {
		e.depth--
		return "", errorf(pos, "function calls nested more than %d deep", maxDepth)
	}
	defer func() { e.depth-- }()
	return e.builtin(name, args, pos)
}

// builtin runs a function on its arguments (expanded, unless the function
// expands them itself).
func (e *Evaluator) builtin(name string, args []string, pos string) (string, error) {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch name {
	case "if":
		c, err := e.expand(trimSpace(args[0]), pos)
		if err != nil {
			return "", err
		}
		if c != "" {
			return e.expand(args[1], pos)
		}
		return e.expand(arg(2), pos)
	case "or":
		for _, a := range args {
			if a = trimSpace(a); a == "" {
				continue
			}
			x, err := e.expand(a, pos)
			if err != nil || x != "" {
				return x, err
			}
		}
		return "", nil
	case "and":
		var x string
		for _, a := range args {
			if a = trimSpace(a); a == "" {
				return "", nil
			}
			var err error
			if x, err = e.expand(a, pos); err != nil || x == "" {
				return "", err
			}
		}
		return x, nil
	case "foreach":
		return e.foreach(args, pos)
	case "call":
		return e.call(args, pos)
	case "subst":
		if args[0] == "" {
			return args[2] + args[1], nil
		}
		return strings.ReplaceAll(args[2], args[0], args[1]), nil
	case "patsubst":
		return patsubst(args[0], args[1], args[2]), nil
	case "strip":
		return strings.Join(fields(args[0]), " "), nil
	case "findstring":
		if strings.Contains(args[1], args[0]) {
			return args[0], nil
		}
		return "", nil
	case "filter", "filter-out":
		var pats [][2]string
		var lits []string
		for _, p := range fields(args[0]) {
			pp, i := findPercent(p)
			if i < 0 {
				lits = append(lits, pp)
			} else {
				pats = append(pats, [2]string{pp[:i], pp[i+1:]})
			}
		}
		var out []string
		for _, w := range fields(args[1]) {
			m := false
			for _, l := range lits {
				m = m || l == w
			}
			for _, p := range pats {
				m = m || len(w) >= len(p[0])+len(p[1]) && strings.HasPrefix(w, p[0]) && strings.HasSuffix(w, p[1])
			}
			if m == (name == "filter") {
				out = append(out, w)
			}
		}
		return strings.Join(out, " "), nil
	case "sort":
		ws := fields(args[0])
		sort.Strings(ws)
		out := ws[:0]
		for i, w := range ws {
			if i == 0 || w != ws[i-1] {
				out = append(out, w)
			}
		}
		return strings.Join(out, " "), nil
	case "word":
		n, err := number(args[0], "first", name, pos)
		if err != nil {
			return "", err
		}
		if n == 0 {
			return "", errorf(pos, "first argument to 'word' function must be greater than 0")
		}
		if ws := fields(args[1]); n <= len(ws) {
			return ws[n-1], nil
		}
		return "", nil
	case "wordlist":
		s, err := number(args[0], "first", name, pos)
		if err != nil {
			return "", err
		}
		if s == 0 {
			return "", errorf(pos, "invalid first argument to 'wordlist' function: '%s'", trimSpace(args[0]))
		}
		end, err := number(args[1], "second", name, pos)
		if err != nil {
			return "", err
		}
		ws := fields(args[2])
		if end < s || s > len(ws) {
			return "", nil
		}
		return strings.Join(ws[s-1:min(end, len(ws))], " "), nil
	case "words":
		return strconv.Itoa(len(fields(args[0]))), nil
	case "firstword", "lastword":
		ws := fields(args[0])
		switch {
		case len(ws) == 0:
			return "", nil
		case name == "firstword":
			return ws[0], nil
		}
		return ws[len(ws)-1], nil
	case "dir", "notdir", "suffix", "basename":
		return pathParts(name, args[0]), nil
	case "addsuffix", "addprefix":
		ws := fields(args[1])
		for i, w := range ws {
			if name == "addsuffix" {
				ws[i] = w + args[0]
			} else {
				ws[i] = args[0] + w
			}
		}
		return strings.Join(ws, " "), nil
	case "join":
		a, b := fields(args[0]), fields(args[1])
		out := make([]string, max(len(a), len(b)))
		for i := range out {
			if i < len(a) {
				out[i] = a[i]
			}
			if i < len(b) {
				out[i] += b[i]
			}
		}
		return strings.Join(out, " "), nil
	case "wildcard":
		return e.wildcard(args[0], pos)
	case "abspath", "realpath":
		return e.absPaths(name, args[0], pos)
	case "value":
		if v := e.lookup(args[0]); v != nil {
			return v.Value, nil
		}
		return "", nil
	case "origin", "flavor":
		v := e.lookup(args[0])
		switch {
		case v == nil:
			return "undefined", nil
		case name == "origin":
			return v.Origin, nil
		}
		return v.Flavor, nil
	case "eval":
		file, line := splitPos(pos)
		return "", e.evalText(file, line, args[0], true)
	case "error":
		return "", errorf(pos, "*** %s.  Stop.", args[0])
	case "warning", "info":
		e.diags = append(e.diags, Diagnostic{Pos: pos, Kind: name, Msg: args[0]})
		return "", nil
	case "shell":
		return e.shell(args[0], true, pos)
	}
	return "", errorf(pos, "function $(%s) not implemented", name)
}

// number parses a numeric function argument as make's check_numeric.
func number(s, which, fname, pos string) (int, error) {
	s = trimSpace(s)
	ok := s != ""
	for i := 0; i < len(s); i++ {
		ok = ok && s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		return 0, errorf(pos, "non-numeric %s argument to '%s' function: '%s'", which, fname, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<40 {
		return 0, errorf(pos, "%s argument to '%s' function is too large: '%s'", which, fname, s)
	}
	return n, nil
}

// foreach is $(foreach var,list,text): var is bound in a new scope, as an
// automatic simple variable, to each word in turn.
func (e *Evaluator) foreach(args []string, pos string) (string, error) {
	name, err := e.expand(args[0], pos)
	if err != nil {
		return "", err
	}
	list, err := e.expand(args[1], pos)
	if err != nil {
		return "", err
	}
	v := &Var{Flavor: Simple, Origin: OriginAutomatic, Pos: pos}
	e.scopes = append(e.scopes, map[string]*Var{trimSpace(name): v})
	defer func() { e.scopes = e.scopes[:len(e.scopes)-1] }()
	var out []string
	size := 0
	for _, w := range fields(list) {
		v.Value = w
		x, err := e.expand(args[2], pos)
		if err != nil {
			return "", err
		}
		size += len(x) + 1
		if err := e.checkSize(size, pos); err != nil {
			return "", err
		}
		out = append(out, x)
	}
	return strings.Join(out, " "), nil
}

// call is $(call var,args...): var's value expanded with $(0) the name
// and $(1)... the arguments, in a new scope (make's func_call).
func (e *Evaluator) call(args []string, pos string) (string, error) {
	fname := trimSpace(args[0])
	if fname == "" {
		return "", nil
	}
	if f, ok := functions[fname]; ok {
		// A built-in function, called with the arguments as they are.
		rest := args[1:]
		if len(rest) < f.min {
			return "", errorf(pos, "insufficient number of arguments (%d) to function '%s'", len(rest), fname)
		}
		if why, ok := refused[fname]; ok {
			return "", e.unsupported(pos, "function $(%s) (%s)", fname, why)
		}
		if len(rest) == 0 {
			return "", nil
		}
		return e.builtin(fname, rest, pos)
	}
	v := e.lookup(fname)
	if v == nil || v.Value == "" {
		return "", nil
	}
	scope := map[string]*Var{}
	vals := append([]string{fname}, args[1:]...)
	for i := 0; i < max(len(vals), e.maxArgs); i++ {
		a := &Var{Flavor: Simple, Origin: OriginAutomatic, Pos: pos}
		if i < len(vals) {
			a.Value = vals[i]
		}
		scope[strconv.Itoa(i)] = a
	}
	e.scopes = append(e.scopes, scope)
	saved := e.maxArgs
	e.maxArgs = len(vals)
	e.calling[v]++
	defer func() {
		e.calling[v]--
		e.maxArgs = saved
		e.scopes = e.scopes[:len(e.scopes)-1]
	}()
	return e.varRef(fname, pos)
}

func splitPos(pos string) (string, int) {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return pos, 1
	}
	n, err := strconv.Atoi(pos[i+1:])
	if err != nil {
		return pos, 1
	}
	return pos[:i], n
}

// shell answers $(shell cmd) (all is true) or "!= cmd" through the Shell
// hook, treating the output as make does: newlines become spaces, and
// trailing newlines are removed (all of them for $(shell), one for !=).
func (e *Evaluator) shell(cmd string, all bool, pos string) (string, error) {
	if e.Shell != nil {
		if out, ok := e.Shell(cmd); ok {
			out = strings.ReplaceAll(out, "\r\n", "\n")
			if all {
				out = strings.TrimRight(out, "\n")
			} else {
				out = strings.TrimSuffix(out, "\n")
			}
			return strings.ReplaceAll(out, "\n", " "), nil
		}
	}
	msg := fmt.Sprintf("$(shell %s) cannot be evaluated without running it", truncate(trimSpace(cmd), 200))
	if e.Lenient {
		e.warn(pos, "%s; taken as empty", msg)
		return "", nil
	}
	return "", errorf(pos, "%s", msg)
}

func hasGlob(p string) bool { return strings.ContainsAny(p, "*?[") }

// glob matches a pattern as make sees it against FS and returns the
// matches in the pattern's form (under Root, or relative), sorted.
func (e *Evaluator) glob(pat, pos string) ([]string, error) {
	fp, ok := e.treePath(pat)
	if !ok {
		e.warn(pos, "%s: outside the tree (%s), matches nothing", pat, e.Root)
		return nil, nil
	}
	m, err := fs.Glob(e.FS, strings.ReplaceAll(fp, "[!", "[^"))
	if errors.Is(err, path.ErrBadPattern) {
		e.warn(pos, "%s: malformed pattern, matches nothing", pat)
		return nil, nil
	}
	if err != nil {
		return nil, errorf(pos, "%s: %v", pat, err)
	}
	return e.makePaths(pat, m), nil
}

// makePaths turns FS paths back into the form of the pattern they match.
func (e *Evaluator) makePaths(pat string, m []string) []string {
	root := trimTrailingSlash(e.Root)
	var prefix string
	switch {
	case root != "" && strings.HasPrefix(pat, root+"/"):
		prefix = root + "/"
	case strings.HasPrefix(pat, "/"):
		prefix = "/"
	case strings.HasPrefix(pat, "./"):
		prefix = "./"
	}
	for i := range m {
		m[i] = prefix + m[i]
	}
	return m
}

// wildcard is $(wildcard): globs expanded in FS, other words kept if the
// file exists.
func (e *Evaluator) wildcard(pats, pos string) (string, error) {
	var out []string
	for _, p := range fields(pats) {
		if hasGlob(p) {
			m, err := e.glob(p, pos)
			if err != nil {
				return "", err
			}
			out = append(out, m...)
			continue
		}
		fp, ok := e.treePath(p)
		if !ok {
			e.warn(pos, "$(wildcard %s): outside the tree (%s), taken as absent", p, e.Root)
			continue
		}
		if _, err := fs.Stat(e.FS, fp); err == nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, " "), nil
}

// absPaths is $(abspath) (lexical, against Root) and $(realpath) (the
// same, for files that exist in FS; symbolic links are not resolved).
func (e *Evaluator) absPaths(name, list, pos string) (string, error) {
	var out []string
	root := trimTrailingSlash(e.Root)
	for _, w := range fields(list) {
		abs := w
		if !strings.HasPrefix(w, "/") && !(root != "" && (w == root || strings.HasPrefix(w, root+"/"))) {
			abs = root + "/" + w
		}
		abs = path.Clean(abs)
		if name == "realpath" {
			p, ok := e.treePath(abs)
			if !ok {
				e.warn(pos, "$(realpath %s): outside the tree (%s), taken as absent", w, e.Root)
				continue
			}
			if _, err := fs.Stat(e.FS, p); err != nil {
				continue
			}
		}
		out = append(out, abs)
	}
	return strings.Join(out, " "), nil
}

// pathParts is $(dir), $(notdir), $(suffix) and $(basename).
func pathParts(name, list string) string {
	var out []string
	for _, w := range fields(list) {
		slash := strings.LastIndexByte(w, '/')
		dot := strings.LastIndexByte(w, '.')
		switch name {
		case "dir":
			if slash < 0 {
				out = append(out, "./")
			} else {
				out = append(out, w[:slash+1])
			}
		case "notdir":
			out = append(out, w[slash+1:])
		case "suffix":
			if dot > slash {
				out = append(out, w[dot:])
			}
		case "basename":
			if dot > slash {
				out = append(out, w[:dot])
			} else {
				out = append(out, w)
			}
		}
	}
	return strings.Join(out, " ")
}

// findPercent is make's find_percent: the pattern with backslashes before
// '%' resolved, and the index of its first unquoted '%' (-1 for none).
func findPercent(s string) (string, int) {
	if strings.IndexByte(s, '%') < 0 {
		return s, -1
	}
	return findUnquotedIn(s, "%", false)
}

// patsubst is $(patsubst pattern,replacement,text).
func patsubst(pat, rep, text string) string {
	rp, ri := findPercent(rep)
	pp, pi := findPercent(pat)
	if pi < 0 {
		return substWords(text, pp, rp)
	}
	return patsubstPat(text, pp[:pi], pp[pi+1:], rp, ri)
}

// substRef is the substitution reference $(var:pat=rep): without a '%'
// in pat, it replaces the end of each word.
func substRef(val, pat, rep string) string {
	pp, pi := findPercent(pat)
	if pi < 0 {
		return patsubstPat(val, "", pp, "%"+rep, 0)
	}
	rp, ri := findPercent(rep)
	return patsubstPat(val, pp[:pi], pp[pi+1:], rp, ri)
}

// patsubstPat is make's patsubst_expand_pat: words matching pre%post are
// replaced by rep, whose '%' at ri (if ri >= 0) stands for the stem.
func patsubstPat(text, pre, post, rep string, ri int) string {
	repPre, repPost := rep, ""
	if ri >= 0 {
		repPre, repPost = rep[:ri], rep[ri+1:]
	}
	var b strings.Builder
	any := false
	for _, w := range fields(text) {
		fail := len(w) < len(pre)+len(post) || !strings.HasPrefix(w, pre) || !strings.HasSuffix(w, post)
		if fail {
			b.WriteString(w)
		} else {
			b.WriteString(repPre)
			if ri >= 0 {
				b.WriteString(w[len(pre) : len(w)-len(post)])
				b.WriteString(repPost)
			}
		}
		// make writes no space after a word replaced by nothing.
		if fail || len(repPre) > 0 || (ri >= 0 && len(w)+len(repPost) > 0) {
			b.WriteByte(' ')
			any = true
		}
	}
	s := b.String()
	if any {
		s = s[:len(s)-1]
	}
	return s
}

// substWords is make's subst_expand by words: occurrences of from that
// are whole words are replaced by to; the text's spacing is kept.
func substWords(text, from, to string) string {
	var b strings.Builder
	t := 0
	for {
		var p int
		if from == "" {
			p = t
			for p < len(text) && isSpace(text[p]) {
				p++
			}
			for p < len(text) && !isSpace(text[p]) {
				p++
			}
		} else {
			i := strings.Index(text[t:], from)
			if i < 0 {
				b.WriteString(text[t:])
				return b.String()
			}
			p = t + i
		}
		b.WriteString(text[t:p])
		end := p + len(from)
		if (p > 0 && !isSpace(text[p-1])) || (end < len(text) && !isSpace(text[end])) {
			b.WriteString(from)
		} else {
			b.WriteString(to)
		}
		if t = end; t >= len(text) {
			return b.String()
		}
	}
}
