//go:build tools

// Package lint pins the Go-built developer tools (buildifier) in go.mod so
// that go_deps builds them from the pinned version. The build tag keeps the
// file out of normal builds; gazelle is told to skip it in //:BUILD.bazel.
package lint

import (
	_ "github.com/bazelbuild/buildtools/buildifier"
)
