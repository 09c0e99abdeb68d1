# heads_action.sh -- the shell helpers of every rules_heads foreign-build
# action. Not run on its own: run_heads_action (common.bzl) writes each
# action's script as
#
#     . "$RULES_HEADS_HELPERS"     # this file
#     <the rule's own commands>
#
# and saves that script as the target's `scripts` output group, so
# `bazel build --output_groups=scripts //pkg:target` shows what ran.
# Values reach the script only through the environment (RH_* variables set
# by the rule), never by pasting them into shell text, so names with
# spaces or `$` need no quoting in Starlark. Lists are newline-separated
# (the rules refuse names containing a newline).
#
# Set here for the rule's commands:
#   $EXECROOT  the exec root (absolute; never written into outputs: the
#              prefix maps below and rh_save_log rewrite it)
#   $WORK      a private work directory, removed on exit
#   $PREFIX_MAP_FLAGS  compiler flags mapping $WORK to /build and
#              $EXECROOT to .

set -euo pipefail
umask 022
EXECROOT=$PWD
WORK=$EXECROOT/$RULES_HEADS_WORK
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
PREFIX_MAP_FLAGS="-ffile-prefix-map=$WORK=/build -ffile-prefix-map=$EXECROOT=."
export PREFIX_MAP_FLAGS

# rh_fail MESSAGE...: one clear error line, then exit 1.
rh_fail() {
	echo "rules_heads: $*" >&2
	exit 1
}

# rh_each VAR: the non-empty lines of the newline-separated list in $VAR.
rh_each() {
	local line
	while IFS= read -r line; do
		[ -n "$line" ] && printf '%s\n' "$line"
	done <<<"${!1:-}"
}

# rh_extract ARCHIVE STRIP DEST: extracts a source archive (exec-root
# relative), checking every member (tarnorm refuses absolute names, `..`,
# escaping links and device nodes).
rh_extract() {
	[ -n "${TARNORM:-}" ] || rh_fail "rh_extract: this action runs without tarnorm; unpack a deterministic source tar with rh_tar_extract"
	"$EXECROOT/$TARNORM" extract --strip-components "$2" --out "$3" "$EXECROOT/$1"
}

# rh_tar_extract TAR STRIP DEST: unpacks a deterministic source tarball
# (a HeadsSource or HeadsSourceRepack output, already checked by tarnorm
# and normalised: modes, mtime 0) with the build root's tar; the tree is the
# one rh_extract gives.
rh_tar_extract() {
	mkdir -p "$3"
	tar -xf "$EXECROOT/$1" --strip-components "$2" -C "$3"
}

# rh_untar TAR DEST: unpacks one of our own deterministic tarballs (an
# install tree, a built toolchain) with the build root's tar.
rh_untar() {
	mkdir -p "$2"
	tar -xf "$EXECROOT/$1" -C "$2"
}

# rh_pack DIR OUT: DIR as a deterministic tarball at OUT (exec-root relative).
rh_pack() {
	[ -n "${TARNORM:-}" ] || rh_fail "rh_pack: this action runs without tarnorm; use rh_tar_pack"
	"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/$2" "$1"
}

# rh_tar_pack DIR OUT: what rh_pack writes, byte for byte, written by the
# build root's GNU tar (//tests/rules:tar_pack_test compares the two), for
# the actions whose key must not change with the Go tools: each
# directory's entries sorted by their bytes, depth first; ustar headers;
# mtime 0, owner 0; modes 0755/0644 (symlinks 0777); hard links stored as
# files. Normalises the modes of DIR in place. A name ustar cannot hold
# (a component over 100 bytes) fails, where rh_pack would write a PAX record.
rh_tar_pack() {
	local list
	list=$(mktemp "$WORK/.pack-list.XXXXXX")
	find "$1" ! -type l -exec chmod a-st,u=rwX,go=rX {} +
	# "/" sorts before every other byte: each directory's entries in byte
	# order, a directory's contents right after it (tarnorm's order).
	(cd "$1" && find . -mindepth 1 -printf '%P\0') | LC_ALL=C sed -z 's,/,\x01,g' |
		LC_ALL=C sort -z | LC_ALL=C sed -z 's,\x01,/,g' >"$list"
	LC_ALL=C tar --create --file="$EXECROOT/$2.tmp" --directory="$1" --null --no-recursion \
		--verbatim-files-from --files-from="$list" --format=ustar --mtime=@0 --owner=0 \
		--group=0 --numeric-owner --hard-dereference ||
		{ rm -f "$EXECROOT/$2.tmp" "$list"; rh_fail "packing $1 with tar failed (see above)"; }
	mv -f "$EXECROOT/$2.tmp" "$EXECROOT/$2"
	rm -f "$list"
}

# rh_run_logged NAME LOG CMD...: runs CMD with its output appended to LOG.
# On failure prints NAME, the first lines that look like errors (with make
# -j they are rarely at the end) and the last 20 lines of LOG, and fails.
rh_run_logged() {
	local name=$1 log=$2 errors
	shift 2
	if ! "$@" >>"$log" 2>&1; then
		echo "rules_heads: $name failed: $*" >&2
		# Compiler and configure errors say ": error:", make says "***".
		errors=$(grep -E '(: error:|: \*\*\* )' "$log" | head -n 5 || true)
		if [ -n "$errors" ]; then
			echo "rules_heads: first errors in its log:" >&2
			printf '%s\n' "$errors" | sed 's/^/    /' >&2
		fi
		echo "rules_heads: last 20 lines of its log:" >&2
		tail -n 20 "$log" | sed 's/^/    /' >&2
		exit 1
	fi
}

# rh_take_output WHAT SRC DEST: copies a build product to a declared output
# (exec-root relative), failing with WHAT's name if the build did not make it.
rh_take_output() {
	[ -f "$2" ] || rh_fail "$1: the build did not produce ${2#"$WORK"/}"
	cp "$2" "$EXECROOT/$3"
}

# rh_save_log LOG DEST: writes LOG to DEST with the work and exec-root paths
# mapped away, as the compiler flags map them.
rh_save_log() {
	sed -e "s|$WORK|/build|g" -e "s|$EXECROOT|.|g" "$1" >"$EXECROOT/$2"
}

# rh_toolchain_setup: when the target toolchain is a built archive
# ($RH_TOOLCHAIN_ARCHIVE), unpacks it and puts its bin/ first on PATH.
rh_toolchain_setup() {
	[ -n "${RH_TOOLCHAIN_ARCHIVE:-}" ] || return 0
	rh_untar "$RH_TOOLCHAIN_ARCHIVE" "$WORK/toolchain"
	PATH="$WORK/toolchain/bin:$PATH"
	export PATH
}

# rh_scrub_install WHAT DIR: makes an install tree independent of where it
# was built. libtool archives (.la) record absolute -L paths of the build's
# sysroot in dependency_libs; they are removed (as Debian does: libtool
# links without them). pkg-config files have the install and sysroot
# directories stripped, so they name sysroot-relative paths (Heads points
# PKG_CONFIG_SYSROOT_DIR at its sysroot). Then no file of the tree may
# still contain the exec root: it would differ on every machine.
rh_scrub_install() {
	local what=$1 dir=$2 f leaked
	find "$dir" -name '*.la' \( -type f -o -type l \) -delete
	while IFS= read -r -d '' f; do
		sed -i -e "s|$DESTDIR||g" -e "s|$SYSROOT||g" -e "s|$WORK|/build|g" -e "s|$EXECROOT|.|g" "$f"
	done < <(find "$dir" -name '*.pc' -type f -print0)
	# Other text files that record the build directory (bash's bashbug and
	# Makefile.inc keep the CC and CFLAGS of the build): the same mapping,
	# as gcc's -ffile-prefix-map does for compiled code. Binary files that
	# name it are left alone and fail below.
	while IFS= read -r -d '' f; do
		sed -i -e "s|$WORK|/build|g" -e "s|$EXECROOT|.|g" "$f"
	done < <(grep -rlIZF -- "$EXECROOT" "$dir" || true)
	leaked=$(grep -rlF -- "$EXECROOT" "$dir" | sed "s|^$dir/||" | head -n 5 || true)
	if [ -n "$leaked" ]; then
		echo "rules_heads: $what: these installed files contain the build's absolute path, so they would differ per checkout:" >&2
		printf '%s\n' "$leaked" | sed 's/^/    /' >&2
		rh_fail "$what: build with \$PREFIX_MAP_FLAGS (in \$CC) and install with a relative --prefix"
	fi
}

# rh_crossgcc_sum SRC OUT: the util/crossgcc/sum listing of the coreboot
# tree SRC, the key under which a crossgcc is shared between versions.
rh_crossgcc_sum() {
	"$EXECROOT/$ROMSTITCH" crossgcc-sum --src "$1" --out "$2"
}

# rh_heads_config CONFIG OUT SRCDIR: Heads' bin/prepare_module_config.sh.
# Lays out RH_TREE_FILES (`<exec path><TAB><tree path>` lines: blobs and
# other files of the Heads tree the config names) under $WORK/heads, then
# copies CONFIG to OUT replacing Heads' placeholders with paths relative
# to SRCDIR (where make runs), as Heads does so that no absolute path ends
# up in the image: @BLOB_DIR@, @BRAND_DIR@, @BRAND_NAME@ and
# @BOARD_BUILD_DIR@ (a directory $WORK/board that the payload step, not
# this build, fills).
rh_heads_config() {
	local src rel
	mkdir -p "$WORK/heads" "$WORK/board"
	while IFS=$'\t' read -r src rel; do
		install -D -m 0644 "$EXECROOT/$src" "$WORK/heads/$rel"
	done < <(rh_each RH_TREE_FILES)
	local heads board
	heads=$(realpath --relative-to "$3" "$WORK/heads")
	board=$(realpath --relative-to "$3" "$WORK/board")
	sed -e "s!@BOARD_BUILD_DIR@!$board!g" \
		-e "s!@BLOB_DIR@!$heads/blobs!g" \
		-e "s!@BRAND_DIR@!$heads/branding/$RH_BRAND!g" \
		-e "s!@BRAND_NAME@!$RH_BRAND!g" \
		"$1" >"$2"
}
