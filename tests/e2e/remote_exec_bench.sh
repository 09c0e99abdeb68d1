#!/bin/bash
# remote_exec_bench.sh [--runs N] [--workers "1 2"] -- wall time of a cold
# build of the fixture board (//tests/fixtures:all), locally and on a
# one-machine Buildbarn cluster (tools/remote_exec/local) with each worker
# count, N times each, in rounds (local, 1 worker, 2 workers, local, ...)
# so that drift of a shared machine hits every variant alike. Prints each
# build's time and Bazel's action summary, then min/median/max per variant.
#
#   tools/bazel run //tests/e2e:remote_exec_bench -- --runs 3
#
# Cold means: a fresh output base, no disk cache, and for the remote
# builds a fresh cluster (empty CAS and action cache), so every cacheable
# action executes. The repository cache is shared (downloads are not what
# is measured). Run it on an otherwise idle machine: it takes about
# 3 x (number of variants) x 5 minutes on 2 cores with the default 3 runs.
set -euo pipefail
runfiles=${RUNFILES_DIR:-$0.runfiles}
src=$runfiles/_main
. "$src/tests/e2e/lib.sh"

runs=3
worker_counts="1 2"
bb=
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:?--runs needs a number}; shift 2 ;;
	--workers) worker_counts=${2:?--workers needs a list such as "1 2"}; shift 2 ;;
	--bin) bb=$(cd "$(dirname "${2:?--bin needs the path of bb_storage}")" && pwd); shift 2 ;;
	*) fail "unknown argument $1 (usage: [--runs N] [--workers \"1 2\"])" ;;
	esac
done
case "$runs" in '' | *[!0-9]* | 0) fail "--runs wants a positive number, not '$runs'" ;; esac
for w in $worker_counts; do
	case "$w" in *[!0-9]* | 0) fail "--workers wants positive numbers, not '$w'" ;; esac
done

# The Buildbarn binaries: @buildbarn//:bin, the data of this target
# (--bin, from the target's args).
[ -x "$bb/bb_storage" ] || fail "bb_storage not found (run through tools/bazel run //tests/e2e:remote_exec_bench)"
export RULES_HEADS_CACHE
RULES_HEADS_CACHE=$(dirname "${RULES_HEADS_DISK_CACHE:?run through tools/bazel run (the runners need its build root)}")

# State: not under /tmp (the runners empty theirs); removed at the end.
T=$(mktemp -d /var/tmp/rules_heads-bench.XXXXXX)
W=$T/checkout
copy_workspace "$src" "$W"
export RULES_HEADS_BUILDBARN_BIN=$bb RULES_HEADS_REMOTE_EXEC_PORT RULES_HEADS_REMOTE_EXEC_DIR
RULES_HEADS_REMOTE_EXEC_PORT=$(free_port 4)
cluster() { RULES_HEADS_REMOTE_EXEC_DIR=$T/cluster "$W/tools/remote_exec/local" "$@"; }
ob=
cleanup() {
	[ -z "$ob" ] || bz "$W" "$ob" shutdown >/dev/null 2>&1 || true
	cluster stop >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT

common=(--repository_cache="$T/repo" --noshow_progress --color=no --disk_cache=)
targets=(//tests/fixtures:all)
results=$T/results

# One cold build of VARIANT (local or a worker count); appends "VARIANT SECONDS".
build() {
	local variant=$1 run=$2 extra=() t0 t summary endpoint
	ob=$T/ob
	rm -rf "$ob"
	if [ "$variant" != local ]; then
		rm -rf "$T/cluster"
		endpoint=$(cluster start --workers "$variant" 2>"$T/cluster.log" | tail -1) ||
			{ cat "$T/cluster.log"; fail "starting $variant worker(s)"; }
		extra=(--config=remote --remote_executor="$endpoint")
	fi
	t0=$(date +%s%N)
	bz "$W" "$ob" build "${common[@]}" "${extra[@]}" "${targets[@]}" 2>"$T/build.log" ||
		{ tail -30 "$T/build.log"; fail "$variant build, run $run"; }
	t=$(date +%s%N)
	t=$(((t - t0) / 100000000))
	t=$((t / 10)).$((t % 10))
	summary=$(grep 'processes:' "$T/build.log" | tail -1)
	bz "$W" "$ob" shutdown >/dev/null 2>&1 || true
	ob=
	[ "$variant" = local ] || cluster stop >/dev/null
	case "$variant:$summary" in
	local:*remote*) fail "the local build ran remote actions: $summary" ;;
	local:*) ;;
	*linux-sandbox* | *processwrapper* | *" local"* | *"cache hit"*) fail "the remote build did not execute everything remotely: $summary" ;;
	esac
	echo "$variant $t" >>"$results"
	printf '%-10s run %d: %6s s  %s\n' "$(label "$variant")" "$run" "$t" "$summary"
}
label() { if [ "$1" = local ]; then echo local; else echo "$1 worker$([ "$1" = 1 ] || echo s)"; fi; }

echo "fixture board, cold, $runs run(s) each; $(nproc) CPUs"
for run in $(seq "$runs"); do
	for variant in local $worker_counts; do build "$variant" "$run"; done
done
echo "wall time, s: min / median / max"
for variant in local $worker_counts; do
	awk -v v="$variant" '$1 == v { print $2 }' "$results" | LC_ALL=C sort -n |
		awk -v l="$(label "$variant")" '{ a[NR] = $1 } END {
			m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			printf "  %-10s %6.1f / %6.1f / %6.1f\n", l, a[1], m, a[NR] }'
done
