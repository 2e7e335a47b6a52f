#!/usr/bin/env bash
# Nothing lost (issue 4): a zip whose upload failed is kept on disk and uploaded again at
# the next upload opportunity while the process lives. On Lambda every invocation is one:
# the agent runs under a Runtime API emulator, S3 is down (a stand-in answering 500 to
# everything) for the first invocation (whose upload the init zip joins: issue 12), then
# comes back (the stand-in forwards to s3rver); the next invocation's upload must bring the
# earlier zips along after its own, oldest first, byte for byte, and remove their local
# copies (no IOPIPE_PROFILER_LOCAL_DUMP_PATH: docs/s3.md).
# With an argument, that is the fixed IOPIPE_PROFILER_ALTERNATIVE_PREFIX: every invocation
# then writes the same local name, and a zip waiting for its retry must not be replaced.
. "$(dirname "$0")/lib.sh"
PREFIX=${1:-}
NAME_RE=${PREFIX:-[0-9_]+}
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
FAKE=$ROOT/tests/s3/fake_servers.js
WORK=$(mktemp -d /tmp/jvmsnap-s3-retry.XXXXXX)
SERVER_DIR=$WORK
JVM_PID=
# The zips live in /tmp (Lambda's only writable place); remove whatever this run left.
cleanup() {
	[ -n "$JVM_PID" ] && kill "$JVM_PID" 2>/dev/null && wait "$JVM_PID" 2>/dev/null
	stop_servers
	sed -n 's/^jvmsnap: info: snapshot written to \(\/tmp\/[^ ]*\.zip\) .*/\1/p' "$WORK/stderr" 2>/dev/null |
		while read -r z; do rm -f "$z" "$z".pending-*; done
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
SECRET=retry-secret-value
TOKEN=retry-session-token
for need in "$S3RVER" node curl python3; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (bash scripts/deps.sh --test)"; finish; exit 1; }
done
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { not_ok "python3-boto3 is missing (bash scripts/deps.sh --test)"; finish; exit 1; }

mkdir -p "$WORK/api" "$WORK/task" "$WORK/kept"
start_runtime_api "$WORK/api"
start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT
start_server flaky node "$FAKE" flaky "$WORK/flaky.log" "$S3_PORT"
FLAKY_PORT=$PORT
check "s3rver and the failing stand-in in front of it started" test -n "$S3_PORT" -a -n "$FLAKY_PORT"

event() { # event ID: queue one invocation
	curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=$1&deadline=$(($(date +%s%3N) + 60000))" \
		-d '{"kind":"plain"}' >/dev/null
}
# wait_lines N REGEX: until stderr holds N lines matching REGEX (at most 30 s).
wait_lines() {
	for _ in $(seq 300); do
		[ "$(grep -Ec "$2" "$WORK/stderr" 2>/dev/null)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
puts() { # puts true|false: PUTs the stand-in failed (false) or forwarded (true)
	local n
	n=$(grep "\"method\":\"PUT\".*\"forwarded\":$1" "$WORK/flaky.log" 2>/dev/null | grep -c '\.zip"') # zips, not summaries
	echo "${n:-0}"
}

# Three invocations; only the first is queued now, so the runtime parks on its second
# GET next once the first invocation's upload has failed. A roomy lambdabudget: this test
# is about what is kept and sent, not about time (53_lambda_s3_faults.sh covers that).
event req-1
PREFIX_ENV=(-u IOPIPE_PROFILER_ALTERNATIVE_PREFIX)
[ -n "$PREFIX" ] && PREFIX_ENV=(IOPIPE_PROFILER_ALTERNATIVE_PREFIX="$PREFIX")
(cd "$WORK/task" && exec env -u AWS_CA_BUNDLE -u IOPIPE_PROFILER_LOCAL_DUMP_PATH "${PREFIX_ENV[@]}" \
	JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LAMBDA_BUDGET=10s \
	AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.Handler::handleRequest \
	LAMBDA_TASK_ROOT="$WORK/task" AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_S3_BUCKET=snaps \
	IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$FLAKY_PORT" AWS_ACCESS_KEY_ID=S3RVER \
	AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN \
	timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime 3 200 >"$WORK/stdout" 2>"$WORK/stderr") &
JVM_PID=$!

# S3 down. The init zip is not uploaded at the cold start: it is written after req-1 and
# waits for req-1's upload, which fails: one warning, and both zips wait for the next one.
WARN='^jvmsnap: warning: upload to s3://snaps/'
check "S3 down: req-1's upload fails" wait_lines 1 "$WARN"
sleep 0.5 # a second warning would come now, if any
grep -E "$WARN" "$WORK/stderr" >"$WORK/warnings"
key_of() { sed -n "$1s|^jvmsnap: warning: upload to s3://snaps/\([^ ]*\) failed: .*|\1|p" "$WORK/warnings"; }
path_of() { sed -n "$1s|.*; kept at \(/tmp/[^ ]*\.zip\) for the next upload$|\1|p" "$WORK/warnings"; }
req1_key=$(key_of 1) req1_path=$(path_of 1)
init_path=$(sed -n 's/^jvmsnap: info: snapshot written to \(\/tmp\/[^ ]*_init\.zip\) .*/\1/p' "$WORK/stderr" | head -n 1)
check "exactly one warning while S3 is down ($(wc -l <"$WORK/warnings"))" test "$(wc -l <"$WORK/warnings")" = 1
check "the warning: S3 code InternalError, HTTP 500, 3 attempts" \
	grep -q 'failed: InternalError: .*(HTTP 500, 3 attempts, [0-9]* ms); kept at /tmp/' "$WORK/warnings"
check "it is req-1's zip (key $req1_key)" \
	sh -c "echo '$req1_key' | grep -Eq '^jvmsnap/orders/[0-9]{4}/[0-9]{2}/[0-9]{2}/${NAME_RE}_req-1\.zip$'"
check "the init zip was written (after req-1) and not sent: it waits for the next upload ($init_path)" \
	sh -c "[ -n '$init_path' ] && ! grep -q '_init_p[0-9]*_w0_[0-9a-f]*\.zip' '$WORK/flaky.log'"
check "the breaker did not open for one failed upload" sh -c "! grep -q 'S3 uploads paused' '$WORK/stderr'"
check "three PUTs refused, none forwarded yet ($(puts false), $(puts true))" test "$(puts false)" = 3 -a "$(puts true)" = 0
check "both zips kept on disk while S3 is down" test -f "$init_path" -a -f "$req1_path"
cp "$init_path" "$WORK/kept/init.zip" 2>/dev/null
cp "$req1_path" "$WORK/kept/req-1.zip" 2>/dev/null

# S3 back: req-2's upload goes first, then the two waiting zips, oldest first.
curl -sf -X POST "http://127.0.0.1:$FLAKY_PORT/_test/heal" >/dev/null
event req-2
OK_LINE='^jvmsnap: info: s3://snaps/[^ ]*\.zip ' # the zips (their summaries follow each)
check "S3 back: three uploads at the next opportunity, while the process lives" wait_lines 3 "$OK_LINE"
grep -E "$OK_LINE" "$WORK/stderr" | sed 's|^jvmsnap: info: s3://snaps/\([^ ]*\) .*|\1|' >"$WORK/stored"
init_key=$(sed -n 2p "$WORK/stored")
check "stored in order: req-2, init, req-1 ($(tr '\n' ' ' <"$WORK/stored"))" \
	sh -c "sed -n 1p '$WORK/stored' | grep -q '_req-2\.zip$' && echo '$init_key' | grep -Eq '^jvmsnap/orders/[0-9]{4}/[0-9]{2}/[0-9]{2}/${NAME_RE}_init_p[0-9]+_w0_[0-9a-f]{8}\.zip$' && sed -n 3p '$WORK/stored' | grep -qxF '$req1_key'"
check "three PUTs forwarded to s3rver ($(puts true))" test "$(puts true)" = 3
check "the boto3 download of each earlier zip equals its local copy, byte for byte" \
	/usr/bin/python3 - "http://127.0.0.1:$S3_PORT" "$init_key" "$WORK/kept/init.zip" "$req1_key" "$WORK/kept/req-1.zip" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
same = [s3.get_object(Bucket="snaps", Key=k)["Body"].read() == open(p, "rb").read() for k, p in pairs]
sys.exit(not (len(pairs) == 2 and all(same)))
PY
nps_check "$WORK/kept/init.zip" >"$WORK/init.summary" 2>&1
check "the retried init zip is a loadable snapshot" grep -q '^NpsCheck: OK' "$WORK/init.summary"
check "once stored, the local copies are removed (no IOPIPE_PROFILER_LOCAL_DUMP_PATH)" \
	test -n "$init_path" -a ! -e "$init_path" -a -n "$req1_path" -a ! -e "$req1_path"

event req-3
wait "$JVM_PID"
rc=$?
JVM_PID=
check "runtime exits 0 after 3 invocations (rc $rc)" test "$rc" = 0
check "all 3 responses reached the Runtime API with status 202" test "$(grep -c 'status 202' "$WORK/stdout")" = 3
check "no zip of this run is left in /tmp" sh -c "! sed -n 's/^jvmsnap: info: snapshot written to \(\/tmp\/[^ ]*\.zip\) .*/\1/p' '$WORK/stderr' | xargs -r ls 2>/dev/null | grep -q ."
check "no secret key, access key, session token or signature in the log" \
	sh -c "! grep -Eq '$SECRET|S3RVER|$TOKEN|Signature=|Credential=' '$WORK/stderr'"
finish
