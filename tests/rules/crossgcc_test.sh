#!/bin/bash
# crossgcc_test.sh {ROM REVISION}... -- each coreboot ROM was built by the
# shared fixture crossgcc (heads_coreboot_toolchain): its `toolchain` CBFS
# file is what that compiler's --version says, and its `revision` file
# names the coreboot version it came from.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v cbfstool >/dev/null || { echo "SKIP: no cbfstool on PATH"; exit 0; }
want_tc="i386-elf-gcc (fixture crossgcc 1.0) languages=c"
while [ $# -gt 0 ]; do
	rom=$1 want_rev=$2
	shift 2
	t=$TEST_TMPDIR/$want_rev
	mkdir -p "$t"
	cbfstool "$rom" extract -n revision -f "$t/revision" >/dev/null || fail "$rom has no revision file"
	cbfstool "$rom" extract -n toolchain -f "$t/toolchain" >/dev/null || fail "$rom has no toolchain file: XGCCPATH not passed"
	[ "$(cat "$t/revision")" = "$want_rev" ] || fail "$rom: revision is $(cat "$t/revision"), want $want_rev"
	[ "$(cat "$t/toolchain")" = "$want_tc" ] || fail "$rom: built by '$(cat "$t/toolchain")', want '$want_tc'"
	echo "PASS: coreboot $want_rev built with the shared crossgcc"
done
