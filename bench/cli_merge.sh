#!/usr/bin/env bash
# Benchmark: `jvmsnap merge` of 1,000 invocation snapshots (target: under 5 s and under
# 200 MB peak memory). The inputs are copies of one real agent snapshot (HotSpin under
# the agent) with distinct names, so every one is read, inflated and merged.
#   bash bench/cli_merge.sh [COUNT]      (BUILD defaults to build)
set -eu
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COUNT=${1:-1000}
WORK=$(mktemp -d /tmp/jvmsnap-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
(cd "$WORK" && env JAVA_TOOL_OPTIONS="-agentpath:$ROOT/$BUILD/libjvmsnap.so" IOPIPE_PROFILER_ENABLED=true \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
	"$JAVA" -cp "$ROOT/$BUILD/tests/java" HotSpin 1000 >/dev/null 2>&1)
mkdir "$WORK/in"
for i in $(seq -w 1 "$COUNT"); do cp "$WORK/snap.zip" "$WORK/in/inv$i.zip"; done
echo "inputs: $COUNT zips of $(stat -c %s "$WORK/snap.zip") bytes"
/usr/bin/time -f "merge: %e s elapsed, %M KiB peak RSS" \
	"$ROOT/$BUILD/jvmsnap" merge -q -o "$WORK/merged.nps" "$WORK"/in/*.zip
"$ROOT/$BUILD/jvmsnap" info "$WORK/merged.nps" | sed -n '1,12p'
