#!/bin/bash
# rom_test.sh ROM KERNEL INITRD -- the fixture board's release files: the
# CBFS holds the payload and initrd that heads_linux and heads_initrd made,
# bottom + top is the full ROM, hashes.txt/sizes.txt list each file once
# with true values, and the zip holds the ROM and its sha256sum.txt. The
# payload was added by heads_coreboot's separate payload step.
set -euo pipefail
dir=$(cd "$(dirname "$1")" && pwd) kernel=$2 initrd=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
rom=$dir/fixture.rom
t=$TEST_TMPDIR

if command -v cbfstool >/dev/null; then
	cbfstool "$rom" print > "$t/cbfs.txt"
	for n in config fallback/payload initrd; do
		grep -q "^$n " "$t/cbfs.txt" || fail "CBFS has no $n: $(cat "$t/cbfs.txt")"
	done
	cbfstool "$rom" extract -n fallback/payload -f "$t/payload" >/dev/null
	cmp "$t/payload" "$kernel" || fail "CBFS payload is not the heads_linux image"
	cbfstool "$rom" extract -n initrd -f "$t/initrd" >/dev/null
	cmp "$t/initrd" "$initrd" || fail "CBFS initrd is not the heads_initrd output"
	# The payload step passes what coreboot's Makefile would, from the
	# board's config (the fixture cbfstool records it).
	cbfstool "$rom" extract -n cmdline -f "$t/cmdline" >/dev/null
	[ "$(cat "$t/cmdline")" = "quiet loglevel=2" ] || fail "payload command line: $(cat "$t/cmdline")"
	cbfstool "$rom" extract -n compression -f "$t/compression" >/dev/null
	[ "$(cat "$t/compression")" = LZMA ] || fail "payload compression: $(cat "$t/compression")"
	# coreboot itself was compiled without the payload.
	cbfstool "$rom" extract -n config -f "$t/config" >/dev/null
	grep -qx 'CONFIG_PAYLOAD_NONE=y' "$t/config" || fail "coreboot was not compiled with CONFIG_PAYLOAD_NONE"
else
	echo "SKIP CBFS checks: no cbfstool on PATH"
fi

cat "$dir/fixture-bottom.rom" "$dir/fixture-top.rom" | cmp - "$rom" || fail "bottom + top != full ROM"
[ "$(stat -L -c %s "$dir/fixture-bottom.rom")" = 786432 ] || fail "bottom is not 768 KiB"

(cd "$dir" && sha256sum -c --quiet hashes.txt) || fail "hashes.txt does not match the files"
[ "$(awk '{print $2}' "$dir/hashes.txt" | sort | uniq -d)" = "" ] || fail "hashes.txt lists a file twice"
[ "$(awk '{print $2}' "$dir/hashes.txt" | sort | tr '\n' ' ')" = "fixture-bottom.rom fixture-top.rom fixture.rom " ] ||
	fail "hashes.txt lists: $(awk '{print $2}' "$dir/hashes.txt")"
while read -r size name; do
	[ "$(stat -L -c %s "$dir/$name")" = "$size" ] || fail "sizes.txt: $name is not $size bytes"
done < "$dir/sizes.txt"

mkdir -p "$t/zip"
(cd "$t/zip" && unzip -q "$dir/fixture.zip")
cmp "$t/zip/fixture.rom" "$rom" || fail "zip's ROM differs"
(cd "$t/zip" && sha256sum -c --quiet sha256sum.txt) || fail "zip's sha256sum.txt is wrong"
echo "PASS: CBFS contents, split, hashes.txt, sizes.txt, zip"
