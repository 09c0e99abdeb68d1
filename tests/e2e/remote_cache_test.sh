#!/bin/bash
# remote_cache_test.sh -- the shared remote cache, end to end, on a
# bazel-remote started by tools/remote_cache/local on 127.0.0.1 with an
# empty directory:
#  1. an upload without credentials (or with wrong ones) is refused and
#     leaves nothing in the cache; reads need none; a writer's upload works;
#  2. the fixture board built with --config=ci from one checkout and output
#     base, then from a second checkout at another path with a fresh output
#     base and no disk cache: every process of the second build is a remote
#     cache hit, and the outputs are identical;
#  3. the same sources from another build environment (a dpkg status with
#     another gcc-12, standing in for a host with its own compiler) are not
#     served the first environment's Heads results: every Heads action runs;
#     the environment file holds no path, user or host name.
# Tagged e2e: it starts nested Bazel servers (several minutes cold).
set -euo pipefail
src=${TEST_SRCDIR:?}/_main
. "$src/tests/e2e/lib.sh"
T=${TEST_TMPDIR:?}
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
A=$T/checkout-one/rules_heads
B=$T/elsewhere/a/deeper/checkout-two
copy_workspace "$src" "$A" "$B"

# --- the server ---------------------------------------------------------------
export RULES_HEADS_REMOTE_CACHE_DIR=$T/cache RULES_HEADS_BAZEL_REMOTE_BIN=$bin
export RULES_HEADS_REMOTE_CACHE_PORT
RULES_HEADS_REMOTE_CACHE_PORT=$(free_port)
local_cache() { "$A/tools/remote_cache/local" "$@"; }
trap 'for ob in one two three; do bz "$A" "$T/ob-$ob" shutdown >/dev/null 2>&1 || true; done; local_cache stop || true' EXIT
url=$(local_cache start)
local_cache status
port=$RULES_HEADS_REMOTE_CACHE_PORT
password=$(cat "$T/cache/credentials")
[ -z "$(find "$T/cache/data" -type f)" ] || fail "the new cache is not empty"

echo "== 1. uploads need credentials"
python3 - "$((port + 1))" "$password" <<'PY'
import base64, hashlib, sys, urllib.error, urllib.request
port, password = sys.argv[1], sys.argv[2]
body = b"rules_heads remote cache test\n"
url = "http://127.0.0.1:%s/cas/%s" % (port, hashlib.sha256(body).hexdigest())
def req(method, user=None, data=None):
    r = urllib.request.Request(url, data=data, method=method)
    if user:
        r.add_header("Authorization", "Basic " + base64.b64encode(user.encode()).decode())
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
checks = [
    ("anonymous upload", req("PUT", data=body), 401),
    ("upload with a wrong password", req("PUT", "rules_heads:wrong", body), 401),
    ("anonymous read after refused uploads", req("GET"), 404),
    ("upload with the writer's credentials", req("PUT", "rules_heads:" + password, body), 200),
    ("anonymous read after it", req("GET"), 200),
]
for what, got, want in checks:
    print("%s: HTTP %d" % (what, got))
    if got != want:
        sys.exit("FAIL: %s: HTTP %d, want %d" % (what, got, want))
PY
# Refused uploads left nothing: the one blob is the writer's. Remove it so
# the builds below start from an empty cache.
[ "$(find "$T/cache/data" -type f | wc -l)" = 1 ] || { find "$T/cache/data" -type f; fail "refused uploads left files in the cache"; }
local_cache stop
rm -rf "$T/cache/data"
url=$(local_cache start)

echo "== 2. a second checkout is served by the cache"
# No disk cache anywhere: what the second build does not execute comes from
# the remote cache (all of it downloaded, to compare every output, not only
# the top-level ones Bazel fetches by default). The Go SDK and modules come from the repository cache.
common=(--config=ci "--remote_cache=$url" --disk_cache= --repository_cache="$T/repo"
	--noshow_progress --color=no)
targets=//tests/fixtures:all
hashes() { # dir output_base -> "sha256  path" of every fixture output
	local out
	out=$(bz "$1" "$2" info bazel-bin 2>/dev/null)
	(cd "$out/tests/fixtures" && find . -type f ! -path '*.work*' ! -path '*.runfiles*' -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum)
}
t0=$SECONDS
bz "$A" "$T/ob-one" build "${common[@]}" "$targets" 2>"$T/one.log" || { tail -30 "$T/one.log"; fail "build in checkout one"; }
cold=$((SECONDS - t0))
echo "checkout one, empty cache ($cold s): $(grep 'processes:' "$T/one.log" | tail -1)"
bz "$A" "$T/ob-one" shutdown
t0=$SECONDS
(
	umask 077
	export TZ=Pacific/Auckland LC_ALL=C.UTF-8 LANG=C.UTF-8
	bz "$B" "$T/ob-two" build "${common[@]}" --jobs=1 --remote_download_all --execution_log_json_file="$T/two.json" "$targets"
) 2>"$T/two.log" || { tail -30 "$T/two.log"; fail "build in checkout two"; }
warm=$((SECONDS - t0))
summary=$(grep 'processes:' "$T/two.log" | tail -1)
echo "checkout two, warm cache ($warm s): $summary"
# "N processes: X remote cache hit, Y internal.": nothing else ran.
others=$(echo "$summary" | sed 's/^INFO: [0-9]* processes*: //; s/\.$//' | tr ',' '\n' |
	grep -v -E '^ *[0-9]+ (remote cache hit|internal)$' || true)
[ -z "$others" ] || fail "the second checkout executed processes: $others"
echo "$summary" | grep -qE '[0-9]+ remote cache hit' || fail "no remote cache hit in: $summary"
python3 "$src/tests/e2e/spawns.py" "$T/two.json" >"$T/two.spawns"
n=$(awk -F'\t' '$4 == 1' "$T/two.spawns" | wc -l)
missed=$(awk -F'\t' '$4 == 1 && $3 != "remote cache hit" {print "  " $1 " " $2}' "$T/two.spawns")
echo "cacheable spawns: $n, remote cache hits: $(awk -F'\t' '$4 == 1 && $3 == "remote cache hit"' "$T/two.spawns" | wc -l)"
[ "$n" -gt 0 ] && [ -z "$missed" ] || fail "not served by the remote cache:
$missed"
hashes "$A" "$T/ob-one" >"$T/one.sha256"
hashes "$B" "$T/ob-two" >"$T/two.sha256"
[ "$(wc -l <"$T/one.sha256")" -ge 20 ] || fail "too few outputs hashed"
diff -u "$T/one.sha256" "$T/two.sha256" || fail "outputs differ between the checkouts"
echo "identical: $(wc -l <"$T/one.sha256") outputs"
grep -E 'fixture.*\.rom$' "$T/one.sha256" | head -3
bz "$B" "$T/ob-two" shutdown

echo "== 3. another build environment is not served the root's results"
envfile() { echo "$(bz "$1" "$2" info output_base 2>/dev/null)/external/_main~buildenv~rules_heads_buildenv/buildenv.txt"; }
one_env=$(envfile "$A" "$T/ob-one")
two_env=$(envfile "$B" "$T/ob-two")
cmp "$one_env" "$two_env" || fail "the build environment differs between two checkouts of one machine"
# Only these lines: nothing of the machine (path, host, user, time) fits them.
bad=$(grep -v -E '^(# .*|environment: (buildroot|host)|dpkg packages: [0-9]+|[a-z0-9][a-z0-9+.-]*:[a-z0-9]+=[A-Za-z0-9.+~:-]+)$' "$one_env" || true)
[ -z "$bad" ] || fail "unexpected lines in the build environment: $bad"
! grep -qF -- "$T" "$one_env" || fail "the build environment names the test's directory"
head -4 "$one_env"
sed 's/^Version: 12\.5\.0-\(.*\)$/Version: 12.5.0-\1+othercompiler/' /var/lib/dpkg/status >"$T/other-status"
cmp -s /var/lib/dpkg/status "$T/other-status" && fail "could not make another environment (no gcc-12 12.5.0 in the dpkg status)"
(
	export RULES_HEADS_BUILDENV_DPKG_STATUS=$T/other-status
	bz "$B" "$T/ob-three" build "${common[@]}" --execution_log_json_file="$T/three.json" "$targets"
) 2>"$T/three.log" || { tail -30 "$T/three.log"; fail "build from another environment"; }
echo "another environment: $(grep 'processes:' "$T/three.log" | tail -1)"
python3 "$src/tests/e2e/spawns.py" "$T/three.json" >"$T/three.spawns"
heads=$(awk -F'\t' '$1 ~ /^Heads/' "$T/three.spawns" | wc -l)
served=$(awk -F'\t' '$1 ~ /^Heads/ && $3 ~ /cache hit/ {print "  " $1 " " $2}' "$T/three.spawns")
echo "Heads actions: $heads, served from the cache: $(echo -n "$served" | grep -c . || true)"
[ "$heads" -gt 0 ] && [ -z "$served" ] || fail "another environment was served:
$served"
bz "$B" "$T/ob-three" shutdown
echo "wall time of the fixture build: empty cache $cold s, warm cache $warm s"
echo "PASS"
