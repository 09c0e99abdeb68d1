#!/bin/bash
# install_scrub_test.sh SYSROOT_TAR -- a module whose install leaves a
# libtool archive and a pkg-config file naming the build's sysroot and
# install directories (//tests/fixtures:libgreet_dev) gets an install tree
# without the .la and with a sysroot-relative .pc: nothing in it names
# the sandbox, so it is the same from every checkout.
set -euo pipefail
tarball=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
d=$TEST_TMPDIR/tree
mkdir -p "$d"
tar -xf "$tarball" -C "$d"
names=$(cd "$d" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
[ "$names" = "./lib ./lib/libgreet.so.1 ./lib/pkgconfig ./lib/pkgconfig/greet.pc " ] ||
	fail "install tree holds: $names (want no libgreet.la)"
want=$(printf 'prefix=\nlibdir=${prefix}/lib\nLibs: -L/lib -lgreet')
got=$(cat "$d/lib/pkgconfig/greet.pc")
[ "$got" = "$want" ] || fail "greet.pc is:
$got
want:
$want"
if grep -rlE 'sandbox|execroot|bazel-out|/build/' "$d"; then
	fail "the install tree names a build directory"
fi
echo "PASS: .la removed, .pc sysroot-relative"
