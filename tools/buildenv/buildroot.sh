# shellcheck shell=bash
# buildroot.sh -- create, verify and enter the rules_heads build root.
#
# Sourced by tools/bazel, tools/buildenv/enter and tools/buildenv/refresh-lock.
# The build root is a debootstrapped Debian (forky, with sid as a second
# source of pinned versions) holding Debian's unbundled Bazel 7.7.1 and every
# host tool of the build, at exactly the versions of packages.lock. It lives
# under the user's cache directory, keyed by a hash of the lock and of
# RH_ROOT_FORMAT, so it is created once and shared by every checkout.
#
# We enter it with `unshare --mount` + pivot_root, not chroot: the kernel
# refuses user namespaces to chrooted processes, and Bazel then silently
# loses its linux-sandbox.
#
# Knobs (environment):
#   RULES_HEADS_CACHE            cache dir (default ${XDG_CACHE_HOME:-~/.cache}/rules_heads)
#   RULES_HEADS_DEBIAN_MIRROR    Debian mirror URL (default: the host's apt config)
#   RULES_HEADS_SUITE            debootstrap suite (default: forky)
#   RULES_HEADS_QUIET=1          no progress lines

set -o pipefail

BUILDENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORKSPACE_DIR=$(cd "$BUILDENV_DIR/../.." && pwd)
RH_CACHE=${RULES_HEADS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_heads}
RH_SUITE=${RULES_HEADS_SUITE:-forky}
RH_LOCK=$BUILDENV_DIR/packages.lock
RH_GOMODS=$BUILDENV_DIR/bazel-modules.lock

rh_log() { [ "${RULES_HEADS_QUIET:-0}" = 1 ] || printf 'rules_heads: %s\n' "$*" >&2; }
rh_die() {
	printf 'rules_heads: error: %s\n' "$1" >&2
	shift
	for l in "$@"; do printf '  %s\n' "$l" >&2; done
	exit 1
}

# The Debian mirror: an explicit knob, else the first non-security Debian
# URI of the host's apt configuration (deb822 or one-line format).
rh_mirror() {
	if [ -n "${RULES_HEADS_DEBIAN_MIRROR:-}" ]; then
		echo "$RULES_HEADS_DEBIAN_MIRROR"
		return
	fi
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^URIs: *\([^ ]*\).*/\1/p; s/^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*\) .*/\2/p' |
		grep -i debian | grep -v -i security | head -1)
	[ -n "$m" ] || rh_die "no Debian mirror found in /etc/apt/sources.list*" \
		"set RULES_HEADS_DEBIAN_MIRROR to a Debian mirror URL (or a local mirror)"
	echo "${m%/}"
}

rh_check_host() {
	[ "$(id -u)" = 0 ] || rh_die "tools/bazel must run as root to create and enter the build root (debootstrap, unshare --mount, pivot_root)." \
		"Run it as root (e.g. in a container or VM), or install Bazel >= 7.7 yourself and set BAZEL_REAL=/path/to/bazel."
	command -v unshare >/dev/null || rh_die "unshare not found: install util-linux."
	unshare --mount true 2>/dev/null || rh_die "unshare --mount is not permitted here (no CAP_SYS_ADMIN?)." \
		"Run in a privileged container or VM, or set BAZEL_REAL to a Bazel >= 7.7."
}

# Validates the lock file: one `name=version` (or `name:arch=version`) per
# line, comments and blanks allowed.
rh_check_lock() {
	[ -f "$RH_LOCK" ] || rh_die "$RH_LOCK is missing." "Regenerate it with tools/buildenv/refresh-lock."
	local bad
	bad=$(grep -v -E '^(#.*|[a-z0-9][a-z0-9+.-]*(:[a-z0-9]+)?=[A-Za-z0-9.+~:-]+|)$' "$RH_LOCK" | head -3)
	[ -z "$bad" ] || rh_die "$RH_LOCK is corrupt: these lines are not 'package=version':" "$bad" \
		"Restore it from git (git checkout -- tools/buildenv/packages.lock) or regenerate it with tools/buildenv/refresh-lock."
	grep -q '^bazel-bootstrap=' "$RH_LOCK" || rh_die "$RH_LOCK is corrupt: it does not pin bazel-bootstrap." \
		"Restore it from git or regenerate it with tools/buildenv/refresh-lock."
	[ -f "$RH_GOMODS" ] || rh_die "$RH_GOMODS is missing." "Restore it from git."
}

# Bump when the way a root is made changes (not for cosmetic edits).
RH_ROOT_FORMAT=1

# The root's key: the lock, the Go module pins and the root format.
# rh_identity: the sha256 of what determines the root (its package lock,
# the Bazel modules unpacked into it, its format). Remote workers advertise
# it as a platform property and Bazel's remote execution platform asks for
# it (rules/private/buildenv.bzl), so actions run only on the same root.
rh_identity() {
	{ cat "$RH_LOCK" "$RH_GOMODS"; echo "format $RH_ROOT_FORMAT"; } | sha256sum | cut -d' ' -f1
}

rh_key() { rh_identity | cut -c1-16; }

rh_root() { echo "$RH_CACHE/roots/$(rh_key)"; }

# rh_enter ROOT BINDS CWD CMD...: runs CMD inside ROOT with the given host
# directories bind-mounted at the same path. Mounts are private to the new
# namespace; nothing stays mounted on the host.
# RH_UNSHARE_NET=1: CMD gets its own network namespace (loopback only).
# RH_ENTER_EXEC=1: exec, so CMD keeps the caller's pid (a server to stop).
rh_enter() {
	local root=$1 binds=$2 cwd=$3
	shift 3
	${RH_ENTER_EXEC:+exec} unshare --mount ${RH_UNSHARE_NET:+--net} --propagation private /bin/sh -c '
		set -e
		R="$1"; BINDS="$2"; CWD="$3"; NOCA="$4"; NET="$5"; shift 5
		if [ -n "$NET" ]; then
			# Loopback up: iproute2 where there is one (the host), else
			# SIOCSIFFLAGS from Python (inside the root, which has no ip).
			if command -v ip >/dev/null; then ip link set lo up
			else python3 -c "import fcntl, socket, struct; fcntl.ioctl(socket.socket(), 0x8914, struct.pack(\"16sH22x\", b\"lo\", 0x41))"; fi
		fi
		if [ "$R" -ef / ]; then
			# Already inside this root (a test that tools/bazel runs):
			# the binds are in place; only /tmp is made private, which
			# would hide a bind under it (remote_exec/local refuses those).
			for b in $BINDS; do
				case "$b" in /tmp/*) echo "rh_enter: $b is under /tmp, which the new private /tmp would hide" >&2; exit 1 ;; esac
			done
			mount -t tmpfs -o mode=1777 tmpfs /tmp
			cd "$CWD"
			exec "$@"
		fi
		mount --rbind "$R" "$R"
		mount -t proc proc "$R/proc"
		mount --rbind /sys "$R/sys"
		mount --rbind /dev "$R/dev"
		mkdir -p "$R/tmp" && mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
		for b in $BINDS; do
			[ -e "$b" ] || continue
			mkdir -p "$R$b"; mount --rbind "$b" "$R$b"
		done
		cp -L /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
		# The host trust store carries the CA the Go module proxy needs. Not
		# during apt runs: the ca-certificates package replaces that file.
		if [ -z "$NOCA" ] && [ -f /etc/ssl/certs/ca-certificates.crt ] && [ -f "$R/etc/ssl/certs/ca-certificates.crt" ]; then
			mount --bind -o ro /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
		fi
		cd "$R"; mkdir -p .oldroot; pivot_root . .oldroot; umount -l /.oldroot
		cd "$CWD"
		exec "$@"
	' sh "$root" "$binds" "$cwd" "${RH_NO_CA_BIND:-}" "${RH_UNSHARE_NET:-}" \
		env -i HOME=/root USER=root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
		PATH=/usr/lib/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${GOPROXY:+GOPROXY="$GOPROXY"} ${GONOSUMDB:+GONOSUMDB="$GONOSUMDB"} \
		${GOSUMDB:+GOSUMDB="$GOSUMDB"} ${CI:+CI="$CI"} \
		RULES_HEADS_DISTDIR="$RH_CACHE/distdir" \
		RULES_HEADS_DISK_CACHE="$RH_CACHE/disk-cache" \
		"$@"
}

# rh_debootstrap DIR: a minbase forky root with apt sources for forky and
# sid (binary and source), no Valid-Until check (the mirror's Release files
# can be past it), no recommends.
rh_debootstrap() {
	local dir=$1 mirror log
	mirror=$(rh_mirror)
	log=$dir.debootstrap.log
	command -v debootstrap >/dev/null || {
		rh_log "installing debootstrap on the host (apt-get)"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >"$log" 2>&1 ||
			rh_die "could not install debootstrap on the host; see $log"
	}
	# The sid script serves forky too (older debootstraps have no forky script).
	debootstrap --variant=minbase "$RH_SUITE" "$dir" "$mirror" /usr/share/debootstrap/scripts/sid >"$log" 2>&1 ||
		rh_die "debootstrap $RH_SUITE from $mirror failed; last lines of $log:" "$(tail -5 "$log")"
	cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb deb-src
URIs: $mirror
Suites: $RH_SUITE sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	rm -f "$dir/etc/apt/sources.list"
	cat >"$dir/etc/apt/apt.conf.d/90rules-heads" <<'EOF'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dpkg::Use-Pty "false";
EOF
	# Prefer forky; sid only serves versions forky no longer (or not yet) has.
	cat >"$dir/etc/apt/preferences.d/90rules-heads" <<EOF
Package: *
Pin: release n=$RH_SUITE
Pin-Priority: 500

Package: *
Pin: release n=sid
Pin-Priority: 100
EOF
	rm -f "$log"
}

# rh_install_pinned DIR: installs exactly the versions of packages.lock.
rh_install_pinned() {
	local dir=$1 log=$1.apt.log pkgs missing
	pkgs=$(grep -v -E '^(#|$)' "$RH_LOCK" | tr '\n' ' ')
	local RH_NO_CA_BIND=1
	rh_enter "$dir" "" / apt-get update -qq >"$log" 2>&1 || rh_die "apt-get update failed in the build root; see $log"
	# shellcheck disable=SC2086
	if ! rh_enter "$dir" "" / env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--allow-downgrades $pkgs >>"$log" 2>&1; then
		missing=$(sed -n "s/.*Version '\([^']*\)' for '\([^']*\)' was not found.*/\2=\1/p" "$log" | head -5)
		if [ -n "$missing" ]; then
			rh_die "pinned packages are no longer in the Debian archive ($RH_SUITE, sid):" "$missing" \
				"Refresh the lock with: tools/buildenv/refresh-lock (then review and commit tools/buildenv/packages.lock)."
		fi
		rh_die "apt-get install of the pinned packages failed; last lines of $log:" "$(tail -8 "$log")"
	fi
	rh_enter "$dir" "" / apt-get clean
	rm -f "$log"
}

# rh_installed DIR: the root's packages as sorted name=version lines.
rh_installed() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${db:Status-Abbrev} ${binary:Package}=${Version}\n' |
		sed -n 's/^ii  *//p' | sed 's/:amd64=/=/' | LC_ALL=C sort
}

# rh_verify DIR: the root holds exactly the packages of the lock.
rh_verify() {
	local diff
	diff=$(LC_ALL=C diff <(grep -v -E '^(#|$)' "$RH_LOCK" | LC_ALL=C sort) <(rh_installed "$1") | grep '^[<>]' | head -8)
	[ -z "$diff" ] || rh_die "the build root does not match $RH_LOCK (< lock, > root):" "$diff" \
		"The archive may have moved: refresh the lock with tools/buildenv/refresh-lock."
}

# rh_gomods DIR: unpacks rules_go and gazelle (from the Go module proxy,
# pinned by go.sum hashes in bazel-modules.lock) into DIR/opt/rules_heads.
rh_gomods() {
	local dir=$1 work=/opt/rules_heads/gomodcache
	mkdir -p "$dir$work"
	local mod ver sum dest
	while read -r mod ver sum dest; do
		case "$mod" in '#'* | '') continue ;; esac
		local json
		json=$(rh_enter "$dir" "" / env GOMODCACHE=$work GOFLAGS=-mod=mod GOTOOLCHAIN=local \
			go mod download -json "$mod@$ver" 2>&1) ||
			rh_die "go mod download $mod@$ver failed (is the Go module proxy reachable? GOPROXY=${GOPROXY:-default}):" "$(echo "$json" | tail -3)"
		local got zip
		got=$(echo "$json" | sed -n 's/.*"Sum": "\(.*\)".*/\1/p')
		zip=$(echo "$json" | sed -n 's/.*"Zip": "\(.*\)".*/\1/p')
		[ "$got" = "$sum" ] || rh_die "$mod@$ver has hash $got, but $RH_GOMODS pins $sum." \
			"If the new version is intended, update the pin in $RH_GOMODS."
		rm -rf "$dir$dest" "$dir$dest.x"
		mkdir -p "$dir$dest.x"
		unzip -q "$dir$zip" -d "$dir$dest.x"
		mkdir -p "$(dirname "$dir$dest")"
		mv "$dir$dest.x/$mod@$ver" "$dir$dest"
		rm -rf "$dir$dest.x"
		# Module zips drop the executable bit: restore it on scripts.
		find "$dir$dest" -type f -print0 | while IFS= read -r -d '' f; do
			[ "$(head -c2 "$f")" = '#!' ] && chmod +x "$f"
		done
	done <"$RH_GOMODS"
	# gazelle keeps a nested Go module in v2/ that its zip leaves out; its
	# go_repository tool sources list v2/go.sum.
	local gz=$dir/opt/rules_heads/modules/gazelle
	if [ -d "$dir/opt/rules_heads/modules/gazelle-v2" ]; then
		rm -rf "$gz/v2"
		mv "$dir/opt/rules_heads/modules/gazelle-v2" "$gz/v2"
		touch "$gz/v2/go.sum"
	fi
	rm -rf "${dir:?}$work"
}

# rh_ensure_root: prints the path of a complete build root, creating it
# (once, under a lock) if needed.
rh_ensure_root() {
	rh_check_host
	rh_check_lock
	local root
	root=$(rh_root)
	[ -f "$root/.rules_heads-ok" ] && { echo "$root/fs"; return; }
	mkdir -p "$RH_CACHE/roots"
	exec 9>"$root.lock"
	flock 9
	if [ ! -f "$root/.rules_heads-ok" ]; then
		local t0=$SECONDS tmp=$root.tmp
		rm -rf "$tmp" "$root"
		mkdir -p "$tmp"
		rh_log "creating build root $root (once; ~3-5 min, ~3 GB)"
		rh_log "creating build root (1/4) debootstrap --variant=minbase $RH_SUITE from $(rh_mirror)"
		rh_debootstrap "$tmp/fs"
		rh_log "creating build root (2/4) installing $(grep -c -v -E '^(#|$)' "$RH_LOCK") pinned packages from $(basename "$RH_LOCK")"
		rh_install_pinned "$tmp/fs"
		rh_log "creating build root (3/4) verifying installed packages against the lock"
		rh_verify "$tmp/fs"
		rh_log "creating build root (4/4) rules_go and gazelle from the Go module proxy"
		rh_gomods "$tmp/fs"
		touch "$tmp/.rules_heads-ok"
		mv "$tmp" "$root"
		rh_log "build root ready in $((SECONDS - t0)) s: $root"
	fi
	exec 9>&-
	echo "$root/fs"
}

# rh_run ROOT CMD...: runs CMD in the build root ROOT (from rh_ensure_root)
# with the workspace, the cache, RULES_HEADS_EXTRA_BINDS and the local Heads
# trees named by RULES_HEADS_TREE_<NAME> mounted at their host paths, so
# paths inside equal paths outside; in $PWD when it lies in the workspace,
# else at the workspace root.
rh_run() {
	local root=$1 cwd=$PWD v pass=()
	shift
	case "$cwd/" in "$WORKSPACE_DIR"/*) ;; *) cwd=$WORKSPACE_DIR ;; esac
	# The root's environment is fixed (env -i); these reach Bazel, which
	# reads them in the heads_tree repository rule.
	for v in $(compgen -e); do
		case "$v" in RULES_HEADS_TREE_*) pass+=("$v=${!v}") ;; esac
	done
	if [ ${#pass[@]} -gt 0 ]; then set -- env "${pass[@]}" "$@"; fi
	rh_enter "$root" "$WORKSPACE_DIR $RH_CACHE $(rh_extra_binds)" "$cwd" "$@"
}

# rh_extra_binds: RULES_HEADS_EXTRA_BINDS and the directories
# RULES_HEADS_TREE_<NAME> name, space-separated. A Bazel server sees only
# the mounts of the command that started it, so tools/bazel makes them a
# startup option: other binds start another server.
rh_extra_binds() {
	local v binds=${RULES_HEADS_EXTRA_BINDS:-}
	for v in $(compgen -e); do
		case "$v" in RULES_HEADS_TREE_*) [ -z "${!v}" ] || binds="$binds ${!v}" ;; esac
	done
	echo "$binds"
}
