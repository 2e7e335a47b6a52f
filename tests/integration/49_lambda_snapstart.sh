#!/usr/bin/env bash
# SnapStart's request sequence, with AWS's Java Runtime Interface Client
# (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start) against the tests' Runtime API emulator (the
# RIE at the pinned version answers GET /runtime/restore/next but never hands out an event
# after it): init, GET /runtime/restore/next (Lambda snapshots the sandbox while it waits),
# then invocations; and a failing restore hook, which the RIC reports with POST
# /runtime/restore/error. With the agent, the init window ends before restore/next reaches
# the API (the time snapshotted is in no window); every call reaches the API as it does
# without the agent.
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
WORK=$(mktemp -d /tmp/jvmsnap-snapstart.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
for need in mvn node curl python3; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (make test-deps)"; finish; exit 1; }
done
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
	local deadline=$(($(date +%s%3N) + 60000))
	for i in $(seq "$n"); do
		printf 'mark %s\n' "$i" | curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$deadline" \
			--data-binary @- >/dev/null
	done
	local agent_env=()
	[ "$mode" = agent ] && agent_env=(JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true)
	(cd "$dir" && exec env -u JAVA_TOOL_OPTIONS "${agent_env[@]}" AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" \
		_HANDLER=probe.Probe::handleRequest LAMBDA_TASK_ROOT="$dir" AWS_LAMBDA_FUNCTION_NAME=snappy \
		AWS_LAMBDA_INITIALIZATION_TYPE=snap-start IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/snaps/" "$@" \
		"$JAVA_HOME/bin/java" -XX:+UseSerialGC $RIC_JNI_OPT -cp "$CP" com.amazonaws.services.lambda.runtime.api.client.AWSLambda \
		probe.Probe::handleRequest >"$dir/stdout" 2>"$dir/stderr") &
	pid=$!
	for i in $(seq 600); do # the RIC serves forever: stop it once the calls expected are in
		curl -sf "http://127.0.0.1:$API_PORT/_test/log" >"$dir/log.json" || true
		if [ "$n" = 0 ]; then # the restore hook's failure is the last call expected
			grep -q 'restore/error' "$dir/log.json" && break
		else
			[ "$(grep -o '/response"' "$dir/log.json" | wc -l)" -ge "$n" ] && break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5 # the last invocation's snapshot
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
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
# sandbox snapshotted is in no window. (Its zip is written after the first invocation, as
# without SnapStart: see docs/lambda.md for what that still means for restored copies.)
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
finish
