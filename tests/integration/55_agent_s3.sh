#!/usr/bin/env bash
# The agent uploads its snapshot to a real S3-compatible server (s3rver on loopback),
# keeps it on disk when the upload fails, and never holds the JVM for long at exit.
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
WORK=$(mktemp -d /tmp/jvmsnap-agent-s3.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; rm -rf "$WORK"' EXIT
SECRET=S3RVER
if [ ! -x "$S3RVER" ]; then
	not_ok "s3rver is missing (bash scripts/deps.sh --test installs it)"
	finish
	exit 1
fi

# profile NAME [VAR=VALUE...]: HotSpin under the agent with S3 settings.
profile() {
	local name=$1 out=$WORK/$1
	shift
	mkdir -p "$out"
	local t0=$(date +%s%N)
	(cd "$out" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		IOPIPE_PROFILER_S3_BUCKET=test-bucket "$@" \
		timeout 60 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" HotSpin 800 >"$out/stdout" 2>"$out/stderr")
	echo $? >"$out/rc"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$out/ms"
}

start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket test-bucket --silent
S3=http://127.0.0.1:$PORT
check "s3rver started on 127.0.0.1" test -n "$PORT"

profile ok IOPIPE_PROFILER_S3_ENDPOINT="$S3" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET \
	AWS_SESSION_TOKEN=session-token-value
line=$(grep -o 's3://test-bucket/[^ ]* ([0-9]* bytes, [0-9]* ms)' "$WORK/ok/stderr")
key=$(sed 's|^s3://test-bucket/||; s| (.*||' <<<"$line")
check "one info line per upload: s3://bucket/key (N bytes, T ms)" test -n "$line"
check "key is jvmsnap/<host>/<yyyy>/<mm>/<dd>/snap_p<pid>_w0.zip (got $key)" \
	grep -Eq "^jvmsnap/$(hostname)/$(date -u +%Y/%m/%d)/snap_p[0-9]+_w0\.zip$" <<<"$key"
curl -sf -o "$WORK/ok/downloaded.zip" "$S3/test-bucket/$key"
check "the uploaded object is the local zip, byte for byte" cmp -s "$WORK/ok/downloaded.zip" "$WORK/ok/snap.zip"
nps_check "$WORK/ok/downloaded.zip" >"$WORK/ok/summary" 2>&1
check "the uploaded snapshot loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$WORK/ok/summary"
check "uploaded zip holds the stats CSV too" sh -c "unzip -l '$WORK/ok/downloaded.zip' | grep -q 'snap_stat.csv'"
check "application exit code unchanged" test "$(cat "$WORK/ok/rc")" = 0
check "no secret, token or signature in the log" sh -c \
	"! grep -Eq '$SECRET|session-token-value|Signature=|Credential=' '$WORK/ok/stderr'"

# An endpoint nobody listens on: retried, then kept locally, and the JVM exits promptly.
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
profile down IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$closed" AWS_ACCESS_KEY_ID=S3RVER \
	AWS_SECRET_ACCESS_KEY=$SECRET
check "unreachable S3: application exit code unchanged" test "$(cat "$WORK/down/rc")" = 0
check "unreachable S3: the zip stays on disk" test -f "$WORK/down/snap.zip"
check "unreachable S3: one warning with the key and the local path" \
	grep -Eq "jvmsnap: warning: upload to s3://test-bucket/jvmsnap/.* failed: .*3 attempts.*kept at $WORK/down/snap.zip" "$WORK/down/stderr"
check "unreachable S3: the JVM is not held for long at exit ($(cat "$WORK/down/ms") ms)" \
	test "$(cat "$WORK/down/ms")" -lt 15000

# No credentials anywhere: a clear message, the zip kept.
profile nocreds IOPIPE_PROFILER_S3_ENDPOINT="$S3"
check "no credentials: exit code unchanged" test "$(cat "$WORK/nocreds/rc")" = 0
check "no credentials: said in one warning, zip kept" \
	grep -Eq "jvmsnap: warning: upload to s3://test-bucket/.*(credential|Credential).*kept at" "$WORK/nocreds/stderr"
check "no credentials: the zip stays on disk" test -f "$WORK/nocreds/snap.zip"

# A wrong bucket is a 4xx: reported with its S3 code, never retried.
profile nobucket IOPIPE_PROFILER_S3_ENDPOINT="$S3" IOPIPE_PROFILER_S3_BUCKET=no-such-bucket \
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET
check "missing bucket: NoSuchBucket reported after 1 attempt" \
	grep -Eq "failed: NoSuchBucket.*\(HTTP 404, 1 attempts\)" "$WORK/nobucket/stderr"
finish
