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
#
# Wall time on a shared machine mostly measures the other users, so each run also reads CPU
# time: once the first invocation is answered and the agent has written its two zips, the
# per-thread CPU clocks of the java process (/proc/PID/task/*/schedstat, ns): the JVM's main
# thread, the JIT compilers, the agent's threads (sampler, the proxy's MHD-*), all threads;
# and, in agent runs, the agent's own debug line at the init window's end (process, main
# thread, agent load, VMInit, agent thread, sampling, statistics start: jvmagent/coldstart.h).
#   bash bench/lambda_coldstart.sh [RUNS]      (default 11 per mode; RIE_CPUS=0 by default)
#   LIBS=layer: the Lambda layer's libraries (BUILD/layer-x86_64, static dependencies, built
#   if missing) instead of the host build's (which load ~35 shared libraries: ~8 ms more).
# The agent writes its snapshots locally (IOPIPE_PROFILER_LOCAL_DUMP_PATH), no S3 upload.
set -uo pipefail
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
RUNS=${1:-11}
export RIE_CPUS=${RIE_CPUS:-0} RIE_RELAY=0
make -C "$ROOT" --no-print-directory all >/dev/null || exit 1
LAYER_LIBS=
if [ "${LIBS:-host}" = layer ]; then
	l=$BUILD/layer-$(uname -m) # make's targets are relative to ROOT
	make -C "$ROOT" --no-print-directory "$l/libjvmsnap.so" "$l/libjvmsnap-agent.so" "$l/libjvmsnap-net.so" \
		>/dev/null || exit 1
	LAYER_LIBS=$ROOT/$l
fi
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
[ -z "$LAYER_LIBS" ] || cp "$LAYER_LIBS"/libjvmsnap*.so "$WORK/opt/lib/"

# cpu_of DIR MODE: "main_ms jit_ms agent_threads_ms all_threads_ms" of the function's JVM
# (the RIE's child), once the agent (if any) has written the init and first zips.
cpu_of() {
	local java t i
	java=$(pgrep -P "${RIE_PIDS[0]}" | head -n 1)
	[ -n "$java" ] || { echo "? ? ? ?"; return; }
	if [ "$2" = agent ]; then
		for i in $(seq 100); do [ "$(ls "$1"/snaps/*.zip 2>/dev/null | wc -l)" -ge 2 ] && break; sleep 0.05; done
	fi
	sleep 0.2
	for t in /proc/"$java"/task/*; do
		printf '%s\t%s\t%s\n' "${t##*/}" "$(cat "$t/comm" 2>/dev/null)" "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
	done >"$1/threads"
	# The main thread: the busiest "java" thread that is not the launcher's first one (which
	# only waits for it); thread ids may wrap, so not simply the second id.
	awk -F'\t' -v pid="$java" '
		$2 == "java" && $1 != pid && $3 > main {main = $3}
		$2 ~ /^C[12] CompilerThre/ {jit += $3}
		$2 ~ /^(jvmsnap|MHD-)/ {agent += $3}
		{all += $3}
		END {printf "%.1f %.1f %.1f %.1f\n", main / 1e6, jit / 1e6, agent / 1e6, all / 1e6}' "$1/threads"
}
printf 'mark 1\n' >"$WORK/event"

echo "run mode init_ms first_invoke_ms end_to_end_ms main_cpu_ms jit_cpu_ms agent_threads_cpu_ms all_threads_cpu_ms"
for r in $(seq "$RUNS"); do
	order="agent plain"
	[ $((r % 2)) = 0 ] && order="plain agent"
	for mode in $order; do
		d=$WORK/$r-$mode
		rie_start "$d" "$mode" IOPIPE_PROFILER_DEBUG=true
		t0=$(date +%s%6N)
		rie_invoke "$d" cold "$WORK/event"
		t1=$(date +%s%6N)
		cpu=$(cpu_of "$d" "$mode")
		rie_stop
		init=$(sed -n 's/.*INIT REPORT(durationMs: \([0-9.]*\)).*/\1/p' "$d/rie.log" | head -n 1)
		inv=$(sed -n 's/.*INVOKE RTDONE(status: success.*duration: \([0-9.]*\)ms).*/\1/p' "$d/rie.log" | head -n 1)
		echo "$r $mode ${init:-?} ${inv:-?} $(((t1 - t0) / 1000)) $cpu"
	done
done | tee "$WORK/runs"
python3 - "$WORK" <<'PY'
import glob, re, statistics, sys
work = sys.argv[1]
rows = [l.split() for l in open(work + "/runs") if l[0].isdigit()]
def med(mode, col):
    v = [float(r[col]) for r in rows if r[1] == mode and len(r) > col and r[col] != "?"]
    return statistics.median(v) if v else float("nan"), len(v)
cols = [(2, "init (ms, RIE's INIT REPORT)"), (3, "first invocation (ms, INVOKE RTDONE)"),
        (4, "invoke request to answer (ms)"), (5, "main thread CPU (ms)"), (6, "JIT CPU (ms)"),
        (7, "agent threads CPU (ms)"), (8, "all live threads CPU (ms)")]
print()
print("| mode | runs | " + " | ".join(c[1] for c in cols) + " |")
print("|---|---|" + "---|" * len(cols))
m = {}
for mode in ("plain", "agent"):
    m[mode] = [med(mode, c)[0] for c, _ in cols]
    print(f"| {mode} | {med(mode, 2)[1]} | " + " | ".join(f"{x:.1f}" for x in m[mode]) + " |")
print("| agent - plain | | " + " | ".join(f"{a - p:+.1f}" for a, p in zip(m["agent"], m["plain"])) + " |")
# The agent's own account at the init window's end (jvmagent/coldstart.c's debug line).
names = ["process", "main thread", "agent load", "VMInit", "agent thread", "sampling", "statistics start",
         "first column", "first column taken at (ms after load)"]
pat = re.compile(r"CPU at init end: process ([0-9.]+) ms, JVM main thread ([0-9.]+) ms \(of which agent load "
                 r"([0-9.]+) ms, VMInit ([0-9.]+) ms\); agent thread ([0-9.]+) ms \(sampling ([0-9.]+) ms\); "
                 r"statistics start ([0-9.]+) ms(?: .*first column ([0-9.]+) ms, taken ([0-9.]+) ms)?")
got = []
for log in glob.glob(work + "/*-agent/rie.log"):
    for line in open(log, errors="replace"):
        x = pat.search(line)
        if x:
            got.append([float(v) if v else float("nan") for v in x.groups()])
if got:
    print()
    print(f"agent's CPU at the init window's end, medians of {len(got)} runs (ms; the agent thread's figure includes sampling and the first column):")
    print("| " + " | ".join(names) + " |")
    print("|" + "---|" * len(names))
    def mid(i):
        v = [g[i] for g in got if g[i] == g[i]]
        return f"{statistics.median(v):.1f}" if v else "-"
    print("| " + " | ".join(mid(i) for i in range(len(names))) + " |")
PY
