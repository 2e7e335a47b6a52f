#!/usr/bin/env bash
# Choosing what is profiled on Lambda (issue 12): IOPIPE_PROFILER_INVOCATIONS (all, every:N,
# first:N, cold; a bad value is one warning and "all") and IOPIPE_PROFILER_UPLOAD_INIT. An
# invocation not chosen gets no window and no zip, and is counted in the next chosen
# snapshot's metadata.json (invocations_skipped).
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
WORK=$(mktemp -d /tmp/jvmsnap-invocations.XXXXXX)
SERVER_DIR=$WORK
TAG=fi$$
trap 'stop_servers; rm -f /tmp/${TAG}*; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
for need in "$S3RVER" node curl python3; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (bash scripts/deps.sh --test)"; finish; exit 1; }
done
start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT

# run NAME EVENTS [VAR=VALUE...]: a runtime under the agent handling EVENTS invocations of 20 ms,
# each run with its own emulator and its own S3 prefix (NAME/); local zips go to a private
# directory (timestamp names), or to /tmp under a name of this run.
declare -A API
prepare() {
	start_runtime_api "$WORK/$1/api"
	API[$1]=$API_PORT
	for i in $(seq "$2"); do
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$(($(date +%s%3N) + 600000))" -d '{}' >/dev/null
	done
}
run() {
	local name=$1 n=$2
	shift 2
	mkdir -p "$WORK/$name/task"
	(cd "$WORK/$name/task" && exec env -u IOPIPE_PROFILER_LOCAL_DUMP_PATH -u AWS_SESSION_TOKEN \
		JAVA_TOOL_OPTIONS="-agentpath:$AGENT${OPTS:-}" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_S3_PREFIX="$name/" \
		IOPIPE_PROFILER_LAMBDA_BUDGET=5s IOPIPE_PROFILER_S3_BUCKET=snaps \
		IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
		AWS_LAMBDA_RUNTIME_API="127.0.0.1:${API[$name]}" _HANDLER=example.Handler::handleRequest \
		LAMBDA_TASK_ROOT="$WORK/$name/task" AWS_LAMBDA_FUNCTION_NAME=orders "$@" \
		timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime "$n" 20 \
		>"$WORK/$name/stdout" 2>"$WORK/$name/stderr")
	echo $? >"$WORK/$name/rc"
}
stored() { # stored NAME: the snapshot zips' object keys under NAME/, one a line
	# (each zip's summary, NAME.json, follows it into the store: 65_fleet checks those)
	(cd "$WORK/data/snaps" 2>/dev/null && find "$1" -name '*.zip._S3rver_object' | sed 's/\._S3rver_object$//' | sort)
}
summaries() { # summaries NAME: the summary keys under NAME/
	(cd "$WORK/data/snaps" 2>/dev/null && find "$1" -name '*.json._S3rver_object' | sed 's/\._S3rver_object$//' | sort)
}
prepare every 9
prepare cold 3
prepare bad 3
prepare first 4
mkdir -p "$WORK/every/snaps" "$WORK/bad/snaps" "$WORK/first/snaps"
run every 9 IOPIPE_PROFILER_INVOCATIONS=every:4 IOPIPE_PROFILER_UPLOAD_INIT=false \
	IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/every/snaps/" &
P1=$!
run cold 3 IOPIPE_PROFILER_INVOCATIONS=cold IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${TAG}_cold"
wait "$P1"
run bad 3 IOPIPE_PROFILER_INVOCATIONS=sometimes IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/bad/snaps/" &
P1=$!
OPTS="=invocations=first:2" run first 4 IOPIPE_PROFILER_LOCAL_DUMP_PATH="$WORK/first/snaps/"
wait "$P1"
for name in every cold bad first; do
	check "$name: runtime exits 0, every response accepted (rc $(cat "$WORK/$name/rc"))" \
		sh -c "[ \"\$(cat '$WORK/$name/rc')\" = 0 ] && [ \"\$(grep -c 'status 202' '$WORK/$name/stdout')\" = \"\$(grep -c '^handler ' '$WORK/$name/stdout')\" ]"
done

# every:4 over 9 invocations: req-1, req-5, req-9; the init zip local only (UPLOAD_INIT=false)
check "every:4: three invocation zips and the init zip, locally" \
	sh -c "ls '$WORK'/every/snaps/*.zip | grep -c . | grep -qx 4 && ls '$WORK'/every/snaps/*_init.zip >/dev/null"
stored every >"$WORK/every/stored"
summaries every >"$WORK/every/summaries"
check "every:4: each stored zip has its summary beside it, and no summary is alone" \
	sh -c "sed 's/[.]zip\$/.json/' '$WORK/every/stored' | cmp -s - '$WORK/every/summaries'"
check "every:4: the store holds req-1, req-5, req-9 and no init zip ($(xargs -n1 basename <"$WORK/every/stored" | tr '\n' ' '))" \
	sh -c "grep -c . '$WORK/every/stored' | grep -qx 3 && grep -q '_req-1.zip$' '$WORK/every/stored' && grep -q '_req-5.zip$' '$WORK/every/stored' && grep -q '_req-9.zip$' '$WORK/every/stored'"
check "every:4: metadata.json counts the invocations skipped before each (0, 3, 3)" \
	/usr/bin/python3 - "$WORK/every/snaps" <<'PY'
import glob, json, sys, zipfile
seen = {}
for z in glob.glob(sys.argv[1] + "/*.zip"):
    m = json.loads(zipfile.ZipFile(z).read("metadata.json"))
    if m["window"] == "invocation":
        seen[m["request_id"]] = m["invocations_skipped"]
    elif "invocations_skipped" in m:
        sys.exit(1)  # only invocation windows carry the count
print(seen)
sys.exit(seen != {"req-1": 0, "req-5": 3, "req-9": 3})
PY

# cold: only the init window, uploaded after the first invocation; nothing left in /tmp
stored cold >"$WORK/cold/stored"
check "cold: the store holds the init zip alone ($(xargs -n1 basename <"$WORK/cold/stored" | tr '\n' ' '))" \
	sh -c "grep -c . '$WORK/cold/stored' | grep -qx 1 && grep -q '_init_p[0-9]*_w0_[0-9a-f]*.zip$' '$WORK/cold/stored'"
check "cold: one snapshot written, none left in /tmp" \
	sh -c "[ \"\$(grep -c 'snapshot written' '$WORK/cold/stderr')\" = 1 ] && ! ls /tmp/${TAG}_cold* >/dev/null 2>&1"

# a bad value: one warning naming it, then every invocation profiled
check "bad value: one warning naming the setting and the fallback" \
	sh -c "[ \"\$(grep -c '^jvmsnap: warning' '$WORK/bad/stderr')\" = 1 ] && grep -q \"IOPIPE_PROFILER_INVOCATIONS='sometimes' is not all, every:N, first:N or cold; using all\" '$WORK/bad/stderr'"
check "bad value: all three invocations and init profiled" test "$(ls "$WORK"/bad/snaps/*.zip | wc -l)" = 4

# first:2 as an agent option: req-1 and req-2 only
stored first >"$WORK/first/stored"
check "first:2 (option): init, req-1, req-2 profiled, req-3 and req-4 not" \
	sh -c "[ \"\$(ls '$WORK'/first/snaps/*.zip | wc -l)\" = 3 ] && [ \"\$(grep -c '_req-[12].zip$' '$WORK/first/stored')\" = 2 ] && ! grep -q '_req-[34].zip$' '$WORK/first/stored'"
check "no warning in the valid runs" sh -c "! grep -q '^jvmsnap: warning' '$WORK/every/stderr' '$WORK/cold/stderr' '$WORK/first/stderr'"
finish
