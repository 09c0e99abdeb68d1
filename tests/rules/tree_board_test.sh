#!/bin/bash
# A board of the fixture Heads tree built end to end from the targets
# headsgen generates (@heads_fixture_tree//boards:gated_*): Heads' initrd
# parts (blobs/dev.cpio, bin_modules' outputs, every module's libraries,
# _data and linux_data, /etc/config from the evaluated exports, the board's
# and Heads' initrd/ trees), the kernel config with Heads' placeholders
# replaced, and the split release.
# Args: initrd listing, golden listing, kernel image, release files...
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
listing=$1 golden=$2 kernel=$3
shift 3
diff -u "$golden" "$listing" || fail "initrd listing differs from $golden"
# /etc/config byte for byte as Heads' Makefile writes it: `export -p`
# quoting with \" removed, then its four echo lines.
want=$(printf '%s\n' \
	'export CONFIG_AUTO_BOOT_TIMEOUT="5"' \
	'export CONFIG_BOARD_NAME="Gated"' \
	'export CONFIG_BOOTSCRIPT="/bin/gui-init"' \
	'export CONFIG_COREBOOT="y"' \
	'export CONFIG_COREBOOT_VERSION="fixture-1.0"' \
	'export CONFIG_LINUX_VERSION="fixture-1.0"' \
	"export GIT_HASH=''" \
	'export GIT_STATUS=clean' \
	'export CONFIG_BOARD=gated' \
	'export CONFIG_BRAND_NAME=Heads' | sha256sum | cut -d' ' -f1)
got=$(awk '$5 == "etc/config" { print $4 }' "$listing")
[ "$got" = "$want" ] || fail "etc/config sha256 $got, want $want"
# prepare_module_config.sh's placeholders, relative to the source tree.
grep -qxF 'CONFIG_INITRAMFS_SOURCE="../heads/blobs/dev.cpio"' "$kernel" || fail "kernel config: @BLOB_DIR@ not replaced: $(grep INITRAMFS "$kernel")"
grep -qxF 'CONFIG_LOCALVERSION="-Heads"' "$kernel" || fail "kernel config: @BRAND_NAME@ not replaced"
declare -A size
for f in "$@"; do size[${f##*/}]=$(stat -L -c %s "$f"); done
[ "${size[gated.rom]:-}" = $((1024 * 1024)) ] || fail "gated.rom: ${size[gated.rom]:-missing}"
[ "${size[gated-bottom.rom]:-}" = $((768 * 1024)) ] || fail "split_768kb256kb bottom: ${size[gated-bottom.rom]:-missing}"
[ "${size[gated-top.rom]:-}" = $((256 * 1024)) ] || fail "split_768kb256kb top: ${size[gated-top.rom]:-missing}"
echo PASS
