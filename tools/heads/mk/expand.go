package mk

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// expand expands s, make's variable_expand.
func (e *Evaluator) expand(s, pos string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	if e.depth++; e.depth > maxDepth {
		e.depth--
		return "", errorf(pos, "expansion nested more than %d deep", maxDepth)
	}
	defer func() { e.depth-- }()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			break // a lone trailing $ expands to nothing
		}
		i++
		switch open := s[i]; open {
		case '$':
			b.WriteByte('$')
		case '(', '{':
			close := byte(')')
			if open == '{' {
				close = '}'
			}
			end := matching(s, i, open, close)
			if end < 0 {
				return "", errorf(pos, "unterminated variable reference %q", truncate(s[i-1:], 40))
			}
			out, err := e.reference(s[i+1:end], open, close, pos)
			if err != nil {
				return "", err
			}
			b.WriteString(out)
			i = end
		default:
			out, err := e.variable(string(open), pos)
			if err != nil {
				return "", err
			}
			b.WriteString(out)
		}
		if b.Len() > maxExpanded {
			return "", errorf(pos, "expansion larger than %d bytes", maxExpanded)
		}
	}
	return b.String(), nil
}

// matching returns the index of the close that ends the reference opened
// at s[i], counting only the same kind of parenthesis (as make does).
func matching(s string, i int, open, close byte) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case open:
			depth++
		case close:
			if depth--; depth == 0 {
				return j
			}
		}
	}
	return -1
}

// reference expands the inside of $(...): a function call or a variable
// (with an optional substitution reference).
func (e *Evaluator) reference(in string, open, close byte, pos string) (string, error) {
	if name, args, ok := splitFunction(in); ok {
		return e.call(name, args, open, close, pos)
	}
	// Substitution reference $(var:a=b): colon and '=' at the top level.
	if i := topLevelIndexPair(in, ':', open, close); i >= 0 {
		if j := topLevelIndexPair(in[i+1:], '=', open, close); j >= 0 {
			name, err := e.expand(in[:i], pos)
			if err != nil {
				return "", err
			}
			from, err := e.expand(in[i+1:i+1+j], pos)
			if err != nil {
				return "", err
			}
			to, err := e.expand(in[i+2+j:], pos)
			if err != nil {
				return "", err
			}
			val, err := e.variable(name, pos)
			if err != nil {
				return "", err
			}
			if !strings.Contains(from, "%") {
				from, to = "%"+from, "%"+to
			}
			return patsubst(from, to, val), nil
		}
	}
	name, err := e.expand(in, pos)
	if err != nil {
		return "", err
	}
	return e.variable(name, pos)
}

func topLevelIndexPair(s string, c, open, close byte) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case open:
			depth++
		case close:
			depth--
		case c:
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// variable returns the value of a variable, expanding recursive ones.
func (e *Evaluator) variable(name, pos string) (string, error) {
	if len(e.frames) > 0 && isDigits(name) {
		f := e.frames[len(e.frames)-1]
		n, _ := strconv.Atoi(name)
		if n < len(f) {
			return f[n], nil
		}
		return "", nil
	}
	v, ok := e.vars[name]
	if !ok {
		return "", nil
	}
	if v.Flavor != Recursive {
		return v.Value, nil
	}
	if e.active[name] {
		return "", errorf(pos, "recursive variable '%s' references itself (eventually)", name)
	}
	e.active[name] = true
	defer delete(e.active, name)
	return e.expand(v.Value, pos)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// functions maps each supported function to its maximum number of
// arguments (0: any number); the last argument takes any further commas.
var functions = map[string]int{
	"subst": 3, "patsubst": 3, "strip": 1, "findstring": 2, "filter": 2,
	"filter-out": 2, "sort": 1, "word": 2, "wordlist": 3, "words": 1,
	"firstword": 1, "lastword": 1, "dir": 1, "notdir": 1, "suffix": 1,
	"basename": 1, "addsuffix": 2, "addprefix": 2, "join": 2, "wildcard": 1,
	"realpath": 1, "abspath": 1, "if": 3, "or": 0, "and": 0, "foreach": 3,
	"call": 0, "value": 1, "eval": 1, "origin": 1, "flavor": 1, "error": 1,
	"warning": 1, "info": 1, "shell": 1,
}

// refused are GNU make functions outside the subset.
var refused = map[string]bool{"file": true, "let": true, "guile": true, "intcmp": true}

// splitFunction recognises "name args" where name is a function.
func splitFunction(in string) (string, string, bool) {
	i := strings.IndexAny(in, " \t")
	if i <= 0 {
		return "", "", false
	}
	name := in[:i]
	if _, ok := functions[name]; !ok && !refused[name] {
		return "", "", false
	}
	return name, strings.TrimLeft(in[i:], " \t"), true
}

// splitArgs splits at top-level commas, at most max pieces (0: no limit).
func splitArgs(s string, max int, open, close byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case ',':
			if depth == 0 && (max == 0 || len(out) < max-1) {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func (e *Evaluator) call(name, rawArgs string, open, close byte, pos string) (string, error) {
	if refused[name] {
		return "", unsupported(pos, "function $(%s)", name)
	}
	args := splitArgs(rawArgs, functions[name], open, close)
	x := func(i int) (string, error) {
		if i >= len(args) {
			return "", nil
		}
		return e.expand(args[i], pos)
	}
	// Functions that expand their arguments lazily.
	switch name {
	case "if":
		c, err := x(0)
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(c) != "" {
			return x(1)
		}
		return x(2)
	case "or":
		for i := range args {
			v, err := x(i)
			if err != nil {
				return "", err
			}
			if v = strings.TrimSpace(v); v != "" {
				return v, nil
			}
		}
		return "", nil
	case "and":
		var v string
		for i := range args {
			var err error
			if v, err = x(i); err != nil {
				return "", err
			}
			if v = strings.TrimSpace(v); v == "" {
				return "", nil
			}
		}
		return v, nil
	case "foreach":
		if len(args) != 3 {
			return "", errorf(pos, "$(foreach) takes 3 arguments, got %d", len(args))
		}
		vn, err := x(0)
		if err != nil {
			return "", err
		}
		vn = strings.TrimSpace(vn)
		list, err := x(1)
		if err != nil {
			return "", err
		}
		saved, had := e.vars[vn]
		defer func() {
			if had {
				e.vars[vn] = saved
			} else {
				delete(e.vars, vn)
			}
		}()
		var out []string
		for _, w := range strings.Fields(list) {
			e.vars[vn] = &Var{Value: w, Flavor: Simple, Origin: OriginAutomatic, Pos: pos}
			v, err := e.expand(args[2], pos)
			if err != nil {
				return "", err
			}
			out = append(out, v)
		}
		return strings.Join(out, " "), nil
	case "value":
		n, err := x(0)
		if err != nil {
			return "", err
		}
		if v, ok := e.vars[strings.TrimSpace(n)]; ok {
			return v.Value, nil
		}
		return "", nil
	}
	// Every other function expands all its arguments first.
	xs := make([]string, len(args))
	for i := range args {
		v, err := x(i)
		if err != nil {
			return "", err
		}
		xs[i] = v
	}
	need := func(n int) error {
		if len(xs) < n {
			return errorf(pos, "$(%s) needs %d arguments, got %d", name, n, len(xs))
		}
		return nil
	}
	switch name {
	case "subst":
		if err := need(3); err != nil {
			return "", err
		}
		if xs[0] == "" {
			return xs[2] + xs[1], nil
		}
		return strings.ReplaceAll(xs[2], xs[0], xs[1]), nil
	case "patsubst":
		if err := need(3); err != nil {
			return "", err
		}
		return patsubst(xs[0], xs[1], xs[2]), nil
	case "strip":
		return strings.Join(strings.Fields(xs[0]), " "), nil
	case "findstring":
		if err := need(2); err != nil {
			return "", err
		}
		if strings.Contains(xs[1], xs[0]) {
			return xs[0], nil
		}
		return "", nil
	case "filter", "filter-out":
		if err := need(2); err != nil {
			return "", err
		}
		pats := strings.Fields(xs[0])
		var out []string
		for _, w := range strings.Fields(xs[1]) {
			m := false
			for _, p := range pats {
				if _, ok := matchPattern(p, w); ok {
					m = true
					break
				}
			}
			if m == (name == "filter") {
				out = append(out, w)
			}
		}
		return strings.Join(out, " "), nil
	case "sort":
		ws := strings.Fields(xs[0])
		sort.Strings(ws)
		var out []string
		for i, w := range ws {
			if i == 0 || w != ws[i-1] {
				out = append(out, w)
			}
		}
		return strings.Join(out, " "), nil
	case "word":
		if err := need(2); err != nil {
			return "", err
		}
		n, err := strconv.Atoi(strings.TrimSpace(xs[0]))
		if err != nil || n < 1 {
			return "", errorf(pos, "$(word) index %q is not a positive number", xs[0])
		}
		ws := strings.Fields(xs[1])
		if n > len(ws) {
			return "", nil
		}
		return ws[n-1], nil
	case "wordlist":
		if err := need(3); err != nil {
			return "", err
		}
		s, err1 := strconv.Atoi(strings.TrimSpace(xs[0]))
		en, err2 := strconv.Atoi(strings.TrimSpace(xs[1]))
		if err1 != nil || err2 != nil || s < 1 || en < 0 {
			return "", errorf(pos, "$(wordlist) bounds %q, %q are not numbers", xs[0], xs[1])
		}
		ws := strings.Fields(xs[2])
		if s > len(ws) || en < s {
			return "", nil
		}
		return strings.Join(ws[s-1:min(en, len(ws))], " "), nil
	case "words":
		return strconv.Itoa(len(strings.Fields(xs[0]))), nil
	case "firstword", "lastword":
		ws := strings.Fields(xs[0])
		if len(ws) == 0 {
			return "", nil
		}
		if name == "firstword" {
			return ws[0], nil
		}
		return ws[len(ws)-1], nil
	case "dir", "notdir", "suffix", "basename":
		var out []string
		for _, w := range strings.Fields(xs[0]) {
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
		return strings.Join(out, " "), nil
	case "addsuffix", "addprefix":
		if err := need(2); err != nil {
			return "", err
		}
		var out []string
		for _, w := range strings.Fields(xs[1]) {
			if name == "addsuffix" {
				out = append(out, w+xs[0])
			} else {
				out = append(out, xs[0]+w)
			}
		}
		return strings.Join(out, " "), nil
	case "join":
		if err := need(2); err != nil {
			return "", err
		}
		a, b := strings.Fields(xs[0]), strings.Fields(xs[1])
		var out []string
		for i := 0; i < max(len(a), len(b)); i++ {
			var s string
			if i < len(a) {
				s = a[i]
			}
			if i < len(b) {
				s += b[i]
			}
			out = append(out, s)
		}
		return strings.Join(out, " "), nil
	case "wildcard":
		return e.wildcard(xs[0], pos)
	case "realpath", "abspath":
		var out []string
		for _, w := range strings.Fields(xs[0]) {
			if !strings.HasPrefix(w, "/") {
				w = strings.TrimSuffix(e.Root, "/") + "/" + w
			}
			w = path.Clean(w)
			if name == "realpath" {
				p, ok := e.treePath(w)
				if !ok {
					e.warn(pos, "$(realpath %s): outside the tree, taken as absent", w)
					continue
				}
				if _, err := fs.Stat(e.FS, p); err != nil {
					continue
				}
			}
			out = append(out, w)
		}
		return strings.Join(out, " "), nil
	case "call":
		if len(xs) == 0 {
			return "", nil
		}
		fn := strings.TrimSpace(xs[0])
		if _, ok := functions[fn]; ok {
			return "", unsupported(pos, "$(call %s): calling a built-in function", fn)
		}
		v, ok := e.vars[fn]
		if !ok {
			return "", nil
		}
		frame := append([]string{fn}, xs[1:]...)
		e.frames = append(e.frames, frame)
		defer func() { e.frames = e.frames[:len(e.frames)-1] }()
		// Recursion through $(call) is legal make; the depth limit bounds it.
		return e.expand(v.Value, pos)
	case "eval":
		file, line := splitPos(pos)
		if err := e.evalText(file, line, xs[0]); err != nil {
			return "", err
		}
		return "", nil
	case "origin", "flavor":
		n := strings.TrimSpace(xs[0])
		if len(e.frames) > 0 && isDigits(n) {
			if name == "origin" {
				return OriginAutomatic, nil
			}
			return Simple, nil
		}
		v, ok := e.vars[n]
		if !ok {
			return "undefined", nil
		}
		if name == "origin" {
			return v.Origin, nil
		}
		return v.Flavor, nil
	case "error":
		return "", errorf(pos, "*** %s", xs[0])
	case "warning", "info":
		e.diags = append(e.diags, Diagnostic{Pos: pos, Kind: name, Msg: xs[0]})
		return "", nil
	case "shell":
		out, err := e.shell(xs[0], pos)
		if err != nil {
			return "", err
		}
		return out, nil
	}
	return "", unsupported(pos, "function $(%s)", name)
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

// shell answers $(shell CMD) through the hook, with make's treatment of
// the output (trailing newlines removed, others become spaces).
func (e *Evaluator) shell(cmd, pos string) (string, error) {
	if e.Shell != nil {
		if out, ok := e.Shell(cmd); ok {
			out = strings.TrimRight(out, "\n")
			return strings.ReplaceAll(out, "\n", " "), nil
		}
	}
	msg := fmt.Sprintf("$(shell %s) cannot be evaluated without running it", strings.TrimSpace(truncate(cmd, 120)))
	if e.Lenient {
		e.warn(pos, "%s; taken as empty", msg)
		return "", nil
	}
	return "", &Error{Pos: pos, Msg: msg}
}

func (e *Evaluator) wildcard(pats, pos string) (string, error) {
	var out []string
	for _, p := range strings.Fields(pats) {
		fp, ok := e.treePath(p)
		if !ok {
			e.warn(pos, "$(wildcard %s): outside the tree, taken as absent", p)
			continue
		}
		var m []string
		if strings.ContainsAny(fp, "*?[") {
			var err error
			if m, err = fs.Glob(e.FS, fp); err != nil {
				return "", errorf(pos, "$(wildcard %s): %v", p, err)
			}
		} else if _, err := fs.Stat(e.FS, fp); err == nil {
			m = []string{fp}
		}
		for _, f := range m {
			if strings.HasPrefix(p, "/") {
				f = strings.TrimSuffix(e.Root, "/") + "/" + f
			}
			out = append(out, f)
		}
	}
	return strings.Join(out, " "), nil
}

// matchPattern matches a make pattern (at most one unescaped %) against
// word and returns the stem.
func matchPattern(pat, word string) (string, bool) {
	i := strings.IndexByte(pat, '%')
	if i < 0 {
		return "", pat == word
	}
	pre, suf := pat[:i], pat[i+1:]
	if len(word) < len(pre)+len(suf) || !strings.HasPrefix(word, pre) || !strings.HasSuffix(word, suf) {
		return "", false
	}
	return word[len(pre) : len(word)-len(suf)], true
}

func patsubst(pat, rep, text string) string {
	var out []string
	for _, w := range strings.Fields(text) {
		stem, ok := matchPattern(pat, w)
		switch {
		case !ok:
			out = append(out, w)
		case strings.Contains(pat, "%") && strings.Contains(rep, "%"):
			j := strings.IndexByte(rep, '%')
			out = append(out, rep[:j]+stem+rep[j+1:])
		default:
			out = append(out, rep)
		}
	}
	return strings.Join(out, " ")
}
