#!/usr/bin/env bash
# The agent uploads its snapshot to a real S3-compatible server (s3rver on loopback); an
# independent client (boto3) downloads it; every fault keeps the zip on disk, says why in
# one line, never holds the JVM for long, and leaves the application's output and exit
# code alone.
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
FAKE=$ROOT/tests/s3/fake_servers.js
WORK=$(mktemp -d /tmp/jvmsnap-agent-s3.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; rm -rf "$WORK"' EXIT
SECRET=S3RVER-secret-value
for need in "$S3RVER" node; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (bash scripts/deps.sh --test)"; finish; exit 1; }
done
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { not_ok "python3-boto3 is missing (bash scripts/deps.sh --test)"; finish; exit 1; }

# profile NAME [VAR=VALUE...]: StableOutput (prints fixed lines, exits 7) under the agent
# with S3 settings; stdout, stderr, exit code and wall time in $WORK/NAME.
profile() {
	local name=$1 out=$WORK/$1 t0
	shift
	mkdir -p "$out"
	t0=$(date +%s%N)
	(cd "$out" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		-u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_AUTHORIZATION_TOKEN \
		JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		IOPIPE_PROFILER_S3_BUCKET=test-bucket AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET "$@" \
		timeout 60 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StableOutput 7 300 >"$out/stdout" 2>"$out/stderr")
	echo $? >"$out/rc"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$out/ms"
}

# The application's view must not change: compare with a run without the agent.
mkdir -p "$WORK/plain"
"$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StableOutput 7 300 >"$WORK/plain/stdout" 2>/dev/null
echo $? >"$WORK/plain/rc"
app_unchanged() { cmp -s "$WORK/plain/stdout" "$WORK/$1/stdout" && cmp -s "$WORK/plain/rc" "$WORK/$1/rc"; }
kept() { test -f "$WORK/$1/snap.zip"; }
warned() { grep -Eq "^jvmsnap: warning: upload to s3://test-bucket/.*$2.*kept at $WORK/$1/snap.zip" "$WORK/$1/stderr"; }
warned_kept() { warned "$1" "$2" && kept "$1"; }

start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket test-bucket --silent
S3=http://127.0.0.1:$PORT
check "s3rver started on 127.0.0.1" test -n "$PORT"

profile ok IOPIPE_PROFILER_S3_ENDPOINT="$S3" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	AWS_SESSION_TOKEN=session-token-value
line=$(grep -o 's3://test-bucket/[^ ]* ([0-9]* bytes, [0-9]* ms)' "$WORK/ok/stderr")
key=$(sed 's|^s3://test-bucket/||; s| (.*||' <<<"$line")
check "one info line per upload: s3://bucket/key (N bytes, T ms)" test -n "$line"
check "key is jvmsnap/<host>/<yyyy>/<mm>/<dd>/snap_p<pid>_w0.zip (got $key)" \
	grep -Eq "^jvmsnap/$(hostname)/$(date -u +%Y/%m/%d)/snap_p[0-9]+_w0\.zip$" <<<"$key"
check "boto3 downloads the object: the same bytes as the local zip" /usr/bin/python3 - "$S3" "$key" "$WORK/ok/snap.zip" <<'PY'
import sys, boto3
endpoint, key, local = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
body = s3.get_object(Bucket="test-bucket", Key=key)["Body"].read()
open(local[:-4] + "-downloaded.zip", "wb").write(body)
sys.exit(body != open(local, "rb").read())
PY
nps_check "$WORK/ok/snap-downloaded.zip" >"$WORK/ok/summary" 2>&1
check "the uploaded snapshot loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$WORK/ok/summary"
check "uploaded zip holds the stats CSV and metadata.json" \
	sh -c "unzip -l '$WORK/ok/snap.zip' | grep -q 'snap_stat.csv' && unzip -l '$WORK/ok/snap.zip' | grep -q 'metadata.json'"
check "success: application output and exit code unchanged" app_unchanged ok
check "no secret, token or signature in the log" sh -c \
	"! grep -Eq '$SECRET|S3RVER|session-token-value|Signature=|Credential=' '$WORK/ok/stderr'"

# Faults from a scripted S3 stand-in: what is retried, what is not, and what is kept.
fault() { # fault NAME SPEC: a capture server answering SPEC, then a profiled run against it
	start_server "$1-srv" node "$FAKE" capture "$WORK/$1.log" "$2"
	profile "$1" IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$PORT"
}
attempts() { grep -c '"method":"PUT"' "$WORK/$1.log" 2>/dev/null || echo 0; }

fault retry "500:InternalError,500:InternalError,200"
check "500, 500, then 200: stored on the third attempt" test "$(attempts retry)" = 3
check "500, 500, then 200: success line, no warning" sh -c \
	"grep -q 's3://test-bucket/' '$WORK/retry/stderr' && ! grep -q 'jvmsnap: warning' '$WORK/retry/stderr'"
check "500, 500, then 200: application unchanged" app_unchanged retry

fault slow "503:SlowDown"
check "503 SlowDown: retried, at most 3 attempts ($(attempts slow))" test "$(attempts slow)" -ge 2 -a "$(attempts slow)" -le 3
check "503 SlowDown: one warning with the code, zip kept" warned_kept slow SlowDown
check "503 SlowDown: application unchanged" app_unchanged slow

fault denied "403:AccessDenied"
check "403 AccessDenied: not retried (1 attempt)" test "$(attempts denied)" = 1
check "403 AccessDenied: one clear warning, zip kept" warned_kept denied 'AccessDenied.*HTTP 403, 1 attempts'
check "403 AccessDenied: application unchanged" app_unchanged denied

start_server hang-srv node "$FAKE" hang "$WORK/hang.log"
profile hang IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$PORT"
check "a server that never answers: JVM exit not delayed past the 3 s exit budget ($(cat "$WORK/hang/ms") ms in all)" \
	test "$(cat "$WORK/hang/ms")" -lt 8000
check "a server that never answers: warning, zip kept" warned_kept hang ""
check "a server that never answers: application unchanged" app_unchanged hang

closed=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
profile refused IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$closed"
check "connection refused: 3 attempts, warning, zip kept" warned_kept refused "3 attempts"
check "connection refused: application unchanged" app_unchanged refused

profile badurl IOPIPE_PROFILER_S3_ENDPOINT="ftp://[not a url"
check "invalid endpoint URL: one clear warning" grep -q "jvmsnap: warning: S3 upload disabled: invalid configuration" "$WORK/badurl/stderr"
check "invalid endpoint URL: zip kept" kept badurl
check "invalid endpoint URL: application unchanged" app_unchanged badurl

profile nocreds IOPIPE_PROFILER_S3_ENDPOINT="$S3" AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY=
check "missing credentials: one clear warning, zip kept" warned_kept nocreds "[Cc]redential"
check "missing credentials: application unchanged" app_unchanged nocreds

profile nobucket IOPIPE_PROFILER_S3_ENDPOINT="$S3" IOPIPE_PROFILER_S3_BUCKET=no-such-bucket \
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
check "missing bucket (real s3rver): NoSuchBucket after 1 attempt" \
	grep -Eq "failed: NoSuchBucket.*\(HTTP 404, 1 attempts\)" "$WORK/nobucket/stderr"
finish
