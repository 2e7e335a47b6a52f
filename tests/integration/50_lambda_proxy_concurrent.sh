#!/usr/bin/env bash
# The Runtime API proxy with several invocations open at once (Lambda Managed Instances: one
# GET .../next loop per runtime thread), between curl acting as six runtime threads and
# tests/lambda/runtime_api.js: concurrency is detected (a next while another waits upstream,
# or AWS_LAMBDA_MAX_CONCURRENCY > 1), each event reaches exactly one caller, responses posted
# in any order on any connection are matched by the request id in the path, each invocation
# gets exactly one invocation_start and one invocation_end, a next ends no open invocation,
# an unanswered one ends once its deadline has passed, and stop stays bounded.
. "$(dirname "$0")/lib.sh"
DRIVE=$ROOT/$BUILD/tests/lambdaproxy_drive
EMU=$ROOT/tests/lambda/runtime_api.js
work_area proxy-conc
T=$WORK
needs "make build/tests/lambdaproxy_drive; bash scripts/deps.sh --test" "$DRIVE" node curl jq

# start NAME [VAR=VALUE...]: an emulator and a proxy driver in front of it (UP, PX, LOG)
start() {
	local name=$1
	shift
	mkdir -p "$T/$name"
	node "$EMU" "$T/$name" 2>"$T/$name/emu.err" &
	PIDS+=($!)
	wait_for 10 test -s "$T/$name/port" || { not_ok "$name: emulator started"; finish; exit 1; }
	UP=127.0.0.1:$(cat "$T/$name/port")
	LOG=$T/$name/drive.log
	env "$@" "$DRIVE" "$UP" >"$LOG" 2>"$T/$name/drive.err" &
	DRIVE_PID=$!
	PIDS+=("$DRIVE_PID")
	wait_for 5 grep -q '^listen ' "$LOG" || { not_ok "$name: proxy started"; finish; exit 1; }
	PX=$(awk '/^listen /{print $2}' "$LOG")
	RT=http://$PX/2018-06-01/runtime
	D=$T/$name
}
elog() { curl -s "http://$UP/_test/log"; }
count_rec() { elog | jq "[.[] | select($1)] | length"; }
rec_count_is() { test "$(count_rec "$1")" = "$2"; }
hook_count() { awk -v e="$1" -v a="${2:-}" '$2 == e && (a == "" || $3 == a)' "$LOG" | wc -l; }
hook_line() { awk -v e="$1" -v a="${2:-}" '$2 == e && (a == "" || $3 == a) {print NR; exit}' "$LOG"; }
stat() { curl -s "http://$UP/_test/stats" | jq ".$1"; }
enqueue() { curl -s -o /dev/null -X POST "http://$UP/_test/event?id=$1&deadline=$2" --data-binary "{\"n\":\"$1\"}"; }
next_bg() { # next_bg NAME: one runtime thread's GET .../next, on its own connection
	curl -s -D "$D/$1.h" -o "$D/$1.body" -w '%{http_code}' "$RT/invocation/next" >"$D/$1.status" &
	PIDS+=($!)
	eval "PID_$1=$!"
}
req_id() { tr -d '\r' <"$D/$1.h" | awk 'tolower($1) == "lambda-runtime-aws-request-id:" {print $2}'; }

# --- six threads wait at once: concurrency seen at the second next
start dyn
for i in 1 2 3 4 5 6; do next_bg n$i; done
wait_for 5 rec_count_is '.url | endswith("/next")' 6
check "six nexts wait upstream at once" test "$(count_rec '.url | endswith("/next")')" = 6
check "concurrency announced once, after init_done and before any event" \
	test "$(hook_count concurrent):$(awk '$2 !~ /^wait_idle/ && $1 ~ /^[0-9]+$/ {print $2}' "$LOG" | head -n 2 | tr '\n' ' ')" = "1:init_done concurrent "
FAR=$(($(now_ms) + 600000))
for i in 1 2 3 4 5 6; do enqueue c$i "$FAR"; done
for i in 1 2 3 4 5 6; do eval "wait \$PID_n$i"; done
ids=$(for i in 1 2 3 4 5 6; do req_id n$i; done | sort | tr '\n' ' ')
check "each of the six threads got one event, each event one thread ($ids)" test "$ids" = "c1 c2 c3 c4 c5 c6 "
check "every next answered 200" test "$(cat "$D"/n[1-6].status | tr -d '\n')" = 200200200200200200
check "six invocations started, each once" sh -c "for i in 1 2 3 4 5 6; do [ \"\$(awk -v a=c\$i '\$2 == \"invocation_start\" && \$3 == a' '$LOG' | wc -l)\" = 1 ] || exit 1; done"
check "all six open at once at the Runtime API" test "$(stat max_outstanding)" = 6
check "the handler thread asked for each, before its start; curl is another process: not known (0 -)" \
	sh -c "for i in 1 2 3 4 5 6; do [ \"\$(awk -v a=c\$i '\$2 == \"handler\" && \$3 == a {print \$4, \$5, NR}' '$LOG' | cut -d' ' -f1,2)\" = '0 -' ] &&
		[ \"\$(awk -v a=c\$i '\$2 == \"handler\" && \$3 == a {print NR}' '$LOG')\" -lt \"\$(awk -v a=c\$i '\$2 == \"invocation_start\" && \$3 == a {print NR}' '$LOG')\" ] || exit 1; done"

# each thread loops: its next for the following event goes out before any response
for i in 1 2 3 4 5 6; do next_bg m$i; done
wait_for 5 rec_count_is '.url | endswith("/next")' 12
sleep 0.2
check "nexts from the other threads end no open invocation" test "$(hook_count invocation_end)" = 0

# responses in the reverse order, two of them at once, each naming its own id
for i in 6 5; do
	curl -s -o /dev/null -w '%{http_code}' --data-binary "answer-$i" "$RT/invocation/c$i/response" >"$D/r$i.status" &
	PIDS+=($!)
done
wait_for 5 sh -c "[ \"\$(awk '\$2 == \"invocation_end\"' '$LOG' | wc -l)\" = 2 ]"
for i in 4 3 2; do
	curl -s -o /dev/null -w '%{http_code}' --data-binary "answer-$i" "$RT/invocation/c$i/response" >"$D/r$i.status"
done
curl -s -o /dev/null -w '%{http_code}' -H 'Lambda-Runtime-Function-Error-Type: Runtime.UserException' \
	--data-binary '{"errorMessage":"boom"}' "$RT/invocation/c1/error" >"$D/r1.status"
wait_for 5 sh -c "[ \"\$(awk '\$2 == \"invocation_end\"' '$LOG' | wc -l)\" = 6 ]"
check "every response and the error accepted (202)" test "$(cat "$D"/r[1-6].status | tr -d '\n')" = 202202202202202202
check "each invocation ended once, after its start" sh -c "for i in 1 2 3 4 5 6; do
	s=\$(awk -v a=c\$i '\$2 == \"invocation_start\" && \$3 == a {print NR}' '$LOG'); e=\$(awk -v a=c\$i '\$2 == \"invocation_end\" && \$3 == a {print NR}' '$LOG')
	[ \"\$(echo \$e | wc -w)\" = 1 ] && [ \"\$s\" -lt \"\$e\" ] || exit 1; done"
check "ended in the order they were answered (c6/c5, then c4 c3 c2 c1)" \
	test "$(awk '$2 == "invocation_end" {print $3}' "$LOG" | tail -n 4 | tr '\n' ' ')" = "c4 c3 c2 c1 "
check "each response body reached the Runtime API under its own id" sh -c "for i in 2 3 4 5 6; do
	f=\$(curl -s 'http://$UP/_test/log' | jq -r \"[.[] | select(.url == \\\"/2018-06-01/runtime/invocation/c\$i/response\\\")] | last | .body_file\")
	[ \"\$(cat \"\$f\")\" = answer-\$i ] || exit 1; done"
check "nothing left outstanding at the Runtime API" test "$(stat outstanding)" = 0
st=$(curl -s -o /dev/null -w '%{http_code}' --data-binary x "$RT/invocation/c3/response")
check "a second response to an ended invocation: passed on ($st), no second end" \
	test "$st:$(hook_count invocation_end c3)" = "202:1"

# --- an invocation never answered ends once its deadline has passed (at the next event)
enqueue late $(($(now_ms) + 300))
wait_for 5 sh -c "grep -q 'invocation_start late' '$LOG'"
sleep 0.5
enqueue after "$FAR"
wait_for 5 sh -c "grep -q 'invocation_start after' '$LOG'"
check "past its deadline, unanswered: ended before the next event starts" \
	test "$(hook_line invocation_end late)" -lt "$(hook_line invocation_start after)"

# --- stop with four long polls pending
kill -TERM "$DRIVE_PID"
wait_for 60 grep -q '^stopped' "$LOG"
ms=$(awk '/^stopped/ {print $2}' "$LOG")
# Whether it returns is the check (lambda.h: about a second); how long it took is printed.
check "stop with four long polls pending returns (${ms:-?} ms)" test -n "$ms"

# --- AWS_LAMBDA_MAX_CONCURRENCY > 1: concurrent from the first next, even with one loop
start env AWS_LAMBDA_MAX_CONCURRENCY=4
next_bg a
wait_for 5 rec_count_is '.url | endswith("/next")' 1
check "AWS_LAMBDA_MAX_CONCURRENCY=4: concurrency announced before init_done" \
	test "$(awk '$2 !~ /^wait_idle/ && $1 ~ /^[0-9]+$/ {print $2}' "$LOG" | head -n 2 | tr '\n' ' ')" = "concurrent init_done "
enqueue e1 "$FAR"
wait "$PID_a"
next_bg b # the same loop asks again before answering: another thread's, in this mode
wait_for 5 rec_count_is '.url | endswith("/next")' 2
sleep 0.2
check "a next ends no open invocation" test "$(hook_count invocation_end e1)" = 0
curl -s -o /dev/null --data-binary ok "$RT/invocation/e1/response"
wait_for 5 sh -c "grep -q 'invocation_end e1' '$LOG'"
check "the response ends it, once" test "$(hook_count invocation_end e1)" = 1
kill -TERM "$DRIVE_PID"
wait_for 5 grep -q '^stopped' "$LOG"

# --- AWS_LAMBDA_MAX_CONCURRENCY=1 and one loop: one at a time, as without it
start one AWS_LAMBDA_MAX_CONCURRENCY=1
next_bg a
wait_for 5 rec_count_is '.url | endswith("/next")' 1
enqueue s1 "$FAR"
wait "$PID_a"
next_bg b
wait_for 5 sh -c "grep -q 'invocation_end s1' '$LOG'"
check "AWS_LAMBDA_MAX_CONCURRENCY=1: no concurrency, a next ends the open invocation, no handler lookup" \
	test "$(hook_count concurrent):$(hook_count invocation_end s1):$(hook_count handler)" = 0:1:0
kill -TERM "$DRIVE_PID"
wait_for 5 grep -q '^stopped' "$LOG"
finish
