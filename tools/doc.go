// Package tools is the root of rules_heads' Go helpers. Each helper is a
// library package with one job (tarnorm, initrd, rom/...) and a thin
// command under tools/cmd/ that the Bazel rules call as an action.
package tools
