#!/usr/bin/env bash
# Failing fast (issue 12) under AWS's own Runtime Interface Emulator (RIE), as
# 53_lambda_s3_faults.sh does under the tests' Runtime API emulator: the RIE runs the probe
# function with AWS's Runtime Interface Client, the layer's wrapper starting the agent
# (tests/lambda/rie.sh). 20 invocations of 20 ms (the probe's "sleep 20") through the RIE's
# invoke endpoint, for each of: a server that accepts and never answers, one that closes
# every connection, 403 on every PUT, 1 KB/s, a port with nothing listening, and 503 for 3
# PUTs then s3rver. rie_start keeps local copies (IOPIPE_PROFILER_LOCAL_DUMP_PATH),
# so every zip stays on disk: the queue's caps name the zips no longer retried, and delete
# none (53 checks the deletions in /tmp). Per case: every invocation answered 200, PUTs
# within 20 + the retries allowed, at most 3 warning lines, the breaker opened once (one
# line), no credential in the log; after "503 x3, then 200" every snapshot is in the store,
# byte for byte its local copy. No time is asserted (bench/lambda_faults.sh measures them).
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
. "$ROOT/tests/s3/fault_checks.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
FAKE=$ROOT/tests/s3/fake_servers.js
WORK=$(mktemp -d /tmp/jvmsnap-rie-faults.XXXXXX)
SERVER_DIR=$WORK
RIE_WORK=$WORK
. "$ROOT/tests/lambda/rie.sh"
trap 'rie_stop; stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
N=20
for need in "$RIE_BIN" "$S3RVER" mvn node curl python3 unshare; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (make test-deps)"; finish; exit 1; }
done
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { not_ok "python3-boto3 is missing (bash scripts/deps.sh --test)"; finish; exit 1; }

rie_probe
rie_setup "$PROBE_CP"
start_server s3rver "$S3RVER" -d "$WORK/s3" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3RVER_PORT=$PORT
declare -A ENDPOINT
start_server blackhole node "$FAKE" hang "$WORK/blackhole.log" && ENDPOINT[blackhole]=$PORT
start_server denied node "$FAKE" capture "$WORK/denied.log" 403:AccessDenied && ENDPOINT[denied]=$PORT
start_server s503 node "$FAKE" failfirst "$WORK/s503.log" "$S3RVER_PORT" 3 && ENDPOINT[s503]=$PORT
start_server reset node "$FAKE" reset "$WORK/reset.log" && ENDPOINT[reset]=$PORT
start_server slow node "$FAKE" slow "$WORK/slow.log" && ENDPOINT[slow]=$PORT
ENDPOINT[refused]=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CASES="blackhole reset denied slow refused s503"
for c in $CASES; do
	check "$c: server on 127.0.0.1:${ENDPOINT[$c]:-?}" test -n "${ENDPOINT[$c]:-}" -a -n "$S3RVER_PORT"
done
echo "sleep 20" >"$WORK/event"

# run_case CASE: one function under a fresh RIE, S3 at the case's server (rie_start reads
# S3_PORT). The 503 case gets a roomy budget, so a loaded machine cannot turn its answers
# into timeouts; the others run with the default 250 ms. The last invocation has no next
# event to hold: its zip is waited for (written and then uploaded, or queued) before the
# RIE stops.
run_case() {
	local c=$1 d=$WORK/$1 extra=(IOPIPE_PROFILER_DEBUG=true)
	[ "$c" = s503 ] && extra+=(IOPIPE_PROFILER_LAMBDA_BUDGET=3s)
	S3_PORT=${ENDPOINT[$c]} rie_start "$d" agent AWS_SECRET_ACCESS_KEY=rie-fault-secret "${extra[@]}"
	for i in $(seq $N); do rie_invoke "$d" "req-$i" "$WORK/event"; done
	for _ in $(seq 300); do
		if [ "$c" = s503 ]; then
			[ "$(grep -Ec 'jvmsnap: info: s3://snaps/\S+\.zip \(' "$d/rie.log")" -ge $((N + 1)) ] && break
		else
			[ "$(grep -c 'jvmsnap: info: snapshot written' "$d/rie.log")" -ge $((N + 1)) ] && sleep 1 && break
		fi
		sleep 0.1
	done
	rie_stop
}
for c in $CASES; do run_case "$c"; done

for c in $CASES; do
	d=$WORK/$c
	log=$d/rie.log
	check "$c: the RIE answered all $N invocations with 200" \
		test "$(grep -c ' 200 ' "$d/answers" 2>/dev/null)" = $N
	check "$c: the runtime reached the RIE through the agent's proxy" \
		grep -q 'Picked up JAVA_TOOL_OPTIONS: -agentpath:/opt/lib/libjvmsnap.so' "$log"
	puts=$(zip_puts "$WORK/$c.log")
	check "$c: zip PUTs within $N + 1 (init) + 3 + 4 retries (${puts:-0})" test "${puts:-0}" -le $((N + 8))
	warnings=$(grep -c '^jvmsnap: warning' "$log")
	check "$c: at most 3 warning lines ($warnings)" test "$warnings" -le 3
	check "$c: init and $N invocation zips on disk ($(ls "$d"/snaps/*.zip 2>/dev/null | wc -l))" \
		test "$(ls "$d"/snaps/*.zip 2>/dev/null | wc -l)" = $((N + 1))
	check "$c: no zip deleted: they are the user's local copies" sh -c "! grep -q '^jvmsnap: info: deleted' '$log'"
	check "$c: no secret key or signature in the log" sh -c "! grep -Eq 'rie-fault-secret|Signature=|Credential=' '$log'"
	[ "$c" = s503 ] && continue
	# (debug lines are on for the holds below: the warning is the one that counts)
	check "$c: the breaker opened once: one 'S3 uploads paused' warning" \
		test "$(grep -c '^jvmsnap: warning: .*; S3 uploads paused for' "$log")" = 1
	# 21 snapshots, 16 may wait: the 5 oldest leave the queue, each named in one line.
	named=$(grep -c "^jvmsnap: info: no longer retrying s3://snaps/.*; the zip stays at $d/snaps/" "$log")
	check "$c: the 5 zips over the queue's cap named as no longer retried ($named)" test "$named" = $((N + 1 - 16))
done
check "denied: 403 is never retried: one PUT per upload" test "$(zip_puts "$WORK/denied.log")" -le $((N + 1))
check "denied: the warning names AccessDenied and the pause" \
	grep -q 'failed: AccessDenied.*HTTP 403, 1 attempts.*S3 uploads paused' "$WORK/denied/rie.log"
# The proxy's hold of each next event, printed as a measure, never asserted (docs/reliability.md).
for c in blackhole reset denied slow refused; do
	holds=$(sed -n 's/.*jvmsnap: debug: next event held \([0-9.]*\) ms.*/\1/p' "$WORK/$c/rie.log" | sort -n)
	check "$c: the proxy held each next event (a debug line each; $(echo "$holds" | grep -c .) holds, p50 $(echo "$holds" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') ms, max $(echo "$holds" | tail -n 1) ms)" \
		test "$(echo "$holds" | grep -c .)" -ge $((N - 1))
done

# 503 x3 then 200: every snapshot in the store, equal to its local copy.
s503_checks "$WORK/s503/rie.log" "$WORK/s503.log" "http://127.0.0.1:$S3RVER_PORT" "$WORK/s503/snaps"
finish
