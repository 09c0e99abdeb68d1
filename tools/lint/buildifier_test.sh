#!/bin/bash
# buildifier_test.sh BUILDIFIER -- checks every Starlark file of the source
# tree (found through the runfiles symlink of //:BUILD.bazel) with buildifier
# in check mode, lint warnings included. Prints the files to fix and how.
set -euo pipefail
buildifier=$(readlink -f "$1")
ws=$(dirname "$(readlink -f BUILD.bazel)")
cd "$ws"
mapfile -d '' files < <(find . \( -name 'bazel-*' -o -name .git \) -prune -o -type f \
	\( -name '*.bzl' -o -name 'BUILD.bazel' -o -name BUILD -o -name 'MODULE.bazel' -o -name '*.bazel' \) -print0 | sort -z)
[ "${#files[@]}" -gt 0 ] || { echo "no Starlark files found under $ws" >&2; exit 1; }
if ! "$buildifier" -mode=check -lint=warn "${files[@]}"; then
	echo "buildifier: files above need formatting or lint fixes; run:" >&2
	echo "  tools/bazel run //tools/lint:buildifier -- -lint=fix -r \$PWD" >&2
	exit 1
fi
echo "buildifier: ${#files[@]} Starlark files clean"
