#!/bin/bash
# mirror_debian_sources.sh -- fetch the pinned Debian source tarballs of the
# Heads build (coreboot, Linux, busybox, ...) into a local distdir.
#
# Usage (inside the build root: tools/buildenv/enter tools/mirror/mirror_debian_sources.sh):
#   mirror_debian_sources.sh [--lock FILE] [DEST]     fetch + verify every pin
#   mirror_debian_sources.sh --refresh [--lock FILE] [DEST]
#                                                     re-pin to what apt serves today
#
# DEST defaults to $RULES_HEADS_DISTDIR (tools/bazel sets it to
# ~/.cache/rules_heads/distdir, which the `heads` module extension reads). Files
# are placed there under their own file name.
#
# The lock (default: sources.lock next to this script) pins files by name and
# sha256, not by Debian revision, one per line:
#   <file name> <sha256> source:<source package>   a file of `apt-get source`
#   <file name> <sha256> deb:<binary package>      a file shipped in a .deb
#                                                  (e.g. /usr/src/linux-source-X.tar.xz)
# '#' starts a comment line; '## ' lines are notes kept by --refresh.
#
# A file already in DEST with the pinned sha256 is not fetched again. For a
# source: pin we look for the Debian source version (any suite apt knows)
# whose file list carries that file name with the pinned sha256, and fetch
# just that file (apt's URI for it, downloaded by apt-helper), trying the
# next such version when the mirror lacks it. For a deb: pin we fetch the
# candidate first, then the other versions apt knows, with `apt-get download`,
# and extract the file with dpkg-deb. Every file is checked against its pin
# before it is moved into DEST.
#
# The mirror comes from the apt configuration: nothing here names a host.
set -euo pipefail

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)
lock=$here/sources.lock
refresh=0
dest=

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
log() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { printf '%s: error: %s\n' "$prog" "$1" >&2; shift; for l in "$@"; do printf '  %s\n' "$l" >&2; done; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--refresh) refresh=1 ;;
	--lock) lock=$2; shift ;;
	--lock=*) lock=${1#--lock=} ;;
	-h | --help) usage 0 ;;
	-*) die "unknown option $1" "see $prog --help" ;;
	*) [ -z "$dest" ] || die "more than one destination given" "see $prog --help"; dest=$1 ;;
	esac
	shift
done
dest=${dest:-${RULES_HEADS_DISTDIR:-${RULES_HEADS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_heads}/distdir}}

for t in apt-get apt-cache dpkg-deb sha256sum; do
	command -v "$t" >/dev/null || die "$t not found" "run this inside the build root: tools/buildenv/enter $0"
done
[ -f "$lock" ] || die "lock file $lock not found"

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$(mktemp -d "$dest/.mirror-tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Let apt's unprivileged download user write there (no "unsandboxed" warning).
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$work"; fi

human() { numfmt --to=iec --suffix=B "$1" 2>/dev/null || echo "$1 B"; }
size_of() { stat -c %s "$1"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

refresh_hint=(
	"If Debian replaced the file on purpose (new upstream or revision), re-pin with:"
	"  tools/buildenv/enter tools/mirror/mirror_debian_sources.sh --refresh"
	"then review and commit the new $(basename "$lock")."
)

# src_versions NAME: the source versions apt knows for NAME, newest first.
src_versions() {
	apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' |
		sort -u | sort -r -V
}

# src_sha256 NAME VERSION FILE: the sha256 the archive index gives FILE in
# source package NAME=VERSION (empty if that version does not list it).
# (apt-cache showsrc takes no =VERSION: walk all records of NAME.) The awk
# programs here read their input to the end rather than `exit` at the first
# match: apt would get SIGPIPE, and with pipefail that fails the script
# (it did once forky listed two musl revisions).
src_sha256() {
	apt-cache showsrc "$1" 2>/dev/null | awk -v n="$1" -v v="$2" -v f="$3" '
		/^$/ { pkg = ""; ver = ""; insum = 0; next }
		/^Package: / { pkg = $2 }
		/^Version: / { ver = $2 }
		/^Checksums-Sha256:/ { insum = 1; next }
		/^[^ ]/ { insum = 0 }
		insum && pkg == n && ver == v && $3 == f && got == "" { got = $1 }
		END { if (got != "") print got }'
}

# deb_versions NAME: candidate first, then the other known versions.
deb_versions() {
	local cand
	cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	{ [ -z "$cand" ] || [ "$cand" = "(none)" ] || echo "$cand"
	  apt-cache madison "$1" 2>/dev/null | awk -F'|' '$3 ~ /Packages/ {gsub(/ /, "", $2); print $2}' | sort -r -V; } |
		awk '!seen[$0]++'
}

# try_fetch_source_file NAME VERSION FILE DIR: downloads only FILE of source
# NAME=VERSION into DIR (apt's own URI and hash, through apt-helper), so a
# missing .dsc or debian.tar.xz on the mirror does not matter. Returns 1 on
# failure (DIR/apt.err says why); another revision may carry the same file.
try_fetch_source_file() {
	local uri
	uri=$(apt-get source --print-uris -qq "$1=$2" 2>"$4/apt.err" |
		awk -v f="$3" '$2 == f && got == "" { gsub(/\047/, "", $1); got = $1 } END { if (got != "") print got }')
	[ -n "$uri" ] || { echo "apt lists no $3 in source $1 $2" >>"$4/apt.err"; return 1; }
	/usr/lib/apt/apt-helper -qq download-file "$uri" "$4/$3" >/dev/null 2>>"$4/apt.err"
}

# deb_member DEB FILE: the path inside DEB of its first member whose base
# name is FILE (empty if none).
deb_member() {
	dpkg-deb --fsys-tarfile "$1" | tar -t |
		awk -v f="$2" '{ n = split($0, p, "/"); if (p[n] == f && got == "") got = $0 } END { if (got != "") print got }'
}

# fetch_deb_member NAME VERSION FILE DIR: downloads NAME=VERSION and extracts
# the member whose base name is FILE to DIR/FILE. Prints nothing; fails if the
# .deb has no such member (2) or apt could not download it (1).
fetch_deb_member() {
	local name=$1 ver=$2 file=$3 dir=$4 deb member
	(cd "$dir" && apt-get download -qq "$name=$ver" >/dev/null 2>"$dir/apt.err") || return 1
	deb=$(ls "$dir"/*.deb)
	member=$(deb_member "$deb" "$file")
	if [ -z "$member" ]; then
		rm -f "$deb"
		return 2
	fi
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" >"$dir/$file"
	rm -f "$deb"
}

# ---------------------------------------------------------------- refresh
if [ "$refresh" = 1 ]; then
	mapfile -t origins < <(awk '!/^#/ && NF >= 3 { print $3 }' "$lock" | awk '!seen[$0]++')
	[ ${#origins[@]} -gt 0 ] || die "$lock lists no origins (source:NAME or deb:NAME) to refresh"
	new=$work/lock.new
	{
		echo "# Pinned Debian source files for rules_heads: <file> <sha256> <origin>."
		echo "# Written by tools/mirror/mirror_debian_sources.sh --refresh on $(date -u +%Y-%m-%d);"
		echo "# the '# from' comments say which Debian version served each file then"
		echo "# (informational: the pin is the file name + sha256)."
		# Hand-written notes ('## ' lines) survive a refresh.
		grep '^## ' "$lock" || true
	} >"$new"
	for o in "${origins[@]}"; do
		kind=${o%%:*} name=${o#*:}
		d=$work/$kind-$name
		mkdir -p "$d"
		[ "$(id -u)" != 0 ] || ! id _apt >/dev/null 2>&1 || chown _apt "$d"
		case "$kind" in
		source)
			# The version `apt-get source NAME` would take, from its .dsc's
			# name (apt's own version string keeps the epoch); then only its
			# orig tarballs, fetched like the pins are.
			dsc=$(apt-get source --print-uris -qq "$name" 2>"$d/apt.err" | awk '$2 ~ /\.dsc$/ && got == "" { got = $2 } END { if (got != "") print got }')
			[ -n "$dsc" ] || die "apt lists no source package $name:" "$(tail -5 "$d/apt.err")" \
				"(no deb-src lines, or apt-get update not run?)"
			dsc_ver=${dsc#"${name}_"}
			dsc_ver=${dsc_ver%.dsc}
			ver=
			while read -r v; do
				[ "${v#*:}" = "$dsc_ver" ] && { ver=$v; break; }
			done < <(src_versions "$name")
			[ -n "$ver" ] || die "apt lists $dsc but no matching version of source $name"
			found=0
			while read -r b; do
				try_fetch_source_file "$name" "$ver" "$b" "$d" ||
					die "could not fetch $b of source $name $ver:" "$(tail -5 "$d/apt.err")"
				f=$d/$b
				echo "# from source $name $ver: $(size_of "$f") bytes" >>"$new"
				echo "$b $(sha_of "$f") source:$name" >>"$new"
				log "$b: $(human "$(size_of "$f")") from source $name $ver"
				mv -f "$f" "$dest/$b"
				found=1
			done < <(apt-get source --print-uris -qq "$name=$ver" 2>/dev/null |
				awk '$2 ~ /\.orig(-[^.]+)?\.tar\.[a-z0-9]+$/ { print $2 }')
			[ "$found" = 1 ] || die "source $name $ver has no orig tarball (native package?)" \
				"pin such files by hand in $lock"
			;;
		deb)
			ver=$(deb_versions "$name" | sed -n 1p)
			[ -n "$ver" ] || die "apt knows no binary package $name" "(run apt-get update first?)"
			# The file to pin: the old pins of this origin give its name; else
			# the largest regular file in the package.
			mapfile -t files < <(awk -v o="$o" '!/^#/ && $3 == o { print $1 }' "$lock")
			(cd "$d" && apt-get download -qq "$name=$ver" >/dev/null 2>"$d/apt.err") ||
				die "apt-get download $name=$ver failed:" "$(tail -5 "$d/apt.err")"
			deb=$(ls "$d"/*.deb)
			for b in "${files[@]}"; do
				member=$(deb_member "$deb" "$b")
				[ -n "$member" ] || die "$name $ver no longer ships $b" \
					"its files: $(dpkg-deb -c "$deb" | awk '$1 ~ /^-/ {print $6}' | tr '\n' ' ')" \
					"edit $lock by hand (file name + deb:$name) and run --refresh again"
				dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" >"$d/$b"
				echo "# from deb $name $ver: $(size_of "$d/$b") bytes ($member)" >>"$new"
				echo "$b $(sha_of "$d/$b") deb:$name" >>"$new"
				log "$b: $(human "$(size_of "$d/$b")") from deb $name $ver"
				mv -f "$d/$b" "$dest/$b"
			done
			;;
		*) die "bad origin '$o' in $lock (want source:NAME or deb:NAME)" ;;
		esac
		rm -rf "$d"
	done
	cp "$new" "$lock"
	log "wrote $lock; files are in $dest"
	exit 0
fi

# ---------------------------------------------------------------- fetch + verify
bad=$(awk '!/^#/ && NF && (NF != 3 || $2 !~ /^[0-9a-f]{64}$/ || $3 !~ /^(source|deb):[a-z0-9][a-z0-9+.-]*$/)' "$lock" | sed -n 1,3p)
[ -z "$bad" ] || die "$lock is corrupt: these lines are not '<file> <sha256> source:NAME|deb:NAME':" "$bad" \
	"restore it from git, or rewrite it with --refresh"

failures=0
fail() {
	# fail FILE ORIGIN EXPECTED ACTUAL [EXTRA...]
	local f=$1 o=$2 e=$3 a=$4
	shift 4
	printf '%s: error: %s (%s) does not match its pin\n' "$prog" "$f" "$o" >&2
	printf '  expected sha256: %s\n  actual sha256:   %s\n' "$e" "$a" >&2
	for l in "$@" "${refresh_hint[@]}"; do printf '  %s\n' "$l" >&2; done
	failures=$((failures + 1))
}

total=0
while read -r file sha origin; do
	case "$file" in '' | '#'*) continue ;; esac
	kind=${origin%%:*} name=${origin#*:}
	out=$dest/$file
	if [ -f "$out" ]; then
		have=$(sha_of "$out")
		if [ "$have" = "$sha" ]; then
			log "ok      $file ($(human "$(size_of "$out")"), cached)"
			total=$((total + $(size_of "$out")))
			continue
		fi
		log "$file in $dest has sha256 $have, not the pin: fetching it again"
	fi
	d=$work/$file.d
	mkdir -p "$d"
	[ "$(id -u)" != 0 ] || ! id _apt >/dev/null 2>&1 || chown _apt "$d"
	case "$kind" in
	source)
		mapfile -t vers < <(src_versions "$name")
		if [ ${#vers[@]} -eq 0 ]; then
			fail "$file" "$origin" "$sha" "not in the archive" \
				"apt knows no source package '$name' (no deb-src lines, or run apt-get update first)"
			continue
		fi
		ver= idx= matching=()
		for v in "${vers[@]}"; do
			s=$(src_sha256 "$name" "$v" "$file")
			[ -n "$s" ] || continue
			[ -n "$ver" ] || ver=$v idx=$s
			[ "$s" = "$sha" ] && matching+=("$v")
		done
		if [ -z "$ver" ]; then
			fail "$file" "$origin" "$sha" "not in the archive" \
				"source versions of $name apt knows today: ${vers[*]}"
			continue
		fi
		if [ ${#matching[@]} -eq 0 ]; then
			fail "$file" "$origin" "$sha" "$idx (per the archive index, source $name $ver)"
			continue
		fi
		ver= tried=()
		for v in "${matching[@]}"; do
			rm -f "$d"/*
			if try_fetch_source_file "$name" "$v" "$file" "$d" && [ -f "$d/$file" ]; then
				ver=$v
				break
			fi
			tried+=("$name $v: $(grep -m1 . "$d/apt.err" 2>/dev/null || echo "did not deliver $file")")
		done
		if [ -z "$ver" ]; then
			fail "$file" "$origin" "$sha" "not fetched" "${tried[@]}"
			continue
		fi
		from="source $name $ver"
		;;
	deb)
		mapfile -t vers < <(deb_versions "$name")
		if [ ${#vers[@]} -eq 0 ]; then
			fail "$file" "$origin" "$sha" "not in the archive" "apt knows no binary package '$name' (run apt-get update first?)"
			continue
		fi
		got= seen=()
		for v in "${vers[@]}"; do
			rm -f "$d/$file"
			rc=0
			fetch_deb_member "$name" "$v" "$file" "$d" || rc=$?
			case $rc in
			1) seen+=("$name $v: download failed: $(tail -1 "$d/apt.err")"); continue ;;
			2) seen+=("$name $v: has no $file"); continue ;;
			esac
			s=$(sha_of "$d/$file")
			seen+=("$name $v: $s")
			if [ "$s" = "$sha" ]; then got=$v; break; fi
		done
		if [ -z "$got" ]; then
			fail "$file" "$origin" "$sha" "not in the archive" "versions tried:" "${seen[@]/#/  }"
			continue
		fi
		from="deb $name $got"
		;;
	*) die "bad origin '$origin' for $file in $lock" ;;
	esac
	have=$(sha_of "$d/$file")
	if [ "$have" != "$sha" ]; then
		fail "$file" "$origin" "$sha" "$have" "(downloaded from $from)"
		continue
	fi
	mv -f "$d/$file" "$out"
	rm -rf "$d"
	total=$((total + $(size_of "$out")))
	log "fetched $file ($(human "$(size_of "$out")"), from $from)"
done <"$lock"

[ "$failures" = 0 ] || die "$failures pinned file(s) failed verification (the others are in $dest; no unverified file was placed)"
log "all pins verified: $(human "$total") in $dest"
