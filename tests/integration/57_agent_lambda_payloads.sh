#!/usr/bin/env bash
# What the Runtime API receives is the same with the agent enabled (every call through
# its proxy) as without it: responses of 1 byte, 1 MiB and 6 MiB (Lambda's limit), a
# handler error with its error-type header, and an init error.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-payloads.XXXXXX)
trap 'stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

# run MODE ARGS...: a fresh emulator with the five events, the runtime with or without the
# agent; leaves the API's record of POSTs (url, length, sha256, error type) in $WORK/MODE.posts
run() {
	local mode=$1 dir=$WORK/$1
	shift
	mkdir -p "$dir/task"
	start_runtime_api "$dir/api"
	local port=$API_PORT i=0 deadline=$(($(date +%s%3N) + 60000))
	for ev in '{"size":1}' '{"size":1048576}' '{"size":6291456}' '{"error":1}' '{"size":0}'; do
		i=$((i + 1))
		curl -sf -X POST "http://127.0.0.1:$port/_test/event?id=req-$i&deadline=$deadline" -d "$ev" >/dev/null
	done
	local agent_env=()
	[ "$mode" != disabled ] && [ "$mode" != initerror-disabled ] &&
		agent_env=(JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/")
	(cd "$dir/task" && env "${agent_env[@]}" AWS_LAMBDA_RUNTIME_API="127.0.0.1:$port" _HANDLER=example.Handler \
		LAMBDA_TASK_ROOT="$dir/task" AWS_LAMBDA_FUNCTION_NAME=payloads \
		timeout 120 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime "$@" >"$dir/stdout" 2>"$dir/stderr")
	echo $? >"$dir/rc"
	curl -sf "http://127.0.0.1:$port/_test/log" | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["method"] != "POST" or r["url"].startswith("/_test"):
        continue
    h = r["headers"]
    err = [h[i + 1] for i in range(0, len(h), 2) if h[i].lower() == "lambda-runtime-function-error-type"]
    print(r["url"], r.get("body_len"), r.get("sha256"), err)' >"$WORK/$mode.posts"
}

run enabled 5 20
run disabled 5 20
check "enabled: runtime exit 0, 5 calls answered" sh -c "test \$(cat '$WORK/enabled/rc') = 0 && test \$(grep -c '^posted' '$WORK/enabled/stdout') = 5"
check "the API recorded 5 posts" test "$(wc -l <"$WORK/enabled.posts")" = 5
check "1-byte, 1 MiB and 6 MiB responses arrive whole" \
	sh -c "grep -q ' 1 ' '$WORK/enabled.posts' && grep -q ' 1048576 ' '$WORK/enabled.posts' && grep -q ' 6291456 ' '$WORK/enabled.posts'"
check "the handler error arrives at /error with its error type" grep -q "/req-4/error .* \['Unhandled'\]" "$WORK/enabled.posts"
check "identical to the run without the agent (urls, lengths, sha256, error types)" cmp -s "$WORK/enabled.posts" "$WORK/disabled.posts"
answers() { grep '^posted' "$1" | sed 's/ ms [0-9]*$//'; }
check "the same answers came back to the runtime" test "$(answers "$WORK/enabled/stdout")" = "$(answers "$WORK/disabled/stdout")"
check "enabled: a snapshot per invocation (5 + init)" test "$(ls "$WORK"/enabled/*.zip 2>/dev/null | wc -l)" = 6
# valid_zips DIR LABEL: every snapshot zip the agent wrote there passes VisualVM's loader.
valid_zips() {
	local z
	for z in "$1"/*.zip; do
		[ -e "$z" ] || continue
		nps_check "$z" >"$z.summary" 2>&1
		check "$2: $(basename "$z") loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
	done
}
valid_zips "$WORK/enabled" enabled

run initerror 0 20 initerror
run initerror-disabled 0 20 initerror
valid_zips "$WORK/initerror" "init error"
check "init error: posted through the proxy" grep -q '^/2018-06-01/runtime/init/error .*Runtime.InitError' "$WORK/initerror.posts"
check "init error: identical to the run without the agent" cmp -s "$WORK/initerror.posts" "$WORK/initerror-disabled.posts"
check "init error: same answer to the runtime" \
	test "$(grep 'init error' "$WORK/initerror/stdout")" = "$(grep 'init error' "$WORK/initerror-disabled/stdout")"
finish
