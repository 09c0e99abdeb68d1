// Package mk evaluates makefiles in the subset of GNU Make (4.3) that
// Heads' build description is written in (its top-level Makefile,
// modules/* and boards/*/*.config), without running anything: the result
// is the variables, the rules and the messages make would have after
// reading the makefiles, before building.
//
// # Supported
//
// Assignments =, :=, ::=, ?=, += (keeping the flavor of the variable it
// appends to) and != (through the Shell hook), with the modifiers export,
// override and private; undefine; define NAME [op] ... endef, nested;
// export and unexport of names. Command-line variables (Evaluator.Set)
// win over makefile assignments that do not use override.
//
// References $(v), ${v} and $x, $$, computed names ($($(1)_dir)),
// substitution references $(v:a=b) and $(v:%.c=%.o).
//
// Conditionals ifeq/ifneq in the forms (a,b), "a" "b" and 'a' 'b', ifdef,
// ifndef, else, else with a condition, endif, nested. Nothing in a branch
// not taken is expanded.
//
// include, -include and sinclude, with glob patterns, of files in
// Evaluator.FS: paths are relative to the top of the tree (make's working
// directory), or start with Evaluator.Root. A file include does not find
// is an error reported, as make does, once the evaluation has ended
// (unless another error stops it first); -include skips it. Positions
// name included files by their path in FS; lines of $(eval) text are all
// at the line of the $(eval), as in make's messages.
//
// The variables CURDIR (Root), MAKEFILE_LIST and .DEFAULT_GOAL are kept
// as make keeps them.
//
// Line continuations and comments as make treats them outside recipes
// (a backslash-newline and the blanks around it become one space; # starts
// a comment outside variable references unless written \#).
//
// The functions subst, patsubst, strip, findstring, filter, filter-out,
// sort, word, words, wordlist, firstword, lastword, dir, notdir, suffix,
// basename, addsuffix, addprefix, join, wildcard, realpath and abspath
// (lexical, against Root; realpath does not resolve symbolic links), if,
// or, and, foreach, call (with $(0), $(1)... and nested calls), value,
// eval, origin, flavor, error, warning, info, and shell.
//
// Rules are recorded, never run (Evaluator.Rules): targets, prerequisites
// (order-only ones apart), static patterns and double colons, expanded as
// make expands them when it reads the line; recipe lines unexpanded.
// Target-specific assignments are recorded with their targets, not
// applied.
//
// # Not run, refused
//
// $(shell CMD) and != never run anything: Evaluator.Shell may answer the
// commands it knows; any other is an error "file:line: $(shell CMD) cannot
// be evaluated without running it" (in lenient mode a warning, and the
// empty string).
//
// Outside the subset, with an error naming file:line and the construct
// (in lenient mode a warning, and the construct is skipped): vpath, load,
// export or unexport of everything, the special targets .SECONDEXPANSION,
// .EXPORT_ALL_VARIABLES, .ONESHELL and .POSIX, assignments to
// .RECIPEPREFIX, and the functions file, guile, let and intcmp. Files
// outside the tree are neither included nor matched (a warning says so).
// The environment is not imported, include directories (-I) are not
// searched, and make's built-in rules and most of its built-in variables
// are not defined.
//
// Errors have the form "file:line: message" (*Error). Recursion, the
// number of evaluation steps and the size of expansions are bounded
// (Evaluator.MaxSteps, Evaluator.MaxBytes), so malformed input fails
// instead of hanging: a recursive variable that references itself is the
// error "Recursive variable 'X' references itself (eventually)", as in
// make.
package mk
