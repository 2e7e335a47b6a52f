#!/usr/bin/env bash
# What a failing S3 costs a Lambda function (issue 12): the Runtime API emulator
# (tests/lambda/runtime_api.js) drives FakeLambdaRuntime, 20 invocations of 20 ms, without
# the agent, with the agent and a healthy S3 (s3rver), and with the agent against each fault
# server of tests/s3/fake_servers.js. Prints per case (median over REPS runs):
#   first  time from the JVM's launch until the first event leaves the emulator
#   +agent that minus the same without the agent
#   gap    response reaching the API -> the next GET next reaching it, p50 and max (what
#          the function sees; the runtime's own gap included: see the no-agent row)
#   hold   how long the proxy held each GET next (its debug line), p50 and max; the first
#          one (the cold start's) apart
#   open   p50 and max hold while the breaker was open (between a "paused" and a "resumed"
#          line), probes apart: probes per run and the longest hold a probe caused
#   zip PUTs, zips left in /tmp (summaries not counted), warning lines (of the last run)
# Asserts nothing. At one vCPU: taskset -c 0 bash bench/lambda_faults.sh
#   bash bench/lambda_faults.sh [REPS]     (default 3)
#   CASES="no-agent healthy" bash bench/lambda_faults.sh    (a subset; keep no-agent for +agent)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
REPS=${1:-3}
N=20
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
make -C "$ROOT" --no-print-directory all java-tests >/dev/null
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
FAKE=$ROOT/tests/s3/fake_servers.js
[ -x "$S3RVER" ] || { echo "s3rver missing: bash scripts/deps.sh --test" >&2; exit 1; }
WORK=$(mktemp -d /tmp/jvmsnap-bench-faults.XXXXXX)
TAG=bf$$
PIDS=()
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }
trap 'stop_all; rm -f /tmp/${TAG}_*; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

server() { # server NAME CMD...: starts it, sets PORT from its "listening on" line
	"${@:2}" >"$WORK/$1.out" 2>&1 &
	PIDS+=($!)
	PORT=
	for _ in $(seq 100); do
		PORT=$(grep -Eo 'listening on ([0-9.]+:)?[0-9]+' "$WORK/$1.out" | grep -Eo '[0-9]+$' || true)
		[ -n "$PORT" ] && return 0
		sleep 0.1
	done
	echo "server $1 did not start" >&2
	exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT

# run CASE REP: one runtime; the emulator's log goes to $WORK/CASE-REP.json
run() {
	local c=$1 d=$WORK/$1-$2 endpoint="" extra=() agent=(JAVA_TOOL_OPTIONS="-agentpath:$ROOT/$BUILD/libjvmsnap.so" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_DEBUG=true)
	mkdir -p "$d/api" "$d/task"
	local keep=${#PIDS[@]}
	case $c in
	no-agent) agent=() ;;
	healthy) endpoint=$S3_PORT ;;
	blackhole) server "$c" node "$FAKE" hang "$d/puts.log" && endpoint=$PORT ;;
	reset) server "$c" node "$FAKE" reset "$d/puts.log" && endpoint=$PORT ;;
	denied-403) server "$c" node "$FAKE" capture "$d/puts.log" 403:AccessDenied && endpoint=$PORT ;;
	503x3) server "$c" node "$FAKE" failfirst "$d/puts.log" "$S3_PORT" 3 && endpoint=$PORT ;;
	slow-1KBps) server "$c" node "$FAKE" slow "$d/puts.log" && endpoint=$PORT ;;
	refused) endpoint=$(free_port) ;;
	esac
	[ -n "$endpoint" ] && extra=(IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$endpoint")
	node "$ROOT/tests/lambda/runtime_api.js" "$d/api" >"$d/api.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do [ -s "$d/api/port" ] && break; sleep 0.1; done
	local api
	api=$(cat "$d/api/port")
	for i in $(seq $N); do
		curl -sf -X POST "http://127.0.0.1:$api/_test/event?id=req-$i&deadline=9999999999999" -d '{}' >/dev/null
	done
	date +%s%6N >"$d/launched_us"
	(cd "$d/task" && env -u IOPIPE_PROFILER_LOCAL_DUMP_PATH "${agent[@]}" "${extra[@]}" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${TAG}_$c" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
		AWS_LAMBDA_RUNTIME_API="127.0.0.1:$api" _HANDLER=h LAMBDA_TASK_ROOT="$d/task" AWS_LAMBDA_FUNCTION_NAME=bench \
		"$JAVA_HOME/bin/java" -cp "$ROOT/$BUILD/tests/java" FakeLambdaRuntime $N 20 >"$d/stdout" 2>"$d/stderr")
	curl -sf "http://127.0.0.1:$api/_test/log" >"$d/log.json"
	{ ls /tmp/${TAG}_$c*.zip* 2>/dev/null || true; } | wc -l >"$d/zips" # zips, not their summaries
	rm -f /tmp/${TAG}_$c*
	# stop this run's servers (the s3rver stays)
	for p in "${PIDS[@]:$keep}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	PIDS=("${PIDS[@]:0:$keep}")
}

CASES=${CASES:-"no-agent healthy blackhole reset denied-403 503x3 slow-1KBps refused"}
for rep in $(seq "$REPS"); do
	for c in $CASES; do run "$c" "$rep"; done
done

python3 - "$WORK" "$REPS" "$CASES" <<'PY'
import json, os, re, statistics, sys
work, reps, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def one(d):
    log = json.load(open(f"{d}/log.json"))
    launched = int(open(f"{d}/launched_us").read()) / 1000
    ev = sorted((r["t_received_us"] / 1000, r["method"], r["url"], r.get("t_answered_us", 0) / 1000) for r in log)
    nexts = [e for e in ev if e[2].endswith("/next")]
    first = nexts[0][3] - launched  # the first event handed to the runtime
    gaps = [b[0] - a[0] for a, b in zip(ev, ev[1:]) if a[2].endswith("/response") and b[2].endswith("/next")]
    err = open(f"{d}/stderr").read().splitlines()
    holds, after, probes, opened, probing = [], [], [], False, False
    for l in err:
        if "S3 uploads paused" in l: opened = True
        if "S3 uploads resumed" in l: opened = False
        if "S3 probe: uploading" in l: probing = True
        m = re.match(r"jvmsnap: debug: next event held ([0-9.]+) ms", l)
        if m:
            h = float(m.group(1))
            holds.append(h)
            if probing: probes.append(h)
            elif opened: after.append(h)
            probing = False
    # zip PUTs (each stored zip's summary, a .json, follows it: not counted)
    puts = sum(1 for l in open(f"{d}/puts.log") if '"method":"PUT"' in l and '.zip"' in l) if os.path.exists(f"{d}/puts.log") else None
    warns = sum(1 for l in err if l.startswith("jvmsnap: warning"))
    return first, gaps, holds, after, puts, int(open(f"{d}/zips").read()), warns, probes
rows = {c: [one(f"{work}/{c}-{r}") for r in range(1, reps + 1)] for c in cases}
base = statistics.median(r[0] for r in rows["no-agent"])
f = lambda v: f"{v:.1f}" if v is not None else "-"
med = lambda v: statistics.median(v) if v else None
print(f"{'case':<11} {'first':>6} {'+agent':>6} {'gap p50':>7} {'gap max':>7} {'init':>6} {'hold p50':>8} {'hold max':>8} {'open p50':>8} {'open max':>8} {'probes':>6} {'probe max':>9} {'PUTs':>4} {'zips':>4} {'warn':>4}")
for c in cases:
    rs = rows[c]
    first = statistics.median(r[0] for r in rs)
    gaps = [g for r in rs for g in r[1]]
    init = med([r[2][0] for r in rs if r[2]])
    holds = [h for r in rs for h in r[2][1:]]
    after = [h for r in rs for h in r[3]]
    probes = [h for r in rs for h in r[7]]
    last = rs[-1]
    print(f"{c:<11} {first:6.0f} {first - base:+6.0f} {statistics.median(gaps):7.1f} {max(gaps):7.1f} {f(init):>6} "
          f"{f(med(holds)):>8} {f(max(holds) if holds else None):>8} {f(med(after)):>8} {f(max(after) if after else None):>8} {len(probes) / len(rs):6.1f} {f(max(probes) if probes else None):>9} "
          f"{('-' if last[4] is None else last[4]):>4} {last[5]:>4} {last[6]:>4}")
print(f"ms; {reps} runs per case, medians; PUTs, zips left and warnings of the last run. Load average "
      f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, affinity {len(os.sched_getaffinity(0))} CPU(s)")
PY
