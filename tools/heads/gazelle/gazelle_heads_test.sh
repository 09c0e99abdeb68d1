#!/bin/bash
# gazelle_heads on a copy of tests/fixtures/heads_tree: the generated
# modules/BUILD.bazel matches the golden file, a second run changes
# nothing, and -mode=diff reports no drift. Set UPDATE=1 (with
# --test_env or by running the script by hand) to print the generated file.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
gazelle=$PWD/$1
here=$PWD
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cp -rL tests/fixtures/heads_tree "$t/heads"
chmod -R u+w "$t/heads"
touch "$t/heads/MODULE.bazel"
run() { (cd "$t/heads" && "$gazelle" -repo_root="$t/heads" "$@" 2>"$t/stderr") || { cat "$t/stderr"; fail "gazelle $*"; }; }
run
if [ "${UPDATE:-}" = 1 ]; then cat "$t/heads/modules/BUILD.bazel"; exit 0; fi
diff -u "$here/tools/heads/gazelle/testdata/modules.BUILD.golden" "$t/heads/modules/BUILD.bazel" ||
	fail "modules/BUILD.bazel differs from the golden file"
for f in patches/BUILD.bazel config/BUILD.bazel; do
	[ -f "$t/heads/$f" ] || fail "$f not generated"
done
grep -qF '"libgreet-1.0.patch"' "$t/heads/patches/BUILD.bazel" || fail "patches not exported: $(cat "$t/heads/patches/BUILD.bazel")"
grep -qF "musl-cross-make: not generated: the cross toolchain" "$t/stderr" || fail "no warning for the toolchain module: $(cat "$t/stderr")"
(cd "$t/heads" && find . -name BUILD.bazel -exec sha256sum {} + | sort) > "$t/first"
run
(cd "$t/heads" && find . -name BUILD.bazel -exec sha256sum {} + | sort) > "$t/second"
diff -u "$t/first" "$t/second" || fail "a second run changed the BUILD files"
run -mode=diff || fail "-mode=diff reports drift"
echo PASS
