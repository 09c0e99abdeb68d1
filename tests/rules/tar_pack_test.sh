#!/bin/bash
# tar_pack_test.sh HELPERS TARNORM -- rh_tar_pack (the build root's GNU tar,
# used by the toolchain actions so their key holds no Go tool) writes the
# same bytes as rh_pack (`tarnorm pack --prefix ""`) for a tree with the
# cases that differ between naive tar calls and tarnorm: sibling order
# ("a/" before "a-b" and "a.b"), modes (private, setuid, setgid, sticky,
# execute for the owner only), symlinks, hard links, mtimes, names longer
# than 100 bytes; and fails clearly on a name ustar cannot hold.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
helpers=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tarnorm=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$TEST_TMPDIR"
export RULES_HEADS_WORK=work
# shellcheck source=/dev/null
. "$helpers"
set +e +o pipefail # the helpers set -e; the checks below want the statuses

t=$TEST_TMPDIR/tree
mkdir -p "$t/a" "$t/a-b" "$t/a.b" "$t/dir/sub" "$t/empty"
echo x >"$t/a/f"
echo y >"$t/a-b/g"
echo z >"$t/a.b/h"
printf '#!/bin/sh\n' >"$t/dir/exe"
chmod 0700 "$t/dir/exe"
chmod 4755 "$t/dir/exe"
printf 'u+x only\n' >"$t/dir/owner-x"
chmod 0744 "$t/dir/owner-x"
chmod 0600 "$t/a/f"
chmod 2775 "$t/dir/sub"
chmod 1777 "$t/a.b"
ln -s ../a/f "$t/dir/link"
ln "$t/a/f" "$t/dir/hard"
long=$(printf 'p%.0s' $(seq 60))
mkdir -p "$t/long/$long/$long"
echo q >"$t/long/$long/$long/$(printf 'n%.0s' $(seq 90))"
touch -h -d @123456789 "$t/a/f" "$t/dir/link" "$t/a"
cp -a "$t" "$t.gnu"

"$tarnorm" pack --prefix "" --mtime 0 --out "$TEST_TMPDIR/tarnorm.tar" "$t" || fail "tarnorm pack"
(rh_tar_pack "$t.gnu" gnu.tar) || fail "rh_tar_pack failed"
if ! cmp "$TEST_TMPDIR/tarnorm.tar" "$TEST_TMPDIR/gnu.tar"; then
	diff <(tar -tvf "$TEST_TMPDIR/tarnorm.tar") <(tar -tvf "$TEST_TMPDIR/gnu.tar") || true
	fail "rh_tar_pack and tarnorm pack differ"
fi
echo "identical: $(tar -tf gnu.tar | wc -l) members, sha256 $(sha256sum <gnu.tar | cut -c1-16)"

# A directory name over 100 bytes: tarnorm writes a PAX record, ustar cannot.
mkdir -p "$TEST_TMPDIR/bad/$(printf 'd%.0s' $(seq 120))"
out=$( (rh_tar_pack "$TEST_TMPDIR/bad" bad.tar) 2>&1) && fail "rh_tar_pack packed a name ustar cannot hold"
echo "$out" | grep -qF "rules_heads: packing $TEST_TMPDIR/bad with tar failed" || fail "unclear error: $out"
[ ! -e bad.tar ] && [ ! -e bad.tar.tmp ] || fail "a failed rh_tar_pack left output behind"
echo "PASS"
