#!/bin/bash
# gazelle_heads on a copy of tests/fixtures/heads_tree: the generated
# modules/BUILD.bazel and boards/BUILD.bazel match the golden files, the
# root's heads_coreboot_toolchain directive reaches the boards, `# keep`
# keeps a hand edit, a second run changes nothing, and -mode=diff reports
# no drift. Set UPDATE=1 (with --test_env or by running the script by
# hand) to print the generated files.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
gazelle=$PWD/$1
here=$PWD
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cp -rL tests/fixtures/heads_tree "$t/heads"
chmod -R u+w "$t/heads"
touch "$t/heads/MODULE.bazel"
printf '# gazelle:heads_coreboot_toolchain //toolchains:crossgcc_i386\n\n# A target of the checkout itself, kept.\nfilegroup(name = "mine")\n' > "$t/heads/BUILD.bazel"
run() { (cd "$t/heads" && "$gazelle" -repo_root="$t/heads" "$@" 2>"$t/stderr") || { cat "$t/stderr"; fail "gazelle $*"; }; }
run
if [ "${UPDATE:-}" = 1 ]; then
	for p in root boards; do echo "### $p"; cat "$t/heads/${p#root}/BUILD.bazel"; done
	exit 0
fi
for p in root boards; do
	diff -u "$here/tools/heads/gazelle/testdata/$p.BUILD.golden" "$t/heads/${p#root}/BUILD.bazel" ||
		fail "${p#root}/BUILD.bazel differs from the golden file"
done
# Nothing in modules/ or initrd/: Heads' make reads every file of both.
for d in modules initrd; do
	[ ! -e "$t/heads/$d/BUILD.bazel" ] || fail "a BUILD file was written into $d/"
done
grep -qF 'coreboot_toolchain = "//toolchains:crossgcc_i386"' "$t/heads/boards/BUILD.bazel" || fail "the directive did not reach the boards"
grep -qF '"initrd/bin/gui-init",' "$t/heads/BUILD.bazel" || fail "initrd/ files not listed: $(cat "$t/heads/BUILD.bazel")"
grep -qF 'filegroup(name = "mine")' "$t/heads/BUILD.bazel" || fail "the checkout's own root target was dropped"
grep -qF '"fixture/ifd.bin",' "$t/heads/blobs/BUILD.bazel" || fail "blobs not exported: $(cat "$t/heads/blobs/BUILD.bazel")"
grep -qF "board UNMAINTAINED_old (unmaintained_boards/UNMAINTAINED_old/UNMAINTAINED_old.config): only coreboot boards are generated" "$t/stderr" || fail "no warning for the board that is not generated: $(cat "$t/stderr")"
for f in patches/BUILD.bazel config/BUILD.bazel; do
	[ -f "$t/heads/$f" ] || fail "$f not generated"
done
grep -qF '"libgreet-1.0.patch"' "$t/heads/patches/BUILD.bazel" || fail "patches not exported: $(cat "$t/heads/patches/BUILD.bazel")"
grep -qF "musl-cross-make: not generated: the cross toolchain" "$t/stderr" || fail "no warning for the toolchain module: $(cat "$t/stderr")"
(cd "$t/heads" && find . -name BUILD.bazel -exec sha256sum {} + | sort) > "$t/first"
run
(cd "$t/heads" && find . -name BUILD.bazel -exec sha256sum {} + | sort) > "$t/second"
diff -u "$t/first" "$t/second" || fail "a second run changed the BUILD files"
# Every board evaluated on the second run too (a BUILD file the first run
# wrote must not be read as a Heads file), and said the same.
grep -qF 'board UNMAINTAINED_old' "$t/stderr" || fail "second run: no board warning: $(cat "$t/stderr")"
if grep -F "missing separator" "$t/stderr"; then fail "a generated file was read as Make"; fi
run -mode=diff || fail "-mode=diff reports drift"
# Drift: a generated attribute edited by hand is shown by -mode=diff (exit
# 1, the regenerated line in the diff) and nothing is written.
cp "$t/heads/boards/BUILD.bazel" "$t/boards.orig"
sed -i 's|^    board_config = "gated/gated.config",|    board_config = "drift.config",|' "$t/heads/boards/BUILD.bazel"
if (cd "$t/heads" && "$gazelle" -repo_root="$t/heads" -mode=diff >"$t/diff" 2>/dev/null); then
	fail "-mode=diff did not report an edited generated attribute"
fi
grep -qF '+    board_config = "gated/gated.config",' "$t/diff" || fail "-mode=diff output: $(cat "$t/diff")"
grep -qF 'board_config = "drift.config",' "$t/heads/boards/BUILD.bazel" || fail "-mode=diff wrote the file"
cp "$t/boards.orig" "$t/heads/boards/BUILD.bazel"
# A hand edit marked `# keep` survives a run; without the mark it is
# generated again.
sed -i 's|^    board_strip_prefix = "boards/gated/initrd",|    board_strip_prefix = "boards/gated/initrd",\n    brand = "Custom",  # keep|' "$t/heads/boards/BUILD.bazel"
sed -i 's|^    board_config = "gated/gated.config",|    board_config = "edited.config",|' "$t/heads/boards/BUILD.bazel"
grep -qF 'brand = "Custom",  # keep' "$t/heads/boards/BUILD.bazel" || fail "test edit did not apply"
grep -qF 'board_config = "edited.config",' "$t/heads/boards/BUILD.bazel" || fail "test edit did not apply"
run
grep -qF 'brand = "Custom",  # keep' "$t/heads/boards/BUILD.bazel" || fail "a # keep attribute was dropped"
grep -qF 'board_config = "gated/gated.config",' "$t/heads/boards/BUILD.bazel" || fail "an edit without # keep was not regenerated"
echo PASS
