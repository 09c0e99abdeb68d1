#!/bin/bash
# fixture_e2e_test.sh REPROCHECK -- runs Bazel on copies of this workspace
# and checks:
#  1. reprocheck (tools/cmd/reprocheck) finds the fixture board's outputs
#     bit-identical when built from two checkouts at different paths, with
#     different output bases, umask, timezone, locale, hostname, CPU count,
#     HOME and PATH order (every Heads action runs in both: no cache for
#     them, only the Go tools come from a shared disk cache); and on a
#     module that embeds its build time it names the initrd member, the
#     ELF section and the byte; the clock and user variations alone change
#     a module that records the year and uid (they reach Heads actions);
#  2. changing one patch reruns exactly that module's source and build and
#     the initrd, coreboot payload step and ROM above it; changing one
#     initrd script reruns only the initrd, payload step and ROM, never a
#     coreboot compile (from Bazel's execution log); changing tarnorm's
#     code rebuilds no toolchain;
#  3. a wrong sha256, a missing source, a malformed board config and a
#     coreboot whose util/crossgcc/sum differs from its shared crossgcc's
#     fail with the clear message, and so do an unhashed git pin of a
#     generated sources file and a Heads tree that is not the pinned one;
#  4. a musl-cross-make build outside linux-sandbox waits for another build
#     holding its fixed /tmp directory instead of sharing it.
# Tagged e2e: it starts nested Bazel servers (a few minutes cold).
set -euo pipefail
# The source tree as declared inputs (//:all_files), so Bazel reruns this
# test exactly when a source changes.
src=${TEST_SRCDIR:?}/_main
. "$src/tests/e2e/lib.sh"
T=${TEST_TMPDIR:?}
reprocheck=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# reprocheck's first checkout and output base serve the later sections.
R=$T/rc
A=$R/checkout
copy_workspace "$src" "$T/src"

# The disk cache tools/bazel shares between checkouts (passed in as
# RULES_HEADS_DISK_CACHE), so the Go toolchain and tools the outer build
# already compiled are cache hits; every Heads action still runs (no-cache).
tool_cache=${RULES_HEADS_DISK_CACHE:-$T/disk}
common=(--repository_cache="$T/repo" --disk_cache="$tool_cache"
	"--modify_execution_info=^Heads.*=+no-cache" --noshow_progress --color=no)
# No nested server may outlive the test, whatever happens.
trap 'bz "$A" "$R/output-base-1" shutdown >/dev/null 2>&1 || true' EXIT

echo "== 1. reprocheck: two builds under varied conditions"
rc=0
"$reprocheck" --workspace "$T/src" --work_dir "$R" --tool_cache "$tool_cache" --keep \
	--build_flag=--repository_cache="$T/repo" //tests/fixtures:all >"$T/reprocheck.log" 2>&1 || rc=$?
cat "$T/reprocheck.log"
[ "$rc" = 0 ] || fail "reprocheck exited $rc on the fixture board"
n=$(sed -n 's/^reproducible: \([0-9]*\) files identical$/\1/p' "$T/reprocheck.log")
[ "${n:-0}" -ge 20 ] || fail "too few outputs compared: ${n:-none}"
for v in "TZ=XYZ-13:45" "LC_ALL=C.UTF-8" "umask 077" "hostname reprocheck-second-build" "1 CPU" "elsewhere/a/deeper" "PATH reversed" \
	"uid 1000 (user namespace)" "clock +1000d (libfaketime)" "directory entries reversed (disorderfs)"; do
	grep -qF -- "$v" "$T/reprocheck.log" || fail "the second build did not vary: $v"
done
# The build root has everything every variation needs.
! grep -F "not varied" "$T/reprocheck.log" || fail "reprocheck left variations out in the build root"
rc=0
# These runs share one work directory and vary the output base: each
# builds another target, so the kept output bases start no Bazel server
# from nothing and still run every action of the target compared.
"$reprocheck" --workspace "$T/src" --work_dir "$T/broken" --tool_cache "$tool_cache" --vary timezone,output_base --keep \
	--build_flag=--repository_cache="$T/repo" //tests/fixtures:nondeterministic >"$T/broken.log" 2>&1 || rc=$?
grep -E '^(NOT|reproducible)' "$T/broken.log" || true
[ "$rc" = 1 ] || { cat "$T/broken.log"; fail "reprocheck exited $rc on a module that embeds its build time (want 1)"; }
grep -qF "nondeterministic.initrd.tar: tar member bin/stamp: ELF section .rodata:" "$T/broken.log" ||
	{ cat "$T/broken.log"; fail "reprocheck did not name the member and section"; }
# The clock and the user reach the Heads actions: each alone changes the
# member that records it (a module of its own: a target built once per
# kept output base).
for vm in user:bin/uid clock:bin/year; do
	rc=0
	"$reprocheck" --workspace "$T/src" --work_dir "$T/broken" --tool_cache "$tool_cache" --vary "${vm%%:*},output_base" --keep \
		--build_flag=--repository_cache="$T/repo" "//tests/fixtures:build_${vm##*/}" >"$T/${vm%%:*}.log" 2>&1 || rc=$?
	grep -E '^(NOT|reproducible)' "$T/${vm%%:*}.log" || true
	[ "$rc" = 1 ] || { cat "$T/${vm%%:*}.log"; fail "reprocheck --vary ${vm%%:*} exited $rc on a module that records it (want 1)"; }
	grep -qF "build_${vm##*/}.initrd.tar: tar member ${vm#*:}: " "$T/${vm%%:*}.log" ||
		{ cat "$T/${vm%%:*}.log"; fail "reprocheck --vary ${vm%%:*} did not name ${vm#*:}"; }
done

executed() { # log.json -> sorted "Mnemonic label" of executed Heads actions
	python3 "$src/tests/e2e/spawns.py" "$1" | awk -F'\t' '$1 ~ /^Heads/ {print $1 " " $2}' | LC_ALL=C sort -u
}
incremental() { # name expected-actions
	bz "$A" "$R/output-base-1" build "${common[@]}" --execution_log_json_file="$T/$1.json" //tests/fixtures:all 2>"$T/$1.log" ||
		{ tail -30 "$T/$1.log"; fail "incremental build ($1)"; }
	echo "$1: $(grep 'processes:' "$T/$1.log" | tail -1)"
	got=$(executed "$T/$1.json")
	echo "$got" | sed 's/^/  ran: /'
	[ "$got" = "$2" ] || fail "$1: expected exactly these Heads actions:
$2"
}

echo "== 2. incremental rebuilds"
sed -i 's/(patched)/(patched again)/' "$A/tests/fixtures/patches/hello-2.0/0001-greeting.patch"
incremental patch "HeadsCorebootPayload //tests/fixtures:coreboot_1_1
HeadsCorebootPayload //tests/fixtures:fixture_coreboot
HeadsInitrd //tests/fixtures:fixture_initrd
HeadsModule //tests/fixtures:hello
HeadsRom //tests/fixtures:fixture_release
HeadsSource //tests/fixtures:hello_src"
echo 'echo changed' >> "$A/tests/fixtures/heads/initrd/bin/fixture-tool"
incremental initrd "HeadsCorebootPayload //tests/fixtures:coreboot_1_1
HeadsCorebootPayload //tests/fixtures:fixture_coreboot
HeadsInitrd //tests/fixtures:fixture_initrd
HeadsRom //tests/fixtures:fixture_release"

# A change of the Go tools' code (here a message of tarnorm) reruns what
# runs them, but no toolchain build: those keep their key (no Go tool among
# their inputs, sources re-packed by an action of their own whose output
# did not change).
sed -i 's/"unknown archive format"/"unknown archive format (not tar, gzip, bzip2, xz or zip)"/' "$A/tools/tarnorm/errors.go"
bz "$A" "$R/output-base-1" build "${common[@]}" --execution_log_json_file="$T/gotools.json" //tests/fixtures:all 2>"$T/gotools.log" ||
	{ tail -30 "$T/gotools.log"; fail "build after a change of tarnorm"; }
got=$(executed "$T/gotools.json")
echo "go tools: $(grep 'processes:' "$T/gotools.log" | tail -1), $(echo "$got" | wc -l) Heads actions ran"
echo "$got" | grep -q '^HeadsSourceRepack ' || fail "tarnorm changed, but no source was re-packed:
$got"
if echo "$got" | grep -E '^(HeadsMuslCrossMake|HeadsCrossgcc) '; then
	fail "a change of tarnorm rebuilt a toolchain"
fi

echo "== 3. bad sources"
good=6c83dc55f84e2d6fb91b301c783492f9e48d2ba148f90c2d85d5dbe761d68a4d
bad=0000000000000000000000000000000000000000000000000000000000000001
sed -i "s/$good/$bad/" "$A/MODULE.bazel"
if bz "$A" "$R/output-base-1" build "${common[@]}" //tests/fixtures:hello_src 2>"$T/bad.log"; then
	fail "a wrong sha256 did not fail the build"
fi
for want in "rules_heads: missing source" "hello: hello-2.0.tar" "sha256: $bad" \
	"tests/fixtures/distdir/hello-2.0.tar is there, with sha256 $good" "local mirror"; do
	grep -qF "$want" "$T/bad.log" || { cat "$T/bad.log"; fail "wrong-hash message lacks: $want"; }
done
echo "wrong sha256: $(grep -F "is there, with sha256" "$T/bad.log" | head -1)"
# A file no mirror has, under a hash the repository cache does not know
# (the cache is content-addressed: a known hash would be found there).
missing=0000000000000000000000000000000000000000000000000000000000000002
sed -i "s/$bad/$missing/; s/\"hello-2.0.tar\"/\"hello-9.9.tar\"/" "$A/MODULE.bazel"
if bz "$A" "$R/output-base-1" build "${common[@]}" //tests/fixtures:hello_src 2>"$T/missing.log"; then
	fail "a missing source did not fail the build"
fi
for want in "rules_heads: missing source" "hello: hello-9.9.tar" "Mirror directories searched:" "tests/fixtures/distdir"; do
	grep -qF -- "$want" "$T/missing.log" || { cat "$T/missing.log"; fail "missing-source message lacks: $want"; }
done
echo "missing source: ok"
sed -i "s/$missing/$good/; s/\"hello-9.9.tar\"/\"hello-2.0.tar\"/" "$A/MODULE.bazel"
echo 'export CONFIG_BROKEN' >> "$A/tests/fixtures/boards/fixture/fixture.config"
if bz "$A" "$R/output-base-1" build "${common[@]}" //tests/fixtures:fixture_initrd 2>"$T/config.log"; then
	fail "a malformed board config did not fail the build"
fi
grep -qF "tests/fixtures/boards/fixture/fixture.config:" "$T/config.log" &&
	grep -qF "malformed export line" "$T/config.log" &&
	grep -qF "export CONFIG_BROKEN" "$T/config.log" || { cat "$T/config.log"; fail "malformed-config message unclear"; }
echo "malformed board config: ok"
sed -i '/^export CONFIG_BROKEN$/d' "$A/tests/fixtures/boards/fixture/fixture.config"
# A coreboot patch that changes util/crossgcc/sum: the shared crossgcc no
# longer fits that coreboot.
mkdir -p "$A/tests/fixtures/patches/coreboot-fixture-1.1"
cat > "$A/tests/fixtures/patches/coreboot-fixture-1.1/0001-crossgcc-sum.patch" <<'PATCH'
--- a/util/crossgcc/sum/fixture-xgcc-1.0.tar.cksum
+++ b/util/crossgcc/sum/fixture-xgcc-1.0.tar.cksum
@@ -1 +1 @@
-fa48e8ff3ed0b9854e201613091f3eac7f9b0586  tarballs/fixture-xgcc-1.0.tar
+0000000000000000000000000000000000000000  tarballs/fixture-xgcc-1.0.tar
PATCH
if bz "$A" "$R/output-base-1" build "${common[@]}" //tests/fixtures:coreboot_1_1 2>"$T/crossgcc.log"; then
	fail "a coreboot with another util/crossgcc/sum was built with the shared crossgcc"
fi
for want in "//tests/fixtures:coreboot_1_1_src differs from the one toolchain" "//tests/fixtures:crossgcc_i386 was built from" \
	"declare a heads_coreboot_toolchain" "+0000000000000000000000000000000000000000  tarballs/fixture-xgcc-1.0.tar"; do
	grep -qF -- "$want" "$T/crossgcc.log" || { cat "$T/crossgcc.log"; fail "crossgcc-sum message lacks: $want"; }
done
echo "crossgcc sum mismatch: $(grep -F "differs from the one toolchain" "$T/crossgcc.log" | head -1)"
# A generated board whose sources are missing (a git pin whose forge
# archive is not hashed yet, an ME blob the tree does not have): analysis
# fails with the complete list, before any action runs; the pin's own
# target says what to do and is never downloaded unverified.
if bz "$A" "$R/output-base-1" build "${common[@]}" @heads_fixture_tree//boards:fixture_rom 2>"$T/missing.log"; then
	fail "a board with missing sources was built"
fi
for want in "2 source(s) of this board are missing; nothing was built" \
	"gitmod: gitmod-0123456789abcdef0123456789abcdef01234567.tar.gz" \
	"Heads pins it by git commit (https://example.invalid/gitmod.git @ 0123456789abcdef0123456789abcdef01234567)" \
	"tree file blobs/fixture/me.bin: config/coreboot-fixture-me.config names it" \
	"Analysis of target '@@_main~heads~heads_fixture_tree//boards:fixture_rom' failed"; do
	grep -qF -- "$want" "$T/missing.log" || { cat "$T/missing.log"; fail "missing-source list lacks: $want"; }
done
if grep -E "^INFO: [0-9]+ process(es)?: .*(linux-sandbox|local|processwrapper)" "$T/missing.log"; then
	fail "actions ran for a board with missing sources"
fi
if bz "$A" "$R/output-base-1" build "${common[@]}" @heads_gitmod_git//file 2>"$T/git.log"; then
	fail "an unhashed git pin was fetched"
fi
for want in "rules_heads: missing source" "Heads pins it by git commit" "git archive --format=tar"; do
	grep -qF -- "$want" "$T/git.log" || { cat "$T/git.log"; fail "git-pin message lacks: $want"; }
done
echo "missing sources: $(grep -F "Error in fail:" "$T/missing.log" | head -1)"
# A local Heads tree whose files are not the pinned tree's (a patch of the
# commit is missing from the copy): it is used with a warning naming the
# difference, and the board that needs the missing file lists it before
# anything is built, instead of building without the patch.
patch=tests/fixtures/heads_tree/patches/hello-2.0/0001-greeting.patch
rm "$A/$patch"
if bz "$A" "$R/output-base-1" build "${common[@]}" --nobuild @heads_fixture_tree//boards:gated_rom 2>"$T/treeid.log"; then
	fail "a board was analysed without a patch of the pinned tree"
fi
for want in "a local tree that is NOT the pinned one is used" "tree_id pinned:" \
	"missing patches/hello-2.0/0001-greeting.patch" \
	"patches/hello-2.0/0001-greeting.patch: in the pinned commit but not in this copy of the Heads tree"; do
	grep -qF -- "$want" "$T/treeid.log" || { cat "$T/treeid.log"; fail "unverified-tree message lacks: $want"; }
done
cp "$src/$patch" "$A/$patch"
echo "Heads tree with a missing file: ok"
# musl-cross-make builds in a fixed directory, /tmp/rules_heads-<label>:
# outside linux-sandbox's private /tmp a second build of the same label must
# wait for the first instead of sharing its tree. Hold the lock, rebuild the
# toolchain (a config change re-runs only it) with the standalone strategy,
# and see it wait and then succeed.
lock=/tmp/rules_heads-tests_fixtures-fixture_musl_cross_x86_64_build.lock
( exec 9>"$lock"; flock 9; touch "$T/held"; sleep 20 ) &
holder=$!
while [ ! -e "$T/held" ]; do sleep 0.2; done
sed -i 's/-DHEADS_FIXTURE_CONFIG=1/-DHEADS_FIXTURE_CONFIG=2/' "$A/tests/fixtures/BUILD.bazel"
bz "$A" "$R/output-base-1" build "${common[@]}" --strategy=HeadsMuslCrossMake=standalone \
	//tests/fixtures:fixture_musl_cross_x86_64_build 2>"$T/lock.log" || { cat "$T/lock.log"; fail "toolchain build under a held lock"; }
wait "$holder" || true
grep -qF "is in use by another build of this toolchain; waiting for it" "$T/lock.log" ||
	{ cat "$T/lock.log"; fail "the toolchain build did not say it waited"; }
sed -i 's/-DHEADS_FIXTURE_CONFIG=2/-DHEADS_FIXTURE_CONFIG=1/' "$A/tests/fixtures/BUILD.bazel"
echo "musl-cross-make build dir lock: ok"
bz "$A" "$R/output-base-1" shutdown
echo "PASS"
