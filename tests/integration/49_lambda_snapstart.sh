#!/usr/bin/env bash
# SnapStart's request sequence, with AWS's Java Runtime Interface Client
# (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start) against the tests' Runtime API emulator (the
# RIE at the pinned version answers GET /runtime/restore/next but never hands out an event
# after it): init, GET /runtime/restore/next (Lambda snapshots the sandbox while it waits),
# then invocations; and a failing restore hook, which the RIC reports with POST
# /runtime/restore/error. With the agent, the init window ends before restore/next reaches
# the API (the time snapshotted is in no window); every call reaches the API as it does
# without the agent. Then what a restored copy does (docs/lambda.md, "SnapStart"): its clock
# jumps, its credentials change, uploads from before the snapshot are not resumed, and the
# init zip was uploaded once, before the snapshot.
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
work_area snapstart
needs "make test-deps" mvn node curl python3
[ -f "$ROOT/tests/s3/node_modules/s3rver/package.json" ] ||
	{ not_ok "prerequisite s3rver is missing (bash scripts/deps.sh --test)"; finish; exit 1; }
mvn -o -q -B -f "$ROOT/tests/lambda/ric/pom.xml" -DbuildDir="$WORK/probe" package \
	"org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN:build-classpath" \
	-Dmdep.outputFile="$WORK/probe/cp.txt" >"$WORK/mvn.out" 2>&1
check "the probe function builds with Maven, offline, against the RIC $RIC_VERSION" test -f "$WORK/probe/probe.jar"
CP=$WORK/probe/probe.jar:$(cat "$WORK/probe/cp.txt" 2>/dev/null)
RIE_WORK=$WORK
. "$ROOT/tests/lambda/rie.sh"
rie_ric_jni "$CP" # the RIC's native client from $WORK, not its fixed /tmp path

# run NAME MODE EVENTS [VAR=VALUE...]: the RIC under snap-start against a fresh emulator
# holding EVENTS `mark N` events; stops the JVM once each has its response (with 0 events:
# once the restore error is in). Leaves the emulator's log in $WORK/NAME/log.json.
run() {
	local name=$1 mode=$2 n=$3 dir=$WORK/$1 i pid
	shift 3
	mkdir -p "$dir/snaps"
	start_runtime_api "$dir/api"
	"${BEFORE_START:-:}" "$dir" # the restore's emulation, where a case sets one up
	local vars=() v
	for v in "$@"; do vars+=("${v//@API_PORT@/$API_PORT}"); done # an address only known now
	local deadline=$(($(date +%s%3N) + 60000))
	for i in $(seq "$n"); do
		printf 'mark %s\n' "$i" | curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$deadline" \
			--data-binary @- >/dev/null
	done
	local agent_env=()
	[ "$mode" = agent ] && agent_env=(JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true)
	(cd "$dir" && exec env -u JAVA_TOOL_OPTIONS "${agent_env[@]}" AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" \
		_HANDLER=probe.Probe::handleRequest LAMBDA_TASK_ROOT="$dir" AWS_LAMBDA_FUNCTION_NAME=snappy \
		AWS_LAMBDA_INITIALIZATION_TYPE=snap-start IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/snaps/" "${vars[@]}" \
		"$JAVA_HOME/bin/java" -XX:+UseSerialGC $RIC_JNI_OPT -cp "$CP" com.amazonaws.services.lambda.runtime.api.client.AWSLambda \
		probe.Probe::handleRequest >"$dir/stdout" 2>"$dir/stderr") &
	pid=$!
	if [ "$n" = 0 ]; then # the restore hook's failure is the last call expected
		serve_until "$pid" api_log_has 1 restore/error
	else
		serve_until "$pid" api_log_has "$n"
	fi
	curl -sf "http://127.0.0.1:$API_PORT/_test/log" >"$dir/log.json"
	python3 - "$dir/log.json" >"$dir/calls" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    h = r["headers"]
    err = [h[i + 1] for i in range(0, len(h), 2) if h[i].lower() == "lambda-runtime-function-error-type"]
    print(r["method"], r["url"], r.get("body_len"), r.get("sha256") if r["method"] == "POST" and "/response" in r["url"] else "", err)
PY
}

run ok-agent agent 2
run ok-plain plain 2
A=$WORK/ok-agent
check "snap-start: the RIC asks GET /runtime/restore/next before its first GET /runtime/invocation/next" python3 - "$A/log.json" <<'PY'
import json, sys
urls = [r["url"] for r in json.load(open(sys.argv[1]))]
r = urls.index("/2018-06-01/runtime/restore/next") if "/2018-06-01/runtime/restore/next" in urls else 99
n = urls.index("/2018-06-01/runtime/invocation/next") if "/2018-06-01/runtime/invocation/next" in urls else -1
sys.exit(not (r < n))
PY
check "snap-start: every call reached the API as without the agent ($(wc -l <"$WORK/ok-plain/calls") calls)" \
	sh -c "test -s '$WORK/ok-plain/calls' && cmp -s '$A/calls' '$WORK/ok-plain/calls'"
init_zip=$(ls "$A"/snaps/*_init*.zip 2>/dev/null | head -n 1)
# The init window ends when GET /runtime/restore/next arrives, so the time Lambda holds the
# sandbox snapshotted is in no window. (Its zip is written then too, before the snapshot:
# the restore cases below check its upload.)
check "snap-start: the init window ends before GET /runtime/restore/next reached the API" \
	python3 - "$A/log.json" "${init_zip:-/nonexistent}" <<'PY'
import json, sys, zipfile
log = json.load(open(sys.argv[1]))
restore = [r["t_received_us"] / 1000 for r in log if r["url"] == "/2018-06-01/runtime/restore/next"]
nexts = [r["t_received_us"] / 1000 for r in log if r["url"] == "/2018-06-01/runtime/invocation/next"]
m = json.loads(zipfile.ZipFile(sys.argv[2]).read("metadata.json"))
# 5 ms: the emulator's clock is Node's (as in 56_agent_lambda.sh)
sys.exit(not (restore and nexts and m["window"] == "init" and m["window_end_ms"] <= restore[0] + 5 < nexts[0] + 5))
PY
for z in "$A"/snaps/*.zip; do
	nps_check --has probe.Probe.initWork --has probe.Probe.mark1 --has probe.Probe.mark2 "$z" >"$z.summary" 2>&1
	check "snap-start: $(basename "$z") loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
done
check "snap-start: the init snapshot holds the init work" grep -qP '^has probe.Probe.initWork\tyes\t' "${init_zip:-/nonexistent}.summary"
for k in 1 2; do
	z=
	for c in "$A"/snaps/*.zip; do unzip -p "$c" metadata.json 2>/dev/null | grep -q "\"request_id\": \"req-$k\"" && z=$c; done
	check "snap-start: req-$k after the restore has its own snapshot with mark$k" \
		grep -qP "^has probe.Probe.mark$k\tyes\t" "${z:-/nonexistent}.summary"
done

run restore-agent agent 0 PROBE_RESTORE_FAIL=1
run restore-plain plain 0 PROBE_RESTORE_FAIL=1
check "restore hook failure: POST /runtime/restore/error reached the API, with its error type" \
	grep -qE "^POST /2018-06-01/runtime/restore/error .*\['[A-Za-z.]+'\]" "$WORK/restore-agent/calls"
check "restore hook failure: every call reached the API as without the agent" \
	sh -c "test -s '$WORK/restore-plain/calls' && cmp -s '$WORK/restore-agent/calls' '$WORK/restore-plain/calls'"

# ---- After the restore (docs/lambda.md, "SnapStart") ---------------------------------------
# The restore, emulated as the process sees it: tests/lambda/clockshift.c keeps the JVM's wall
# clock SHIFT_MS behind until the emulator answers GET /runtime/restore/next, then real (the
# sandbox was snapshotted, then restored 10 minutes later; S3's 15-minute skew check still
# lets the init upload through); the emulator's credentials endpoint serves one key before
# the restore and another after it; s3rver_keys.js accepts both and records who signed what.
CLOCKSHIFT=$ROOT/$BUILD/tests/libclockshift.so
SHIFT_MS=600000
check "the clock shim is built (make java-tests)" test -f "$CLOCKSHIFT"
s3_start() { # s3_start NAME FIRST_PUTS: an s3rver_keys.js of its own; sets S3_PORT and S3_LOG
	mkdir -p "$WORK/$1-data"
	start_server "$1" node "$ROOT/tests/s3/s3rver_keys.js" "$WORK/$1-data" "$WORK/$1.jsonl" snaps "$2" \
		INITKEY:initsecret RESTOREDKEY:restoredsecret
	S3_PORT=$PORT
	S3_LOG=$WORK/$1.jsonl
}
s3_start s3 -
expires=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
restore_setup() { # the emulator's side of the restore, for the run in $1
	python3 -c "import struct,sys; open(sys.argv[1],'wb').write(struct.pack('<q', -$SHIFT_MS))" "$1/clock"
	curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/restore?clock_file=$1/clock&shift_ms=0" >/dev/null
	printf '{"AccessKeyId":"INITKEY","SecretAccessKey":"initsecret","Token":"init-session","Expiration":"%s"}' "$expires" |
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/credentials?phase=init&token=tok-1" --data-binary @- >/dev/null
	printf '{"AccessKeyId":"RESTOREDKEY","SecretAccessKey":"restoredsecret","Token":"restored-session","Expiration":"%s"}' "$expires" |
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/credentials?phase=restored&token=tok-1" --data-binary @- >/dev/null
	echo "$API_PORT" >"$1/api_port"
}
# restored_run NAME [VAR=VALUE...]: the RIC under the agent with SnapStart, two invocations,
# its zips to S3 under NAME/ and kept locally; the S3 requests it made in NAME/puts.jsonl.
restored_run() {
	local name=$1
	shift
	BEFORE_START=restore_setup run "$name" agent 2 LD_PRELOAD="$CLOCKSHIFT" CLOCKSHIFT_FILE="$WORK/$name/clock" \
		IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" \
		IOPIPE_PROFILER_S3_PREFIX="$name/" IOPIPE_PROFILER_LAMBDA_BUDGET=5s AWS_REGION=us-east-1 \
		AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:@API_PORT@/_test/credentials" \
		AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-1 "$@"
	curl -sf "http://127.0.0.1:$(cat "$WORK/$name/api_port")/_test/stats" >"$WORK/$name/stats.json"
	grep "\"url\":\"/snaps/$name/" "$S3_LOG" >"$WORK/$name/puts.jsonl"
}
# restored_checks NAME: what every restored run shows.
restored_checks() {
	local d=$WORK/$1
	check "$1: exactly one init zip in S3, stored before GET /runtime/restore/next reached the API, signed with the init key" \
		python3 - "$d/puts.jsonl" "$d/log.json" <<'PY'
import json, sys
puts = [json.loads(l) for l in open(sys.argv[1])]
restore = [r["t_received_us"] / 1000 for r in json.load(open(sys.argv[2])) if r["url"].endswith("/runtime/restore/next")]
init = [p for p in puts if p["method"] == "PUT" and "_init" in p["url"] and p["url"].endswith(".zip")]
print([(p["url"], p.get("status"), p["key_id"]) for p in init])
sys.exit(not (len(init) == 1 and init[0].get("status") == 200 and init[0]["key_id"] == "INITKEY"
              and restore and init[0]["t_answered_ms"] <= restore[0]))
PY
	check "$1: after the restore, req-1's and req-2's zips are stored, signed with the key fetched after the restore" \
		python3 - "$d/puts.jsonl" <<'PY'
import json, sys
puts = [json.loads(l) for l in open(sys.argv[1])]
reqs = [p for p in puts if p["method"] == "PUT" and "_req-" in p["url"]]
print([(p["url"].rsplit("/", 1)[1], p.get("status"), p["key_id"]) for p in reqs])
zips = {p["url"].rsplit("/", 1)[1] for p in reqs if p["url"].endswith(".zip") and p.get("status") == 200}
sys.exit(not (len(zips) == 2 and all(p["key_id"] == "RESTOREDKEY" for p in reqs)))
PY
	check "$1: the restored copy fetched credentials from the endpoint ($(cat "$d/stats.json"))" \
		python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))['credentials']['restored'] < 1)" "$d/stats.json"
	# The clock: S3 checks the signing date against its own (real) clock; here the date each
	# request was signed with is compared with when it arrived: 10 minutes behind before the
	# restore (the shim works), current after it (nothing signs with a stale clock).
	check "$1: SigV4 dates: the init PUT's is the pre-restore clock's, every later one is current" \
		python3 - "$d/puts.jsonl" "$SHIFT_MS" <<'PY'
import calendar, json, sys, time
shift = int(sys.argv[2])
def signed_ms(p): return calendar.timegm(time.strptime(p["amz_date"], "%Y%m%dT%H%M%SZ")) * 1000
puts = [json.loads(l) for l in open(sys.argv[1]) if '"PUT"' in l]
skew = [(p["url"].rsplit("/", 1)[1], p["t_received_ms"] - signed_ms(p)) for p in puts]
print(skew)
init = [s for n, s in skew if "_init" in n]
later = [s for n, s in skew if "_init" not in n]
# a minute of slack each way: one second of date granularity plus a busy machine
sys.exit(not (init and later and all(shift - 60000 < s < shift + 60000 for s in init)
              and all(-60000 < s < 60000 for s in later)))
PY
	check "$1: window times: the init window's on the pre-restore clock, the restored windows' current" \
		python3 - "$d/snaps" "$d/log.json" "$SHIFT_MS" <<'PY'
import glob, json, sys, zipfile
log = json.load(open(sys.argv[2]))
shift = int(sys.argv[3])
restore = [r["t_received_us"] / 1000 for r in log if r["url"].endswith("/runtime/restore/next")][0]
nexts = [r["t_answered_us"] / 1000 for r in log if r["url"].endswith("/runtime/invocation/next") and "t_answered_us" in r]
ok = True
for z in glob.glob(sys.argv[1] + "/*.zip"):
    m = json.loads(zipfile.ZipFile(z).read("metadata.json"))
    print(m["window"], m.get("request_id"), m["window_start_ms"], m["window_end_ms"])
    if m["window"] == "init":  # ended when restore/next arrived, on a clock SHIFT_MS behind
        ok &= abs(m["window_end_ms"] + shift - restore) < 60000
    else:  # opened when its event was handed over: after the restore, on the real clock
        ok &= m["window_start_ms"] >= restore - 5 and min(abs(m["window_start_ms"] - n) for n in nexts) < 60000
sys.exit(not (ok and len(glob.glob(sys.argv[1] + "/*.zip")) == 3))
PY
	for z in "$d"/snaps/*.zip; do
		nps_check "$z" >"$z.summary" 2>&1
		check "$1: $(basename "$z") loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
	done
}

# (a) The init credentials come from the environment (read at init: the SDKs' order puts the
# keys first); the restored copy must not keep using them.
restored_run keys-env AWS_ACCESS_KEY_ID=INITKEY AWS_SECRET_ACCESS_KEY=initsecret AWS_SESSION_TOKEN=init-session
restored_checks keys-env
# (b) From the container endpoint, cached with an expiry an hour away: fetched again all the same.
restored_run keys-endpoint
restored_checks keys-endpoint
check "keys-endpoint: the init key came from the endpoint ($(cat "$WORK/keys-endpoint/stats.json"))" \
	python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))['credentials']['init'] < 1)" "$WORK/keys-endpoint/stats.json"

# An upload in flight when GET /runtime/restore/next is forwarded (S3 never answers the init
# zip's PUT, and the upload budget is longer than what is left of the init limit): the
# restored copy stops it and does not send it again; its own uploads go on.
s3_start s3-hang hang:1
restored_run inflight IOPIPE_PROFILER_UPLOAD_BUDGET=60s
D=$WORK/inflight
check "in flight: one warning that the init zip was not uploaded before the snapshot" \
	test "$(grep -c '^jvmsnap: warning: the init snapshot was not written and uploaded within' "$D/stderr")" = 1
check "in flight: the restored copy stopped the init zip's upload, saying so once" \
	test "$(grep -c 'stopped: it began before the SnapStart snapshot, and the restored sandbox does not resume it' "$D/stderr")" = 1
check "in flight: S3 saw the init zip's PUT once (the one left hanging), and nothing of it after the restore" \
	sh -c "[ \"\$(grep -c '_init' '$D/puts.jsonl')\" = 1 ] && grep '_init' '$D/puts.jsonl' | grep -q '\"hung\":true'"
check "in flight: req-1's and req-2's zips and summaries are stored after it" \
	test "$(grep '_req-' "$D/puts.jsonl" | grep -c '"status":200')" = 4
check "in flight: the init zip stays on local disk" sh -c "ls '$D'/snaps/*_init.zip >/dev/null"

# An upload that failed before the snapshot (S3 answered 503 to every attempt) waits for a
# retry; the restored copy leaves it on disk, named, instead of sending it from every copy.
s3_start s3-fail fail:3
restored_run queued
D=$WORK/queued
check "queued: the init zip's PUT failed before the restore ($(grep -c '_init' "$D/puts.jsonl") PUTs)" \
	sh -c "[ \"\$(grep '_init' '$D/puts.jsonl' | grep -c '\"status\":503')\" = 3 ] && ! grep '_init' '$D/puts.jsonl' | grep -q '\"status\":200'"
check "queued: the restored copy names the init zip and its summary as not uploaded, once each" \
	test "$(grep -c 'it waited since before the SnapStart snapshot, and every restored copy would upload it again' "$D/stderr")" = 2
check "queued: req-1's and req-2's zips and summaries are stored" \
	test "$(grep '_req-' "$D/puts.jsonl" | grep -c '"status":200')" = 4
finish
