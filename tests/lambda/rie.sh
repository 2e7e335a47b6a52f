# shellcheck shell=bash
# Running a Java function under AWS's Runtime Interface Emulator (RIE), as Lambda runs it:
# the RIE starts the function's bootstrap, which runs the exec wrapper (when
# AWS_LAMBDA_EXEC_WRAPPER is set) with the java command line of AWS's Runtime Interface
# Client (RIC). /opt is this build laid out as the layer (lib/ and bin/jvmsnap-wrapper),
# bind-mounted in a private mount namespace, so the wrapper runs unchanged.
# Sourced by tests/integration/48_lambda_rie.sh, 52_examples.sh, 56_agent_lambda_managed.sh and
# bench/lambda_coldstart.sh,
# after tests/integration/lib.sh and scripts/aws_tools.sh. Uses RIE_WORK (a scratch folder
# of the caller's) and, when S3_PORT is set, points the agent at that S3 test server.
RIE_PIDS=()

# rie_probe: the probe function (tests/lambda/ric) built offline by Maven into
# $RIE_WORK/probe (make test-deps resolved it), checked; sets PROBE_CP, its class path with
# the RIC's, and RIC_JNI_OPT (rie_ric_jni).
rie_probe() {
	mvn -o -q -B -f "$ROOT/tests/lambda/ric/pom.xml" -DbuildDir="$RIE_WORK/probe" package \
		"org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN:build-classpath" \
		-Dmdep.outputFile="$RIE_WORK/probe/cp.txt" >"$RIE_WORK/mvn.out" 2>&1
	check "the probe function builds with Maven, offline, against the RIC $RIC_VERSION" \
		sh -c "test -f '$RIE_WORK/probe/probe.jar' && grep -q 'aws-lambda-java-runtime-interface-client-$RIC_VERSION.jar' '$RIE_WORK/probe/cp.txt'"
	PROBE_CP=$RIE_WORK/probe/probe.jar:$(cat "$RIE_WORK/probe/cp.txt" 2>/dev/null)
	rie_ric_jni "$PROBE_CP" # the RIC's native client from $RIE_WORK, not its fixed /tmp path
}

# rie_layer: $RIE_WORK/opt, this build laid out as the layer (lib/ and bin/jvmsnap-wrapper).
rie_layer() {
	local l
	mkdir -p "$RIE_WORK/opt/lib" "$RIE_WORK/opt/bin"
	for l in libjvmsnap.so libjvmsnap-agent.so libjvmsnap-net.so; do cp "$ROOT/$BUILD/$l" "$RIE_WORK/opt/lib/"; done
	cp "$ROOT/scripts/lambda_wrapper.sh" "$RIE_WORK/opt/bin/jvmsnap-wrapper"
}

# rie_setup CLASSPATH: the layer folder and the bootstrap in $RIE_WORK.
rie_setup() {
	rie_layer
	rie_ric_jni "$1"
	# As a managed Java runtime's bootstrap: the exec wrapper, when set, runs the java
	# command line. RELAY points the runtime at the recording relay instead of the RIE.
	cat >"$RIE_WORK/bootstrap" <<EOF
#!/bin/sh
[ -n "\${RELAY:-}" ] && export AWS_LAMBDA_RUNTIME_API="\$RELAY"
exec \${AWS_LAMBDA_EXEC_WRAPPER:-} "$JAVA_HOME/bin/java" -XX:+UseSerialGC $RIC_JNI_OPT -cp "$1" \\
	com.amazonaws.services.lambda.runtime.api.client.AWSLambda "\$_HANDLER"
EOF
	chmod +x "$RIE_WORK/bootstrap"
}

# rie_ric_jni CLASSPATH: sets RIC_JNI_OPT, the java option that makes the RIC load its native
# client from $RIE_WORK. Without it the RIC copies the library to the fixed path
# /tmp/.libaws-lambda-jni.so, which runs of other users or at the same time would share.
rie_ric_jni() {
	local jar so=jni/libaws-lambda-jni.linux-x86_64.so
	RIC_JNI_OPT=
	for jar in ${1//:/ }; do
		if unzip -l "$jar" "$so" >/dev/null 2>&1; then
			unzip -p "$jar" "$so" >"$RIE_WORK/libaws-lambda-jni.so"
			RIC_JNI_OPT=-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=$RIE_WORK/libaws-lambda-jni.so
			return 0
		fi
	done
}

rie_free_ports() { # two free loopback ports (the RIE takes addresses, not port 0)
	python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])'
}

# rie_start DIR MODE [VAR=VALUE...]: one function (MODE agent|plain) under a fresh RIE,
# its log in DIR/rie.log, snapshots in DIR/snaps/. With RIE_RELAY=1 (the default) the
# runtime talks to tests/lambda/record_proxy.js in front of the RIE, whose record is
# DIR/relay/requests.jsonl. VAR=VALUE adds to or overrides the function's environment.
# RIE_CPUS (e.g. 0) pins the RIE and the function to those CPUs. Sets RIE_INVOKE.
rie_start() {
	local dir=$1 mode=$2 rie_port api_port relay=
	shift 2
	mkdir -p "$dir/relay" "$dir/snaps"
	read -r rie_port api_port < <(rie_free_ports)
	[ "${RIE_RELAY:-1}" = 1 ] && rie_relay "$dir" "$api_port" && relay=$RIE_RELAY_ADDR
	local pin=()
	[ -n "${RIE_CPUS:-}" ] && pin=(taskset -c "$RIE_CPUS")
	rie_env "$mode" "$relay" "$dir" "$dir/snaps/" "$@"
	"${pin[@]}" unshare -m sh -c 'mount --bind "$0" /opt && exec "$@"' "$RIE_WORK/opt" \
		env -i "${RIE_ENV[@]}" "$RIE_BIN" --runtime-interface-emulator-address "127.0.0.1:$rie_port" \
		--runtime-api-address "127.0.0.1:$api_port" --log-level info "$RIE_WORK/bootstrap" >"$dir/rie.log" 2>&1 &
	RIE_PIDS+=($!)
	rie_wait_up "$rie_port"
}

# rie_env MODE RELAY HOME DUMP_PATH [VAR=VALUE...]: sets RIE_ENV, the environment of a Lambda
# function (the RIE hands its own environment to it) with the agent (MODE agent) or without
# (plain), pointed at the relay RELAY (may be empty) and, when S3_PORT is set, at that S3 test
# server; VAR=VALUE adds to or overrides it.
rie_env() {
	local mode=$1 relay=$2 home=$3 dump=$4 agent_env=() s3_env=()
	shift 4
	[ "$mode" = agent ] && agent_env=(AWS_LAMBDA_EXEC_WRAPPER=/opt/bin/jvmsnap-wrapper IOPIPE_PROFILER_ENABLED=true)
	[ -n "${S3_PORT:-}" ] && s3_env=(IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT")
	RIE_ENV=(PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 TZ=UTC
		AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_LAMBDA_FUNCTION_NAME=probe
		AWS_LAMBDA_FUNCTION_VERSION=7 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024
		AWS_LAMBDA_FUNCTION_TIMEOUT=30 _HANDLER=probe.Probe::handleRequest
		AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_SESSION_TOKEN=
		RELAY="$relay" "${agent_env[@]}" "${s3_env[@]}" IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dump" "$@")
}

# rie_wait_up PORT: waits (at most 10 s) for the RIE's invoke endpoint; sets RIE_INVOKE.
rie_wait_up() {
	local i
	RIE_INVOKE=http://127.0.0.1:$1/2015-03-31/functions/function/invocations
	for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && break; sleep 0.1; done
}

# rie_relay DIR API_PORT: tests/lambda/record_proxy.js in front of the RIE's Runtime API at
# API_PORT, its record in DIR/relay; sets RIE_RELAY_ADDR (host:port).
rie_relay() {
	local i
	node "$ROOT/tests/lambda/record_proxy.js" "$1/relay" "127.0.0.1:$2" >"$1/relay.out" 2>&1 &
	SERVER_PIDS+=($!)
	for i in $(seq 100); do [ -s "$1/relay/port" ] && break; sleep 0.1; done
	RIE_RELAY_ADDR=127.0.0.1:$(cat "$1/relay/port")
}

# rie_stop: the RIE, then any runtime it left (found by this run's own bootstrap path).
rie_stop() {
	local p
	for p in "${RIE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${RIE_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in $(pgrep -f "$RIE_WORK/bootstrap" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	RIE_PIDS=()
}

# rie_invoke DIR ID EVENT_FILE: one invocation through the RIE's invoke endpoint (ID as
# X-Amzn-RequestId, which the RIE makes the request id); appends "ID status sha256 length
# epoch_us_answered" to DIR/answers and keeps the answer as DIR/answer-ID. With
# RIE_RESEND_UNAVAILABLE=1 an answer with Error-Type Runtime.Unavailable (the RIE's managed-
# instances mode had no runtime waiting in GET next: it does not queue an invoke) is sent
# again, at most 100 times 0.1 s apart, each time a line "ID" in DIR/unavailable.
rie_invoke() {
	local code i
	for i in $(seq 100); do
		code=$(curl -s -D "$1/headers-$2" -o "$1/answer-$2" -w '%{http_code}' -H "X-Amzn-RequestId: $2" \
			-H 'Content-Type: application/json' --data-binary "@$3" "$RIE_INVOKE")
		[ "${RIE_RESEND_UNAVAILABLE:-}" = 1 ] && grep -qi '^Error-Type: Runtime.Unavailable' "$1/headers-$2" || break
		echo "$2" >>"$1/unavailable"
		sleep 0.1
	done
	echo "$2 $code $(sha256sum <"$1/answer-$2" | cut -c1-64) $(stat -c %s "$1/answer-$2") $(date +%s%6N)" >>"$1/answers"
}

# rie_calls DIR: what reached the RIE, one line per call, without what differs between any
# two runs (times; hop-by-hop headers, which each HTTP hop makes anew).
rie_calls() {
	python3 - "$1/relay/requests.jsonl" <<'PY'
import json, sys
hop = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "te", "trailer", "expect"}
for line in open(sys.argv[1]):
    r = json.loads(line)
    h = r["headers"]
    hs = sorted((h[i].lower(), h[i + 1]) for i in range(0, len(h), 2) if h[i].lower() not in hop)
    print(r["method"], r["url"], hs, r["trailers"], r["body_len"], r["sha256"], r["status"], r["answer_len"], r["answer_sha256"])
PY
}

# rie_zip_of DIR REQUEST_ID: the local snapshot zip whose metadata.json names that invocation.
rie_zip_of() {
	local z
	for z in "$1"/*.zip; do
		unzip -p "$z" metadata.json 2>/dev/null | grep -q "\"request_id\": \"$2\"" && echo "$z" && return 0
	done
}
