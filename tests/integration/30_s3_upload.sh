#!/usr/bin/env bash
# S3 upload end to end with build/tests/s3put (the upload/ module):
#  - s3rver 3.7.1 (tests/s3, npm): upload, download back, key layout, keep-alive, special
#    keys, and the 4xx it really produces (NoSuchBucket, InvalidAccessKeyId,
#    RequestTimeTooSkewed) reported and never retried. s3rver 3.x does NOT verify SigV4
#    signatures (docs/security.md), so:
#  - tests/s3/fake_servers.js captures requests byte for byte and tests/s3/verify_sigv4.py
#    recomputes every signature with botocore (AWS's own signer);
#  - the same fake server answers 5xx / throttling / 4xx sequences, hangs, or serves
#    container credentials; a closed local port stands for an unreachable endpoint.
. "$(dirname "$0")/lib.sh"

S3PUT=$ROOT/$BUILD/tests/s3put
S3DIR=$ROOT/tests/s3
S3RVER=$S3DIR/node_modules/.bin/s3rver
TMP=$(mktemp -d)
SERVER_DIR=$TMP
trap 'stop_servers; rm -rf "$TMP"' EXIT

# Missing tools are failures, not skips.
for need in "$S3PUT" "$S3RVER" node curl; do
	if ! command -v "$need" >/dev/null 2>&1; then
		not_ok "prerequisite $need is missing (make $BUILD/tests/s3put; bash scripts/deps.sh --test)"
		finish
		exit 1
	fi
done
PYTHON=""
for py in python3 /usr/bin/python3; do
	if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import botocore' 2>/dev/null; then
		PYTHON=$py
		break
	fi
done


# field NAME LINE: the value of NAME= in an s3put result line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" <<<"$2" | head -n 1; }

# put ARGS...: runs s3put with test credentials; output in $OUT, exit status in $RC.
put() {
	OUT=$(env AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "$@" 2>"$TMP/stderr")
	RC=$?
	echo "$OUT"
}

head -c 300000 /dev/urandom >"$TMP/snap.zip"
head -c 1000 /dev/urandom >"$TMP/small.zip"
MD5=$(md5sum "$TMP/snap.zip" | cut -d' ' -f1)
SHA=$(sha256sum "$TMP/snap.zip" | cut -d' ' -f1)

# ---- s3rver ----
start_server s3rver "$S3RVER" -d "$TMP/data" -a 127.0.0.1 -p 0 --configure-bucket test-bucket --silent
S3=http://127.0.0.1:$PORT
check "s3rver 3.7.1 started on 127.0.0.1:$PORT" test -n "$PORT"

NOW_MS=$(($(date +%s) * 1000))
KEY=$("$S3PUT" --key jvmsnap/ my-function "$NOW_MS" 1700000000000_snapshot.zip)
check "key layout <prefix><function>/<yyyy>/<mm>/<dd>/<zip>" \
	test "$KEY" = "jvmsnap/my-function/$(date -u +%Y/%m/%d)/1700000000000_snapshot.zip"
check "key date is UTC" test "$("$S3PUT" --key p/ h 1767225599999 z.zip)" = "p/h/2025/12/31/z.zip"

put "$S3PUT" --endpoint "$S3" --bucket test-bucket --region eu-west-1 "$KEY" "$TMP/snap.zip" \
	"$KEY.second" "$TMP/small.zip"
FIRST=$(sed -n 1p <<<"$OUT")
SECOND=$(sed -n 2p <<<"$OUT")
check "upload succeeds (exit 0)" test "$RC" -eq 0
check "upload: HTTP 200 in 1 attempt" test "$(field status "$FIRST") $(field attempts "$FIRST")" = "200 1"
check "upload: size reported" test "$(field bytes "$FIRST")" = 300000
check "s3rver stored the object under the key" test -f "$TMP/data/test-bucket/$KEY._S3rver_object"
check "ETag is the MD5 of the file" test "$(field etag "$FIRST")" = "\"$MD5\""
curl -sf -o "$TMP/download" "$S3/test-bucket/$KEY"
check "download returns the same bytes" cmp -s "$TMP/download" "$TMP/snap.zip"
check "stored Content-Type is application/zip" \
	grep -Eq '"content-type": *"application/zip"' "$TMP/data/test-bucket/$KEY._S3rver_metadata.json"
check "second upload reuses the connection (keep-alive)" \
	test "$(field status "$SECOND") $(field new_connections "$SECOND")" = "200 0"

# Keys are encoded once and sent without normalisation.
ODD='jvmsnap/odd name/a+b$c ü (1)~.zip'
put "$S3PUT" --endpoint "$S3" --bucket test-bucket "$ODD" "$TMP/small.zip" >/dev/null
check "special characters in a key: upload" test "$RC" -eq 0
curl -sf -o "$TMP/odd" "$S3/test-bucket/jvmsnap/odd%20name/a%2Bb%24c%20%C3%BC%20%281%29~.zip"
check "special characters in a key: same bytes back" cmp -s "$TMP/odd" "$TMP/small.zip"

put "$S3PUT" --endpoint "$S3" --bucket no-such-bucket k.zip "$TMP/small.zip"
check "missing bucket: fails (exit 1)" test "$RC" -eq 1
check "missing bucket: 404 NoSuchBucket, 1 attempt (4xx not retried)" \
	test "$(field status "$OUT") $(field code "$OUT") $(field attempts "$OUT")" = "404 NoSuchBucket 1"
OUT=$(env AWS_ACCESS_KEY_ID=WRONG AWS_SECRET_ACCESS_KEY=S3RVER "$S3PUT" --endpoint "$S3" \
	--bucket test-bucket k.zip "$TMP/small.zip" 2>/dev/null)
check "wrong access key: 403 InvalidAccessKeyId, 1 attempt" \
	test "$(field status "$OUT") $(field code "$OUT") $(field attempts "$OUT")" = "403 InvalidAccessKeyId 1"
put "$S3PUT" --endpoint "$S3" --bucket test-bucket --clock-offset-ms -3600000 k.zip "$TMP/small.zip"
check "clock an hour behind: 403 RequestTimeTooSkewed, 1 attempt" \
	test "$(field status "$OUT") $(field code "$OUT") $(field attempts "$OUT")" = "403 RequestTimeTooSkewed 1"

# ---- unreachable endpoint: a port that was just closed ----
start_server gone node "$S3DIR/fake_servers.js" capture "$TMP/gone.log" 200
GONE=$PORT
kill "${SERVER_PIDS[-1]}" && wait "${SERVER_PIDS[-1]}" 2>/dev/null
put "$S3PUT" --endpoint "http://127.0.0.1:$GONE" --bucket b --budget-ms 3000 k.zip "$TMP/small.zip"
check "unreachable: fails cleanly (exit 1, no HTTP status)" test "$RC $(field status "$OUT")" = "1 0"
check "unreachable: 3 attempts" test "$(field attempts "$OUT")" = 3
# A safety bound (never hangs), 10x the budget: the budget itself is proved below.
check "unreachable: ends, well within 10 x the 3000 ms budget" test "$(field elapsed_ms "$OUT")" -lt 30000

# ---- a server that never answers: per-attempt timeout and the overall budget ----
start_server hang node "$S3DIR/fake_servers.js" hang "$TMP/hang.log"
HANG=http://127.0.0.1:$PORT
put "$S3PUT" --endpoint "$HANG" --bucket b --timeout-ms 300 --budget-ms 5000 k.zip "$TMP/small.zip"
check "timeouts: 3 attempts of 300 ms, then failure" \
	test "$RC $(field attempts "$OUT") $(field status "$OUT")" = "1 3 0"
E=$(field elapsed_ms "$OUT")
# At least the three timeouts (deterministic); at most the 5 s budget's 10x (never hangs).
check "timeouts: elapsed $E ms is at least 3 x 300 ms" test "$E" -ge 900 -a "$E" -lt 50000
put "$S3PUT" --endpoint "$HANG" --bucket b --timeout-ms 60000 --budget-ms 700 k.zip "$TMP/small.zip"
E=$(field elapsed_ms "$OUT")
# The attempt alone would take 60 s: ending before that, in its one attempt, proves the budget
# cut it, however busy the machine (no bound on how soon: that is a measure, printed).
check "budget: a 700 ms budget stops a 60 s attempt ($E ms, 1 attempt)" \
	test "$E" -ge 700 -a "$E" -lt 60000 -a "$(field attempts "$OUT")" = 1

# ---- scripted answers: what is retried ----
scripted() { # scripted SPEC KEY: one upload against a server answering SPEC
	start_server "script$1" node "$S3DIR/fake_servers.js" capture "$TMP/capture.log" "$1"
	put "$S3PUT" --endpoint "http://127.0.0.1:$PORT" --bucket test-bucket "$2" "$TMP/snap.zip"
}
scripted "503:SlowDown,500:InternalError,200" retried.zip
check "SlowDown then InternalError then 200: success in 3 attempts, no error left" \
	test "$RC $(field attempts "$OUT") $(field status "$OUT") [$(field code "$OUT")]" = "0 3 200 []"
check "every retry resent the whole body" \
	test "$(grep -c "\"body_sha256\":\"$SHA\"" "$TMP/capture.log")" = 3
scripted "500:InternalError" failing.zip
check "persistent 500: 3 attempts, code InternalError reported" \
	test "$RC $(field attempts "$OUT") $(field code "$OUT")" = "1 3 InternalError"
check "the tool reports the failure once on stderr" \
	test "$(grep -c . "$TMP/stderr") $(grep -c '^jvmsnap: warning: ' "$TMP/stderr")" = "1 1"
scripted "400:RequestTimeout,200" timeout.zip
check "400 RequestTimeout is retried: success in 2 attempts" \
	test "$RC $(field attempts "$OUT")" = "0 2"
for code in 403:AccessDenied 403:SignatureDoesNotMatch 400:ExpiredToken 403:InvalidAccessKeyId; do
	scripted "$code,200" denied.zip
	check "${code#*:} is not retried (1 attempt, code reported)" \
		test "$RC $(field attempts "$OUT") $(field code "$OUT")" = "1 1 ${code#*:}"
done

# ---- signatures, checked by botocore on exactly what arrived ----
start_server verify node "$S3DIR/fake_servers.js" capture "$TMP/verify.log" "500:InternalError,200"
OUT=$(env AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY='wJalr/K7+SECRETzzq' \
	AWS_SESSION_TOKEN='IQoJb3JpZ2luX2VjEXAMPLE/+=' IOPIPE_PROFILER_DEBUG=1 \
	"$S3PUT" --endpoint "http://127.0.0.1:$PORT" --bucket test-bucket --region eu-central-1 \
	'a/./b/../c//d é+$.zip' "$TMP/snap.zip" plain.zip "$TMP/small.zip" 2>"$TMP/debug.log")
RC=$?
echo "$OUT" >>"$TMP/debug.log"
check "signed uploads with a session token (the first one retried once)" \
	test "$RC $(grep -c '"method":"PUT"' "$TMP/verify.log")" = "0 3"
check "the key's path goes on the wire encoded once, not normalised" \
	grep -q '"url":"/test-bucket/a/./b/../c//d%20%C3%A9%2B%24.zip"' "$TMP/verify.log"
check "x-amz-security-token is sent" grep -q '"x-amz-security-token":"IQoJb3JpZ2luX2VjEXAMPLE/+="' "$TMP/verify.log"
if [ -n "$PYTHON" ]; then
	check "botocore computes the same signatures, payload hash and Content-MD5" \
		"$PYTHON" "$S3DIR/verify_sigv4.py" "$TMP/verify.log" 'wJalr/K7+SECRETzzq' eu-central-1
	check "and the check fails with another secret" \
		bash -c "! '$PYTHON' '$S3DIR/verify_sigv4.py' '$TMP/verify.log' other-secret eu-central-1 >/dev/null"
else
	not_ok "botocore not importable (python3-botocore): signatures unverified"
fi
check "debug output describes the retry" grep -q 'attempt 1: HTTP error InternalError' "$TMP/debug.log"
check "debug output shows no secret, token or signature" \
	bash -c "! grep -Eq 'SECRETzzq|IQoJb3JpZ2lu|Signature=' '$TMP/debug.log'"

# ---- container credentials endpoint (Lambda SnapStart, ECS, EKS) ----
start_server creds node "$S3DIR/fake_servers.js" creds "$TMP/creds.log" "tok-123"
CREDS=http://127.0.0.1:$PORT/2018-06-01/credentials
cput() { # cput ENV...: s3put against s3rver with only container credentials
	OUT=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		-u AWS_CONTAINER_AUTHORIZATION_TOKEN -u AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
		AWS_CONTAINER_CREDENTIALS_FULL_URI="$CREDS" "$@" "$S3PUT" --endpoint "$S3" \
		--bucket test-bucket c1.zip "$TMP/small.zip" c2.zip "$TMP/small.zip" 2>"$TMP/stderr")
	RC=$?
}
cput AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-123
check "container credentials: both uploads succeed" test "$RC" -eq 0
check "container credentials: fetched once for two uploads (cached)" \
	test "$(grep -c . "$TMP/creds.log")" = 1
check "container credentials: Authorization header carries the token" \
	grep -q '"authorization":"tok-123"' "$TMP/creds.log"
printf 'tok-123\n' >"$TMP/token"
cput AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$TMP/token" AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong
check "token file (wins over the variable): uploads succeed" test "$RC" -eq 0
cput AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong
check "rejected token: fails before any S3 attempt" \
	test "$RC $(field rc "$OUT") $(field attempts "$OUT")" = "1 -3 0"
check "rejected token: the endpoint's status is reported" grep -q 'HTTP 401' <<<"$OUT"
start_server shortlived node "$S3DIR/fake_servers.js" creds "$TMP/short.log" "tok-123" 60
CREDS=http://127.0.0.1:$PORT/creds
cput AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-123
check "credentials expiring within 5 min are fetched again for each upload" \
	test "$RC $(grep -c . "$TMP/short.log")" = "0 2"

finish
