#!/bin/bash
# remote_exec_test.sh BB_BINARY... -- remote execution on Buildbarn, end to
# end, on a cluster started by tools/remote_exec/local the way a team adds
# machines: storage, scheduler and one worker from one checkout, a second
# worker joining from another checkout with its own state (--join), each
# worker's runner in the pinned build root, without network:
#  1. the fixture board built locally from one checkout, and with
#     --config=remote from a second checkout with a clean output base:
#     every Heads action (and every other cacheable one) ran remotely
#     (execution log), and every output is bit-identical to the local one;
#  2. the same remote build from a fresh output base is all cache hits.
# Tagged e2e: nested Bazel servers and a cluster (several minutes cold).
set -euo pipefail
src=${TEST_SRCDIR:?}/_main
. "$src/tests/e2e/lib.sh"
T=${TEST_TMPDIR:?}
bb=$(cd "$(dirname "$1")" && pwd)
# tools/bazel's cache directory: the runners enter the same build root.
export RULES_HEADS_CACHE
RULES_HEADS_CACHE=$(dirname "${RULES_HEADS_DISK_CACHE:?run through tools/bazel (the runners need its build root)}")
A=$T/local/rules_heads
B=$T/elsewhere/checkout-remote
copy_workspace "$src" "$A" "$B"

# The cluster's state: a short path (unix sockets), not under /tmp (the
# runners empty theirs), in the build root the test and the runners share;
# removed at the end. cl: storage, scheduler, worker 1; cl2: the joining
# "host" with worker 2.
cl=$(mktemp -d /var/tmp/rules_heads-rx.XXXXXX)
cl2=$(mktemp -d /var/tmp/rules_heads-rx.XXXXXX)
export RULES_HEADS_BUILDBARN_BIN=$bb RULES_HEADS_REMOTE_EXEC_PORT
RULES_HEADS_REMOTE_EXEC_PORT=$(free_port 4)
cluster() { RULES_HEADS_REMOTE_EXEC_DIR=$cl "$B/tools/remote_exec/local" "$@"; }
joined() { RULES_HEADS_REMOTE_EXEC_DIR=$cl2 "$A/tools/remote_exec/local" "$@"; }
cleanup() {
	for ob in local remote remote-2; do bz "$A" "$T/ob-$ob" shutdown >/dev/null 2>&1 || true; done
	joined stop || true
	cluster stop || true
	rm -rf "$cl" "$cl2"
}
trap cleanup EXIT
if joined start --join 127.0.0.1 2>"$T/join.err"; then fail "--join started workers without a scheduler"; fi
grep -q "no Buildbarn storage and scheduler at 127.0.0.1" "$T/join.err" || { cat "$T/join.err"; fail "--join without a scheduler: unclear error"; }
endpoint=$(cluster start --workers 1 | tail -1)
[ "$(joined start --join 127.0.0.1 --workers 1 | tail -1)" = "$endpoint" ] || fail "the joined worker names another endpoint"
cluster status
joined status
echo "cluster: $endpoint, worker 1 in $cl, worker 2 (joined) in $cl2"

common=(--repository_cache="$T/repo" --noshow_progress --color=no)
targets=(//tests/fixtures:all)

echo "== 1. local build, then remote build"
t0=$SECONDS
bz "$A" "$T/ob-local" build "${common[@]}" --disk_cache= "${targets[@]}" 2>"$T/local.log" ||
	{ tail -30 "$T/local.log"; fail "local build"; }
echo "local ($((SECONDS - t0)) s): $(grep 'processes:' "$T/local.log" | tail -1)"
t0=$SECONDS
bz "$B" "$T/ob-remote" build "${common[@]}" --config=remote --remote_executor="$endpoint" \
	--execution_log_json_file="$T/remote.json" "${targets[@]}" 2>"$T/remote.log" ||
	{ tail -30 "$T/remote.log"; cluster status || true; tail -n 20 "$cl/log/"*.log; fail "remote build"; }
summary=$(grep 'processes:' "$T/remote.log" | tail -1)
echo "remote, 2 workers ($((SECONDS - t0)) s): $summary"
# Both workers took actions: each one's file cache holds their inputs.
for w in "$cl" "$cl2"; do
	n=$(find "$w/workers/1/cache" -type f | wc -l)
	echo "worker in $w: $n input files cached"
	[ "$n" -gt 0 ] || fail "the worker in $w ran no action"
done
python3 "$src/tests/e2e/spawns.py" "$T/remote.json" >"$T/remote.spawns"
heads=$(awk -F'\t' '$1 ~ /^Heads/' "$T/remote.spawns" | wc -l)
heads_remote=$(awk -F'\t' '$1 ~ /^Heads/ && $3 == "remote"' "$T/remote.spawns" | wc -l)
echo "Heads actions: $heads, run remotely: $heads_remote"
[ "$heads" -gt 10 ] || fail "too few Heads actions in the execution log ($heads)"
[ "$heads" = "$heads_remote" ] || {
	awk -F'\t' '$1 ~ /^Heads/ && $3 != "remote"' "$T/remote.spawns"
	fail "Heads actions ran elsewhere than on the cluster"
}
# Every cacheable action of the build ran remotely: nothing local.
if awk -F'\t' '$4 == 1 && $3 != "remote"' "$T/remote.spawns" | grep .; then
	fail "cacheable actions did not run remotely"
fi
case "$summary" in *linux-sandbox* | *processwrapper* | *" local"*) fail "local processes in the remote build: $summary" ;; esac

# Outputs: the local build's, bit for bit.
list() { bz "$1" "$T/ob-$2" cquery "${common[@]}" "${@:3}" --output=files "${targets[@]}" 2>/dev/null | grep '^bazel-out/' | LC_ALL=C sort; }
list "$A" local >"$T/local.files"
list "$B" remote --config=remote --remote_executor="$endpoint" >"$T/remote.files"
cmp -s "$T/local.files" "$T/remote.files" || { diff "$T/local.files" "$T/remote.files" | head; fail "the builds list other outputs"; }
# Remote execution downloads only top-level outputs; fetch them all.
bz "$B" "$T/ob-remote" build "${common[@]}" --config=remote --remote_executor="$endpoint" \
	--remote_download_all "${targets[@]}" 2>/dev/null || fail "downloading the remote outputs"
ea=$(bz "$A" "$T/ob-local" info execution_root 2>/dev/null)
eb=$(bz "$B" "$T/ob-remote" info execution_root 2>/dev/null)
n=0
while read -r f; do
	[ -e "$ea/$f" ] || continue # manual targets a pattern lists
	[ -e "$eb/$f" ] || fail "$f: built locally, missing after the remote build"
	if [ -d "$ea/$f" ]; then
		diff -r "$ea/$f" "$eb/$f" >/dev/null || fail "$f differs (directory)"
	else
		cmp -s "$ea/$f" "$eb/$f" || fail "$f differs: local $(sha256sum <"$ea/$f" | cut -c1-16) remote $(sha256sum <"$eb/$f" | cut -c1-16)"
		echo "  $(sha256sum <"$ea/$f" | cut -c1-64)  $f"
	fi
	n=$((n + 1))
done <"$T/local.files"
[ "$n" -ge 20 ] || fail "too few outputs compared ($n)"
echo "identical: $n outputs"

echo "== 2. the same remote build from a fresh output base: all cache hits"
t0=$SECONDS
bz "$B" "$T/ob-remote-2" build "${common[@]}" --config=remote --remote_executor="$endpoint" \
	--execution_log_json_file="$T/remote-2.json" "${targets[@]}" 2>"$T/remote-2.log" ||
	{ tail -30 "$T/remote-2.log"; fail "second remote build"; }
summary=$(grep 'processes:' "$T/remote-2.log" | tail -1)
echo "remote again ($((SECONDS - t0)) s): $summary"
python3 "$src/tests/e2e/spawns.py" "$T/remote-2.json" >"$T/remote-2.spawns"
if awk -F'\t' '$4 == 1 && $3 != "remote cache hit"' "$T/remote-2.spawns" | grep .; then
	fail "the second remote build executed cacheable actions"
fi
echo "cacheable spawns: $(awk -F'\t' '$4 == 1' "$T/remote-2.spawns" | wc -l), all remote cache hits"
echo PASS
