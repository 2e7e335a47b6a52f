#!/usr/bin/env bash
# Benchmark: `jvmsnap merge` of COUNT (default 1,000) distinct invocation snapshots, against
# the targets of issue 8: under 5 s and under 200 MB peak memory. It prints the numbers and
# their ratio to the targets; it never passes or fails on them (the machine decides the
# numbers, the reader decides what they mean).
#
# The inputs are written by tests/cli/cligen ("invocation SEED"): each seed gives its own
# window, thread names (main, pool-N-thread-M, worker-N), stacks over a pool of 1,920 app
# methods and times, so every input is read, inflated and merged into a tree that keeps
# growing; none is a copy of another. Like invocations of one function, they walk one
# fixed call graph (a hot path and rarer branches), so the merged tree saturates as a real
# function's does (about 1,000 nodes per input, 800 methods merged).
#
#   BUILD=build bash bench/cli_merge.sh [COUNT]    (also run by `make bench`)
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COUNT=${1:-1000}
JVMSNAP=$ROOT/$BUILD/jvmsnap
CLIGEN=$ROOT/$BUILD/tests/cligen
for tool in "$JVMSNAP" "$CLIGEN"; do
	[ -x "$tool" ] || { echo "cli_merge: $tool is not built (make cli $BUILD/tests/cligen)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "cli_merge: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/jvmsnap-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/in"

for i in $(seq 1 "$COUNT"); do "$CLIGEN" invocation "$i" "$WORK/in/$(printf 'inv%05d' "$i").zip"; done
n=$(find "$WORK/in" -name '*.zip' | wc -l)
bytes=$(du -cb "$WORK"/in/*.zip | tail -n 1 | cut -f1)
distinct=$(md5sum "$WORK"/in/*.zip | cut -d' ' -f1 | sort -u | wc -l)
echo "inputs:   $n zips, $distinct distinct, $((bytes / 1024)) KiB in all ($((bytes / n)) bytes on average)"

/usr/bin/time -f '%e %M' -o "$WORK/time" "$JVMSNAP" merge -q -o "$WORK/merged.nps" "$WORK"/in/*.zip
read -r secs kib <"$WORK/time"
awk -v s="$secs" -v k="$kib" 'BEGIN {
	printf "time:     %.2f s elapsed   (target 5 s: %.2f of it)\n", s, s / 5
	printf "memory:   %.1f MB peak RSS (target 200 MB: %.3f of it)\n", k / 1024, k / 1024 / 200
}'
echo "output:   $(stat -c %s "$WORK/merged.nps") bytes"
"$JVMSNAP" info "$WORK/merged.nps" | sed -n '2,8p'
