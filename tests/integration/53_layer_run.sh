#!/usr/bin/env bash
# The layers at work (`make layer` builds them):
# - x86_64: the layer unpacked at /opt of a root that holds glibc, /bin/sh and the JDK with
#   the libraries the JDK itself needs (none the layer could borrow: no libcurl, OpenSSL,
#   libzip, libcsv, libmicrohttpd), entered in a private mount namespace. Lambda's flow:
#   AWS_LAMBDA_EXEC_WRAPPER=/opt/bin/jvmsnap-wrapper starts the runtime, which answers
#   events from the Runtime API emulator (tests/lambda/runtime_api.js); the agent writes an
#   init snapshot and one per invocation that VisualVM's loader accepts and uploads them to
#   the S3 test server. Two runtimes, each with JDK 17 and with Temurin 25: the tests' own
#   loop (tests/java/FakeLambdaRuntime), and the example handler (examples/serverless,
#   example.OrderHandler) under AWS's Runtime Interface Client, as Lambda's Java runtimes
#   run it; the root then also holds libgcc_s, which the RIC's native client needs.
#   HTTPS: the layer's own libcurl and OpenSSL verify a certificate from the CA bundle at
#   Amazon Linux's path, and refuse it without one. The layer's network half stays unloaded
#   for a local snapshot.
#   KEEP=1 keeps the work folder.
# - arm64: Debian's arm64 JRE 17 under qemu-user with the arm64 layer's agent: one short
#   profiled run, a snapshot VisualVM's loader accepts, uploaded to the S3 test server.
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
WORK=$(mktemp -d /tmp/jvmsnap-layerrun.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
for need in "$S3RVER" node curl python3 unshare chroot javac mvn openssl; do
	command -v "$need" >/dev/null 2>&1 || { not_ok "prerequisite $need is missing"; finish; exit 1; }
done
for arch in x86_64 arm64; do
	[ -f "$ROOT/dist/jvmsnap-layer-$arch.zip" ] || { not_ok "dist/jvmsnap-layer-$arch.zip built (make layer)"; finish; exit 1; }
	mkdir -p "$WORK/layer-$arch"
	unzip -q "$ROOT/dist/jvmsnap-layer-$arch.zip" -d "$WORK/layer-$arch"
done
mkdir -p "$WORK/classes" # the task root; the handler is FakeLambdaRuntime's own
start_server s3rver "$S3RVER" -d "$WORK/data" -a 127.0.0.1 -p 0 --configure-bucket snaps --silent
S3_PORT=$PORT
# The Lambda budget (250 ms by default) bounds each invocation's snapshot work, uploads
# included; on a loaded machine that cuts uploads short with a warning, so the runs give it
# 10 s, as most Lambda tests do.
S3_ENV=(IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 IOPIPE_PROFILER_LAMBDA_BUDGET=10s)

# make_root JDK ROOT: glibc, /bin/sh, the JDK and its own library closure (ldd of its
# launcher and headless libraries), and the files outside the JDK its symlinks lead to
# (Debian's JDK keeps jvm.cfg and java.security under /etc).
make_root() {
	local jdk=$1 r=$2 f
	mkdir -p "$r/lib/x86_64-linux-gnu" "$r/lib64" "$r/bin" "$r/opt" "$r/proc" "$r/dev" "$r/work" "$r/tc" "$r/snaps" "$r/tmp" "$r$jdk"
	chmod 1777 "$r/tmp"
	cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
	cp -L /lib/x86_64-linux-gnu/{libc.so.6,libm.so.6,libdl.so.2,libpthread.so.0,librt.so.1} "$r/lib/x86_64-linux-gnu/"
	cp -L /bin/dash "$r/bin/sh"
	for f in $(find "$jdk/bin/java" "$jdk/lib" -name java -o -name '*.so' | grep -Ev 'awt|splash|font|lcms|jpeg|jsound|mlib|atk|pcsc' |
		xargs ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u); do
		[[ $f == "$jdk"/* ]] && continue # the JDK's own, mounted with it
		[ -e "$r$f" ] || cp -L --parents "$f" "$r/"
	done
	find "$jdk" -type l | while read -r f; do
		f=$(readlink -f "$f")
		[[ $f == "$jdk"/* ]] || [[ $f == *.so ]] || [ ! -f "$f" ] || [ -e "$r$f" ] || cp -L --parents "$f" "$r/"
	done
}
# The layer must not find a dependency of its own in the root: none of these may be there.
borrowed() { find "$1" -name 'libcurl*' -o -name 'libssl*' -o -name 'libcrypto*' -o -name 'libzip.so*' -o -name 'libmicrohttpd*' -o -name 'libcsv*'; }

# in_root ROOT JDK TASK_ROOT SNAPS HANDLER CMD...: starts CMD in the background (RUN_PID) as
# Lambda starts a runtime: in ROOT, entered in a private mount namespace with the x86_64
# layer at /opt, TASK_ROOT at /work, the test classes at /tc, SNAPS at /snaps and the JDK at
# its own path; Lambda's variables (then S3_ENV, then RUN_ENV's); through the layer's
# wrapper, by its /opt path.
RUN_ENV=()
in_root() {
	local r=$1 jdk=$2 task=$3 snaps=$4 handler=$5
	shift 5
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH=/lib64:/usr/lib64:/opt/lib AWS_LAMBDA_EXEC_WRAPPER=/opt/bin/jvmsnap-wrapper \
		IOPIPE_PROFILER_ENABLED=true AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER="$handler" \
		LAMBDA_TASK_ROOT=/work AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_LOCAL_DUMP_PATH=/snaps/ "${S3_ENV[@]}" "${RUN_ENV[@]}" \
		timeout 180 unshare -m sh -c '
			set -e
			r=$1
			mount --bind "$2" "$r/opt"
			mount --bind "$3" "$r/work"
			mount --bind "$4" "$r/tc"
			mount --bind "$5" "$r/snaps"
			mount --bind "$6" "$r$6"
			mount --rbind /proc "$r/proc"
			mount --rbind /dev "$r/dev"
			shift 6
			exec chroot "$r" /opt/bin/jvmsnap-wrapper "$@"' \
		sh "$r" "$WORK/layer-x86_64" "$task" "$JAVA_TESTS" "$snaps" "$jdk" "$@" &
	RUN_PID=$!
}
# queue PREFIX BODY...: one event per BODY, request ids PREFIX-1, PREFIX-2, ...
queue() {
	local prefix=$1 i=0 deadline=$(($(date +%s%3N) + 120000))
	shift
	for body in "$@"; do
		i=$((i + 1))
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=$prefix-$i&deadline=$deadline" -d "$body" >/dev/null
	done
}
uploaded() { # uploaded SINCE NAME: S3 objects named *NAME.zip written after the file SINCE
	find "$WORK/data/snaps" -name "*$2.zip._S3rver_object" -newer "$1"
}
in_s3() { [ -n "$(uploaded "$@")" ]; }
# snapshots LABEL DIR PREFIX METHOD: the run's init snapshot and one per invocation (request
# ids PREFIX-1..N), each accepted by VisualVM's loader, each invocation's with METHOD in its
# tree, all uploaded to the S3 test server; no warning or error from the agent.
snapshots() {
	local label=$1 d=$2 prefix=$3 method=$4 z j i
	check "$label: no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$d/stderr'"
	grep -E 'jvmsnap: (warning|error)' "$d/stderr" | head -n 5
	check "$label: an init snapshot" sh -c "ls '$d'/snaps/*_init.zip >/dev/null 2>&1"
	check "$label: $((N + 1)) snapshots in all" test "$(ls "$d"/snaps/*.zip 2>/dev/null | wc -l)" = $((N + 1))
	for z in "$d"/snaps/*.zip; do
		[ -f "$z" ] || continue
		unzip -p "$z" metadata.json >"$z.json" 2>/dev/null
		nps_check --has "$method" "$z" >"$z.summary" 2>&1
		check "$label: $(basename "$z") loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
	done
	for i in $(seq $N); do
		j=$(grep -l "\"request_id\": \"$prefix-$i\"" "$d"/snaps/*.json 2>/dev/null | head -n 1)
		check "$label: $prefix-$i's snapshot has $method in its tree" grep -qP "^has $method\tyes\t" "${j%.json}.summary"
		check "$label: $prefix-$i uploaded to S3" in_s3 "$d/api.out" "_$prefix-$i"
	done
	check "$label: the init snapshot uploaded to S3" in_s3 "$d/api.out" "_init*"
}

# The example handler (examples/serverless) in the jar its container profile builds, with
# AWS's Runtime Interface Client: the runtime loop Lambda's Java runtimes run.
EX=$WORK/ex
mkdir -p "$EX" "$WORK/task"
cp -r "$ROOT/examples/serverless/." "$EX/"
rm -rf "$EX/target" "$EX/.serverless"
(cd "$EX" && mvn -o -q -B -Pcontainer package >"$WORK/mvn.out" 2>&1)
cp "$EX/target/orders-container.jar" "$WORK/task/" 2>/dev/null
check "the example handler's jar with AWS's Runtime Interface Client builds (mvn -o -Pcontainer package)" \
	sh -c "unzip -l '$WORK/task/orders-container.jar' | grep -q 'runtime/api/client/AWSLambda.class'"
[ -f "$WORK/task/orders-container.jar" ] || tail -n 20 "$WORK/mvn.out"
# example_done SINCE: every invocation's and the init snapshot are in S3, or the runtime is gone
example_done() {
	{ [ "$(uploaded "$1" '_ex-*' | wc -l)" -ge $N ] && in_s3 "$1" '_init*'; } || ! kill -0 "$RUN_PID" 2>/dev/null
}
http_event() { # the HTTP API (payload format 2.0) event for GET /orders?lines=N
	printf '{"version":"2.0","rawPath":"/orders","rawQueryString":"lines=%s","queryStringParameters":{"lines":"%s"},' "$1" "$1"
	printf '"requestContext":{"http":{"method":"GET","path":"/orders"}},"isBase64Encoded":false}'
}

LINES=(600000 800000 1000000) # the example's work: long enough to be sampled on a busy machine
N=${#LINES[@]}
for jdk in "$JAVA_HOME" /usr/lib/jvm/temurin-25-jdk-amd64; do
	jdk=$(readlink -f "$jdk")
	name=$(basename "$jdk")
	[ -x "$jdk/bin/java" ] || { not_ok "$name: a JDK at $jdk"; continue; }
	R=$WORK/root-$name
	make_root "$jdk" "$R"
	LAST=("$R" "$jdk" "$name") # the last root made, for the HTTPS runs
	check "$name: the root holds none of the layer's dependencies ($(borrowed "$R" | xargs -r -n1 basename | tr '\n' ' '))" test -z "$(borrowed "$R")"

	# A Java runtime loop of the tests' own (FakeLambdaRuntime and its handler, 300 ms of
	# work per event): it exits after N events.
	D=$WORK/run-$name
	mkdir -p "$D/snaps"
	start_runtime_api "$D/api"
	queue req $(seq -f '{"n":%g}' $N)
	in_root "$R" "$jdk" "$WORK/classes" "$D/snaps" example.Handler::handleRequest \
		"$jdk/bin/java" -cp /work:/tc FakeLambdaRuntime "$N" 300 >"$D/stdout" 2>"$D/stderr"
	wait "$RUN_PID"
	rc=$?
	check "$name: the runtime exits 0 after $N invocations in the root (rc $rc)" test "$rc" = 0
	[ "$rc" = 0 ] || tail -n 20 "$D/stderr"
	check "$name: the wrapper loaded the agent from /opt/lib" grep -q 'Picked up JAVA_TOOL_OPTIONS: -agentpath:/opt/lib/libjvmsnap.so' "$D/stderr"
	check "$name: all $N responses reached the Runtime API (202)" test "$(grep -c 'status 202' "$D/stdout")" = $N
	snapshots "$name" "$D" req FakeLambdaRuntime.handleRequest

	# The example handler under AWS's RIC, which never exits: stopped (SIGTERM, as Lambda
	# shuts a sandbox down) once every invocation's snapshot is in S3, or the RIC is gone.
	# The RIC's native client needs libgcc_s (not a layer dependency): the root gets it now.
	E=$WORK/example-$name
	mkdir -p "$E/snaps"
	[ -e "$R/lib/x86_64-linux-gnu/libgcc_s.so.1" ] || cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$R/lib/x86_64-linux-gnu/"
	start_runtime_api "$E/api"
	events=()
	for n in "${LINES[@]}"; do events+=("$(http_event "$n")"); done
	queue ex "${events[@]}"
	in_root "$R" "$jdk" "$WORK/task" "$E/snaps" example.OrderHandler::handleRequest "$jdk/bin/java" -XX:+UseSerialGC \
		-cp /work/orders-container.jar com.amazonaws.services.lambda.runtime.api.client.AWSLambda \
		example.OrderHandler::handleRequest >"$E/stdout" 2>"$E/stderr"
	wait_for 170 example_done "$E/api.out"
	check "$name, example: the runtime still serves once the snapshots are in S3 (no crash)" kill -0 "$RUN_PID"
	kill -TERM "$RUN_PID" 2>/dev/null
	wait "$RUN_PID"
	check "$name, example: the wrapper loaded the agent from /opt/lib" grep -q 'Picked up JAVA_TOOL_OPTIONS: -agentpath:/opt/lib/libjvmsnap.so' "$E/stderr"
	[ -s "$E/stderr" ] && ! grep -q 'Picked up' "$E/stderr" && tail -n 20 "$E/stderr"
	check "$name, example: each of the $N events answered 200 with a signed total, accepted (202)" python3 - "$API_PORT" $N <<'PY'
import json, sys, urllib.request
log = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_test/log"))
ok = 0
for k in range(1, int(sys.argv[2]) + 1):
    posts = [r for r in log if r["url"].endswith(f"/invocation/ex-{k}/response") and r.get("status") == 202]
    if len(posts) == 1:
        a = json.load(open(posts[0]["body_file"]))
        ok += a["statusCode"] == 200 and '"total_cents":' in a["body"] and '"signature":' in a["body"]
sys.exit(ok != int(sys.argv[2]))
PY
	snapshots "$name, example" "$E" ex example.OrderHandler.handleRequest
done

# --- HTTPS through the layer's own libcurl and OpenSSL, in the last root, which now keeps a
# CA bundle where Amazon Linux keeps it (/etc/pki/tls/certs/ca-bundle.crt): the layer's
# libcurl has no default CA path, so the upload module finds that file (docs/s3.md). The S3
# endpoint is an HTTPS capture server with a self-signed certificate for 127.0.0.1, which
# that bundle holds; TLS is verified, so a PUT reaching the server proves the handshake and
# the verification. Without the bundle, the same run reaches the server with none.
R=${LAST[0]:-} jdk=${LAST[1]:-} name=${LAST[2]:-}
if [ -n "$R" ]; then mkdir -p "$R/etc/pki/tls/certs"; else not_ok "HTTPS: a root with a JDK to run in"; fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=jvmsnap test" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1
FAKE_TLS_CERT="$WORK/tls.crt" FAKE_TLS_KEY="$WORK/tls.key" start_server tls node "$ROOT/tests/s3/fake_servers.js" capture "$WORK/tls.log" 200
RUN_ENV=(IOPIPE_PROFILER_S3_ENDPOINT="https://127.0.0.1:$PORT")
zip_puts() { grep '"method":"PUT"' "$WORK/tls.log" 2>/dev/null | grep -c '\.zip"'; }
for bundle in ${R:+yes no}; do
	T=$WORK/tls-$bundle
	mkdir -p "$T/snaps"
	rm -f "$R/etc/pki/tls/certs/ca-bundle.crt"
	[ $bundle = yes ] && cp "$WORK/tls.crt" "$R/etc/pki/tls/certs/ca-bundle.crt"
	before=$(zip_puts)
	start_runtime_api "$T/api"
	queue tls '{"n":1}'
	in_root "$R" "$jdk" "$WORK/classes" "$T/snaps" example.Handler::handleRequest \
		"$jdk/bin/java" -cp /work:/tc FakeLambdaRuntime 1 300 >"$T/stdout" 2>"$T/stderr"
	wait "$RUN_PID"
	rc=$?
	check "HTTPS ($name root, CA bundle: $bundle): the runtime exits 0 after 1 invocation (rc $rc)" test "$rc" = 0
	if [ $bundle = yes ]; then
		check "HTTPS ($name root): no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$T/stderr'"
		grep -E 'jvmsnap: (warning|error)' "$T/stderr" | head -n 3
		check "HTTPS ($name root): the init and the invocation zip reached the server over verified TLS" test "$(($(zip_puts) - before))" = 2
	else
		check "HTTPS ($name root), no CA bundle: the certificate is refused (a warning says so)" grep -qi 'jvmsnap: warning: upload .*certificate' "$T/stderr"
		check "HTTPS ($name root), no CA bundle: no zip reached the server" test "$(($(zip_puts) - before))" = 0
	fi
done
RUN_ENV=()

# --- the layer's network half (libcurl, OpenSSL inside) stays unloaded when not used, as
# 41_agent_net proves for the host build: a local snapshot with the x86_64 layer's agent
L=$WORK/local
mkdir -p "$L"
env IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$L/" "$JAVA_HOME/bin/java" \
	-agentpath:"$WORK/layer-x86_64/lib/libjvmsnap.so" -cp "$JAVA_TESTS" MapsProbe libjvmsnap-agent.so libjvmsnap-net.so >"$L/out" 2>"$L/err"
check "x86_64 layer, a local snapshot: the agent is loaded while main runs" grep -qx 'mapped libjvmsnap-agent.so yes' "$L/out"
check "x86_64 layer, a local snapshot: the net half is not loaded" grep -qx 'mapped libjvmsnap-net.so no' "$L/out"
nps_check "$L"/*.zip >"$L/summary" 2>&1
check "x86_64 layer, a local snapshot: written, VisualVM's loader reads it" grep -q '^NpsCheck: OK' "$L/summary"

# --- arm64: one short profiled run under qemu-user (slow: a few seconds of work)
AJAVA=/usr/lib/jvm/java-17-openjdk-arm64/bin/java
if ! command -v qemu-aarch64-static >/dev/null || [ ! -x "$AJAVA" ]; then
	not_ok "arm64: qemu-user-static and openjdk-17-jre-headless:arm64 installed (make test-deps)"
else
	A=$WORK/arm64
	mkdir -p "$A"
	# Emulated on a loaded machine (load 15-20) the hot thread gets little CPU: with 1.5 s of
	# work (5 % overhead budget) hotMethod had 0 or 1 hit; with 3 s (20 %), 0 to 17. So 5 s, 20 %.
	(cd "$A" && env IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$A/" "${S3_ENV[@]}" \
		IOPIPE_PROFILER_S3_PREFIX=arm64/ IOPIPE_PROFILER_OVERHEAD=20% timeout 300 qemu-aarch64-static -L / "$AJAVA" \
		-XshowSettings:properties -agentpath:"$WORK/layer-arm64/lib/libjvmsnap.so" -cp "$JAVA_TESTS" HotSpin 5000 \
		>"$A/stdout" 2>"$A/stderr")
	rc=$?
	check "arm64: the JVM under qemu exits 0 with the arm64 layer's agent (rc $rc)" test "$rc" = 0
	[ "$rc" = 0 ] || tail -n 20 "$A/stderr"
	check "arm64: it is an aarch64 JVM" grep -q 'os.arch = aarch64' "$A/stderr"
	check "arm64: no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$A/stderr'"
	zips=("$A"/*.zip)
	check "arm64: one snapshot (${#zips[@]})" test -f "${zips[0]}" -a ${#zips[@]} = 1
	nps_check --has HotSpin.hotMethod "${zips[0]}" >"$A/summary" 2>&1
	check "arm64: it loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$A/summary"
	check "arm64: HotSpin.hotMethod is in its tree" grep -qP '^has HotSpin.hotMethod\tyes\t' "$A/summary"
	grep -qP '^has HotSpin.hotMethod\tyes\t' "$A/summary" || grep -E '^(has|thread).*(hotMethod|hot-)|profiled' "$A/summary" "$A/stderr"
	check "arm64: uploaded to S3 (the net half: curl and OpenSSL for aarch64)" \
		sh -c "find '$WORK/data/snaps/arm64' -name '*.zip._S3rver_object' | grep -q ."
fi
finish
