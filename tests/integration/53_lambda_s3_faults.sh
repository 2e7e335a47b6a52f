#!/usr/bin/env bash
# Failing fast (issue 12): whatever S3 does, a Lambda function pays a small, fixed price and
# what cannot be uploaded is kept within limits and said once. Each fault is a small server
# on 127.0.0.1 (tests/s3/fake_servers.js) in front of a Lambda runtime under the agent
# (tests/lambda/runtime_api.js, FakeLambdaRuntime): 20 invocations of 20 ms each, two
# cases side by side. Per case: every response reaches the API, the PUTs stay within
# 20 + the retries allowed, the zips left in /tmp within the queue's caps, at most 3
# warning lines, and each snapshot (init + 20) is stored, still waiting in /tmp, or named
# in a drop line: none lost silently. After "503 x3, then 200" every snapshot is in the
# store, byte for byte its local copy; with IOPIPE_PROFILER_QUEUE_MAX=4 (403), 4 zips wait
# and the 17 others are named as deleted; with IOPIPE_PROFILER_UPLOAD_TRIES=2 a zip whose
# retry failed twice is deleted with its summary. No time is asserted: bench/lambda_faults.sh
# measures the delays and holds (docs/reliability.md).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/s3/fault_checks.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
FAKE=$ROOT/tests/s3/fake_servers.js
WORK=$(mktemp -d /tmp/jvmsnap-faults.XXXXXX)
SERVER_DIR=$WORK
TAG=ff$$
N=20
cleanup() {
	stop_servers
	rm -f /tmp/${TAG}_*.zip /tmp/${TAG}_*.zip.pending-* /tmp/${TAG}_*.json /tmp/${TAG}_*.json.pending-*
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
for need in "$S3RVER" node curl python3; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (bash scripts/deps.sh --test)"; finish; exit 1; }
done
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { not_ok "python3-boto3 is missing (bash scripts/deps.sh --test)"; finish; exit 1; }

start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT
declare -A ENDPOINT
start_server blackhole node "$FAKE" hang "$WORK/blackhole.log" && ENDPOINT[blackhole]=$PORT
start_server reset node "$FAKE" reset "$WORK/reset.log" && ENDPOINT[reset]=$PORT
start_server denied node "$FAKE" capture "$WORK/denied.log" 403:AccessDenied && ENDPOINT[denied]=$PORT
start_server kept node "$FAKE" capture "$WORK/kept.log" 403:AccessDenied && ENDPOINT[kept]=$PORT
start_server capped node "$FAKE" capture "$WORK/capped.log" 403:AccessDenied && ENDPOINT[capped]=$PORT
# tries: req-1's zip and summary stored, then the init zip's retry fails (500, 3 attempts);
# req-2's stored, the init zip's second retry fails alike; everything after is stored.
F500=500:InternalError,500:InternalError,500:InternalError
start_server tries node "$FAKE" capture "$WORK/tries.log" "200,200,$F500,200,200,$F500,200" && ENDPOINT[tries]=$PORT
start_server heals node "$FAKE" flaky "$WORK/heals.log" "$S3_PORT" && ENDPOINT[heals]=$PORT
start_server slow node "$FAKE" slow "$WORK/slow.log" && ENDPOINT[slow]=$PORT
start_server s503 node "$FAKE" failfirst "$WORK/s503.log" "$S3_PORT" 3 && ENDPOINT[s503]=$PORT
# nothing listening: a port the kernel handed out and that was closed again
ENDPOINT[refused]=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CASES="blackhole reset denied slow refused s503 kept heals capped tries"
# The queue's cap in zips: the default, and a smaller one set (capped: 403 on every PUT).
declare -A CAP=([capped]=4)
for c in $CASES; do
	check "$c: server on 127.0.0.1:${ENDPOINT[$c]:-?}" test -n "${ENDPOINT[$c]:-}" -a -n "$S3_PORT"
done

declare -A API
for c in $CASES; do
	start_runtime_api "$WORK/$c/api"
	API[$c]=$API_PORT
	for i in $(seq $N); do
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$(($(date +%s%3N) + 600000))" \
			-d '{"kind":"plain"}' >/dev/null
	done
done

# run_case CASE: the runtime under the agent, S3 at the case's server. Zips go to /tmp as on
# Lambda, under a name of this run; the 503 case keeps local copies to compare with the
# store. The 503 and 403 cases get a roomy budget, so a loaded machine cannot turn their
# answers into timeouts (the others show the default 250 ms at work).
run_case() {
	local c=$1 extra=()
	mkdir -p "$WORK/$c/task" "$WORK/$c/snaps"
	case $c in
	s503) extra=(IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/$c/snaps/" IOPIPE_PROFILER_LAMBDA_BUDGET=3s) ;;
	kept) extra=(IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/$c/snaps/") ;;
	heals) extra=(IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${TAG}_$c" IOPIPE_PROFILER_LAMBDA_BUDGET=3s) ;;
	denied) extra=(IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${TAG}_$c" IOPIPE_PROFILER_LAMBDA_BUDGET=3s) ;;
	capped) extra=(IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${TAG}_$c" IOPIPE_PROFILER_QUEUE_MAX=4) ;;
	tries) extra=(IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${TAG}_$c" IOPIPE_PROFILER_UPLOAD_TRIES=2 IOPIPE_PROFILER_LAMBDA_BUDGET=5s) ;;
	*) extra=(IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${TAG}_$c") ;;
	esac
	(cd "$WORK/$c/task" && exec env -u AWS_CA_BUNDLE -u IOPIPE_PROFILER_LOCAL_DUMP_PATH -u AWS_SESSION_TOKEN \
		JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true "${extra[@]}" \
		AWS_LAMBDA_RUNTIME_API="127.0.0.1:${API[$c]}" _HANDLER=example.Handler::handleRequest \
		LAMBDA_TASK_ROOT="$WORK/$c/task" AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_S3_BUCKET=snaps \
		IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:${ENDPOINT[$c]}" AWS_ACCESS_KEY_ID=S3RVER \
		AWS_SECRET_ACCESS_KEY=fault-secret-value \
		timeout 300 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime $N "${WORK_MS[$c]:-20}" >"$WORK/$c/stdout" 2>"$WORK/$c/stderr")
	echo $? >"$WORK/$c/rc"
}
# heals: S3 answers 500 until the breaker has opened, then comes back (flaky's heal); its
# invocations last 100 ms so that the probe, 1 s later, comes while they run.
declare -A WORK_MS=([heals]=100)
(for _ in $(seq 1200); do
	grep -q 'S3 uploads paused' "$WORK/heals/stderr" 2>/dev/null && exec curl -sf -X POST "http://127.0.0.1:${ENDPOINT[heals]}/_test/heal" >/dev/null
	sleep 0.1
done) &
HEALER=$!
# Two at a time: six JVMs at once on a small machine would turn every fault into a timeout.
set -- $CASES
while [ $# -gt 0 ]; do
	run_case "$1" &
	a=$!
	[ $# -gt 1 ] && run_case "$2"
	wait "$a"
	shift $(($# > 1 ? 2 : 1))
done

# summary_puts LOG: the PUTs of the zips' summaries (one small JSON object behind each
# stored zip, docs/fleet.md) in a fake server's request log (zip_puts: fault_checks.sh).
summary_puts() { grep '"method":"PUT"' "$1" 2>/dev/null | grep -c '[.]json"'; }

# accounted CASE: every window (init, req-1..N) stored (an upload's info line), still on disk
# (a zip in /tmp or in the user's directory whose metadata.json names it), or named in a drop line.
accounted() {
	local c=$1
	/usr/bin/python3 - "$WORK/$c" "/tmp/${TAG}_$c" "$N" <<'PY'
import glob, json, re, sys, zipfile
d, stem, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = {"init"} | {f"req-{i}" for i in range(1, n + 1)}
def window_of(key):
    m = re.search(r"_(init)_p\d+_w0_[0-9a-f]{8}\.zip$|_(req-\d+)\.zip$", key)
    return m and (m.group(1) or m.group(2))
err = open(d + "/stderr").read().splitlines()
stored = {window_of(m.group(1)) for l in err if (m := re.match(r"jvmsnap: info: s3://snaps/(\S+) \(", l))}
dropped = {window_of(m.group(1)) for l in err
           if (m := re.match(r"jvmsnap: info: (?:deleted \S+ without uploading it to|no longer retrying) s3://snaps/(\S+?):? ", l))}
waiting = set()
for z in glob.glob(stem + ".zip") + glob.glob(stem + "_init.zip") + glob.glob(stem + "*.zip.pending-*") + glob.glob(d + "/snaps/*.zip"):
    meta = json.loads(zipfile.ZipFile(z).read("metadata.json"))
    waiting.add("init" if meta["window"] == "init" else meta["request_id"])
lost = want - stored - dropped - waiting
print(f"stored {len(stored & want)}, waiting {len(waiting)}, dropped {len(dropped)}, lost {sorted(lost)}")
sys.exit(1 if lost else 0)
PY
}

for c in $CASES; do
	err=$WORK/$c/stderr
	check "$c: runtime exits 0 after $N invocations (rc $(cat "$WORK/$c/rc"))" test "$(cat "$WORK/$c/rc")" = 0
	check "$c: all $N responses reached the Runtime API with status 202" test "$(grep -c 'status 202' "$WORK/$c/stdout")" = $N
	puts=$(zip_puts "$WORK/$c.log")
	# 21 snapshots; before the breaker opens, 2 failed uploads of 3 attempts: 4 retries
	# (the 503 case: 3 refused, then one per snapshot, and retries)
	check "$c: zip PUTs within $N + 1 (init) + 3 + 4 retries (${puts:-0})" test "${puts:-0}" -le $((N + 8))
	sputs=$(summary_puts "$WORK/$c.log")
	check "$c: summary PUTs no more than zip PUTs (${sputs:-0} <= ${puts:-0})" test "${sputs:-0}" -le "${puts:-0}"
	warnings=$(grep -c '^jvmsnap: warning' "$err")
	check "$c: at most 3 warning lines ($warnings)" test "$warnings" -le 3
	summary=$(accounted "$c")
	lost_rc=$?
	check "$c: no snapshot lost silently ($summary)" test "$lost_rc" = 0
	check "$c: no secret key or signature in the log" sh -c "! grep -Eq 'fault-secret-value|Signature=|Credential=' '$err'"
	case $c in s503 | kept | heals | tries) continue ;; esac
	check "$c: the breaker opened once: one 'S3 uploads paused' line" test "$(grep -c 'S3 uploads paused' "$err")" = 1
	n_zips=$(ls /tmp/${TAG}_$c*.zip* 2>/dev/null | wc -l)
	bytes=$(cat /tmp/${TAG}_$c*.zip* 2>/dev/null | wc -c)
	cap=${CAP[$c]:-16}
	check "$c: zips left in /tmp within the caps ($n_zips <= $cap, $bytes bytes <= 32 MB)" \
		test "$n_zips" -ge 1 -a "$n_zips" -le "$cap" -a "$bytes" -le $((32 << 20))
	# The summaries waiting beside the zips ride with them: they are not counted as zips.
	check "$c: the queue holds its cap of $cap zips, their summaries not counted ($n_zips)" test "$n_zips" = "$cap"
	deleted=$(grep -c '^jvmsnap: info: deleted' "$err")
	check "$c: each zip not left in /tmp was deleted and named in one line ($deleted = $((N + 1)) - $n_zips)" \
		test "$deleted" = $((N + 1 - n_zips))
done
check "denied: 403 is never retried: one PUT per upload, so the probes are single PUTs" \
	test "$(zip_puts "$WORK/denied.log")" -le $((N + 1))
check "capped: each deletion names IOPIPE_PROFILER_QUEUE_MAX's 4" \
	sh -c "[ \"\$(grep -c '^jvmsnap: info: deleted .*: 4 zips already wait for a retry (IOPIPE_PROFILER_QUEUE_MAX)$' '$WORK/capped/stderr')\" = $((N + 1 - 4)) ]"
check "denied: the warning names AccessDenied" grep -q 'failed: AccessDenied.*HTTP 403, 1 attempts.*S3 uploads paused' "$WORK/denied/stderr"

kill "$HEALER" 2>/dev/null; wait "$HEALER" 2>/dev/null
check "heals: the breaker opened once, then one line says uploads resumed, with the counts" \
	sh -c "[ \"\$(grep -c 'S3 uploads paused' '$WORK/heals/stderr')\" = 1 ] && [ \"\$(grep -c '^jvmsnap: warning: S3 uploads resumed after [0-9.]* s paused (server error or throttling (5xx, 429)): [0-9]* snapshots\\? kept meanwhile, [0-9]* dropped$' '$WORK/heals/stderr')\" = 1 ]"
check "heals: uploads go on after it ($(grep -c '^jvmsnap: info: s3://' "$WORK/heals/stderr") stored)" \
	test "$(grep -c '^jvmsnap: info: s3://' "$WORK/heals/stderr")" -ge 3

# IOPIPE_PROFILER_UPLOAD_TRIES=2: the init zip, whose retry failed twice, is deleted and named
# once, its summary with it (never sent alone); every invocation's zip is stored.
check "tries: the init zip deleted once its upload failed 2 times (IOPIPE_PROFILER_UPLOAD_TRIES), named in one line" \
	test "$(grep -Ec '^jvmsnap: info: deleted /tmp/[^ ]*_init[.]zip without uploading it to s3://snaps/[^ ]*_init_[^ ]*[.]zip: its upload failed 2 times [(]IOPIPE_PROFILER_UPLOAD_TRIES[)]$' "$WORK/tries/stderr")" = 1
check "tries: the init zip PUT 6 times (3 attempts at 2 retries), its summary never" \
	sh -c "[ \"\$(grep '\"method\":\"PUT\"' '$WORK/tries.log' | grep -c '_init_[^/]*[.]zip\"')\" = 6 ] && ! grep '\"method\":\"PUT\"' '$WORK/tries.log' | grep -q '_init_[^/]*[.]json\"'"
check "tries: all $N invocation zips stored, none left in /tmp" \
	sh -c "[ \"\$(grep -Ec '^jvmsnap: info: s3://snaps/[^ ]*_req-[0-9]+[.]zip [(]' '$WORK/tries/stderr')\" = $N ] && ! ls /tmp/${TAG}_tries*.zip* >/dev/null 2>&1"

# 403 with IOPIPE_PROFILER_LOCAL_DUMP_PATH: the user's copies leave the queue by the same
# caps, named in a line, but are never deleted.
check "kept: 403 with local copies: all $((N + 1)) zips stay in the user's directory" \
	test "$(ls "$WORK"/kept/snaps/*.zip 2>/dev/null | wc -l)" = $((N + 1))
check "kept: the zips over the caps are named as no longer retried, none deleted ($(grep -c 'no longer retrying' "$WORK/kept/stderr"))" \
	sh -c "[ \"\$(grep -c '^jvmsnap: info: no longer retrying s3://snaps/.*; the zip stays at $WORK/kept/snaps/' '$WORK/kept/stderr')\" -ge $((N + 1 - 16)) ] && ! grep -q '^jvmsnap: info: deleted' '$WORK/kept/stderr'"

# 503 x3 then 200: every snapshot in the store, equal to its local copy.
check "s503: $((N + 1)) local zips" test "$(ls "$WORK"/s503/snaps/*.zip | wc -l)" = $((N + 1))
s503_checks "$WORK/s503/stderr" "$WORK/s503.log" "http://127.0.0.1:$S3_PORT" "$WORK/s503/snaps"
finish
