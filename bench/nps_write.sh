#!/usr/bin/env bash
# What the last snapshot costs to write at exit: a call tree of 16, 64 and 256 MB (the tree's
# share of memory=80, 320 and 1280; ManyPaths' shape, ~48 bytes a node), written whole, then
# cut to the agent's write budget (200,000 nodes) and written again. Prints the times; the
# agent's exit bound is 3 s for stopping, the last sample and this. Needs `make all` first.
# usage: bash bench/nps_write.sh [MB...]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
BIN=$(mktemp -d /tmp/jvmsnap-npsbench.XXXXXX)
trap 'rm -rf "$BIN"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT" -o "$BIN/nps_write_bench" "$ROOT/bench/lib/nps_write_bench.c" \
	"$ROOT/$BUILD/libjvmsnapcore.a" -lz -lm
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mb in "${@:-16 64 256}"; do
	for m in $mb; do "$BIN/nps_write_bench" "$m"; done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
