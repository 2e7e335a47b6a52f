#!/usr/bin/env bash
# The agent against AWS's own Lambda components: the Runtime Interface Emulator (RIE, built
# from its Go module) runs the function's bootstrap, which starts the layer's wrapper
# (AWS_LAMBDA_EXEC_WRAPPER=/opt/bin/jvmsnap-wrapper, /opt being this build laid out as the
# layer, in a private mount namespace) and java with AWS's Runtime Interface Client (RIC);
# the RIC talks to the agent's Runtime API proxy, which talks to the RIE. A recording relay
# (tests/lambda/record_proxy.js) just in front of the RIE writes down what reaches it, so
# every run is done twice, with and without the agent, and compared: invoke answers (status
# and body) and every /runtime/... call (method, path, headers, body), for marked
# invocations, a handler exception, a 6 MB event and response (and one byte more), an
# init exception and a timeout. With the agent: one init snapshot and one per
# invocation, each with the method only that invocation ran, loaded by VisualVM's loader,
# and in S3 before the next invocation's response.
. "$(dirname "$0")/lib.sh"
. "$ROOT/scripts/aws_tools.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
WORK=$(mktemp -d /tmp/jvmsnap-rie.XXXXXX)
SERVER_DIR=$WORK
RIE_WORK=$WORK
. "$ROOT/tests/lambda/rie.sh"
trap 'rie_stop; stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
for need in "$RIE_BIN" "$S3RVER" mvn node curl python3 unshare; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing (make test-deps)"; finish; exit 1; }
done

# The function: tests/lambda/ric built offline by Maven (make test-deps resolved it).
mvn -o -q -B -f "$ROOT/tests/lambda/ric/pom.xml" -DbuildDir="$WORK/probe" package \
	org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
	-Dmdep.outputFile="$WORK/probe/cp.txt" >"$WORK/mvn.out" 2>&1
check "the probe function builds with Maven, offline, against the RIC $RIC_VERSION" \
	sh -c "test -f '$WORK/probe/probe.jar' && grep -q 'aws-lambda-java-runtime-interface-client-$RIC_VERSION.jar' '$WORK/probe/cp.txt'"
rie_setup "$WORK/probe/probe.jar:$(cat "$WORK/probe/cp.txt" 2>/dev/null)"

start_server s3rver "$S3RVER" -d "$WORK/s3" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT

# Events: 6 marked invocations (>= 5), a handler exception, a 6 MB event echoed back as a
# 6 MB response (Lambda's limit, 6291456 bytes), and one byte more.
mkdir -p "$WORK/ev"
for k in 1 2 3 4 5 6; do printf 'mark %s\n' "$k" >"$WORK/ev/mark$k"; done
echo fail >"$WORK/ev/fail"
python3 -c 'import sys; h = b"echo\n"; sys.stdout.buffer.write(h + b"x" * (6291456 - len(h)))' >"$WORK/ev/echo6m"
python3 -c 'import sys; h = b"echo\n"; sys.stdout.buffer.write(h + b"y" * (6291457 - len(h)))' >"$WORK/ev/echo6m1"
MAIN=(mark1 mark2 mark3 mark4 mark5 mark6 fail echo6m echo6m1)

# The budget that lets the next event go before a slow upload ends (lambdabudget, 250 ms,
# tested by 53_lambda_s3_faults.sh) is raised here, so that a loaded machine cannot reorder
# what this test checks: each upload before the next event.
run_main() { # run_main MODE
	local dir=$WORK/main-$1 ev i
	rie_start "$dir" "$1" IOPIPE_PROFILER_LAMBDA_BUDGET=20000
	for ev in "${MAIN[@]}"; do rie_invoke "$dir" "req-$ev" "$WORK/ev/$ev"; done
	# The last invocation has no next event to hold: wait for its upload before stopping.
	for i in $(seq 300); do
		[ "$1" = plain ] || ls "$WORK"/s3/snaps/jvmsnap/probe/*/*/*/*_req-"${MAIN[-1]}".zip._S3rver_object >/dev/null 2>&1 && break
		sleep 0.1
	done
	rie_stop
}
run_main agent
run_main plain
A=$WORK/main-agent
P=$WORK/main-plain

check "agent: the RIE answered all ${#MAIN[@]} invocations" test "$(wc -l <"$A/answers" 2>/dev/null)" = ${#MAIN[@]}
check "agent: the runtime reached the RIE through the agent's proxy (wrapper added the agent)" \
	sh -c "grep -q 'Picked up JAVA_TOOL_OPTIONS: -agentpath:/opt/lib/libjvmsnap.so' '$A/rie.log'"
for k in 1 2 3 4 5 6; do
	check "agent: req-mark$k answered 200 'marked $k'" \
		sh -c "grep -q '^req-mark$k 200 ' '$A/answers' && test \"\$(cat '$A/answer-req-mark$k')\" = 'marked $k'"
done
check "agent: the handler exception answers the RIC's error document" \
	grep -q '"errorType":"java.lang.IllegalStateException"' "$A/answer-req-fail"
check "agent: the 6 MB event comes back whole (6291456 bytes, same sha256)" \
	sh -c "grep -q \"^req-echo6m 200 $(sha256sum <"$WORK/ev/echo6m" | cut -c1-64) 6291456 \" '$A/answers'"
cut -d' ' -f1-4 "$A/answers" >"$A/answers.cmp" 2>/dev/null
cut -d' ' -f1-4 "$P/answers" >"$P/answers.cmp" 2>/dev/null
check "invoke answers (status, body sha256, length) identical with and without the agent" \
	cmp -s "$A/answers.cmp" "$P/answers.cmp"
rie_calls "$A" >"$A/calls" 2>/dev/null
rie_calls "$P" >"$P/calls" 2>/dev/null
check "what reached the RIE is identical with and without the agent ($(wc -l <"$P/calls") calls)" \
	sh -c "test -s '$P/calls' && cmp -s '$A/calls' '$P/calls'" || diff "$P/calls" "$A/calls" | cut -c1-400 | head -20
check "the RIC's handler error reached the RIE at /runtime/invocation/{id}/error with Lambda-Runtime-Function-Error-Type" \
	grep -qE "^POST /2018-06-01/runtime/invocation/req-fail/error .*'lambda-runtime-function-error-type', 'Runtime.UserException'" "$A/calls"
check "the 6 MB response reached the RIE whole through the proxy" \
	grep -qE "^POST /2018-06-01/runtime/invocation/req-echo6m/response .* 6291456 " "$A/calls"
# This RIE does not enforce Lambda's 6 MB limit (it accepts the response with 202), so the
# byte over it shows only that the proxy passes what the RIE decides, as without the agent.
check "6 MB + 1 byte: passed to the RIE and its 202 back, as without the agent" \
	grep -qE "^POST /2018-06-01/runtime/invocation/req-echo6m1/response .* 6291457 [0-9a-f]{64} 202 " "$A/calls"

# Snapshots: one for init, one per invocation; each marked invocation's holds its own mark.
init_zip=$(ls "$A"/snaps/*_init*.zip 2>/dev/null | head -n 1)
check "an init snapshot" test -n "$init_zip"
check "$((${#MAIN[@]} + 1)) zips: init + one per invocation" test "$(ls "$A"/snaps/*.zip 2>/dev/null | wc -l)" = $((${#MAIN[@]} + 1))
has=()
for k in 1 2 3 4 5 6; do has+=(--has "probe.Probe.mark$k"); done
for z in "$A"/snaps/*.zip; do
	nps_check --has probe.Probe.initWork "${has[@]}" "$z" >"$z.summary" 2>&1
	check "$(basename "$z"): loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
done
check "init snapshot: the class initialiser's work, no mark" sh -c \
	"grep -qP '^has probe.Probe.initWork\tyes\t' '$init_zip.summary' && ! grep -qP '^has probe.Probe.mark[0-9]\tyes\t' '$init_zip.summary'"
for k in 1 2 3 4 5 6; do
	z=$(rie_zip_of "$A/snaps" "req-mark$k")
	check "req-mark$k: its own snapshot holds mark$k and no other mark" sh -c \
		"[ -n '$z' ] && grep -qP '^has probe.Probe.mark$k\tyes\t' '$z.summary' && test \$(grep -cP '^has probe.Probe.mark[0-9]\tyes\t' '$z.summary') = 1"
done
# S3: each invocation's zip stored before the RIC asked for the next event, and so before
# the next invocation's answer.
check "each invocation's zip is in S3, stored before the runtime's next GET next reached the RIE and before the next answer" \
	python3 - "$A/relay/requests.jsonl" "$A/answers" "$WORK/s3/snaps" "${MAIN[@]}" <<'PY'
import json, os, sys, glob
reqs = [json.loads(l) for l in open(sys.argv[1])]
answers = {l.split()[0]: int(l.split()[4]) for l in open(sys.argv[2])}
ok = True
for i, ev in enumerate(sys.argv[4:]):
    objs = glob.glob(f"{sys.argv[3]}/jvmsnap/probe/*/*/*/*_req-{ev}.zip._S3rver_object")
    if len(objs) != 1:
        print("no object for", ev); ok = False; continue
    stored = os.stat(objs[0]).st_mtime_ns // 1000
    # the GET next that follows this invocation's response or error
    done = [r for r in reqs if r["method"] == "POST" and f"/invocation/req-{ev}/" in r["url"]]
    nxt = [r for r in reqs if r["url"].endswith("/invocation/next") and done and r["t_received_us"] > done[0]["t_received_us"]]
    if not done or not nxt:
        print("no calls for", ev); ok = False; continue
    if not stored <= nxt[0]["t_received_us"]:
        print(ev, "stored", stored, "after next", nxt[0]["t_received_us"]); ok = False
    if i + 1 < len(sys.argv[4:]) and not stored <= answers["req-" + sys.argv[4:][i + 1]]:
        print(ev, "stored after the next answer"); ok = False
sys.exit(not ok)
PY
check "agent: no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$A/rie.log'"

# Init exception: the RIC posts /runtime/init/error; the invoke answer and the call that
# reaches the RIE are the same with and without the agent.
for mode in agent plain; do
	d=$WORK/initerr-$mode
	rie_start "$d" "$mode" PROBE_INIT_FAIL=1
	rie_invoke "$d" req-init "$WORK/ev/mark1"
	rie_stop
	rie_calls "$d" >"$d/calls" 2>/dev/null
	cut -d' ' -f1-4 "$d/answers" >"$d/answers.cmp" 2>/dev/null
done
check "init exception: the RIC's /runtime/init/error reached the RIE through the proxy, with its error type" \
	grep -qE "^POST /2018-06-01/runtime/init/error .*'lambda-runtime-function-error-type'" "$WORK/initerr-agent/calls"
check "init exception: invoke answer identical with and without the agent" \
	sh -c "test -s '$WORK/initerr-plain/answers.cmp' && cmp -s '$WORK/initerr-agent/answers.cmp' '$WORK/initerr-plain/answers.cmp'"
check "init exception: what reached the RIE identical with and without the agent" \
	sh -c "test -s '$WORK/initerr-plain/calls' && cmp -s '$WORK/initerr-agent/calls' '$WORK/initerr-plain/calls'"

# Timeout: the RIE answers "Task timed out", kills the runtime and starts a new one for the
# next invocation; both answers are the same with and without the agent. The RIE gives the
# init the same limit, so it is 8 s, not less: a loaded machine must not time out the init.
echo 'sleep 20000' >"$WORK/ev/sleep"
for mode in agent plain; do
	d=$WORK/timeout-$mode
	rie_start "$d" "$mode" AWS_LAMBDA_FUNCTION_TIMEOUT=8
	rie_invoke "$d" req-slow "$WORK/ev/sleep"
	rie_invoke "$d" req-after "$WORK/ev/mark2"
	rie_stop
	cut -d' ' -f1-4 "$d/answers" >"$d/answers.cmp" 2>/dev/null
done
check "timeout: 'Task timed out after 8.00 seconds', then the next invocation runs" sh -c \
	"grep -q 'Task timed out after 8.00 seconds' '$WORK/timeout-agent/answer-req-slow' && test \"\$(cat '$WORK/timeout-agent/answer-req-after')\" = 'marked 2'"
check "timeout: answers identical with and without the agent" \
	sh -c "test -s '$WORK/timeout-plain/answers.cmp' && cmp -s '$WORK/timeout-agent/answers.cmp' '$WORK/timeout-plain/answers.cmp'" ||
	diff "$WORK/timeout-plain/answers.cmp" "$WORK/timeout-agent/answers.cmp"
z=$(rie_zip_of "$WORK/timeout-agent/snaps" req-after)
[ -n "$z" ] && nps_check --has probe.Probe.mark2 "$z" >"$z.summary" 2>&1
check "timeout: the re-initialised runtime profiles the next invocation (mark2 in its snapshot)" \
	grep -qP '^has probe.Probe.mark2\tyes\t' "${z:-/nonexistent}.summary"
finish
