#!/usr/bin/env bash
# Lambda cold start with and without the agent (issue 15), under AWS's Runtime Interface
# Emulator with AWS's Java Runtime Interface Client (tests/lambda/rie.sh: RIE -> bootstrap ->
# the layer's wrapper -> java + RIC -> the agent's proxy -> RIE), the RIE and the function
# pinned to one CPU (taskset -c 0) as a 1-vCPU function would be. Each run is a fresh RIE
# and a first invocation of tests/lambda/ric's probe (`mark 1`: ~150 ms of work); the two
# modes alternate run by run, first one then the other, so machine drift hits both alike.
# Reads what the RIE reports: "INIT REPORT(durationMs: …)" (init: from the runtime's start
# to its first GET next, the agent's init snapshot included) and the first invocation's
# "INVOKE RTDONE(… duration: …ms)". Prints every run and the medians; asserts nothing.
#   bash bench/lambda_coldstart.sh [RUNS]      (default 11 per mode; RIE_CPUS=0 by default)
# The agent writes its snapshots locally (IOPIPE_PROFILER_LOCAL_DUMP_PATH), no S3 upload.
set -uo pipefail
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
RUNS=${1:-11}
export RIE_CPUS=${RIE_CPUS:-0} RIE_RELAY=0
make -C "$ROOT" --no-print-directory all >/dev/null || exit 1
WORK=$(mktemp -d /tmp/jvmsnap-bench-coldstart.XXXXXX)
SERVER_DIR=$WORK
RIE_WORK=$WORK
. "$ROOT/tests/lambda/rie.sh"
trap 'rie_stop; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
[ -x "$RIE_BIN" ] || { echo "missing $RIE_BIN: run make test-deps" >&2; exit 1; }
mvn -o -q -B -f "$ROOT/tests/lambda/ric/pom.xml" -DbuildDir="$WORK/probe" package \
	"org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN:build-classpath" \
	-Dmdep.outputFile="$WORK/probe/cp.txt" >"$WORK/mvn.out" 2>&1 || { cat "$WORK/mvn.out"; exit 1; }
rie_setup "$WORK/probe/probe.jar:$(cat "$WORK/probe/cp.txt")"
printf 'mark 1\n' >"$WORK/event"

echo "run mode init_ms first_invoke_ms end_to_end_ms"
for r in $(seq "$RUNS"); do
	order="agent plain"
	[ $((r % 2)) = 0 ] && order="plain agent"
	for mode in $order; do
		d=$WORK/$r-$mode
		rie_start "$d" "$mode"
		t0=$(date +%s%6N)
		rie_invoke "$d" cold "$WORK/event"
		t1=$(date +%s%6N)
		rie_stop
		init=$(sed -n 's/.*INIT REPORT(durationMs: \([0-9.]*\)).*/\1/p' "$d/rie.log" | head -n 1)
		inv=$(sed -n 's/.*INVOKE RTDONE(status: success.*duration: \([0-9.]*\)ms).*/\1/p' "$d/rie.log" | head -n 1)
		echo "$r $mode ${init:-?} ${inv:-?} $(((t1 - t0) / 1000))"
	done
done | tee "$WORK/runs"
python3 - "$WORK/runs" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l[0].isdigit()]
def med(mode, col):
    v = [float(r[col]) for r in rows if r[1] == mode and r[col] != "?"]
    return statistics.median(v) if v else float("nan"), len(v)
print()
print("| mode | runs | init (ms, RIE's INIT REPORT) | first invocation (ms, INVOKE RTDONE) | invoke request to answer (ms) |")
print("|---|---|---|---|---|")
m = {}
for mode in ("plain", "agent"):
    m[mode] = [med(mode, c)[0] for c in (2, 3, 4)]
    print(f"| {mode} | {med(mode, 2)[1]} | " + " | ".join(f"{x:.1f}" for x in m[mode]) + " |")
print("| agent - plain | | " + " | ".join(f"{a - p:+.1f}" for a, p in zip(m["agent"], m["plain"])) + " |")
PY
