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

# free_port [N] -- a port p with p..p+N-1 free on 127.0.0.1 (N default 2).
free_port() {
	python3 - "${1:-2}" <<'PY'
import socket, sys
n = int(sys.argv[1])
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    held = [s]
    try:
        for q in range(p + 1, p + n):
            t = socket.socket(); held.append(t); t.bind(("127.0.0.1", q))
    except OSError:
        continue
    finally:
        for x in held:
            x.close()
    print(p); break
PY
}
