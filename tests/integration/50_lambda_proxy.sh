#!/usr/bin/env bash
# The Runtime API proxy (jvmagent/net/lambda_proxy.c) between curl acting as the runtime and
# tests/lambda/runtime_api.js acting as Lambda: every call passes unchanged (headers,
# binary and 6 MiB bodies, streamed bodies with trailers, error statuses, init errors), the
# hooks fire in order and wait_idle holds GET .../next, the proxy binds 127.0.0.1 only and
# stops in bounded time with a long poll pending.
. "$(dirname "$0")/lib.sh"
DRIVE=$ROOT/$BUILD/tests/lambdaproxy_drive
EMU=$ROOT/tests/lambda/runtime_api.js
work_area proxy
T=$WORK
needs "make build/tests/lambdaproxy_drive; bash scripts/deps.sh --test" "$DRIVE" node curl jq

now_us() { echo $(($(date +%s%6N))); }

node "$EMU" "$T" 2>"$T/emu.err" &
PIDS+=($!)
wait_for 10 test -s "$T/port" || { not_ok "emulator started"; finish; exit 1; }
UP=127.0.0.1:$(cat "$T/port")
HOLD=$T/release
# A proxy variable in the environment must not divert the Runtime API calls.
http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 "$DRIVE" "$UP" "$HOLD" >"$T/drive.log" 2>"$T/drive.err" &
DRIVE_PID=$!
PIDS+=("$DRIVE_PID")
wait_for 5 grep -q '^listen ' "$T/drive.log" || { not_ok "proxy started"; finish; exit 1; }
PX=$(awk '/^listen /{print $2}' "$T/drive.log")
PORT=${PX##*:}
RT=http://$PX/2018-06-01/runtime

elog() { curl -s "http://$UP/_test/log"; }
# last_rec JQ_SELECT: the last recorded request matching the jq condition.
last_rec() { elog | jq -c "[.[] | select($1)] | last"; }
count_rec() { elog | jq "[.[] | select($1)] | length"; }
enqueue() { # id deadline_ms body_file [curl args...]
	local id=$1 dl=$2 f=$3
	shift 3
	curl -s -o /dev/null -X POST "http://$UP/_test/event?id=$id&deadline=$dl" --data-binary @"$f" "$@"
}
hook_us() { awk -v e="$1" -v a="${2:-}" '$2 == e && (a == "" || $3 == a) {print $1; exit}' "$T/drive.log"; }
hook_count() { awk -v e="$1" -v a="${2:-}" '$2 == e && (a == "" || $3 == a)' "$T/drive.log" | wc -l; }
# For wait_for, which must re-run the count each time:
rec_count_is() { test "$(count_rec "$1")" = "$2"; }
hook_count_is() { test "$(hook_count "$1")" = "$2"; }
# next_bg NAME: the runtime's GET .../next in the background; headers, body, status in $T.
next_bg() {
	curl -s -D "$T/$1.h" -o "$T/$1.body" -w '%{http_code}' "$RT/invocation/next" >"$T/$1.status" &
	NEXT_PID=$!
	PIDS+=("$NEXT_PID")
}
hdr() { tr -d '\r' <"$T/$1.h" | awk -v n="$2" 'BEGIN{IGNORECASE=1} index(tolower($0), tolower(n) ": ") == 1 {sub(/^[^:]*: /, ""); print}'; }
rand_file() { head -c "$2" /dev/urandom >"$T/$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# --- binding
check "proxy listens on 127.0.0.1 only" test "$(ss -Hltn "sport = :$PORT" | awk '{print $4}')" = "127.0.0.1:$PORT"
check "listen address printed as 127.0.0.1:<port>" grep -Eq '^listen 127\.0\.0\.1:[0-9]+$' "$T/drive.log"

# --- first next: init_done, then wait_idle holds the call until released
next_bg n1
wait_for 5 grep -q wait_idle_begin "$T/drive.log"
sleep 0.3
check "first next: init_done before wait_idle" test "$(awk '{print $2}' "$T/drive.log" | sed -n 2,3p | tr '\n' ' ')" = "init_done wait_idle_begin "
b=$(awk '$2 == "wait_idle_begin" {print $3; exit}' "$T/drive.log")
check "first next: budget is what is left of the 10 s init limit ($b ms)" test "$b" -gt 0 -a "$b" -le 9800
check "first next held by wait_idle: nothing forwarded yet" test "$(count_rec '.url | endswith("/next")')" = 0
touch "$HOLD"
wait_for 5 rec_count_is '.url | endswith("/next")' 1
check "released next reaches the Runtime API (http_proxy in the environment ignored)" test "$(count_rec '.url | endswith("/next")')" = 1
t_init=$(hook_us init_done)
t_up=$(last_rec '.url | endswith("/next")' | jq .t_received_us)
check "init_done ran before the first next was forwarded" test "$t_init" -lt "$t_up"

# An event with a 1 MiB binary body and every Lambda-Runtime-* header.
rand_file ev1 1048576
DL1=$(($(now_ms) + 4000))
enqueue inv-1 "$DL1" "$T/ev1" -H 'Content-Type: application/octet-stream' \
	-H 'Lambda-Runtime-Client-Context: eyJjdXN0b20iOnsiayI6InYifX0=' \
	-H 'Lambda-Runtime-Cognito-Identity: {"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}'
wait "$NEXT_PID"
check "next: status 200" test "$(cat "$T/n1.status")" = 200
check "next: 1 MiB binary event byte-exact" cmp -s "$T/ev1" "$T/n1.body"
check "next: request id header" test "$(hdr n1 Lambda-Runtime-Aws-Request-Id)" = inv-1
check "next: deadline header" test "$(hdr n1 Lambda-Runtime-Deadline-Ms)" = "$DL1"
check "next: invoked function ARN header" test "$(hdr n1 Lambda-Runtime-Invoked-Function-Arn)" = arn:aws:lambda:us-east-1:123456789012:function:test
check "next: trace id header" test "$(hdr n1 Lambda-Runtime-Trace-Id)" = 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1'
check "next: client context header" test "$(hdr n1 Lambda-Runtime-Client-Context)" = eyJjdXN0b20iOnsiayI6InYifX0=
check "next: cognito identity header" test "$(hdr n1 Lambda-Runtime-Cognito-Identity)" = '{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}'
check "next: content type" test "$(hdr n1 Content-Type)" = application/octet-stream
check "invocation_start with the request id and deadline" grep -q "invocation_start inv-1 $DL1\$" "$T/drive.log"

# --- a 1-byte response, answered slowly upstream: invocation_end comes after that answer
curl -s -o /dev/null -X POST "http://$UP/_test/answer-delay?ms=300"
st=$(curl -s -o "$T/r1.body" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary x "$RT/invocation/inv-1/response")
curl -s -o /dev/null -X POST "http://$UP/_test/answer-delay?ms=0"
check "1-byte response: 202 and Lambda's body" test "$st:$(cat "$T/r1.body")" = '202:{"status":"OK"}'
r=$(last_rec '.url == "/2018-06-01/runtime/invocation/inv-1/response"')
check "1-byte response: body byte-exact upstream" test "$(jq -r .sha256 <<<"$r")" = "$(printf x | sha256sum | cut -d' ' -f1)"
check "1-byte response: Content-Type passed" test "$(jq -r '.headers | . as $h | [range(0; length; 2) | select($h[.] == "Content-Type") | $h[. + 1]] | first' <<<"$r")" = text/plain
wait_for 2 grep -q 'invocation_end inv-1' "$T/drive.log"
t_end=$(hook_us invocation_end inv-1)
check "invocation_end after the Runtime API answered the response" test "$t_end" -ge "$(jq .t_answer_us <<<"$r")"
check "invocation_end after the upstream's 300 ms delay" test "$t_end" -ge $(($(jq .t_body_us <<<"$r") + 300000))
check "invocation_end once" test "$(hook_count invocation_end inv-1)" = 1

# --- next without release: wait_idle is bounded by what is left of inv-1's deadline
t_sent=$(now_ms)
next_bg n2
wait_for 5 hook_count_is wait_idle_begin 2
b2=$(awk '$2 == "wait_idle_begin" {v=$3} END {print v}' "$T/drive.log")
# The proxy reads its clock between the moment the test sent the next and the hook's own
# timestamp: the budget lies between what inv-1's deadline leaves (less 200 ms) at those two
# instants, however long the machine took in between.
lo=$((DL1 - $(awk '$2 == "wait_idle_begin" {v=$1} END {print v}' "$T/drive.log") / 1000 - 200))
hi=$((DL1 - t_sent - 200))
check "second next: budget from inv-1's deadline ($b2 ms, in [$lo, $hi])" test "$b2" -ge $((lo - 5)) -a "$b2" -le $((hi + 5))
sleep 0.3
check "second next held while wait_idle blocks" test "$(count_rec '.url | endswith("/next")')" = 1
wait_for 5 rec_count_is '.url | endswith("/next")' 2
check "wait_idle gave up at its budget" grep -q 'wait_idle_end budget' "$T/drive.log"
held=$(awk '$2 == "wait_idle_end" {v=$4} END {print v}' "$T/drive.log")
t_idle_end=$(awk '$2 == "wait_idle_end" {v=$1} END {print v}' "$T/drive.log")
check "the held next reached the Runtime API only after wait_idle gave up (held $held ms of $b2)" \
	test "$(last_rec '.url | endswith("/next")' | jq .t_received_us)" -ge "${t_idle_end:-0}" -a "${held:-0}" -ge "$b2"
rand_file ev2 6291456
enqueue inv-2 $(($(now_ms) + 60000)) "$T/ev2" -H 'Content-Type: application/octet-stream'
wait "$NEXT_PID"
check "next: 6 MiB binary event byte-exact" cmp -s "$T/ev2" "$T/n2.body"

# --- a 6 MiB binary response
rand_file r6 6291456
st=$(curl -s -o "$T/r2.body" -w '%{http_code}' -H 'Content-Type: application/octet-stream' --data-binary @"$T/r6" "$RT/invocation/inv-2/response")
check "6 MiB response: 202" test "$st" = 202
r=$(last_rec '.url == "/2018-06-01/runtime/invocation/inv-2/response"')
check "6 MiB response: byte-exact upstream" test "$(jq -r '"\(.sha256) \(.body_len)"' <<<"$r")" = "$(sha "$T/r6") 6291456"
wait_for 2 grep -q 'invocation_end inv-2' "$T/drive.log"
check "invocation_end inv-2" test "$(hook_count invocation_end inv-2)" = 1

# --- released next, then a handler error
touch "$HOLD"
next_bg n3
printf '{}' >"$T/ev3"
enqueue inv-3 $(($(now_ms) + 60000)) "$T/ev3"
wait "$NEXT_PID"
check "released next: wait_idle_end released" test "$(awk '$2 == "wait_idle_end" {v=$3} END {print v}' "$T/drive.log")" = released
ERR='{"errorMessage":"boom","errorType":"java.lang.IllegalStateException","stackTrace":["a.B.c(B.java:1)"]}'
st=$(curl -s -o "$T/e3.body" -w '%{http_code}' -H 'Lambda-Runtime-Function-Error-Type: Function.Unhandled' \
	-H 'Content-Type: application/json' -H 'X-Dup: 1' -H 'X-Dup: 2' -H 'X-Empty;' --data-binary "$ERR" "$RT/invocation/inv-3/error")
check "handler error: 202" test "$st" = 202
r=$(last_rec '.url == "/2018-06-01/runtime/invocation/inv-3/error"')
check "handler error: body byte-exact" cmp -s "$(jq -r .body_file <<<"$r")" <(printf '%s' "$ERR")
check "handler error: error type header" test "$(jq -c '.headers | index("Lambda-Runtime-Function-Error-Type") as $i | .[$i + 1]' <<<"$r")" = '"Function.Unhandled"'
check "repeated headers both passed, in order" test "$(jq -c '.headers | [range(0; length; 2) as $i | select(.[$i] == "X-Dup") | .[$i + 1]]' <<<"$r")" = '["1","2"]'
check "empty header passed" test "$(jq -c '.headers | index("X-Empty") as $i | .[$i + 1]' <<<"$r")" = '""'
wait_for 2 grep -q 'invocation_end inv-3' "$T/drive.log"
check "invocation_end after an error post" test "$(hook_count invocation_end inv-3)" = 1

# --- errors from the Runtime API come back unchanged, and do not end the invocation
touch "$HOLD"
next_bg n4
enqueue inv-4 $(($(now_ms) + 60000)) "$T/ev3"
wait "$NEXT_PID"
head -c 6291457 /dev/urandom >"$T/big"
st=$(curl -s -o "$T/r4.body" -w '%{http_code}' --data-binary @"$T/big" "$RT/invocation/inv-4/response")
check "6 MiB + 1 response: 413 passed back" test "$st" = 413
check "413 body unchanged" test "$(cat "$T/r4.body")" = '{"errorMessage":"Exceeded maximum allowed payload size (6291456 bytes).","errorType":"RequestEntityTooLarge"}'
sleep 0.1
check "no invocation_end for a rejected response" test "$(hook_count invocation_end inv-4)" = 0
st=$(curl -s -o "$T/r5.body" -w '%{http_code}' --data-binary x "$RT/invocation/no-such-id/response")
check "unknown request id: 400 and body passed back" test "$st:$(cat "$T/r5.body")" = '400:{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}'
curl -s -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: Function.ResponseSizeTooLarge' --data-binary '{"errorMessage":"too large"}' "$RT/invocation/inv-4/error"
wait_for 2 grep -q 'invocation_end inv-4' "$T/drive.log"
check "invocation_end once the error post is accepted" test "$(hook_count invocation_end inv-4)" = 1

# --- response streaming: chunked body with trailers, streamed through (not stored first)
touch "$HOLD"
next_bg n5
enqueue inv-5 $(($(now_ms) + 60000)) "$T/ev3"
wait "$NEXT_PID"
rand_file s5 262144
node "$ROOT/tests/lambda/stream_client.js" "$RT/invocation/inv-5/response" "$T/s5" 400 >"$T/s5.out"
check "streamed response: 202 and body" test "$(head -n 2 "$T/s5.out" | tr '\n' ' ')" = '202 {"status":"OK"} '
r=$(last_rec '.url == "/2018-06-01/runtime/invocation/inv-5/response"')
check "streamed response: body byte-exact" test "$(jq -r .sha256 <<<"$r")" = "$(sha "$T/s5")"
check "streamed response: still chunked upstream" test "$(jq -c '.headers | index("Transfer-Encoding") as $i | .[$i + 1]' <<<"$r")" = '"chunked"'
check "streamed response: response mode header" test "$(jq -c '.headers | index("Lambda-Runtime-Function-Response-Mode") as $i | .[$i + 1]' <<<"$r")" = '"streaming"'
check "streamed response: Trailer header" test "$(jq -c '.headers | index("Trailer") as $i | .[$i + 1]' <<<"$r")" = '"Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"'
check "streamed response: trailers unchanged" test "$(jq -c .trailers <<<"$r")" = '["Lambda-Runtime-Function-Error-Type","Function.StreamBroken","Lambda-Runtime-Function-Error-Body","eyJlcnJvck1lc3NhZ2UiOiJicm9rZW4ifQ=="]'
last_us=$(awk '/^last_chunk_us/ {print $2}' "$T/s5.out")
check "streamed response: first bytes upstream before the runtime sent the rest" test "$(jq .t_first_byte_us <<<"$r")" -lt "$last_us"

# --- init error, other paths and query strings pass unchanged
st=$(curl -s -o "$T/ie.body" -w '%{http_code}' -H 'Lambda-Runtime-Function-Error-Type: Runtime.ExitError' \
	--data-binary '{"errorMessage":"init failed","errorType":"Runtime.ExitError"}' "$RT/init/error")
r=$(last_rec '.url == "/2018-06-01/runtime/init/error"')
check "init error: 202" test "$st" = 202
check "init error: header and body upstream" test "$(jq -c '[(.headers | index("Lambda-Runtime-Function-Error-Type") as $i | .[$i + 1]), .body_len]' <<<"$r")" = '["Runtime.ExitError",62]'
st=$(curl -s -o "$T/q.body" -w '%{http_code}' "http://$PX/2018-06-01/runtime/odd%2Fpath?a=1&b=%20c&&d")
check "unknown path: 404 from upstream passed back" test "$st" = 404
check "raw path and query unchanged" test "$(count_rec '.url == "/2018-06-01/runtime/odd%2Fpath?a=1&b=%20c&&d"')" = 1

# --- the Runtime API closing a kept-alive connection: calls are sent again on a new one
curl -s -o /dev/null -X POST "http://$UP/_test/drop-reused?on=1"
touch "$HOLD"
next_bg nr
enqueue inv-r $(($(now_ms) + 60000)) "$T/ev3"
wait "$NEXT_PID"
check "next sent again after a dropped connection" test "$(cat "$T/nr.status"):$(hdr nr Lambda-Runtime-Aws-Request-Id)" = 200:inv-r
rand_file rr 4096
st=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/rr" "$RT/invocation/inv-r/response")
r=$(last_rec '.url == "/2018-06-01/runtime/invocation/inv-r/response"')
check "response body sent again whole after a dropped connection" test "$st:$(jq -r .sha256 <<<"$r")" = "202:$(sha "$T/rr")"
d1=$(curl -s "http://$UP/_test/stats" | jq .dropped)
rand_file rbig 131072
st=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/rbig" "http://$PX/2018-06-01/runtime/big-body")
d2=$(curl -s "http://$UP/_test/stats" | jq .dropped)
curl -s -o /dev/null -X POST "http://$UP/_test/drop-reused?on=0"
check "the Runtime API dropped calls on reused connections ($d1)" test "$d1" -ge 2
check "a body too long to keep goes on a fresh connection" test "$st:$d2:$(count_rec '.url == "/2018-06-01/runtime/big-body" and .body_len == 131072')" = "404:$d1:1"

# --- a next without a response closes the open invocation first
touch "$HOLD"
next_bg n6
enqueue inv-6 $(($(now_ms) + 60000)) "$T/ev3"
wait "$NEXT_PID"
touch "$HOLD"
next_bg n7 # stays pending: a long poll with no event
wait_for 5 rec_count_is '.url | endswith("/next")' 8
check "next after an unanswered event: invocation_end before wait_idle" \
	test "$(awk '{print $2, $3}' "$T/drive.log" | tail -n 3 | head -n 2 | tr '\n' ' ')" = "invocation_end inv-6 wait_idle_begin $(awk '$2 == "wait_idle_begin" {v=$3} END {print v}' "$T/drive.log") "
check "hook order over the run" test "$(awk '$1 ~ /^[0-9]+$/ && $2 !~ /^wait_idle/ {print $2, $3}' "$T/drive.log" | tr '\n' ',')" = \
	"init_done ,invocation_start inv-1,invocation_end inv-1,invocation_start inv-2,invocation_end inv-2,invocation_start inv-3,invocation_end inv-3,invocation_start inv-4,invocation_end inv-4,invocation_start inv-5,invocation_end inv-5,invocation_start inv-r,invocation_end inv-r,invocation_start inv-6,invocation_end inv-6,"

# --- stop in bounded time with that long poll pending
sleep 0.3
kill -TERM "$DRIVE_PID"
wait_for 60 grep -q '^stopped' "$T/drive.log"
ms=$(awk '/^stopped/ {print $2}' "$T/drive.log")
# Whether it returns is the check (lambda.h: about a second); how long it took is printed.
check "stop with a long poll pending returns (${ms:-?} ms)" test -n "$ms"
wait "$NEXT_PID"
check "the pending next got an answer (no hang)" test -n "$(cat "$T/n7.status")"

# --- upstream unreachable: a 502 answer, the proxy keeps running
"$DRIVE" 127.0.0.1:1 >"$T/drive2.log" 2>"$T/drive2.err" &
PIDS+=($!)
wait_for 5 grep -q '^listen ' "$T/drive2.log"
PX2=$(awk '/^listen /{print $2}' "$T/drive2.log")
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 "http://$PX2/2018-06-01/runtime/invocation/next")
st2=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 --data-binary x "http://$PX2/2018-06-01/runtime/invocation/x/response")
check "unreachable Runtime API: 502, twice" test "$st:$st2" = 502:502
check "failure logged without secrets, with the jvmsnap prefix" grep -q '^jvmsnap: warning: Runtime API call /2018-06-01/runtime/invocation/next failed' "$T/drive2.err"

finish
