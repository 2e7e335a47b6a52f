#!/usr/bin/env bash
# The layers at work (`make layer` builds them):
# - x86_64: the layer unpacked at /opt of a root that holds glibc, /bin/sh and the JDK with
#   the libraries the JDK itself needs (nothing the layer could borrow: no libcurl, OpenSSL,
#   libzip, libmicrohttpd, zlib outside the JDK's), entered in a private mount namespace.
#   Lambda's flow: AWS_LAMBDA_EXEC_WRAPPER=/opt/bin/jvmsnap-wrapper starts the runtime, the
#   test runtime (tests/java/FakeLambdaRuntime, its own handler) answers events from the Runtime API emulator,
#   the agent writes an init snapshot and one per invocation that VisualVM's loader accepts
#   and uploads them to the S3 test server. With JDK 17 and with Temurin 25.
# - arm64: Debian's arm64 JRE 17 under qemu-user with the arm64 layer's agent: one short
#   profiled run, a snapshot VisualVM's loader accepts, uploaded to the S3 test server.
. "$(dirname "$0")/lib.sh"
S3RVER=$ROOT/tests/s3/node_modules/.bin/s3rver
WORK=$(mktemp -d /tmp/jvmsnap-layerrun.XXXXXX)
SERVER_DIR=$WORK
trap 'stop_servers; rm -rf "$WORK"' EXIT
for need in "$S3RVER" node curl python3 unshare chroot javac; do
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
S3_ENV=(IOPIPE_PROFILER_S3_BUCKET=snaps IOPIPE_PROFILER_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1)

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

LINES=(200000 300000 400000)
N=${#LINES[@]}
for jdk in "$JAVA_HOME" /usr/lib/jvm/temurin-25-jdk-amd64; do
	jdk=$(readlink -f "$jdk")
	name=$(basename "$jdk")
	[ -x "$jdk/bin/java" ] || { not_ok "$name: a JDK at $jdk"; continue; }
	R=$WORK/root-$name
	make_root "$jdk" "$R"
	check "$name: the root holds none of the layer's dependencies ($(borrowed "$R" | xargs -r -n1 basename | tr '\n' ' '))" test -z "$(borrowed "$R")"
	D=$WORK/run-$name
	mkdir -p "$D/snaps"
	start_runtime_api "$D/api"
	deadline=$(($(date +%s%3N) + 120000))
	for i in $(seq $N); do
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$deadline" -d "{\"lines\":${LINES[$((i - 1))]}}" >/dev/null
	done
	# Lambda's variables; the runtime is started through the layer's wrapper, by its /opt path.
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH=/lib64:/usr/lib64:/opt/lib AWS_LAMBDA_EXEC_WRAPPER=/opt/bin/jvmsnap-wrapper \
		IOPIPE_PROFILER_ENABLED=true AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.Handler::handleRequest \
		LAMBDA_TASK_ROOT=/work AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_LOCAL_DUMP_PATH=/snaps/ "${S3_ENV[@]}" \
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
			exec chroot "$r" /opt/bin/jvmsnap-wrapper "$6/bin/java" -cp /work:/tc FakeLambdaRuntime "$7" 50' \
		sh "$R" "$WORK/layer-x86_64" "$WORK/classes" "$JAVA_TESTS" "$D/snaps" "$jdk" "$N" >"$D/stdout" 2>"$D/stderr"
	rc=$?
	check "$name: the runtime exits 0 after $N invocations in the root (rc $rc)" test "$rc" = 0
	[ "$rc" = 0 ] || tail -n 20 "$D/stderr"
	check "$name: the wrapper loaded the agent from /opt/lib" grep -q 'Picked up JAVA_TOOL_OPTIONS: -agentpath:/opt/lib/libjvmsnap.so' "$D/stderr"
	check "$name: all $N responses reached the Runtime API (202)" test "$(grep -c 'status 202' "$D/stdout")" = $N
	check "$name: no warning or error from the agent" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$D/stderr'"
	check "$name: an init snapshot" sh -c "ls '$D'/snaps/*_init.zip >/dev/null 2>&1"
	check "$name: $((N + 1)) snapshots in all" test "$(ls "$D"/snaps/*.zip 2>/dev/null | wc -l)" = $((N + 1))
	for z in "$D"/snaps/*.zip; do
		[ -f "$z" ] || continue
		unzip -p "$z" metadata.json >"$z.json" 2>/dev/null
		nps_check --has FakeLambdaRuntime.handleRequest "$z" >"$z.summary" 2>&1
		check "$name: $(basename "$z") loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
	done
	for i in $(seq $N); do
		j=$(grep -l "\"request_id\": \"req-$i\"" "$D"/snaps/*.json 2>/dev/null | head -n 1)
		check "$name: req-$i's snapshot has the handler in its tree" grep -qP '^has FakeLambdaRuntime.handleRequest\tyes\t' "${j%.json}.summary"
		check "$name: req-$i uploaded to S3" sh -c "find '$WORK/data/snaps' -name '*_req-$i.zip._S3rver_object' -newer '$D/api.out' | grep -q ."
	done
	check "$name: the init snapshot uploaded to S3" sh -c "find '$WORK/data/snaps' -name '*_init*.zip._S3rver_object' -newer '$D/api.out' | grep -q ."
done

# --- arm64: one short profiled run under qemu-user (slow: a few seconds of work)
AJAVA=/usr/lib/jvm/java-17-openjdk-arm64/bin/java
if ! command -v qemu-aarch64-static >/dev/null || [ ! -x "$AJAVA" ]; then
	not_ok "arm64: qemu-user-static and openjdk-17-jre-headless:arm64 installed (make test-deps)"
else
	A=$WORK/arm64
	mkdir -p "$A"
	(cd "$A" && env IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$A/" "${S3_ENV[@]}" \
		IOPIPE_PROFILER_S3_PREFIX=arm64/ timeout 300 qemu-aarch64-static -L / "$AJAVA" -XshowSettings:properties \
		-agentpath:"$WORK/layer-arm64/lib/libjvmsnap.so" -cp "$JAVA_TESTS" HotSpin 1500 >"$A/stdout" 2>"$A/stderr")
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
	check "arm64: uploaded to S3 (the net half: curl and OpenSSL for aarch64)" \
		sh -c "find '$WORK/data/snaps/arm64' -name '*.zip._S3rver_object' | grep -q ."
fi
finish
