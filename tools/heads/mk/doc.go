// Package mk evaluates the subset of GNU Make that Heads' build description
// (its top-level Makefile, modules/* and boards/*/*.config) is written in,
// without running anything.
//
// Supported: the assignments =, :=, ::=, ?=, += and != (the last through
// the Shell hook), export, unexport, override, define...endef (with an
// assignment operator or none), references $(v), ${v} and $x, computed
// names ($($1_dir)), substitution references ($(v:a=b), $(v:%.c=%.o)),
// ifeq/ifneq (parenthesised and quoted forms), ifdef/ifndef, else with a
// condition, endif, include/-include/sinclude with globs (through an
// fs.FS), backslash-newline continuations, comments (and \#), and the
// functions subst, patsubst, strip, findstring, filter, filter-out, sort,
// word, wordlist, words, firstword, lastword, dir, notdir, suffix,
// basename, addsuffix, addprefix, join, wildcard, realpath, abspath, if,
// or, and, foreach, call, value, eval, origin, flavor, error, warning,
// info and shell.
//
// Rules are recorded (targets, prerequisites, recipe lines and position),
// never run. Target-specific assignments are recorded with their rule, not
// applied.
//
// $(shell) is never executed: Evaluator.Shell may answer a command it
// knows; any other is an error naming file:line and the command (in
// lenient mode a warning, with the empty string as value). $(wildcard) of
// a path outside the tree (Evaluator.Root) finds nothing and says so in a
// warning. Anything else outside the subset (vpath, unknown functions,
// .SECONDEXPANSION, ...) is an error naming file:line and the construct,
// never a silently wrong value. Errors have the form "file:line: message".
//
// Recursion and the size of expansions are bounded, so malformed input
// fails instead of hanging.
package mk
