#!/usr/bin/env bash
# The main job: profile the example program with the agent enabled exactly as a user
# would (environment variables only), then show where the snapshot went and its ten
# hottest methods, read back from the .nps with our own reader.
set -euo pipefail
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${JVMSNAP_DEMO_OUT:-$ROOT/$BUILD/demo}
mkdir -p "$OUT"
rm -f "$OUT"/*.zip

echo "== profiling examples/OrderService.java (3 s) with jvmsnap"
JAVA_TOOL_OPTIONS="-agentpath:$ROOT/$BUILD/libjvmsnap.so" \
IOPIPE_PROFILER_ENABLED=true \
IOPIPE_PROFILER_LOCAL_DUMP_PATH="$OUT/" \
	java -cp "$ROOT/$BUILD/examples" OrderService 3000 2>&1 | grep -v '^Picked up JAVA_TOOL_OPTIONS'

zip=$(ls -t "$OUT"/*.zip | head -n 1)
echo
echo "== snapshot: $zip"
unzip -l "$zip" | sed -n '4,$p' | grep -v -e '^-' -e 'files$' || true
echo
echo "== ten hottest methods (self CPU time, as VisualVM's Hot Spots), read back from the .nps"
"$ROOT/$BUILD/jvmsnap" top "$zip" -n 10
"$ROOT/$BUILD/jvmsnap" flame "$zip" -o "$OUT/flame.html" >/dev/null && echo && echo "flame graph: $OUT/flame.html"
echo
echo "Open $zip's .nps in VisualVM: File > Load Snapshot (unzip it first)."
