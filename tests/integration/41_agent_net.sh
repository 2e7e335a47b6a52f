#!/usr/bin/env bash
# The agent's network half (libjvmsnap-net.so: libcurl, OpenSSL, libmicrohttpd) is loaded
# only when it is used: never for a local snapshot, at the first upload when a bucket is
# set, in Agent_OnLoad on Lambda (the proxy must be up before Java runs). Without it the
# agent says so once and the snapshot stays on local disk.
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
LIBS="libjvmsnap-agent.so libjvmsnap-net.so libcurl.so libssl.so libmicrohttpd.so"
J=$JAVA_HOME/bin/java

# run NAME AGENT ENV...: MapsProbe under the agent (file snapshot into $T/NAME/)
run() {
	local name=$1 agent=$2
	shift 2
	mkdir -p "$T/$name"
	env IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$T/$name/" "$@" \
		"$J" -agentpath:"$agent" -cp "$JAVA_TESTS" MapsProbe $LIBS >"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}
mapped() { grep -q "^mapped $2 $3\$" "$T/$1.out"; }
one_zip() { local z=("$T/$1"/*.zip); test -f "${z[0]}" -a ${#z[@]} = 1 && nps_check "${z[0]}" | grep -q '^NpsCheck: OK'; }

# --- a local snapshot: no network library at all
run local "$AGENT"
check "local: exits 0" test "$(cat "$T/local.rc")" = 0
check "local: the agent is loaded" mapped local libjvmsnap-agent.so yes
for l in libjvmsnap-net.so libcurl.so libssl.so libmicrohttpd.so; do
	check "local: $l is not loaded" mapped local $l no
done
check "local: one snapshot zip, which VisualVM's loader reads" one_zip local
check "local: nothing on stderr but the agent's info lines" test -z "$(grep -v '^jvmsnap: info: ' "$T/local.err")"

# --- a bucket: loaded at the first upload (here at exit), not at start-up
run bucket "$AGENT" IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_S3_ENDPOINT=http://127.0.0.1:1 \
	IOPIPE_PROFILER_UPLOAD_BUDGET=1s AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret
check "bucket: exits 0" test "$(cat "$T/bucket.rc")" = 0
check "bucket: libcurl is not loaded while main runs" mapped bucket libcurl.so no
check "bucket: the upload at exit was tried (so the net half loaded then)" grep -q 'upload to s3://snaps/.* failed: .*Failed to connect' "$T/bucket.err"
check "bucket: the zip stays on local disk" one_zip bucket

# --- Lambda's runtime: loaded in Agent_OnLoad, the proxy is up before Java runs
run lambda "$AGENT" AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 _HANDLER=x::y LAMBDA_TASK_ROOT="$T" AWS_LAMBDA_FUNCTION_NAME=f
check "lambda: exits 0" test "$(cat "$T/lambda.rc")" = 0
check "lambda: the net half and libmicrohttpd are loaded" bash -c "grep -q '^mapped libjvmsnap-net.so yes' '$T/lambda.out' && grep -q '^mapped libmicrohttpd.so yes' '$T/lambda.out'"
check "lambda: Java sees the proxy's address ($(sed -n 's/^runtime-api //p' "$T/lambda.out"))" \
	bash -c "grep -Eq '^runtime-api 127\.0\.0\.1:[0-9]+$' '$T/lambda.out' && ! grep -q '^runtime-api 127.0.0.1:1$' '$T/lambda.out'"

# --- an installation without libjvmsnap-net.so: one warning, the snapshot stays local
mkdir -p "$T/inst"
cp "$ROOT/$BUILD/libjvmsnap.so" "$ROOT/$BUILD/libjvmsnap-agent.so" "$T/inst/"
run nonet "$T/inst/libjvmsnap.so" IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_S3_ENDPOINT=http://127.0.0.1:1 \
	AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret
check "no net half: exits 0" test "$(cat "$T/nonet.rc")" = 0
check "no net half: one warning naming the library" \
	test "$(grep -c "^jvmsnap: warning: cannot load $T/inst/libjvmsnap-net.so: .*; no S3 upload" "$T/nonet.err")" = 1
check "no net half: says where the zip stays" grep -q "^jvmsnap: warning: S3 upload disabled: $T/nonet/.*zip stays on local disk" "$T/nonet.err"
check "no net half: the zip is there and loads" one_zip nonet
run nonet_lambda "$T/inst/libjvmsnap.so" AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 _HANDLER=x::y LAMBDA_TASK_ROOT="$T" AWS_LAMBDA_FUNCTION_NAME=f
check "no net half on Lambda: exits 0" test "$(cat "$T/nonet_lambda.rc")" = 0
check "no net half on Lambda: the runtime keeps the real API address" grep -q '^runtime-api 127.0.0.1:1$' "$T/nonet_lambda.out"
check "no net half on Lambda: says there is one snapshot for the whole run" \
	grep -q '^jvmsnap: warning: cannot start the Runtime API proxy: one snapshot for the whole run' "$T/nonet_lambda.err"
check "no net half on Lambda: that snapshot is written" one_zip nonet_lambda
finish
