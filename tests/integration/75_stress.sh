#!/usr/bin/env bash
# Stress with a real JVM: 2,000 live threads at the default rate, thread churn, recursion
# past the depth cap, class unloading, heap exhaustion, SIGTERM, SIGINT, System.exit from
# several threads at once, Runtime.halt, and exit() called by native code. Each case: no
# JVM crash (no hs_err file), a bounded exit time, the agent's extra peak RSS (vs the same
# run without the agent) under a bound, and a snapshot VisualVM's loader accepts, or its
# absence explained by one line.
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
	case $mode in on*) agent=(-agentpath:"$AGENT") ;; esac
	(cd "$dir" && env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		"$TIME" -f '%e %M' -o "$dir/time" timeout -s KILL "$limit" "${RUN_JAVA:-$JAVA}" "${agent[@]}" -cp "$JAVA_TESTS" "$@" \
		>"$dir/stdout" 2>"$dir/stderr")
	echo $? >"$dir/rc"
}
rc_of() { cat "$WORK/$1/rc"; }
# GNU time's last line is "%e %M" (a "Command exited with non-zero status" line may precede it).
secs_of() { tail -n 1 "$WORK/$1/time" 2>/dev/null | awk '{print $1}'; }
rss_mb() { tail -n 1 "$WORK/$1/time" 2>/dev/null | awk '{printf "%.1f", $2 / 1024}'; }
valid() { nps_check "$1" >"$1.summary" 2>&1 && grep -q '^NpsCheck: OK' "$1.summary"; }
# The cut of a too-deep stack: a jvmsnap.[truncated stack] node somewhere in the trees.
truncated() { nps_check --has 'jvmsnap.[truncated stack]' "$1" 2>&1 | grep -qP '^has jvmsnap\.\[truncated stack\]\tyes'; }
no_crash() { # no_crash NAME.MODE: no hs_err file, no fatal error report
	test -z "$(find "$WORK/$1" -name 'hs_err_pid*.log')" && ! grep -q 'A fatal error has been detected' "$WORK/$1/stdout" "$WORK/$1/stderr"
}

# What the agent prints when the process exits without VMDeath (jvmagent/agent.c).
NO_DEATH_LINE='jvmsnap: warning: the process exited without a VM death event (exit() from native code?): no snapshot for this run'
no_death_lines() { grep -cxF "$NO_DEATH_LINE" "$WORK/$1/stderr"; }

# measure NAME LIMIT_S: the checks every case shares, once NAME.off and NAME.on have run:
# no crash, exit code as without the agent, bounded exit time, bounded extra peak RSS.
measure() {
	local name=$1 limit=$2 off_s on_s off_mb on_mb extra
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
}

# pair NAME TIMEOUT JVM_ARGS...: runs with and without the agent and checks both.
pair() {
	local name=$1 limit=$2
	shift 2
	run "$name" off "$limit" "$@"
	run "$name" on "$limit" "$@"
	measure "$name" "$limit"
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

# ---- -Xcheck:jni with 300 threads, both samplers: the JVM checks every JNI call, and warns
# on stdout when a native frame holds more local references than it declared (before the
# fix: "WARNING: JNI local refs: 307, exceeds capacity: 96" once per sampling round) ----
for mode in changed all; do
	IOPIPE_PROFILER_SAMPLER=$mode run checkjni-$mode on 120 -Xcheck:jni ManyThreads 300 1500
	dir=$WORK/checkjni-$mode.on
	check "checkjni ($mode): the application ran (300 live threads)" grep -q '^live 300' "$dir/stdout"
	check "checkjni ($mode): no JNI warning or error" sh -c "! grep -qiE 'WARNING: JNI|JNI (error|warning)|FATAL ERROR in native method' '$dir/stdout' '$dir/stderr'"
	check "checkjni ($mode): snapshot valid" valid "$dir/snap.zip"
done

# ---- thread churn: thousands of threads started and ended per second ----
pair churn 120 ThreadStorm 3000
started=$(awk '/^started/ {print $2}' "$WORK/churn.on/stdout")
started_off=$(awk '/^started/ {print $2}' "$WORK/churn.off/stdout")
echo "measure: churn: ${started:-?} threads started and ended in 3 s with the agent ($(( ${started:-0} / 3 ))/s; without: $(( ${started_off:-0} / 3 ))/s)"
# The rate is the machine's (bench/timing.sh prints it); deterministic: threads did churn.
check "churn: threads started and ended under the agent (${started:-0} in 3 s)" test "${started:-0}" -gt 0

# ---- recursion past the depth cap (default 1024) ----
pair deep 120 -Xss16m DeepRecursion 1500 6000
check "deep: the cut is a [truncated stack] frame" truncated "$WORK/deep.on/snap.zip"
# At the highest depth allowed (3000), VisualVM's loader must still walk every view.
IOPIPE_PROFILER_DEPTH=9999 run deepcap on 120 -Xss32m DeepRecursion 2000 5000
check "deepcap: depth=9999 is clamped to 3000 with one warning" \
	test "$(grep -c "IOPIPE_PROFILER_DEPTH='9999'.*using 3000" "$WORK/deepcap.on/stderr")" = 1
check "deepcap: a 3,000-frame snapshot is valid in VisualVM's loader" valid "$WORK/deepcap.on/snap.zip"
check "deepcap: cut by a [truncated stack] frame" truncated "$WORK/deepcap.on/snap.zip"

# ---- a call tree that outgrows its memory cap: 2 threads, each sample a new 400-frame path,
# at 100 us with a 100 % overhead budget and memory=64. The tree stops at its share of the
# cap, is cut (totals kept) to what can be written in time, and the JVM's extra peak RSS
# stays within the cap. (Before: the cap counted the tree only, writing doubled it, and a
# default-cap profile took longer than the 3 s exit bound to write: no zip at all.) ----
IOPIPE_PROFILER_SAMPLERATE=100 IOPIPE_PROFILER_OVERHEAD=100% IOPIPE_PROFILER_MEMORY_MB=64 \
	MAX_EXTRA_RSS_MB=${STRESS_MAX_EXTRA_RSS_MB:-64} pair manypaths 120 ManyPaths 5000 2 400
check "manypaths: one warning: the memory limit was reached" \
	test "$(grep -c '^jvmsnap: warning: the profile reached its memory limit (64 MB' "$WORK/manypaths.on/stderr")" = 1
# (On a machine too slow to write the 200,000 nodes within their deadline at exit, the
# tree is cut harder and one line says that instead: 44_exit_deadline.sh forces that path.)
check "manypaths: one warning: the tree was cut to be written in time, totals kept" \
	test "$(grep -cE '^jvmsnap: warning: (the call tree has [0-9]* nodes, too many to write in time: cut at depth|the snapshot could not be written whole in the [0-9]* ms it may take at exit)' "$WORK/manypaths.on/stderr")" = 1
grep -h -e 'snapshot written' -e 'call tree has' -e 'could not be written whole' "$WORK/manypaths.on/stderr" | sed 's/^/measure: manypaths: /'

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

# ---- Runtime.halt from 8 threads at once: no shutdown hooks run, but HotSpot still posts
# VMDeath (JVM_Halt -> before_exit), so a snapshot is expected; should a JVM skip it, the
# agent's exit hook must say so in one line instead of losing the snapshot silently ----
halt_explained() { # a valid snapshot and no such line, or no snapshot and exactly one
	local dir=$WORK/halt.on
	if [ -f "$dir/snap.zip" ]; then
		valid "$dir/snap.zip" && test "$(no_death_lines halt.on)" = 0
	else
		test "$(no_death_lines halt.on)" = 1
	fi
}
run halt off 60 ExitRace halt 8 800
run halt on 60 ExitRace halt 8 800
ANY_RC=1 measure halt 60
echo "measure: halt: exit $(rc_of halt.on), snapshot $([ -f "$WORK/halt.on/snap.zip" ] && echo written || echo absent)"
check "halt: exit code is one of the callers' (10..17)" sh -c "test $(rc_of halt.on) -ge 10 -a $(rc_of halt.on) -le 17"
check "halt: a valid snapshot, or exactly one line saying there is none" halt_explained
halt_explained || sed 's/^/  | /' "$WORK/halt.on/stderr"
check "halt: no error line" sh -c "! grep -q '^jvmsnap: error' '$WORK/halt.on/stderr'"

# ---- exit() from native code: no VMDeath at all, so no snapshot; the exit hook's line
# must explain it, once. Pure Java reaches libc's exit() through the FFM API (final in
# JDK 22), in a source-file program run by the first such JDK under test ----
jdk_major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null; }
FFM_JDK=""
for j in $(all_jdks); do [ "$(jdk_major "$j")" -ge 22 ] 2>/dev/null && FFM_JDK=$j && break; done
if [ -n "$FFM_JDK" ]; then
	cat >"$WORK/NativeExit.java" <<'JAVA'
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

public class NativeExit {
    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle exit = linker.downcallHandle(linker.defaultLookup().find("exit").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        System.out.println("calling exit(9)");
        System.out.flush();
        exit.invokeExact(9);
    }
}
JAVA
	RUN_JAVA=$FFM_JDK/bin/java run nativeexit off 60 --enable-native-access=ALL-UNNAMED "$WORK/NativeExit.java"
	RUN_JAVA=$FFM_JDK/bin/java run nativeexit on 60 --enable-native-access=ALL-UNNAMED "$WORK/NativeExit.java"
	measure nativeexit 60
	check "nativeexit: the program ran to its exit(9) ($(basename "$FFM_JDK"))" sh -c \
		"test \"\$(cat '$WORK/nativeexit.off/stdout')\" = 'calling exit(9)' && cmp -s '$WORK/nativeexit.off/stdout' '$WORK/nativeexit.on/stdout'"
	check "nativeexit: exactly one line explains the missing snapshot ($(no_death_lines nativeexit.on))" \
		test "$(no_death_lines nativeexit.on)" = 1
	check "nativeexit: no snapshot claimed" sh -c "! test -e '$WORK/nativeexit.on/snap.zip' && ! grep -q 'snapshot written' '$WORK/nativeexit.on/stderr'"
	check "nativeexit: no such line without the agent" test "$(no_death_lines nativeexit.off)" = 0
else
	echo "note: no JDK >= 22 under test: the native exit() case needs the FFM API; not run"
fi

# ---- -XX:+ExitOnOutOfMemoryError: HotSpot exits (code 3) without VMDeath; the one line
# must name that exit, not guess at native code ----
run exitoom on 60 -Xmx32m -XX:+ExitOnOutOfMemoryError OutOfHeap
OOM_LINE='jvmsnap: warning: the JVM exited on an OutOfMemoryError (-XX:+ExitOnOutOfMemoryError, exit code 3), which skips the VM death event: no snapshot for this run'
check "exitoom: exit code 3" test "$(rc_of exitoom.on)" = 3
check "exitoom: exactly one line names the OutOfMemoryError exit" test "$(grep -cxF "$OOM_LINE" "$WORK/exitoom.on/stderr")" = 1
check "exitoom: no other warning" test "$(grep -c '^jvmsnap: warning' "$WORK/exitoom.on/stderr")" = 1

# ---- the agent given twice: one agent, one snapshot, one line saying so ----
run twice on 60 -agentpath:"$AGENT" StableOutput 0 300
check "twice: exactly one warning, that the second load stays inactive" sh -c \
	"test \$(grep -c '^jvmsnap: warning' '$WORK/twice.on/stderr') = 1 && grep -q '^jvmsnap: warning: the agent is loaded a second time' '$WORK/twice.on/stderr'"
check "twice: one snapshot, valid" valid "$WORK/twice.on/snap.zip"
check "twice: no JVMTI error (no call after VMDeath)" sh -c "! grep -q 'JVMTI_ERROR' '$WORK/twice.on/stderr'"

# ---- SIGTERM in the first moments: as soon as the agent is loaded (its library appears in
# the process's maps), then 0-300 ms later, 12 times. Each run writes a valid snapshot, or
# exactly one line says why there is none (before the fix, 8 of 20 ended without a word).
# A signal before the JVM has even loaded the agent cannot be seen by it: not tried. ----
early_run() { # early_run N DELAY_S
	local dir=$WORK/early$1 i jpid
	mkdir -p "$dir"
	(cd "$dir" && exec env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap "$JAVA" -agentpath:"$AGENT" -cp "$JAVA_TESTS" RunForever \
		>"$dir/stdout" 2>"$dir/stderr") &
	jpid=$!
	BG+=("$jpid")
	for i in $(seq 2000); do grep -q libjvmsnap-agent.so "/proc/$jpid/maps" 2>/dev/null && break; sleep 0.005; done
	sleep "$2"
	kill -TERM "$jpid"
	for i in $(seq 600); do kill -0 "$jpid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$jpid" 2>/dev/null
	wait "$jpid"
	echo $? >"$dir/rc"
}
early_explained() { # a valid snapshot and no "no snapshot" line, or no zip and exactly one line
	local dir=$WORK/early$1 lines
	lines=$(grep -c '^jvmsnap: warning: .*no snapshot' "$dir/stderr")
	if [ -f "$dir/snap.zip" ]; then
		valid "$dir/snap.zip" && test "$lines" = 0
	else
		test "$lines" = 1 && test "$(grep -c '^jvmsnap: warning' "$dir/stderr")" = 1
	fi
}
early_snaps=0
for n in $(seq 12); do
	early_run "$n" "$(awk -v n="$n" 'BEGIN {printf "%.3f", (n - 1) * 0.3 / 11}')"
	[ -f "$WORK/early$n/snap.zip" ] && early_snaps=$((early_snaps + 1))
	# 143, or 1: the JVM's own outcome, without the agent too (2 of 40 runs), when the
	# signal ends it while the launcher still loads the main class.
	check "early SIGTERM #$n: exit code 143 or 1, as without the agent ($(cat "$WORK/early$n/rc"))" \
		sh -c "test $(cat "$WORK/early$n/rc") = 143 -o $(cat "$WORK/early$n/rc") = 1"
	check "early SIGTERM #$n: a valid snapshot, or exactly one line saying why there is none" early_explained "$n"
	early_explained "$n" || sed 's/^/  | /' "$WORK/early$n/stderr"
done
echo "measure: early: $early_snaps of 12 early SIGTERMs left a snapshot; the others' lines: $(cat "$WORK"/early*/stderr | grep -o 'warning: .*no snapshot.*' | sort | uniq -c | tr '\n' ';')"

# ---- signals: SIGTERM and SIGINT to a busy JVM ----
# sig_run NAME MODE SIGNAL [JVM ARGS...]: RunForever (or the given program) under GNU time in
# $WORK/NAME.MODE, signalled once busy; the signal goes to the JVM itself (time ignores SIGINT
# and does not forward). The JVM is killed 30 s after the signal at the latest.
sig_run() {
	local name=$1 mode=$2 sig=$3 dir=$WORK/$1.$2
	shift 3
	local prog=("$@")
	[ ${#prog[@]} = 0 ] && prog=(RunForever)
	mkdir -p "$dir"
	local agent=()
	case $mode in on*) agent=(-agentpath:"$AGENT") ;; esac
	(cd "$dir" && exec env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap "$TIME" -f '%e %M' -o "$dir/time" \
		"$JAVA" "${agent[@]}" -cp "$JAVA_TESTS" "${prog[@]}" >"$dir/stdout" 2>"$dir/stderr") &
	local tpid=$! jpid="" i
	BG+=("$tpid")
	for i in $(seq 200); do grep -q ready "$dir/stdout" 2>/dev/null && break; sleep 0.05; done
	# GNU time's one child is the JVM.
	jpid=$(awk '{print $1}' "/proc/$tpid/task/$tpid/children" 2>/dev/null)
	BG+=(${jpid:+"$jpid"})
	sleep 1
	local t0 t1
	t0=$(date +%s%N)
	kill -"$sig" "${jpid:-$tpid}"
	for i in $(seq 600); do kill -0 "${jpid:-$tpid}" 2>/dev/null || break; sleep 0.05; done
	[ -n "$jpid" ] && kill -KILL "$jpid" 2>/dev/null
	wait "$tpid"
	echo $? >"$dir/rc"
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 )) >"$dir/ms"
}
signal_case() { # signal_case NAME SIGNAL EXPECTED_RC
	local name=$1 sig=$2 want=$3 dir=$WORK/$1.on ms rc
	sig_run "$name" off "$sig"
	sig_run "$name" on "$sig"
	ms=$(cat "$dir/ms") rc=$(rc_of "$name.on")
	echo "measure: $name: exit ${ms} ms after SIG$sig, exit code $rc"
	measure "$name" 30
	check "$name: exit code $want (got $rc)" test "$rc" = "$want"
	check "$name: exits within 10 s of the signal (${ms} ms)" test "$ms" -lt 10000
	check "$name: snapshot valid" valid "$dir/snap.zip"
}
signal_case sigterm TERM 143
signal_case sigint INT 130

# ---- a thread recursing to StackOverflowError, again and again, SIGTERM in the middle: the
# cost of sampling it must not grow with its depth (a walk of the top frames only), so the
# JVM's memory stays near a run without the agent and it exits on the signal with a snapshot.
# (Before the fix, -Xss8m took 94 MB -> 2.5 GB, and -Xss64m 32 s to exit, or never.) ----
# The JVM's own peak RSS in this program varies by up to ~240 MB from run to run (64 MB
# stacks: 248-484 MB without the agent, with -Xmx64m), so the baseline is the larger of
# two runs without it, and the figure with the agent the smaller of two with it: a cost the
# agent really adds shows in both of its runs, while the JVM's own swing (CI once saw +240 MB
# against one baseline) does not fail a correct build.
for ss in 8m 64m; do
	name=overflow$ss dir=$WORK/overflow$ss.on
	sig_run "$name" off TERM "-Xss$ss" -Xmx64m DeepOverflow
	sig_run "$name" off2 TERM "-Xss$ss" -Xmx64m DeepOverflow
	if [ "$(tail -n 1 "$WORK/$name.off2/time" | awk '{print $2}')" -gt "$(tail -n 1 "$WORK/$name.off/time" | awk '{print $2}')" ]; then
		mv "$WORK/$name.off" "$WORK/$name.off1" && mv "$WORK/$name.off2" "$WORK/$name.off"
	fi
	sig_run "$name" on TERM "-Xss$ss" -Xmx64m DeepOverflow
	sig_run "$name" on2 TERM "-Xss$ss" -Xmx64m DeepOverflow
	check "$name: second run with the agent: exit code 143, snapshot valid" \
		test "$(rc_of "$name.on2")" = 143 -a -f "$WORK/$name.on2/snap.zip"
	if [ "$(tail -n 1 "$WORK/$name.on2/time" | awk '{print $2}')" -lt "$(tail -n 1 "$WORK/$name.on/time" | awk '{print $2}')" ]; then
		mv "$WORK/$name.on" "$WORK/$name.on1" && mv "$WORK/$name.on2" "$WORK/$name.on"
	fi
	ms=$(cat "$dir/ms")
	echo "measure: $name: exit ${ms} ms after SIGTERM (without the agent: $(cat "$WORK/$name.off/ms") ms), exit code $(rc_of "$name.on")"
	MAX_EXTRA_RSS_MB=${STRESS_MAX_EXTRA_RSS_MB:-64} measure "$name" 60
	check "$name: exit code 143" test "$(rc_of "$name.on")" = 143
	check "$name: exits after the signal, within 30 s (${ms} ms)" test "$ms" -lt 30000
	check "$name: snapshot valid" valid "$dir/snap.zip"
	check "$name: the thread's stack is cut by a [truncated stack] frame" truncated "$dir/snap.zip"
done
finish
