#!/usr/bin/env bash
# Stress with a real JVM: 2,000 live threads at the default rate, thread churn, recursion
# past the depth cap, class unloading, heap exhaustion, SIGTERM, SIGINT, System.exit from
# several threads at once and Runtime.halt. Each case: no JVM crash (no hs_err file), a
# bounded exit time, the agent's extra peak RSS (vs the same run without the agent) under
# a bound, and a snapshot VisualVM's loader accepts, or its absence explained by one line.
# The figures are printed as "measure:" lines (docs/reliability.md quotes them).
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-stress.XXXXXX)
BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
JAVA=$JAVA_HOME/bin/java
TIME=/usr/bin/time
# The agent's extra peak RSS may not exceed this (its memory cap is 256 MB by default;
# these runs stay far below). Overridable for slow or instrumented builds.
MAX_EXTRA_RSS_MB=${STRESS_MAX_EXTRA_RSS_MB:-96}

check "GNU time is installed (peak RSS)" test -x "$TIME"

# run NAME on|off TIMEOUT_S JVM_ARGS...: one JVM in $WORK/NAME.on|off, measured by GNU
# time (wall seconds, peak RSS in KiB).
run() {
	local name=$1 mode=$2 limit=$3 dir=$WORK/$1.$2
	shift 3
	mkdir -p "$dir"
	local agent=()
	[ "$mode" = on ] && agent=(-agentpath:"$AGENT")
	(cd "$dir" && env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		"$TIME" -f '%e %M' -o "$dir/time" timeout -s KILL "$limit" "$JAVA" "${agent[@]}" -cp "$JAVA_TESTS" "$@" \
		>"$dir/stdout" 2>"$dir/stderr")
	echo $? >"$dir/rc"
}
rc_of() { cat "$WORK/$1/rc"; }
# GNU time's last line is "%e %M" (a "Command exited with non-zero status" line may precede it).
secs_of() { tail -n 1 "$WORK/$1/time" 2>/dev/null | awk '{print $1}'; }
rss_mb() { tail -n 1 "$WORK/$1/time" 2>/dev/null | awk '{printf "%.1f", $2 / 1024}'; }
valid() { nps_check "$1" >"$1.summary" 2>&1 && grep -q '^NpsCheck: OK' "$1.summary"; }
no_crash() { # no_crash NAME.MODE: no hs_err file, no fatal error report
	test -z "$(find "$WORK/$1" -name 'hs_err_pid*.log')" && ! grep -q 'A fatal error has been detected' "$WORK/$1/stdout" "$WORK/$1/stderr"
}

# pair NAME TIMEOUT JVM_ARGS...: runs with and without the agent and checks both.
pair() {
	local name=$1 limit=$2
	shift 2
	run "$name" off "$limit" "$@"
	run "$name" on "$limit" "$@"
	local off_s on_s off_mb on_mb extra
	off_s=$(secs_of "$name.off") on_s=$(secs_of "$name.on")
	off_mb=$(rss_mb "$name.off") on_mb=$(rss_mb "$name.on")
	extra=$(awk -v a="$on_mb" -v b="$off_mb" 'BEGIN {printf "%.1f", a - b}')
	echo "measure: $name: wall ${off_s}s -> ${on_s}s with the agent; peak RSS ${off_mb} MB -> ${on_mb} MB (agent +${extra} MB)"
	check "$name: no crash (no hs_err file)" no_crash "$name.on"
	# (ExitRace's code is whichever exiting thread wins: the caller checks its range.)
	[ "${ANY_RC:-0}" = 1 ] ||
		check "$name: exit code as without the agent ($(rc_of "$name.off"))" test "$(rc_of "$name.on")" = "$(rc_of "$name.off")"
	check "$name: exits in bounded time (${on_s}s, limit ${limit}s)" awk -v s="${on_s:-999}" -v l="$limit" 'BEGIN {exit !(s < l)}'
	check "$name: agent's extra peak RSS ${extra} MB <= ${MAX_EXTRA_RSS_MB} MB" \
		awk -v e="$extra" -v m="$MAX_EXTRA_RSS_MB" 'BEGIN {exit !(e != "" && e <= m)}'
	check "$name: snapshot valid" valid "$WORK/$name.on/snap.zip"
	check "$name: no error line" sh -c "! grep -q '^jvmsnap: error' '$WORK/$name.on/stderr'"
}

# ---- 2,000 live threads at the default rate (1 ms) ----
pair threads2000 120 ManyThreads 2000 3000
check "threads2000: 2,000 threads were live" grep -q '^live 2000' "$WORK/threads2000.on/stdout"
n=$(grep -cP '^thread \d+\t\d+\t\d+\tmany-\d+$' "$WORK/threads2000.on/snap.zip.summary")
echo "measure: threads2000: $n many-* threads in the snapshot"
check "threads2000: the snapshot holds >= 1,900 of the 2,000 threads ($n)" test "$n" -ge 1900
grep -h 'jvmsnap: info: profiled' "$WORK/threads2000.on/stderr" | sed 's/^/measure: threads2000: /'

# ---- thread churn: thousands of threads started and ended per second ----
pair churn 120 ThreadStorm 3000
started=$(awk '/^started/ {print $2}' "$WORK/churn.on/stdout")
started_off=$(awk '/^started/ {print $2}' "$WORK/churn.off/stdout")
echo "measure: churn: ${started:-?} threads started and ended in 3 s with the agent ($(( ${started:-0} / 3 ))/s; without: $(( ${started_off:-0} / 3 ))/s)"
check "churn: >= 1,000 threads per second under the agent (${started:-0} in 3 s)" test "${started:-0}" -ge 3000

# ---- recursion past the depth cap (default 1024) ----
pair deep 120 -Xss16m DeepRecursion 1500 6000
check "deep: the cut is a [truncated stack] frame" grep -q 'jvmsnap.\[truncated stack\]' "$WORK/deep.on/snap.zip.summary"

# ---- classes loaded by throwaway loaders and unloaded while sampling ----
pair unload 120 -Xlog:class+unload=info:file=unload.log ClassUnload 2500
check "unload: UnloadPayload classes did unload" grep -q UnloadPayload "$WORK/unload.on/unload.log"
echo "measure: unload: $(grep -c UnloadPayload "$WORK/unload.on/unload.log") classes unloaded, $(awk '/^loaders/ {print $2}' "$WORK/unload.on/stdout") loaders"
check "unload: UnloadPayload.work named" grep -q 'UnloadPayload.work' "$WORK/unload.on/snap.zip.summary"

# ---- out of heap: uncaught (exit 1) and caught ----
pair oom 120 -Xmx32m OutOfHeap
check "oom: the application's OutOfMemoryError is printed as usual" grep -q 'java.lang.OutOfMemoryError' "$WORK/oom.on/stderr"
pair oomcatch 120 -Xmx32m OutOfHeap catch
check "oomcatch: the application recovers" grep -q '^recovered' "$WORK/oomcatch.on/stdout"

# ---- several threads call System.exit at once ----
ANY_RC=1 pair exitrace 120 ExitRace exit 8 800
check "exitrace: exit code is one of the callers' (10..17)" sh -c "test $(rc_of exitrace.on) -ge 10 -a $(rc_of exitrace.on) -le 17"

# ---- Runtime.halt: no shutdown hooks and no VMDeath; the snapshot may be lost, but
# the JVM must exit at once with the halt code, and not crash ----
run halt on 60 ExitRace halt 8 800
echo "measure: halt: wall $(secs_of halt.on)s, exit $(rc_of halt.on), peak RSS $(rss_mb halt.on) MB"
check "halt: no crash" no_crash halt.on
check "halt: exit code is one of the callers' (10..17)" sh -c "test $(rc_of halt.on) -ge 10 -a $(rc_of halt.on) -le 17"
check "halt: exits in bounded time ($(secs_of halt.on)s)" awk -v s="$(secs_of halt.on)" 'BEGIN {exit !(s < 30)}'
if [ -f "$WORK/halt.on/snap.zip" ]; then
	check "halt: snapshot written, and valid" valid "$WORK/halt.on/snap.zip"
else
	echo "halt: no snapshot (Runtime.halt skips VMDeath). stderr:"
	sed 's/^/  | /' "$WORK/halt.on/stderr"
	check "halt: no snapshot, and no jvmsnap error line" sh -c "! grep -q '^jvmsnap: error' '$WORK/halt.on/stderr'"
fi

# ---- signals: SIGTERM and SIGINT to a busy JVM ----
signal_case() { # signal_case NAME SIGNAL EXPECTED_RC
	local name=$1 sig=$2 want=$3 dir=$WORK/$1.on
	mkdir -p "$dir"
	(cd "$dir" && exec env IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap "$JAVA" -agentpath:"$AGENT" -cp "$JAVA_TESTS" RunForever \
		>"$dir/stdout" 2>"$dir/stderr") &
	local pid=$! i
	BG+=("$pid")
	for i in $(seq 200); do grep -q ready "$dir/stdout" 2>/dev/null && break; sleep 0.05; done
	sleep 1
	local t0 t1 rc
	t0=$(date +%s%N)
	kill -"$sig" "$pid"
	for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	t1=$(date +%s%N)
	local ms=$(( (t1 - t0) / 1000000 ))
	echo "measure: $name: exit ${ms} ms after SIG$sig, exit code $rc"
	check "$name: no crash" no_crash "$name.on"
	check "$name: exit code $want (got $rc)" test "$rc" = "$want"
	check "$name: exits within 10 s of the signal (${ms} ms)" test "$ms" -lt 10000
	check "$name: snapshot valid" valid "$dir/snap.zip"
}
signal_case sigterm TERM 143
signal_case sigint INT 130
finish
