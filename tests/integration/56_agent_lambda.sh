#!/usr/bin/env bash
# The agent as a Lambda function's runtime would carry it: a Runtime API emulator on
# loopback, a Java runtime loop, the agent enabled through environment variables only,
# uploads to a real S3-compatible server. One snapshot for init, one per invocation, each
# uploaded before the next event is handed out, and no latency added to responses.
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
work_area lambda
needs "bash scripts/deps.sh --test" "$S3RVER" node curl python3

mkdir -p "$WORK/api" "$WORK/snaps" "$WORK/task"
start_runtime_api "$WORK/api"
start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT

deadline=$(($(date +%s%3N) + 60000))
N=5
for i in $(seq $N); do
	kind=plain
	[ "$i" = 3 ] && kind=special
	curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$deadline" -d "{\"n\":$i,\"kind\":\"$kind\"}" >/dev/null
done

(cd "$WORK/task" && env -u AWS_SESSION_TOKEN JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
	AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.Handler::handleRequest \
	LAMBDA_TASK_ROOT="$WORK/task" AWS_LAMBDA_FUNCTION_NAME=orders AWS_LAMBDA_FUNCTION_VERSION=7 \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/snaps/" IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_LAMBDA_BUDGET=10s \
	IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime $N 300 >"$WORK/stdout" 2>"$WORK/stderr")
rc=$?
check "runtime exits 0 after $N invocations (rc $rc)" test "$rc" = 0
proxied=$(sed -n 's/^runtime-api //p' "$WORK/stdout")
check "the runtime talks to our proxy ($proxied), not straight to the API" \
	sh -c "echo '$proxied' | grep -Eq '^127\.0\.0\.1:[0-9]+$' && [ '$proxied' != '127.0.0.1:$API_PORT' ]"
check "all $N responses reached the Runtime API with status 202" test "$(grep -c 'status 202' "$WORK/stdout")" = $N
curl -sf "http://127.0.0.1:$API_PORT/_test/log" >"$WORK/log.json"
check "the API got each response under its request id" python3 - "$WORK/log.json" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
posts = [r["url"] for r in log if r["method"] == "POST" and r["url"].endswith("/response")]
sys.exit(posts != [f"/2018-06-01/runtime/invocation/req-{i}/response" for i in range(1, 6)])
PY
slowest=$(awk '/^posted/ {if ($6 > m) m = $6} END {print m + 0}' "$WORK/stdout")
echo "measure: slowest response post ${slowest} ms"
# No latency added to responses, checked as an order rather than a time (a loaded machine
# must not fail it): each response reached the API before its invocation's zip was written,
# so the snapshot work never sat between the handler and the API.
check "no latency added to responses: each reached the API before its own zip was written" python3 - "$WORK/log.json" "$WORK/snaps" $N <<'PY'
import glob, json, os, sys, zipfile
log, snaps, n = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
got = {r["url"].split("/")[-2]: r["t_body_us"] for r in log
       if r["method"] == "POST" and r["url"].endswith("/response")}
written = {}
for z in glob.glob(os.path.join(snaps, "*.zip")):
    meta = zipfile.ZipFile(z).read("metadata.json").decode()
    for i in range(1, n + 1):
        if f'"request_id": "req-{i}"' in meta:
            written[f"req-{i}"] = os.stat(z).st_mtime_ns // 1000
# A file's mtime comes from the kernel's coarse clock, up to one tick (4 ms at 250 Hz, 10 ms at
# 100 Hz) behind: 10 ms of slack. Load only widens the real gap, in the direction that passes;
# a held response would follow the zip's write and its upload to S3.
bad = [k for k in got if k not in written or got[k] >= written[k] + 10_000]
print("response µs before zip µs:", {k: (got[k], written.get(k)) for k in sorted(got)})
sys.exit(1 if bad or len(got) != n else 0)
PY

# Local zips: init + one per invocation, each described by metadata.json.
init_zip=$(ls "$WORK"/snaps/*_init.zip 2>/dev/null | head -n 1)
check "an init snapshot, marked _init" test -n "$init_zip"
check "$((N + 1)) zips in all" test "$(ls "$WORK"/snaps/*.zip 2>/dev/null | wc -l)" = $((N + 1))
# NpsCheck's --has answers from the whole call tree (the summary lists only the hottest
# methods, so a method missing from it may still be in the snapshot).
F=FakeLambdaRuntime
for z in "$WORK"/snaps/*.zip; do
	unzip -p "$z" metadata.json >"$z.json" 2>/dev/null
	nps_check --has $F.initWork --has $F.handleRequest --has $F.onlyInSpecialInvocation "$z" >"$z.summary" 2>&1
	check "$(basename "$z"): loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
done
in_tree() { grep -qP "^has $2\tyes\t" "$1"; }     # in_tree SUMMARY METHOD
not_in_tree() { grep -qP "^has $2\tno\t" "$1"; } # ... answered, and absent
check "init window: metadata says init" grep -q '"window": "init"' "$init_zip.json"
check "init window: initWork is in its tree" in_tree "$init_zip.summary" $F.initWork
check "init window: handleRequest is not (no event was handled yet)" not_in_tree "$init_zip.summary" $F.handleRequest
for i in $(seq $N); do
	j=$(grep -l "\"request_id\": \"req-$i\"" "$WORK"/snaps/*.json | head -n 1)
	check "req-$i: its own snapshot, window=invocation, function orders version 7" \
		sh -c "[ -n '$j' ] && grep -q '\"window\": \"invocation\"' '$j' && grep -q '\"function_name\": \"orders\"' '$j' && grep -q '\"function_version\": \"7\"' '$j'"
	[ -n "$j" ] || continue
	dur=$(sed -n 's/.*"duration_ms": \([0-9]*\).*/\1/p' "$j")
	# At least the handler's sleep; where it ends depends on the load, but never inside the
	# next invocation's window (checked after the loop).
	check "req-$i: window covers the invocation (${dur} ms for a 300 ms handler)" test "${dur:-0}" -ge 280
	sum=${j%.json}.summary
	check "req-$i: handleRequest is in its tree" in_tree "$sum" $F.handleRequest
	check "req-$i: initWork is nowhere in its tree" not_in_tree "$sum" $F.initWork
	if [ "$i" = 3 ]; then
		check "req-3: the method only invocation 3 runs is in its tree" in_tree "$sum" $F.onlyInSpecialInvocation
	else
		check "req-$i: the method only invocation 3 runs is nowhere in its tree" not_in_tree "$sum" $F.onlyInSpecialInvocation
	fi
	# The CSV's first and last columns are taken at the window's ends; AbsoluteTime (ns) is
	# System.nanoTime() at each column, the clock the handler printed.
	unzip -p "${j%.json}" '*_stat.csv' >"$j.csv" 2>/dev/null
	read -r hs he < <(awk -v id="req-$i" '$1 == "handler" && $2 == id {print $4, $6}' "$WORK/stdout")
	check "req-$i: stats begin/end columns bracket the handler (${hs:-?}..${he:-?} ns)" awk -F, -v hs="${hs:-0}" -v he="${he:-0}" '
		$1 == "AbsoluteTime (ns)" {found = 1; ok = ($2 <= hs + 0 && $NF >= he + 0)}
		END {exit !(found && ok && hs > 0)}' "$j.csv"
done
windows=$(for i in $(seq $N); do
	j=$(grep -l "\"request_id\": \"req-$i\"" "$WORK"/snaps/*.json | head -n 1)
	[ -n "$j" ] && sed -n 's/.*"window_\(start\|end\)_ms": \([0-9]*\).*/\2/p' "$j" | tr '\n' ' '
done)
check "the invocation windows do not overlap, in order ($windows)" \
	awk -v w="$windows" 'BEGIN {n = split(w, t, " "); if (n != 2 * '"$N"') exit 1; for (i = 2; i <= n; i++) if (t[i] < t[i - 1]) exit 1}'

# S3: one object per invocation, stored before the next event was handed out.
for i in $(seq $N); do
	obj=$(find "$WORK/data/snaps" -name "*_req-$i.zip._S3rver_object" | head -n 1)
	check "req-$i uploaded as jvmsnap/orders/<date>/<prefix>_req-$i.zip" \
		sh -c "echo '$obj' | grep -Eq '/snaps/jvmsnap/orders/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9_]+_req-$i\.zip\._S3rver_object$'"
	eval "obj_$i=\$obj"
done
check "each of the $N responses reached the API before its upload, and each upload before the next GET next" \
	python3 - "$WORK/log.json" "$obj_1" "$obj_2" "$obj_3" "$obj_4" "$obj_5" <<'PY'
import json, os, sys
log = json.load(open(sys.argv[1]))
nexts = [r["t_received_us"] for r in log if r["method"] == "GET" and r["url"].endswith("/next")]
posts = [r["t_received_us"] for r in log if r["method"] == "POST" and r["url"].endswith("/response")]
stored = [os.stat(p).st_mtime_ns // 1000 for p in sys.argv[2:]]
# nexts[k] fetched req-(k+1); nexts[k+1] may only come after req-(k+1)'s upload. The last
# invocation has no next GET (the runtime exits), but its response still comes first.
ok = len(nexts) >= 5 and len(posts) == 5 and len(stored) == 5
ok = ok and all(posts[k] <= stored[k] for k in range(5))
ok = ok and all(stored[k] <= nexts[k + 1] for k in range(4))
sys.exit(not ok)
PY
# metadata.json: the agent's version, the JVM's name, and a window inside its invocation:
# it opens after the API got the GET next that handed the event out, and closes after the
# API got the response (the proxy forwards it first) but before the runtime's next GET
# (for the last invocation: before its upload was stored). The emulator's clock is Node's,
# so allow 5 ms between the two clocks.
version=$(sed -n 's/^#define JVMSNAP_VERSION "\(.*\)"/\1/p' "$ROOT/jvmagent/version.h")
vm=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vm.name = //p')
for i in $(seq $N); do
	j=$(grep -l "\"request_id\": \"req-$i\"" "$WORK"/snaps/*.json | head -n 1)
	eval "obj=\$obj_$i"
	check "req-$i: metadata.json has agent_version $version, jvm_name '$vm', a window inside the invocation" \
		python3 - "$WORK/log.json" "${j:-/nonexistent}" "$i" "$version" "$vm" "${obj:-/nonexistent}" <<'PY'
import json, os, sys
from datetime import datetime, timezone
log = json.load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))
k = int(sys.argv[3]) - 1
nexts = [r["t_received_us"] / 1000 for r in log if r["method"] == "GET" and r["url"].endswith("/next")]
posts = [r["t_received_us"] / 1000 for r in log if r["method"] == "POST" and r["url"].endswith("/response")]
start, end = m["window_start_ms"], m["window_end_ms"]
ok = m["agent_version"] == sys.argv[4] and m["jvm_name"] == sys.argv[5] and sys.argv[5] != ""
iso = lambda t: round(datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)
ok = ok and iso(m["window_start"]) == start and iso(m["window_end"]) == end
ok = ok and start < end and end - start == m["duration_ms"]
after = nexts[k + 1] if k + 1 < len(nexts) else os.stat(sys.argv[6]).st_mtime_ns / 1e6
ok = ok and nexts[k] - 5 <= start and posts[k] - 5 <= end <= after + 5
if not ok:
    print(m, nexts[k], posts[k], after)
sys.exit(not ok)
PY
done
check "no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$WORK/stderr'"

# The proxy cannot start (here: an upstream address longer than any real one): the agent
# leaves AWS_LAMBDA_RUNTIME_API alone, says so once, and profiles the whole run instead.
long=127.0.0.1:$(printf '9%.0s' $(seq 300))
mkdir -p "$WORK/noproxy"
(cd "$WORK/noproxy" && env JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
	AWS_LAMBDA_RUNTIME_API="$long" _HANDLER=example.Handler LAMBDA_TASK_ROOT="$WORK/noproxy" \
	AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/noproxy/" \
	timeout 60 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime 1 50 >"$WORK/noproxy/stdout" 2>"$WORK/noproxy/stderr")
check "proxy cannot start: the runtime sees AWS_LAMBDA_RUNTIME_API unchanged" grep -qF "runtime-api $long" "$WORK/noproxy/stdout"
check "proxy cannot start: one warning" test "$(grep -c 'jvmsnap: warning: cannot start the Runtime API proxy' "$WORK/noproxy/stderr")" = 1
check "proxy cannot start: a whole-run snapshot instead" sh -c "ls '$WORK'/noproxy/*.zip >/dev/null 2>&1 && ! ls '$WORK'/noproxy/*_init.zip >/dev/null 2>&1"

# An external extension's JVM inherits JAVA_TOOL_OPTIONS and the variables, but Lambda hides
# _HANDLER and LAMBDA_TASK_ROOT from it: the agent must stay inert there.
mkdir -p "$WORK/ext"
(cd "$WORK/ext" && env -u _HANDLER -u LAMBDA_TASK_ROOT JAVA_TOOL_OPTIONS="-agentpath:$AGENT" \
	IOPIPE_PROFILER_ENABLED=true AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" \
	AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/ext/" \
	"$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" NativeThreads >"$WORK/ext/stdout" 2>"$WORK/ext/stderr")
check "extension JVM: runs" grep -q '^native-thread' "$WORK/ext/stdout"
check "extension JVM: no sampler thread, no zip, no output" \
	sh -c "! grep -q jvmsnap '$WORK/ext/stdout' && ! ls '$WORK'/ext/*.zip >/dev/null 2>&1 && ! grep -q 'jvmsnap:' '$WORK/ext/stderr'"
finish
