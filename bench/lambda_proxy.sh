#!/usr/bin/env bash
# Lambda proxy costs (issue 5): (1) the latency the Runtime API proxy adds to a Runtime API
# round trip on loopback, (2) with the real agent, how long the next GET .../next is held
# after a response while the invocation's snapshot is finished. Prints numbers, asserts nothing.
#   bash bench/lambda_proxy.sh [ROUNDS]     (default 2000 round trips)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
ROUNDS=${1:-2000}
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
make -C "$ROOT" --no-print-directory all java-tests "$BUILD/tests/lambdaproxy_drive" >/dev/null
WORK=$(mktemp -d /tmp/jvmsnap-bench-lambda.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

emulator() { # emulator DIR: starts one (in this shell, so the trap stops it), sets PORT
	mkdir -p "$1"
	node "$ROOT/tests/lambda/runtime_api.js" "$1" >"$1.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do [ -s "$1/port" ] && break; sleep 0.1; done
	PORT=$(cat "$1/port")
}

# (1) round trips: GET next + POST response, direct and through the proxy, interleaved in
# blocks of 100 so machine drift hits both alike.
emulator "$WORK/api"
API=$PORT
"$ROOT/$BUILD/tests/lambdaproxy_drive" "127.0.0.1:$API" >"$WORK/drive.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^listen' "$WORK/drive.out" && break; sleep 0.1; done
PROXY=$(sed -n 's/^listen //p' "$WORK/drive.out")
/usr/bin/python3 - "$API" "$PROXY" "$ROUNDS" <<'PY'
import http.client, statistics, sys, time
api, proxy, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctl = http.client.HTTPConnection("127.0.0.1", int(api))
def queue(n, tag):
    for i in range(n):
        ctl.request("POST", f"/_test/event?id={tag}-{i}&deadline=9999999999999", body=b'{"k":1}')
        ctl.getresponse().read()
def loop(hostport, n, tag):
    host, port = hostport.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port))
    out = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        c.request("GET", "/2018-06-01/runtime/invocation/next")
        r = c.getresponse(); r.read()
        rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
        c.request("POST", f"/2018-06-01/runtime/invocation/{rid}/response", body=b'{"ok":true}')
        c.getresponse().read()
        out.append((time.perf_counter_ns() - t0) / 1000)
    return out
direct, proxied = [], []
for block in range(rounds // 100):
    queue(100, f"d{block}"); direct += loop(f"127.0.0.1:{api}", 100, "d")
    queue(100, f"p{block}"); proxied += loop(proxy, 100, "p")
md, mp = statistics.median(direct), statistics.median(proxied)
q = lambda v: sorted(v)[int(len(v) * 0.99)]
print(f"round trip (GET next + POST response), {len(direct)} each:")
print(f"  direct   median {md:8.1f} us   p99 {q(direct):8.1f} us")
print(f"  proxied  median {mp:8.1f} us   p99 {q(proxied):8.1f} us")
print(f"  added by the proxy: median {mp - md:.1f} us per round trip (two calls), {(mp - md) / 2:.1f} us per call")
PY

# (2) the real agent: gap between a response reaching the API and the next GET next.
gap() { # gap MODE: median ms between a POST response and the following GET next
	local dir=$WORK/$1 port
	emulator "$dir/api"
	port=$PORT
	for i in $(seq 30); do curl -sf -X POST "http://127.0.0.1:$port/_test/event?id=r$i&deadline=9999999999999" -d '{}' >/dev/null; done
	local env_agent=()
	[ "$1" = agent ] && env_agent=(JAVA_TOOL_OPTIONS="-agentpath:$ROOT/$BUILD/libjvmsnap.so" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/")
	mkdir -p "$dir/task"
	(cd "$dir/task" && env "${env_agent[@]}" AWS_LAMBDA_RUNTIME_API="127.0.0.1:$port" _HANDLER=h LAMBDA_TASK_ROOT="$dir/task" \
		"$JAVA_HOME/bin/java" -cp "$ROOT/$BUILD/tests/java" FakeLambdaRuntime 30 50 >/dev/null 2>&1)
	curl -sf "http://127.0.0.1:$port/_test/log" >"$dir/log.json"
	/usr/bin/python3 - "$dir/log.json" >"$dir/gap" <<'PY'
import json, statistics, sys
log = json.load(open(sys.argv[1]))
ev = sorted((r["t_received_us"], r["method"], r["url"]) for r in log if not r["url"].startswith("/_test"))
gaps = [(b[0] - a[0]) / 1000 for a, b in zip(ev, ev[1:]) if a[2].endswith("/response") and b[2].endswith("/next")]
print(f"{statistics.median(gaps):.2f} {max(gaps):.2f}")
PY
}
gap plain
read -r base_med base_max <"$WORK/plain/gap"
gap agent
read -r agent_med agent_max <"$WORK/agent/gap"
echo "response -> next GET next reaching the API (30 invocations of 50 ms, snapshot written locally):"
echo "  without agent: median ${base_med} ms, max ${base_max} ms"
echo "  with agent:    median ${agent_med} ms, max ${agent_max} ms (the next event is held while the snapshot is finished)"
