#!/usr/bin/env bash
# Lambda Managed Instances: what an invocation's zip of its own costs the agent thread besides
# writing it (jvmagent/perinv.h): the copy of its handler thread's tree at the start and the
# difference at the end, for trees of 500, 2,000, 10,000 and 50,000 nodes. Prints medians;
# judges nothing (docs/performance.md). Needs `make all` first.
# usage: bash bench/perinv_diff.sh [NODES...]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
BIN=$(mktemp -d /tmp/jvmsnap-perinvbench.XXXXXX)
trap 'rm -rf "$BIN"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT" -o "$BIN/perinv_diff_bench" "$ROOT/bench/lib/perinv_diff_bench.c" \
	"$ROOT/$BUILD/libjvmsnapcore.a" -lz -lm
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in ${@:-500 2000 10000 50000}; do "$BIN/perinv_diff_bench" "$n"; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
