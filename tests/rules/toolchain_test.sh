#!/bin/bash
# toolchain_test.sh {TRIPLE PROBE_TAR PROBE_TAR TOOLCHAIN_TAR LIBC_TAR}...
# (PROBE_TARs: the probe module's .sysroot.tar and .initrd.tar, any order)
# For each target: the probe module was built by that target's
# musl-cross-make toolchain (its binary carries the triple the fixture
# compiler defines), the toolchain tarball holds bin/<triple>-gcc
# executable, and the toolchain's initrd share is lib/libc.so plus the
# ld-musl-<arch>.so.1 link to it.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	triple=$1 toolchain=$4 libc=$5 probe_sysroot= probe_initrd=
	for p in "$2" "$3"; do
		case $p in
		*.sysroot.tar) probe_sysroot=$p ;;
		*.initrd.tar) probe_initrd=$p ;;
		*) fail "unexpected argument $p" ;;
		esac
	done
	[ -n "$probe_sysroot" ] && [ -n "$probe_initrd" ] || fail "want the probe's .sysroot.tar and .initrd.tar, got $2 $3"
	shift 5
	arch=${triple%-linux-musl}
	d=$TEST_TMPDIR/$arch
	mkdir -p "$d"

	tar -xf "$probe_initrd" -C "$d" bin/crossprobe
	grep -a -q "heads-fixture-cross=$triple\$" <(tr -c '[:print:]' '\n' <"$d/bin/crossprobe") ||
		fail "bin/crossprobe for $triple was not built by the $triple toolchain"
	tar -tf "$probe_sysroot" | grep -qx 'bin/crossprobe' || fail "$probe_sysroot lacks bin/crossprobe"

	line=$(tar -tvf "$toolchain" "bin/$triple-gcc") || fail "$toolchain lacks bin/$triple-gcc"
	case $line in -rwxr-xr-x*) ;; *) fail "bin/$triple-gcc is not executable in the toolchain tarball: $line" ;; esac

	listing=$(tar -tvf "$libc")
	grep -q ' lib/libc.so$' <<<"$listing" || fail "$libc lacks lib/libc.so: $listing"
	grep -q " lib/ld-musl-$arch.so.1 -> libc.so\$" <<<"$listing" ||
		fail "$libc lacks the lib/ld-musl-$arch.so.1 link: $listing"
	echo "PASS: $triple"
done
