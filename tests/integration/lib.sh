# Shared helpers for integration scripts (sourced, not run). Each script counts its
# checks with `check` and ends with `finish`, which prints "N passed, N failed".
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AGENT=$ROOT/$BUILD/libjvmsnap.so
# `make test` exports these; a script run by hand finds them the same way the Makefile does.
if [ -z "${JAVA_HOME:-}" ]; then
	JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
VV_MOD=/usr/share/visualvm/visualvm/modules
: "${VV_CP:=$VV_MOD/org-graalvm-visualvm-lib-profiler.jar:$VV_MOD/org-graalvm-visualvm-lib-jfluid.jar:$VV_MOD/org-graalvm-visualvm-lib-common.jar:/usr/share/java/org-openide-util.jar:/usr/share/java/org-openide-util-lookup.jar}"
export JAVA_HOME VV_CP
# Tests are hermetic: the CLI never asks a real instance-metadata service (its last credentials
# source; 65_fleet turns it back on against its own fake) and keeps its summary cache in the build.
export AWS_EC2_METADATA_DISABLED=${AWS_EC2_METADATA_DISABLED:-true}
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$ROOT/$BUILD/test-cache}
JAVA_TESTS=$ROOT/$BUILD/tests/java
# The extra JDK runtimes (Temurin 21 and 11, scripts/jdk_runtimes.sh): JDK21_HOME, JDK11_HOME.
# Not in all_jdks: only the tests that name them run them.
. "$ROOT/scripts/jdk_runtimes.sh"
_passed=0
_failed=0

ok() { _passed=$((_passed + 1)); echo "ok - $*"; }
not_ok() { _failed=$((_failed + 1)); echo "not ok - $*"; }

# check "description" command args...: passes when the command exits 0.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
	echo "$_passed passed, $_failed failed"
	[ "$_failed" -eq 0 ]
}

now_ms() { date +%s%3N; }
# wait_for SECONDS command...: polls every 20 ms until the command succeeds; false at the
# end of SECONDS (a bound for a hung peer, never a measured time).
wait_for() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.02
	done
}

# True when ELF file $1 is built for this machine's architecture.
host_elf() {
	local want
	case "$(uname -m)" in
	x86_64) want="X86-64" ;;
	aarch64) want="AArch64" ;;
	*) return 0 ;;
	esac
	LC_ALL=C readelf -h "$(readlink -f "$1")" 2>/dev/null | grep -q "Machine:.*$want"
}

# Every JDK to test with: the one the build uses, plus any other under /usr/lib/jvm.
all_jdks() {
	local seen="" real j
	for j in "$JAVA_HOME" /usr/lib/jvm/*; do
		[ -x "$j/bin/java" ] || continue
		# A JDK of another architecture (the arm64 one 51_layer runs under qemu) is not a
		# host JDK: its java cannot run here.
		host_elf "$j/bin/java" || continue
		real=$(readlink -f "$j")
		case " $seen " in *" $real "*) continue ;; esac
		seen="$seen $real"
		echo "$real"
	done
}

# Runs VisualVM's own loader over a .nps (or a zip holding one) and prints its summary.
nps_check() {
	"$JAVA_HOME/bin/java" -cp "$VV_CP:$JAVA_TESTS" NpsCheck "$@"
}

# profiled JDK OUT [VAR=VALUE...] -- CLASS ARGS...: one JVM of the test classes with the
# agent (debug log on) in OUT, for at most 120 s; the snapshot is OUT/snap.zip, the output
# OUT/stdout and OUT/stderr, the exit status OUT/rc (when not 0, the log's tail and any
# hs_err file are printed as comments). The variables reach java alone (not
# timeout(1)), so an LD_PRELOAD among them loads into the JVM only.
profiled() {
	local jdk=$1 out=$2 envs=()
	shift 2
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	mkdir -p "$out"
	(cd "$out" && env JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_DEBUG=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		timeout 120 env "${envs[@]}" "$jdk/bin/java" -cp "$JAVA_TESTS" "$@" >"$out/stdout" 2>"$out/stderr")
	echo $? >"$out/rc"
	# A JVM that died leaves its evidence in the log before the work directory goes.
	if [ "$(cat "$out/rc")" != 0 ]; then
		echo "# $* exited $(cat "$out/rc"):"
		grep -v '^jvmsnap: debug' "$out/stderr" | tail -n 20 | sed 's/^/#   /'
		for f in "$out"/hs_err*.log; do [ -f "$f" ] && sed -n '1,40p' "$f" | sed 's/^/#   /'; done
	fi
}

# Test servers: started on 127.0.0.1 by the test that needs them, and stopped by it
# (call stop_servers from its EXIT trap).
SERVER_PIDS=()

# start_server NAME CMD...: runs a server in the background (output in
# $SERVER_DIR/NAME.out) and sets PORT from the "listening on [host:]PORT" line it prints.
start_server() {
	local name=$1 i
	shift
	: >"$SERVER_DIR/$name.out" # exists before the server's own redirection, for the grep below
	"$@" >"$SERVER_DIR/$name.out" 2>&1 &
	SERVER_PIDS+=($!)
	PORT=""
	for i in $(seq 1 100); do
		PORT=$(grep -Eo 'listening on ([0-9.]+:)?[0-9]+' "$SERVER_DIR/$name.out" | grep -Eo '[0-9]+$' | head -n 1)
		[ -n "$PORT" ] && return 0
		sleep 0.1
	done
	echo "server $name did not start:"
	cat "$SERVER_DIR/$name.out"
	return 1
}

stop_servers() {
	local p
	for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	SERVER_PIDS=()
}

# start_runtime_api DIR: the Lambda Runtime API emulator (tests/lambda/runtime_api.js) on
# 127.0.0.1, state in DIR; sets API_PORT (empty when it did not start) and checks it.
start_runtime_api() {
	mkdir -p "$1"
	node "$ROOT/tests/lambda/runtime_api.js" "$1" >"$1.out" 2>&1 &
	SERVER_PIDS+=($!)
	for _ in $(seq 100); do [ -s "$1/port" ] && break; sleep 0.1; done
	API_PORT=$(cat "$1/port" 2>/dev/null)
	check "Runtime API emulator listening" test -n "$API_PORT"
}

# needs HINT COMMAND...: each command (a name on PATH or a file) must be there; else one failed
# check names it with HINT and the script ends (a test never skips silently).
needs() {
	local hint=$1 c
	shift
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { not_ok "prerequisite $c is missing ($hint)"; finish; exit 1; }
	done
}

# work_area TAG: WORK (and SERVER_DIR) is a new folder /tmp/jvmsnap-TAG.XXXXXX. At exit the
# servers (start_server) and the background processes the script adds to PIDS are killed and
# waited for, and the folder is removed (kept when KEEP is set).
work_area() {
	WORK=$(mktemp -d "/tmp/jvmsnap-$1.XXXXXX") || exit 1
	SERVER_DIR=$WORK
	PIDS=()
	trap _work_area_end EXIT
}
_work_area_end() {
	local p
	stop_servers
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}

# api_log_has N [PATTERN]: the Runtime API emulator (start_runtime_api) has logged at least N
# calls matching PATTERN (grep -o; by default a response posted).
api_log_has() {
	[ "$(curl -sf "http://127.0.0.1:$API_PORT/_test/log" | grep -o "${2:-/response\"}" | wc -l)" -ge "$1" ]
}

# serve_until PID COMMAND...: a runtime that serves forever (the RIC) runs until COMMAND
# succeeds or PID has exited (polled every 0.1 s, at most 60 s: a bound for a hung runtime,
# never a measured time); then its last window's snapshot gets 0.5 s and PID is stopped.
serve_until() {
	local pid=$1 _
	shift
	for _ in $(seq 600); do
		"$@" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
