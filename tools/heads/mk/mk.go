package mk

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
)

// Flavors and origins, as $(flavor) and $(origin) name them.
const (
	Recursive = "recursive"
	Simple    = "simple"

	OriginDefault     = "default"
	OriginFile        = "file"
	OriginCommandLine = "command line"
	OriginOverride    = "override"
	OriginAutomatic   = "automatic"
)

// originRank orders origins as GNU make does: an assignment replaces a
// variable only if its origin ranks at least as high.
var originRank = map[string]int{
	OriginDefault:     0,
	OriginFile:        2,
	OriginCommandLine: 4,
	OriginOverride:    5,
	OriginAutomatic:   6,
}

// Default limits; see Evaluator.MaxSteps and Evaluator.MaxBytes.
const (
	DefaultMaxSteps = 5_000_000
	DefaultMaxBytes = 256 << 20
	maxDepth        = 400 // nested expansions, calls, evals and includes
)

// Var is a variable as stored: recursive variables hold their value
// unexpanded.
type Var struct {
	Value  string
	Flavor string // Recursive or Simple
	Origin string
	// Export is set by export (as a directive or a modifier) and by Set,
	// and cleared by unexport: whether make passes the variable to
	// recipes.
	Export bool
	Pos    string // file:line of the assignment that set it
}

// TargetVar is a target-specific assignment ("t: NAME op value"). It is
// recorded, never applied. Value is as written, except for := and ::=
// (expanded when the line is read, as make does) and != (the Shell hook's
// answer).
type TargetVar struct {
	Name, Op, Value  string
	Override, Export bool
}

// Rule is a rule line with its recipe, recorded and never run. Targets
// and prerequisites are expanded (make expands them when it reads the
// line); recipe lines are not.
type Rule struct {
	Pos           string // file:line of the rule line
	Targets       []string
	DoubleColon   bool
	TargetPattern string   // static pattern rules: targets: PATTERN: prereqs
	Prereqs       []string // normal prerequisites
	OrderOnly     []string // prerequisites after "|"
	// Recipe holds the recipe lines as written: without the leading tab,
	// continuation lines kept (joined with "\n", their leading tab
	// removed), nothing expanded. A recipe given after ";" is the first.
	Recipe []string
	// Var is set, instead of prerequisites and recipe, for a
	// target-specific assignment.
	Var *TargetVar
}

// Diagnostic is an $(info) or $(warning) message, or a warning of the
// evaluator itself.
type Diagnostic struct {
	Pos  string
	Kind string // "info" or "warning"
	Msg  string
}

func (d Diagnostic) String() string { return d.Pos + ": " + d.Kind + ": " + d.Msg }

// Error is an evaluation error at a position ("file:line").
type Error struct {
	Pos string
	Msg string
	Err error // ErrUnsupported for constructs outside the subset, or nil
}

func (e *Error) Error() string { return e.Pos + ": " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// ErrUnsupported is wrapped by the errors about constructs outside the
// subset: errors.Is(err, ErrUnsupported).
var ErrUnsupported = errors.New("not supported")

// Evaluator holds the state of one evaluation: variables, rules and
// diagnostics. Create it with New.
type Evaluator struct {
	// FS holds the files that include, $(wildcard) and $(realpath) see,
	// by slash path relative to the top of the tree (make's working
	// directory).
	FS fs.FS
	// Root is the path the top of FS stands for: the value of CURDIR,
	// what $(abspath) resolves relative paths against, and the prefix
	// that paths must have to be looked up in FS when they are not
	// relative. It is an absolute path or a placeholder such as
	// ${HEADS_PWD}. Default "/".
	Root string
	// Shell answers $(shell CMD) and "VAR != CMD" for the commands it
	// knows, with the command's standard output. Nothing is ever run: a
	// command it does not answer (any, when Shell is nil) is an error.
	Shell func(cmd string) (out string, ok bool)
	// Lenient turns the errors about unanswered $(shell) calls and about
	// constructs outside the subset into warnings (see Diagnostics): the
	// shell call yields "", the construct is skipped.
	Lenient bool
	// MaxSteps bounds the lines, references and function calls evaluated
	// by one call of Eval, ParseFile, Expand or Value, and MaxBytes the
	// bytes their expansions produce in all; 0 means DefaultMaxSteps and
	// DefaultMaxBytes. Exceeding either is an error, so that malformed
	// input (exponential recursion, say) fails instead of hanging.
	MaxSteps int
	MaxBytes int

	vars      map[string]*Var
	scopes    []map[string]*Var // $(foreach) and $(call) scopes, innermost last
	maxArgs   int               // make's max_args: $(call) arguments to hide
	calling   map[*Var]int      // variables being expanded as $(call) bodies
	expanding map[*Var]int      // recursive variables being expanded
	missing   []error           // files include did not find
	rules     []Rule
	diags     []Diagnostic
	depth     int
	active    int // nesting of the public entry points
	steps     int
	bytes     int
}

// New returns an evaluator over fsys, with GNU make's default variables
// for tools (CC, AR, RM, MAKE, SHELL, ...; not those of its built-in
// rules).
func New(fsys fs.FS) *Evaluator {
	e := &Evaluator{
		FS:        fsys,
		Root:      "/",
		vars:      map[string]*Var{},
		calling:   map[*Var]int{},
		expanding: map[*Var]int{},
	}
	for k, v := range defaults {
		e.vars[k] = &Var{Value: v, Flavor: Recursive, Origin: OriginDefault, Pos: "(default)"}
	}
	for k, v := range simpleDefaults {
		e.vars[k] = &Var{Value: v, Flavor: Simple, Origin: OriginDefault, Pos: "(default)"}
	}
	return e
}

// defaults are GNU make 4.3's default variables that name tools.
var defaults = map[string]string{
	"AR": "ar", "ARFLAGS": "rv", "AS": "as", "CC": "cc", "CXX": "g++",
	"CPP": "$(CC) -E", "LD": "ld", "LEX": "lex", "YACC": "yacc",
	"RM": "rm -f", "MAKE": "$(MAKE_COMMAND)",
}

var simpleDefaults = map[string]string{
	"MAKE_COMMAND": "make", "MAKE_VERSION": "4.3", "SHELL": "/bin/sh",
	".SHELLFLAGS": "-c", "MAKEFLAGS": "",
}

// Set defines name as "make name:=value" on the command line does: a
// simple variable (value taken literally) of origin "command line",
// exported, that assignments in makefiles leave alone unless they use
// override.
func (e *Evaluator) Set(name, value string) {
	e.vars[name] = &Var{Value: value, Flavor: Simple, Origin: OriginCommandLine, Export: true, Pos: "(command line)"}
}

// Var returns the variable called name.
func (e *Evaluator) Var(name string) (Var, bool) {
	v, ok := e.vars[name]
	if !ok {
		return Var{}, false
	}
	return *v, true
}

// Raw returns the value of name as stored (unexpanded for a recursive
// variable) and its flavor; ok is false if name is undefined.
func (e *Evaluator) Raw(name string) (value, flavor string, ok bool) {
	v, ok := e.vars[name]
	if !ok {
		return "", "", false
	}
	return v.Value, v.Flavor, true
}

// Value returns the expanded value of name: "" when it is undefined or
// when expanding it fails (Expand("$(name)") reports the error).
func (e *Evaluator) Value(name string) string {
	v, ok := e.vars[name]
	if !ok {
		return ""
	}
	defer e.enter()()
	s, err := e.valueOf(name, v, v.Pos)
	if err != nil {
		return ""
	}
	return s
}

// Expand expands s as make expands text, in the global context.
func (e *Evaluator) Expand(s string) (string, error) {
	defer e.enter()()
	return e.expand(s, "(expand):1")
}

// Vars returns the names of all variables, sorted.
func (e *Evaluator) Vars() []string {
	n := make([]string, 0, len(e.vars))
	for k := range e.vars {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Rules returns the rules read so far, in order.
func (e *Evaluator) Rules() []Rule { return e.rules }

// Diagnostics returns the messages and warnings so far, in order.
func (e *Evaluator) Diagnostics() []Diagnostic { return e.diags }

// ParseFile reads and evaluates the makefile at name (a slash path in
// FS), as make -f name does before it builds anything.
func (e *Evaluator) ParseFile(name string) error {
	b, err := fs.ReadFile(e.FS, name)
	if err != nil {
		return err
	}
	return e.Eval(name, b)
}

// Eval evaluates src as the text of a makefile called name.
func (e *Evaluator) Eval(name string, src []byte) error {
	defer e.enter()()
	if _, ok := e.vars["CURDIR"]; !ok {
		e.vars["CURDIR"] = &Var{Value: e.Root, Flavor: Simple, Origin: OriginFile, Pos: "(default)"}
	}
	e.addMakefile(name)
	if err := e.evalText(name, 1, string(src), false); err != nil {
		return err
	}
	if e.active == 1 && len(e.missing) > 0 {
		err := e.missing[0]
		e.missing = nil
		return err
	}
	return nil
}

// enter starts a public call; the budget of steps and bytes is per
// outermost call.
func (e *Evaluator) enter() func() {
	if e.active == 0 {
		e.steps, e.bytes, e.depth = 0, 0, 0
		e.scopes, e.maxArgs, e.missing = nil, 0, nil
		clear(e.calling)
		clear(e.expanding)
	}
	e.active++
	return func() { e.active-- }
}

// step counts one unit of work and fails when the budget is spent.
func (e *Evaluator) step(pos string) error {
	e.steps++
	max := e.MaxSteps
	if max <= 0 {
		max = DefaultMaxSteps
	}
	if e.steps > max {
		return errorf(pos, "evaluation takes more than %d steps", max)
	}
	return nil
}

// produced counts n bytes of expansion output against the budget.
func (e *Evaluator) produced(n int, pos string) error {
	e.bytes += n
	max := e.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if e.bytes > max {
		return errorf(pos, "expansions produce more than %d bytes", max)
	}
	return nil
}

// addMakefile appends name to MAKEFILE_LIST, as make does for each file
// it reads.
func (e *Evaluator) addMakefile(name string) {
	v, ok := e.vars["MAKEFILE_LIST"]
	if !ok {
		e.vars["MAKEFILE_LIST"] = &Var{Value: name, Flavor: Simple, Origin: OriginFile, Pos: "(default)"}
		return
	}
	if v.Value != "" {
		v.Value += " "
	}
	v.Value += name
}

func (e *Evaluator) warn(pos, format string, a ...any) {
	e.diags = append(e.diags, Diagnostic{Pos: pos, Kind: "warning", Msg: fmt.Sprintf(format, a...)})
}

// unsupported reports a construct outside the subset: an error, or in
// lenient mode a warning and a nil error (the caller skips the
// construct).
func (e *Evaluator) unsupported(pos, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...) + ": not supported"
	if e.Lenient {
		e.warn(pos, "%s; skipped", msg)
		return nil
	}
	return &Error{Pos: pos, Msg: msg, Err: ErrUnsupported}
}

func errorf(pos, format string, a ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

// lookup finds a variable as make's lookup_variable does: the innermost
// $(foreach)/$(call) scope first, the global set last.
func (e *Evaluator) lookup(name string) *Var {
	for i := len(e.scopes) - 1; i >= 0; i-- {
		if v, ok := e.scopes[i][name]; ok {
			return v
		}
	}
	return e.vars[name]
}

// define sets a global variable unless the existing one has an origin
// that ranks higher (make's define_variable_in_set), and returns the
// variable as it now is.
func (e *Evaluator) define(name, value, flavor, origin, pos string) *Var {
	if v, ok := e.vars[name]; ok {
		if originRank[origin] >= originRank[v.Origin] {
			v.Value, v.Flavor, v.Origin, v.Pos = value, flavor, origin, pos
		}
		return v
	}
	v := &Var{Value: value, Flavor: flavor, Origin: origin, Pos: pos}
	e.vars[name] = v
	return v
}

// assign is make's do_variable_definition, always into the global set
// (as make does even inside $(call) and $(foreach)); op is one of
// = := ::= ?= += !=.
func (e *Evaluator) assign(name, op, value string, override, export bool, pos string) error {
	origin := OriginFile
	if override {
		origin = OriginOverride
	}
	var v *Var
	switch op {
	case "=":
		v = e.define(name, value, Recursive, origin, pos)
	case ":=", "::=":
		x, err := e.expand(value, pos)
		if err != nil {
			return err
		}
		v = e.define(name, x, Simple, origin, pos)
	case "!=":
		cmd, err := e.expand(value, pos)
		if err != nil {
			return err
		}
		out, err := e.shell(cmd, false, pos)
		if err != nil {
			return err
		}
		v = e.define(name, out, Recursive, origin, pos)
	case "?=":
		if v = e.lookup(name); v == nil {
			v = e.define(name, value, Recursive, origin, pos)
		}
	case "+=":
		old := e.lookup(name)
		if old == nil {
			v = e.define(name, value, Recursive, origin, pos)
			break
		}
		add := value
		if old.Flavor == Simple {
			x, err := e.expand(value, pos)
			if err != nil {
				return err
			}
			add = x
		}
		if add == "" {
			v = old
			break
		}
		nv := old.Value
		if nv != "" {
			nv += " "
		}
		v = e.define(name, nv+add, old.Flavor, origin, pos)
	default:
		return errorf(pos, "unknown assignment operator %q", op)
	}
	if export {
		v.Export = true
	}
	return nil
}

// undefine removes a global variable unless its origin ranks higher.
func (e *Evaluator) undefine(name string, override bool) {
	origin := OriginFile
	if override {
		origin = OriginOverride
	}
	if v, ok := e.vars[name]; ok && originRank[origin] >= originRank[v.Origin] {
		delete(e.vars, name)
	}
}
