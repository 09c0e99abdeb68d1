#!/bin/bash
# install_scrub_test.sh SYSROOT_TAR -- a module whose install leaves a
# libtool archive, a pkg-config file naming the build's sysroot and
# install directories and a text file naming its build directory
# (//tests/fixtures:libgreet_dev) gets an install tree without the .la,
# with a sysroot-relative .pc and the build directory mapped to /build:
# nothing in it names the sandbox, so it is the same from every checkout.
set -euo pipefail
tarball=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
d=$TEST_TMPDIR/tree
mkdir -p "$d"
tar -xf "$tarball" -C "$d"
names=$(cd "$d" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
[ "$names" = "./lib ./lib/greet.mk ./lib/libgreet.so.1 ./lib/pkgconfig ./lib/pkgconfig/greet.pc " ] ||
	fail "install tree holds: $names (want no libgreet.la)"
want=$(printf 'prefix=\nlibdir=${prefix}/lib\nLibs: -L/lib -lgreet')
got=$(cat "$d/lib/pkgconfig/greet.pc")
[ "$got" = "$want" ] || fail "greet.pc is:
$got
want:
$want"
got=$(head -n 1 "$d/lib/greet.mk")
[ "$got" = "builddir=/build/src" ] || fail "greet.mk's first line is '$got', want builddir=/build/src"
if grep -rlE 'sandbox|execroot|bazel-out' "$d" || grep -rlE --exclude=greet.mk '/build/' "$d"; then
	fail "the install tree names a build directory"
fi
echo "PASS: .la removed, .pc sysroot-relative, build directory mapped in text files"
