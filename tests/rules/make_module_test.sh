#!/bin/bash
# The fixture Heads tree's generated targets (@heads_fixture_tree, whose
# BUILD files headsgen writes as the Gazelle language does): Heads' own
# make text builds
# libgreet (with the tree's patch) and greeter (per-board build directory,
# a config from the tree, libgreet from install/<arch>).
# Args: the files of //:libgreet, :greeter and :hello.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
for f in "$@"; do
	case "$f" in
	*/libgreet.sysroot.tar) libgreet_sysroot=$f ;;
	*/libgreet.initrd.tar) libgreet_initrd=$f ;;
	*/greeter.sysroot.tar) greeter_sysroot=$f ;;
	*/greeter.initrd.tar) greeter_initrd=$f ;;
	*/hello.sysroot.tar) hello_sysroot=$f ;;
	*/hello.initrd.tar) hello_initrd=$f ;;
	esac
done
members() { tar -tf "$1" | grep -v '/$' | sort | tr '\n' ' '; }
[ "$(members "$libgreet_sysroot")" = "include/greet.h lib/libgreet.so lib/libgreet.so.1 " ] ||
	fail "libgreet install tree: $(members "$libgreet_sysroot")"
# Only what greeter's build added to install/<arch>, not its dependency's files.
[ "$(members "$greeter_sysroot")" = "bin/greeter " ] || fail "greeter install tree: $(members "$greeter_sysroot")"
[ "$(members "$greeter_initrd")" = "bin/greeter " ] || fail "greeter initrd share: $(members "$greeter_initrd")"
[ "$(members "$libgreet_initrd")" = "lib/libgreet.so.1 " ] || fail "libgreet initrd share: $(members "$libgreet_initrd")"
tar -xOf "$libgreet_initrd" lib/libgreet.so.1 | grep -aqF "patched by the Heads tree" ||
	fail "libgreet was not built from the tree's patched source"
for t in "$libgreet_sysroot" "$greeter_sysroot" "$greeter_initrd" "$hello_initrd"; do
	if tar -xOf "$t" | grep -aqE 'HeadsMakeModule\.work|/execroot/|sandbox'; then
		fail "$t contains a build path"
	fi
done
# _configure ran ./configure with Heads' $(heads_cc) and --host.
[ "$(members "$hello_sysroot")" = "bin/hello " ] || fail "hello install tree: $(members "$hello_sysroot")"
tar -xOf "$hello_initrd" bin/hello | grep -aqF "configured for x86_64-linux-musl" || fail "hello was not configured by its _configure"
echo PASS
