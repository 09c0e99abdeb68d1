#!/bin/bash
# lib.sh -- helpers shared by the e2e tests, which run nested Bazel servers
# on copies of this workspace. Source it after `set -euo pipefail`.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# copy_workspace SRC DIR... -- a writable copy of the source tree (the
# test's runfiles, symlinks resolved) in each DIR.
copy_workspace() {
	local src=$1 d
	shift
	for d in "$@"; do
		mkdir -p "$d"
		cp -rL "$src/." "$d"
		chmod -R u+w "$d"
	done
}

# bz DIR OUTPUT_BASE ARGS... -- Bazel of the build root (the test runs
# inside it) in the checkout DIR, with its own output base; the server exits
# a minute after its last command if the test's trap does not shut it down.
bz() {
	local dir=$1 ob=$2
	shift 2
	(cd "$dir" && bazel --output_base="$ob" --bazelrc="$dir/tools/buildenv/buildroot.bazelrc" \
		--max_idle_secs=60 "$@")
}

# free_port -- a port p with p and p+1 free on 127.0.0.1.
free_port() {
	python3 - <<'PY'
import socket
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    finally:
        s.close(); t.close()
    print(p); break
PY
}
