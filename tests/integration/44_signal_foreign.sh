#!/usr/bin/env bash
# sampler=signal and the threads and handlers that are not its own, on JDK 17 and Temurin 25:
# - a native thread started by JNI code (tests/native/nativeburn.c, built here with gcc and
#   the JDK's headers; never attached to the JVM) burns CPU beside two busy Java threads:
#   no POSIX timer of the process notifies it (/proc/self/timers, read while it runs), every
#   timer is aimed at one thread (SIGEV_THREAD_ID, "tid"), none is process-wide, and the
#   agent's handler counted no timer signal on a non-Java thread (at the default 1 ms the
#   threads' own hrtimers, POSIX timers too, drive the samples); with the kicker instead,
#   it signals only registered Java threads: the kernel accepted every signal it sent, the
#   handler saw none on a non-Java thread, and the native thread is not in the snapshot;
# - an application's own SIGPROF handler, installed before the JVM starts (LD_PRELOAD of
#   tests/native/usersigprof.c, which also runs a process-wide ITIMER_PROF): the agent says
#   it falls back to sampler=changed (info line and metadata.json), the handler is still the
#   application's at exit and kept receiving its signals, and the run works.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-sigf.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
NATIVE=$ROOT/tests/native

command -v gcc >/dev/null || not_ok "gcc is needed to build the test's JNI library"
check "the JNI library builds" gcc -shared -fPIC -O1 -Wall -Wextra -Werror -pthread -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" \
	-o "$WORK/libnativeburn.so" "$NATIVE/nativeburn.c"
check "the SIGPROF preload library builds" gcc -shared -fPIC -O1 -Wall -Wextra -Werror -o "$WORK/libusersigprof.so" "$NATIVE/usersigprof.c"

run_agent() { # run_agent JDK OUT [VAR=VALUE...] -- CLASS ARGS...: with sampler=signal
	local jdk=$1 out=$2
	shift 2
	profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLER=signal "$@"
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
}

case_native_thread() {
	local jdk=$1 tag=$2 out=$WORK/$2/native tid notify
	run_agent "$jdk" "$out" -- NativeBurn "$WORK/libnativeburn.so" 1500
	tid=$(awk '/^native-tid / {print $2}' "$out/stdout")
	check "$tag: NativeBurn exits 0, native thread ${tid:-?} burned CPU" \
		sh -c "test '$(cat "$out/rc")' = 0 && awk '/^native-cpu-ns / {exit !(\$2 > 100000000)}' '$out/stdout'"
	check "$tag: the sampler that ran is signal" grep -q 'sampler=signal;' "$out/stderr"
	notify=$(grep -c '^timer-notify ' "$out/stdout")
	check "$tag: POSIX timers were seen while it ran ($notify distinct)" test "$notify" -gt 0
	check "$tag: every timer signals one thread (tid), none the process" \
		sh -c "! grep '^timer-notify ' '$out/stdout' | grep -vq '/tid\.'"
	check "$tag: no timer notifies the native thread ${tid:-?}" \
		sh -c "test -n '$tid' && ! grep -q '^timer-notify .*/tid\.$tid\$' '$out/stdout'"
	check "$tag: the agent's handler saw no timer signal on a non-Java thread" \
		grep -q 'signal sampler: .* 0 timer signals on non-Java threads' "$out/stderr"
	check "$tag: the threads' hrtimers drove the samples" grep -q '(clock: hrtimer)' "$out/stderr"
	out=$WORK/$2/native-kicker
	run_agent "$jdk" "$out" IOPIPE_PROFILER_SIGNAL_CLOCK=kicker -- NativeBurn "$WORK/libnativeburn.so" 1500
	check "$tag: kicker: NativeBurn exits 0, the kicker drove the samples, ended at exit, every signal accepted" sh -c \
		"test '$(cat "$out/rc")' = 0 && grep -q '(clock: kicker)' '$out/stderr' && grep -Eq 'kicker thread ended after [0-9]+ kicks .*, [1-9][0-9]* signals sent, 0 refused' '$out/stderr'"
	check "$tag: kicker: the handler saw no signal on a non-Java thread" \
		grep -q 'signal sampler: .* 0 timer signals on non-Java threads' "$out/stderr"
	check "$tag: kicker: the native thread is not a thread of the snapshot" sh -c "grep -q '^NpsCheck: OK' '$out/summary' && ! grep -q 'native-burn' '$out/summary'"
	check "$tag: snapshot valid, the Java threads in it" sh -c "grep -q '^NpsCheck: OK' '$out/summary' && grep -Pq '\tjava-busy-0$' '$out/summary'"
	check "$tag: the native thread is not a thread of the snapshot" sh -c "! grep -q 'native-burn' '$out/summary'"
}

case_user_handler() {
	local jdk=$1 tag=$2 out=$WORK/$2/user
	run_agent "$jdk" "$out" LD_PRELOAD="$WORK/libusersigprof.so" USER_SIGPROF_REPORT="$out/report" -- HotSpin 1500
	check "$tag: with the user's SIGPROF handler HotSpin exits 0" test "$(cat "$out/rc")" = 0
	check "$tag: the info line says the signal sampler falls back, and why" \
		grep -q "info: sampler=signal is off: the application has its own SIGPROF handler; using sampler=changed" "$out/stderr"
	check "$tag: metadata.json names the sampler that ran (changed)" \
		sh -c "unzip -p '$out/snap.zip' metadata.json | grep -q '\"sampler\": \"changed\"'"
	check "$tag: the user's handler is still installed at exit" grep -qx 'handler intact' "$out/report"
	check "$tag: and it kept receiving its own signals" awk '/^signals / {exit !($2 > 0)}' "$out/report"
	check "$tag: snapshot valid, HotSpin.hotMethod in it" sh -c "grep -q '^NpsCheck: OK' '$out/summary' && grep -q 'HotSpin.hotMethod' '$out/summary'"
	check "$tag: no warning or error logged" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$out/stderr'"
}

[ -x "$JDK25/bin/java" ] || not_ok "Temurin 25 missing at $JDK25"
for j in "$JAVA_HOME:jdk17" "$JDK25:jdk25"; do
	[ -x "${j%%:*}/bin/java" ] || continue
	case_native_thread "${j%%:*}" "${j##*:}"
	case_user_handler "${j%%:*}" "${j##*:}"
done
finish
