#!/bin/bash
# smoke_test.sh TRIPLE TOOLCHAIN_TAR INITRD_TAR -- the musl-cross-make
# toolchain compiles and links C: a static and a dynamic program built with
# bin/<triple>-gcc run and print what they should (the dynamic one under
# the toolchain's own libc.so, the initrd's loader), and the objects say
# which gcc made them.
set -euo pipefail
triple=$1 toolchain=$2 initrd=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$TEST_TMPDIR
mkdir -p "$t/tc" "$t/initrd"
tar -xf "$toolchain" -C "$t/tc"
tar -xf "$initrd" -C "$t/initrd"
cc=$t/tc/bin/$triple-gcc
[ -x "$cc" ] || fail "no $triple-gcc in $toolchain"

cat > "$t/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) { printf("hello from musl %zu\n", strlen(argv[0]) > 0 ? (size_t)argc : 0); return 0; }
C
"$cc" -O2 -static -o "$t/hello-static" "$t/hello.c" || fail "static link failed"
"$cc" -O2 -o "$t/hello-dynamic" "$t/hello.c" || fail "dynamic link failed"
"$cc" --version | head -1

interp=$("$t/tc/bin/$triple-readelf" -l "$t/hello-dynamic" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
case $interp in /lib/ld-musl-*.so.1) ;; *) fail "dynamic program asks for interpreter '$interp'" ;; esac
"$t/tc/bin/$triple-readelf" -p .comment "$t/hello-static" | grep -q 'GCC: (GNU)' || fail "no GCC .comment in the static program"

if [ "$triple" = x86_64-linux-musl ]; then
	[ "$("$t/hello-static")" = "hello from musl 1" ] || fail "static program printed: $("$t/hello-static")"
	got=$("$t/initrd/lib/libc.so" "$t/hello-dynamic") || fail "dynamic program did not run under the toolchain's libc.so"
	[ "$got" = "hello from musl 1" ] || fail "dynamic program printed: $got"
else
	echo "SKIP running $triple programs on this host"
fi
echo "PASS: $triple-gcc builds static and dynamic programs; interpreter $interp"
