#!/bin/bash
# A board of the fixture Heads tree built end to end from the targets
# headsgen generates (@heads_fixture_tree//boards:gated_*): Heads' initrd
# parts (blobs/dev.cpio, bin_modules' outputs, every module's libraries,
# _data and linux_data, /etc/config from the evaluated exports, the board's
# and Heads' initrd/ trees), the kernel config with Heads' placeholders
# replaced, and the split release, named as built from a substitute.
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
# hello comes from the substitution list (the same tree gzipped): every
# release file says so, and substitutions.txt names it.
declare -A size file
for f in "$@"; do size[${f##*/}]=$(stat -L -c %s "$f"); file[${f##*/}]=$f; done
for n in "${!size[@]}"; do
	case "$n" in gated-substituted* | hashes.txt | sizes.txt | substitutions.txt) ;; *) fail "release file $n does not say it is built from substitutes" ;; esac
done
[ "${size[gated-substituted.rom]:-}" = $((1024 * 1024)) ] || fail "gated-substituted.rom: ${size[gated-substituted.rom]:-missing}"
[ "${size[gated-substituted-bottom.rom]:-}" = $((768 * 1024)) ] || fail "split_768kb256kb bottom: ${size[gated-substituted-bottom.rom]:-missing}"
[ "${size[gated-substituted-top.rom]:-}" = $((256 * 1024)) ] || fail "split_768kb256kb top: ${size[gated-substituted-top.rom]:-missing}"
grep -qF "hello: hello-2.0.tar sha256 6c83dc55f84e2d6fb91b301c783492f9e48d2ba148f90c2d85d5dbe761d68a4d replaced by hello-2.0.tar.gz (sha256 64c60c0c430b3117f632ad5a92d3e170ee38011b451be81497c56f3e113fd40a" "${file[substitutions.txt]}" ||
	fail "substitutions.txt: $(cat "${file[substitutions.txt]}")"
[ "$(grep -c . "${file[substitutions.txt]}")" = 2 ] || fail "substitutions.txt lists more than hello: $(cat "${file[substitutions.txt]}")"
grep -qE "^[0-9a-f]{64}  \./substitutions\.txt$|^[0-9a-f]{64}  substitutions\.txt$" "${file[hashes.txt]}" || fail "hashes.txt does not list substitutions.txt: $(cat "${file[hashes.txt]}")"
echo PASS
