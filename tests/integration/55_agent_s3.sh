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
trap 'stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
SECRET=S3RVER-secret-value
for need in "$S3RVER" node; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (bash scripts/deps.sh --test)"; finish; exit 1; }
done
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { not_ok "python3-boto3 is missing (bash scripts/deps.sh --test)"; finish; exit 1; }

# profile NAME [VAR=VALUE...]: StableOutput (prints fixed lines, exits 7) under the agent
# with S3 settings (agent options from $AGENT_OPTS); stdout, stderr, exit code and wall
# time in $WORK/NAME. Every run carries a secret key and a session token, so that each
# one's log can be checked for leaks (RUNS lists them).
RUNS=()
profile() {
	local name=$1 out=$WORK/$1 t0
	shift
	RUNS+=("$name")
	mkdir -p "$out"
	t0=$(date +%s%N)
	(cd "$out" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		-u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_AUTHORIZATION_TOKEN -u AWS_CA_BUNDLE \
		JAVA_TOOL_OPTIONS="-agentpath:$AGENT${AGENT_OPTS:+=$AGENT_OPTS}" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		IOPIPE_PROFILER_S3_BUCKET=test-bucket AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$SECRET \
		AWS_SESSION_TOKEN=session-token-value "$@" \
		timeout 60 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StableOutput 7 300 >"$out/stdout" 2>"$out/stderr")
	echo $? >"$out/rc"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$out/ms"
}

# The application's view must not change: compare with a run without the agent. Its wall
# time (the faster of two runs) is the baseline the exit-budget checks add to.
plain_ms=999999
for _ in 1 2; do
	mkdir -p "$WORK/plain"
	t0=$(date +%s%N)
	"$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StableOutput 7 300 >"$WORK/plain/stdout" 2>/dev/null
	echo $? >"$WORK/plain/rc"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -lt "$plain_ms" ] && plain_ms=$ms
done
app_unchanged() { cmp -s "$WORK/plain/stdout" "$WORK/$1/stdout" && cmp -s "$WORK/plain/rc" "$WORK/$1/rc"; }
kept() { test -f "$WORK/$1/snap.zip"; }
# The warning names bucket and the run's key (jvmsnap/<host>/<date>/snap_p<pid>_w0.zip),
# then $2 (the S3 code and counts), then the local path.
KEY_RE="jvmsnap/$(hostname)/$(date -u +%Y/%m/%d)/snap_p[0-9]+_w0\.zip"
warned() { grep -Eq "^jvmsnap: warning: upload to s3://test-bucket/$KEY_RE failed: .*$2.*kept at $WORK/$1/snap.zip" "$WORK/$1/stderr"; }
warned_kept() { warned "$1" "$2" && kept "$1"; }
no_secrets() { ! grep -Eq "$SECRET|S3RVER|session-token-value|Signature=|Credential=" "$WORK/$1/stderr"; }
# The ms the failure warning reports for the upload (the budget's consumption).
upload_ms() { sed -n 's/^jvmsnap: warning: upload to .* attempts, \([0-9]*\) ms); kept at .*/\1/p' "$WORK/$1/stderr" | head -n 1; }
# Wall time over the no-agent baseline.
extra_ms() { echo $(($(cat "$WORK/$1/ms") - plain_ms)); }

start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket test-bucket --silent
S3=http://127.0.0.1:$PORT
check "s3rver started on 127.0.0.1" test -n "$PORT"

profile ok IOPIPE_PROFILER_S3_ENDPOINT="$S3" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	AWS_SESSION_TOKEN=session-token-value
line=$(grep -o 's3://test-bucket/[^ ]*\.zip ([0-9]* bytes, [0-9]* ms)' "$WORK/ok/stderr")
key=$(sed 's|^s3://test-bucket/||; s| (.*||' <<<"$line")
check "one info line per upload: s3://bucket/key (N bytes, T ms)" test -n "$line"
size=$(stat -c %s "$WORK/ok/snap.zip" 2>/dev/null)
logged=$(sed -n 's/.* (\([0-9]*\) bytes, .*/\1/p' <<<"$line")
check "the info line's N bytes ($logged) is the local zip's size ($size)" test -n "$size" -a "$logged" = "$size"
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
check "the invocation summary follows its zip, under the same key with .json (docs/fleet.md)" \
	grep -Eq "^jvmsnap: info: s3://test-bucket/${key%.zip}\.json \([0-9]+ bytes" "$WORK/ok/stderr"
nps_check "$WORK/ok/snap-downloaded.zip" >"$WORK/ok/summary" 2>&1
check "the uploaded snapshot loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$WORK/ok/summary"
check "uploaded zip holds the stats CSV and metadata.json" \
	sh -c "unzip -l '$WORK/ok/snap.zip' | grep -q 'snap_stat.csv' && unzip -l '$WORK/ok/snap.zip' | grep -q 'metadata.json'"
check "success: application output and exit code unchanged" app_unchanged ok

# Faults from a scripted S3 stand-in: what is retried, what is not, and what is kept.
fault() { # fault NAME SPEC: a capture server answering SPEC, then a profiled run against it
	# Debug on: the per-attempt lines must not leak secrets either.
	start_server "$1-srv" node "$FAKE" capture "$WORK/$1.log" "$2"
	profile "$1" IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$PORT" IOPIPE_PROFILER_DEBUG=true
}
attempts() { # grep -c prints 0 itself when nothing matches (and then fails)
	local n
	n=$(grep '"method":"PUT"' "$WORK/$1.log" 2>/dev/null | grep -c '\.zip"') # the zip's, not its summary's
	echo "${n:-0}"
}

fault retry "500:InternalError,500:InternalError,200"
check "500, 500, then 200: stored on the third attempt" test "$(attempts retry)" = 3
check "500, 500, then 200: success line, no warning" sh -c \
	"grep -q 's3://test-bucket/' '$WORK/retry/stderr' && ! grep -q 'jvmsnap: warning' '$WORK/retry/stderr'"
check "500, 500, then 200: application unchanged" app_unchanged retry

fault p500 "500:InternalError"
check "persistent 500: 3 attempts ($(attempts p500))" test "$(attempts p500)" = 3
check "persistent 500: one warning with code, bucket, key and path; zip kept" \
	warned_kept p500 'InternalError: fake InternalError & more \(HTTP 500, 3 attempts'
check "persistent 500: exactly one warning" test "$(grep -c '^jvmsnap: warning' "$WORK/p500/stderr")" = 1
check "persistent 500: application unchanged" app_unchanged p500

fault slow "503:SlowDown"
check "503 SlowDown: retried, at most 3 attempts ($(attempts slow))" test "$(attempts slow)" -ge 2 -a "$(attempts slow)" -le 3
check "503 SlowDown: one warning with the code, zip kept" warned_kept slow SlowDown
check "503 SlowDown: application unchanged" app_unchanged slow

fault denied "403:AccessDenied"
check "403 AccessDenied: not retried (1 attempt)" test "$(attempts denied)" = 1
check "403 AccessDenied: one clear warning, zip kept" warned_kept denied 'AccessDenied.*HTTP 403, 1 attempts'
check "403 AccessDenied: application unchanged" app_unchanged denied

# A store that echoes the request's headers (Authorization with the access key id and the
# signature, the session token) in its error message: the warning keeps the code and the
# text, never the credentials (real-looking ones, so that only their shape gives them away).
ECHO_KEY=AKIAJVMSNAPTEST7EXMP ECHO_SECRET=jvmsnapTestSecretKey/0123456789+abcdefGHIJ
ECHO_TOKEN=FwoGZXIvYXdzEJvmsnapTestSessionToken0123456789abcdefghijklmnopqrstuvwxyzABCDEF/+=
start_server echo-srv node "$FAKE" echo "$WORK/echo.log"
profile echo IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$PORT" IOPIPE_PROFILER_DEBUG=true \
	AWS_ACCESS_KEY_ID=$ECHO_KEY AWS_SECRET_ACCESS_KEY=$ECHO_SECRET AWS_SESSION_TOKEN=$ECHO_TOKEN
echo_sig=$(grep -o 'Signature=[0-9a-f]*' "$WORK/echo.log" | head -n 1 | cut -d= -f2)
check "echoing store: the server did get the signed request" test "${#echo_sig}" = 64
check "echoing store: one warning with the code and the echoed text, zip kept" \
	warned_kept echo 'AccessDenied: denied PUT /test-bucket/.*\[redacted\].*HTTP 403'
sed -n 's/^\(jvmsnap: warning: upload.*\)/  | \1/p' "$WORK/echo/stderr"
for leak in "$ECHO_KEY" "$ECHO_SECRET" "$ECHO_TOKEN" "$echo_sig" "${echo_sig:0:16}" "${echo_sig:48:16}" "Signature=" "Credential="; do
	check "echoing store: '${leak:0:12}...' is nowhere in the log" sh -c "! grep -qF -- '$leak' '$WORK/echo/stderr'"
done

# A server that never answers: the exit upload gets min(uploadbudget, 3 s). MARGIN_MS
# covers the agent's own start and exit (zip written, threads stopped) over the baseline.
MARGIN_MS=${MARGIN_MS:-800}
start_server hang-srv node "$FAKE" hang "$WORK/hang.log"
# hang_case NAME BUDGET_MS DESCRIPTION WARNING_REGEX: a profile against the hanging server.
hang_case() {
	local name=$1 budget=$2 what=$3 t
	profile "$name" IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$PORT"
	t=$(upload_ms "$name")
	# It waits out its budget (deterministic: never less); the upper bounds are safety
	# bounds (never hangs), 10x the normal figure so that a loaded machine cannot fail them.
	check "$what: the upload gives up at its ${budget} ms budget (${t:-?} ms logged)" \
		test "${t:-0}" -ge $((budget - 100)) -a "${t:-0}" -le $((10 * budget))
	check "$what: JVM exit delayed by at most 10 x (${budget} ms + ${MARGIN_MS} ms) ($(extra_ms "$name") ms over the no-agent ${plain_ms} ms)" \
		test "$(extra_ms "$name")" -le $((10 * (budget + MARGIN_MS)))
	check "$what: warning, zip kept" warned_kept "$name" "$4"
	check "$what: application unchanged" app_unchanged "$name"
}
hang_case hang 3000 "a server that never answers (3 s exit budget)" ""
AGENT_OPTS=uploadbudget=1s hang_case hang1s 1000 "uploadbudget=1s, a server that never answers" "Timeout|timed out"

closed=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
profile refused IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$closed"
check "connection refused: 3 attempts, warning, zip kept" warned_kept refused "3 attempts"
check "connection refused: application unchanged" app_unchanged refused

profile badurl IOPIPE_PROFILER_S3_ENDPOINT="ftp://[not a url"
check "invalid endpoint URL: one clear warning" grep -q "jvmsnap: warning: S3 upload disabled: invalid configuration" "$WORK/badurl/stderr"
check "invalid endpoint URL: the warning says where the zip stays, in one line" \
	test "$(grep -c "^jvmsnap: warning: S3 upload disabled: .*bucket 'test-bucket'.* at $WORK/badurl/snap.zip$" "$WORK/badurl/stderr")" = 1
check "invalid endpoint URL: zip kept" kept badurl
check "invalid endpoint URL: application unchanged" app_unchanged badurl

profile nocreds IOPIPE_PROFILER_S3_ENDPOINT="$S3" AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY=
check "missing credentials: one clear warning, zip kept" warned_kept nocreds "[Cc]redential"
check "missing credentials: application unchanged" app_unchanged nocreds

profile nobucket IOPIPE_PROFILER_S3_ENDPOINT="$S3" IOPIPE_PROFILER_S3_BUCKET=no-such-bucket \
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
check "missing bucket (real s3rver): NoSuchBucket after 1 attempt" \
	grep -Eq "failed: NoSuchBucket.*\(HTTP 404, 1 attempts" "$WORK/nobucket/stderr"

# TLS is verified: a self-signed certificate is refused (not retried), unless the user
# trusts it through AWS_CA_BUNDLE; a trusted certificate for another name is refused too.
cert() { # cert NAME SAN: a self-signed certificate and key in $WORK/NAME.{crt,key}
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=jvmsnap test" -addext "subjectAltName=$2" \
		-keyout "$WORK/$1.key" -out "$WORK/$1.crt" >/dev/null 2>&1
}
tls_fault() { # tls_fault NAME CERT [VAR=VALUE...]: an HTTPS capture server answering 200
	local name=$1 c=$2
	shift 2
	FAKE_TLS_CERT="$WORK/$c.crt" FAKE_TLS_KEY="$WORK/$c.key" start_server "$name-srv" node "$FAKE" capture "$WORK/$name.log" 200
	profile "$name" IOPIPE_PROFILER_S3_ENDPOINT="https://127.0.0.1:$PORT" IOPIPE_PROFILER_DEBUG=true "$@"
}
cert self IP:127.0.0.1
cert other DNS:jvmsnap.invalid
check "self-signed certificates made with openssl" test -s "$WORK/self.crt" -a -s "$WORK/other.crt"
tls_fault tls self
check "self-signed certificate: refused with a certificate message, 1 attempt, zip kept" \
	warned_kept tls '[Cc]ertificate.*\(HTTP 0, 1 attempts'
check "self-signed certificate: no request reached the server" test "$(attempts tls)" = 0
check "self-signed certificate: application unchanged" app_unchanged tls
tls_fault tlsca self AWS_CA_BUNDLE="$WORK/self.crt"
check "self-signed certificate trusted through AWS_CA_BUNDLE: uploaded" \
	sh -c "grep -Eq '^jvmsnap: info: s3://test-bucket/$KEY_RE \([0-9]+ bytes' '$WORK/tlsca/stderr' && ! grep -q 'jvmsnap: warning' '$WORK/tlsca/stderr'"
check "self-signed certificate trusted: the server got the PUT" test "$(attempts tlsca)" = 1
tls_fault tlshost other AWS_CA_BUNDLE="$WORK/other.crt"
check "trusted certificate for another host name: refused, zip kept" warned_kept tlshost '(host ?name|subject).*\(HTTP 0, 1 attempts'
check "trusted certificate for another host name: no request reached the server" test "$(attempts tlshost)" = 0

for r in "${RUNS[@]}"; do
	check "$r: no secret key, access key, session token or signature in the log" no_secrets "$r"
done
finish
