#!/bin/bash
# initrd_test.sh INITRD LISTING GOLDEN -- the fixture board's initrd: its
# listing equals the golden one (names, modes, owners, sizes, sha256), and
# what is inside really works: the patched, configured hello and the greeter
# linked against libgreet run under musl's loader and print what their
# sources, patch and configure say; /etc/config has only exported options.
set -euo pipefail
initrd=$1 listing=$2 golden=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! diff -u "$golden" "$listing"; then
	fail "initrd listing differs from $golden (update it if the change is intended)"
fi

d=$TEST_TMPDIR/initrd
mkdir -p "$d"
xz -dc "$initrd" | (cd "$d" && cpio -id --quiet --nonmatching "dev/console")
[ "$(xz --robot --list "$initrd" | awk '$1 == "file" {print $7}')" = CRC32 ] ||
	fail "initrd is not xz with a CRC32 check (the kernel refuses CRC64)"
[ $(($(stat -L -c %s "$initrd") % 512)) = 0 ] || fail "initrd is not padded to 512 bytes"

loader=/lib/ld-musl-x86_64.so.1
if [ -x "$loader" ]; then
	got=$("$loader" "$d/bin/hello")
	[ "$got" = "hello-2.0 (patched) says: configured for x86_64-linux-musl" ] || fail "bin/hello printed: $got"
	got=$("$loader" --library-path "$d/lib" "$d/bin/greeter")
	[ "$got" = "hello from libgreet" ] || fail "bin/greeter printed: $got"
else
	echo "SKIP running the binaries: no musl loader at $loader"
fi

want='export CONFIG_BOOT_DEV="/dev/sda1"
export CONFIG_BOOTSCRIPT="/bin/gui-init"
export CONFIG_WARNING_BG_COLOR="--background-gradient"
export CONFIG_BOARD="fixture"'
[ "$(cat "$d/etc/config")" = "$want" ] || fail "etc/config is:
$(cat "$d/etc/config")"
grep -q NOT_EXPORTED "$d/etc/config" && fail "a non-exported option reached /etc/config"
echo "PASS: initrd listing, binaries and /etc/config"
