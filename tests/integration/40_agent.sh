#!/usr/bin/env bash
# The agent in a real JVM, enabled the way users enable it (JAVA_TOOL_OPTIONS and
# IOPIPE_PROFILER_* variables), on every JDK present; every snapshot is checked by
# VisualVM's own loader (NpsCheck).
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-agent.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# run_java JDK OUTDIR CLASS ARGS...: profile one program, output in OUTDIR.
run_java() {
	local jdk=$1 out=$2
	shift 2
	mkdir -p "$out"
	(cd "$out" && env JAVA_TOOL_OPTIONS="-agentpath:$AGENT${AGENT_OPTS:+=$AGENT_OPTS}" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		timeout 60 "$jdk/bin/java" -cp "$JAVA_TESTS" "$@" >"$out/stdout" 2>"$out/stderr")
}

field() { awk -F'\t' -v k="$1" '$1 == k' "$2"; }

thread_total() { # thread_total SUMMARY NAME -> wall µs
	awk -F'\t' -v n="$2" '$1 ~ /^thread / && $4 == n {print $2}' "$1" | head -n 1
}

hits_of() { # hits_of SUMMARY METHOD -> Hits summed over the tree (NpsCheck --has), empty if absent
	awk -F'\t' -v m="has $2" '$1 == m && $2 == "yes" {print $3}' "$1" | head -n 1
}

in_window() { # in_window VALUE WINDOW: 0 < VALUE <= WINDOW
	awk -v v="$1" -v w="$2" 'BEGIN {exit !(v > 0 && v <= w)}'
}

check_hotspin() {
	local jdk=$1 tag=$2 out=$WORK/${2// /_}/hot
	run_java "$jdk" "$out" -Dhotspin.ticker=true HotSpin 2000
	check "$tag: HotSpin exits 0 under the agent" test -f "$out/stdout" -a "$(grep -c elapsed_ms "$out/stdout")" = 1
	check "$tag: snapshot zip at the configured directory" test -f "$out/snap.zip"
	check "$tag: zip holds snap_cpu.nps" sh -c "unzip -l '$out/snap.zip' | grep -q ' snap_cpu.nps$'"
	check "$tag: path logged at info level" grep -q "jvmsnap: info: snapshot written to $out/snap.zip" "$out/stderr"
	nps_check --has HotSpin.tick --has HotSpin.main --has 'HotSpin.lambda$main$0' "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: VisualVM's loader accepts the snapshot and walks its views" grep -q '^NpsCheck: OK' "$out/summary"
	local top
	top=$(grep "^hot " "$out/summary" | sort -t"	" -k2,2nr | head -n 1 | cut -f5)
	check "$tag: top self CPU time (Hot Spots default) is HotSpin.hotMethod (got '$top')" test "$top" = "HotSpin.hotMethod"
	local hotname='hot-ümläut-线程' total
	total=$(thread_total "$out/summary" "$hotname")
	check "$tag: non-ASCII thread name survives ('$hotname')" test -n "$total"
	# Wall totals are sampled: how close they come to the threads' real run times depends
	# on the machine's load (bench/timing.sh prints it). Deterministic: each thread has
	# wall time, and no thread has more than the window.
	local window_us
	window_us=$(unzip -p "$out/snap.zip" metadata.json 2>/dev/null | sed -n 's/.*"duration_ms": \([0-9]*\).*/\1/p')
	window_us=$(( (${window_us:-0} + 1) * 1000 ))
	check "$tag: hot thread has wall time, at most the ${window_us} us window (${total:-?} us)" in_window "${total:-0}" "$window_us"
	total=$(thread_total "$out/summary" main)
	check "$tag: main thread has wall time, at most the window (${total:-?} us)" in_window "${total:-0}" "$window_us"
	total=$(thread_total "$out/summary" sleeper)
	check "$tag: sleeper thread has wall time, at most the window (${total:-?} us)" in_window "${total:-0}" "$window_us"
	check_hits "$tag" "$out"
	check "$tag: sleeper's time sits in Thread.sleep" sh -c "grep -P '^threadhot sleeper\t' '$out/summary' | head -n 1 | grep -q 'java.lang.Thread.sleep'"
	check "$tag: the sampler's own thread is absent" sh -c "! grep -P '^thread .*jvmsnap' '$out/summary'"
	check "$tag: parameter types shown (signatures kept)" sh -c "grep -P '^hassig HotSpin.hotMethod\t' '$out/summary' | grep -q 'hotMethod(long)'"
	check "$tag: no warning or error logged" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$out/stderr'"
	unzip -p "$out/snap.zip" snap_stat.csv >"$out/stat.csv" 2>/dev/null
	local cols
	cols=$(awk -F, '$1 == "UpTime (ms)" {print NF - 1}' "$out/stat.csv")
	check "$tag: stats CSV has begin, periodic (1 s) and end columns (got ${cols:-none})" test "${cols:-0}" -ge 3
	check "$tag: stats columns move forward in time" awk -F, '$1 == "UpTime (ms)" {for (i = 3; i <= NF; i++) if ($i + 0 < $(i - 1) + 0) exit 1; found = 1} END {exit !found}' "$out/stat.csv"
}

# Hits as VisualVM's sampler counts them: tick() runs in 25 ms bursts with 35 ms sleeps
# between, longer than any interval the sampler uses, so every call is seen anew; a method
# entered once and never left (main, the hot thread's body) counts 1 however many samples
# see it. (hotMethod is not used: its calls are shorter than an interval and follow each
# other without a gap, so the rule rightly sees few of them as new.)
check_hits() {
	local tag=$1 out=$2 ticks hits
	ticks=$(awk '$1 == "ticks" {print $2}' "$out/stdout")
	hits=$(hits_of "$out/summary" HotSpin.tick)
	# How many calls the sampler sees depends on the machine's load (bench/timing.sh prints
	# the share); deterministic: it saw some, and never more than there were.
	check "$tag: Hits of tick() ${hits:-?} for its ${ticks:-?} calls (at least one, at most all)" \
		awk -v h="${hits:-0}" -v n="${ticks:-0}" 'BEGIN {exit !(n >= 10 && h >= 1 && h <= n)}'
	hits=$(hits_of "$out/summary" HotSpin.main)
	check "$tag: Hits of HotSpin.main, entered once: ${hits:-?} (1)" test "${hits:-0}" = 1
	hits=$(hits_of "$out/summary" 'HotSpin.lambda$main$0')
	check "$tag: Hits of the hot thread's body, entered once: ${hits:-?} (1)" test "${hits:-0}" = 1
}

# The achieved interval is reported and agrees with the sample count and the window: the
# (samples - 1) intervals between the first and the last round fit in the window. How
# close it stays to the requested one depends on the machine's load: bench/timing.sh
# prints that figure (docs/performance.md).
check_interval() {
	local jdk=$1 tag=$2 out=$WORK/$2/interval req got samples dur
	AGENT_OPTS=samplerate=2ms run_java "$jdk" "$out" NativeThreads 1500
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: samplerate=2ms: snapshot valid" grep -q '^NpsCheck: OK' "$out/summary"
	unzip -p "$out/snap.zip" metadata.json >"$out/meta.json" 2>/dev/null
	req=$(sed -n 's/.*"interval_requested_us": \([0-9.]*\).*/\1/p' "$out/meta.json")
	got=$(sed -n 's/.*"interval_achieved_us": \([0-9.]*\).*/\1/p' "$out/meta.json")
	check "$tag: samplerate=2ms is 2000 us requested (got ${req:-?})" test "${req:-0}" = 2000
	samples=$(sed -n 's/.*"samples": \([0-9]*\).*/\1/p' "$out/meta.json")
	dur=$(sed -n 's/.*"duration_ms": \([0-9]*\).*/\1/p' "$out/meta.json")
	check "$tag: achieved interval reported (${got:-?} us over ${samples:-?} samples)" \
		awk -v g="${got:-0}" -v n="${samples:-0}" 'BEGIN {exit !(g > 0 && n >= 2)}'
	# metadata.json rounds the interval to 1 us and the window to 1 ms.
	check "$tag: ${samples:-?} samples x ${got:-?} us fit in the ${dur:-?} ms window" \
		awk -v g="${got:-0}" -v n="${samples:-0}" -v d="${dur:-0}" \
		'BEGIN {exit !((n - 1) * (g - 0.5) <= (d + 1) * 1000)}'
	check "$tag: the agent's log line says the same achieved interval" \
		grep -q "(every 2000 us requested, ${got:-x} us achieved)" "$out/stderr"
}

check_exit_paths() {
	local jdk=$1 tag=$2 out=$WORK/$2/exit rc
	run_java "$jdk" "$out" ExitFromWorker
	rc=$?
	check "$tag: System.exit(3) from a worker keeps exit code 3 (got $rc)" test "$rc" = 3
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: System.exit from a worker writes a valid snapshot" grep -q '^NpsCheck: OK' "$out/summary"

	out=$WORK/$2/term
	mkdir -p "$out"
	(cd "$out" && env JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		"$jdk/bin/java" -cp "$JAVA_TESTS" RunForever >"$out/stdout" 2>"$out/stderr") &
	local pid=$! i
	for i in $(seq 100); do grep -q ready "$out/stdout" 2>/dev/null && break; sleep 0.1; done
	sleep 0.5
	pkill -TERM -f "RunForever" -P "$pid" 2>/dev/null || kill -TERM "$pid"
	# Whether the JVM exits is the check; 60 s only tells a hang from a busy machine, and
	# the time it took is printed, not judged.
	local waited=0
	while kill -0 "$pid" 2>/dev/null && [ $waited -lt 600 ]; do sleep 0.1; waited=$((waited + 1)); done
	if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
	wait "$pid" 2>/dev/null
	check "$tag: SIGTERM: the JVM exits (in about $((waited / 10)).$((waited % 10)) s; not hung: within 60 s)" test $waited -lt 600
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: SIGTERM writes a valid snapshot" grep -q '^NpsCheck: OK' "$out/summary"
	check "$tag: SIGTERM profile shows RunForever.busy" grep -q 'RunForever.busy' "$out/summary"
}

check_disabled() {
	local jdk=$1 tag=$2 out=$WORK/$2/off
	mkdir -p "$out"
	(cd "$out" && env -u IOPIPE_PROFILER_ENABLED JAVA_TOOL_OPTIONS="-agentpath:$AGENT" \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" \
		"$jdk/bin/java" -cp "$JAVA_TESTS" NativeThreads >"$out/stdout" 2>"$out/stderr")
	check "$tag: disabled: program runs" grep -q '^native-thread java' "$out/stdout"
	check "$tag: disabled: no jvmsnap thread" sh -c "! grep -q 'jvmsnap' '$out/stdout'"
	check "$tag: disabled: nothing written" test -z "$(ls "$out" | grep -v -e stdout -e stderr)"
	check "$tag: disabled: no jvmsnap line on stderr" sh -c "! grep -q 'jvmsnap:' '$out/stderr'"
	# Positive control: the same probe sees the sampler thread when enabled.
	# 2 s, not the default 0.3 s: on a machine loaded ~30 deep the agent thread was once not
	# yet scheduled (so not yet named, and no round taken) when the program listed its threads.
	run_java "$jdk" "$out.on" NativeThreads 2000
	check "$tag: enabled: the sampler thread exists (control)" grep -q 'native-thread jvmsnap' "$out.on/stdout"
	nps_check "$out.on/snap.zip" >"$out.on/summary" 2>&1
	check "$tag: enabled: its snapshot is valid (control)" grep -q '^NpsCheck: OK' "$out.on/summary"
}

check_churn_and_unload() {
	local jdk=$1 tag=$2 out=$WORK/$2/churn
	run_java "$jdk" "$out" ThreadChurn 2000
	check "$tag: thread churn: program completes" grep -q '^started' "$out/stdout"
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: thread churn: snapshot valid" grep -q '^NpsCheck: OK' "$out/summary"
	check "$tag: thread churn: churn-N threads named" grep -qP '^thread \d+\t\d+\t\d+\tchurn-\d+$' "$out/summary"
	out=$WORK/$2/unload
	run_java "$jdk" "$out" -Xlog:class+unload=info:file="$WORK/$2/unload.log" ClassUnload 2000
	check "$tag: class unloading: program completes" grep -q '^loaders' "$out/stdout"
	check "$tag: class unloading: UnloadPayload classes did unload" grep -q 'UnloadPayload' "$WORK/$2/unload.log"
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: class unloading: snapshot valid" grep -q '^NpsCheck: OK' "$out/summary"
	check "$tag: class unloading: UnloadPayload.work named correctly" grep -q 'UnloadPayload.work' "$out/summary"
	out=$WORK/$2/deep
	run_java "$jdk" "$out" DeepRecursion 1000 3000
	# The marker is a node near the root (it stands for the frames below the top ones kept):
	# asked for by name, as the hot-spot rows list only the top self times.
	nps_check --has 'jvmsnap.[truncated stack]' "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: 3000-deep recursion: snapshot loads in VisualVM" grep -q '^NpsCheck: OK' "$out/summary"
	check "$tag: 3000-deep recursion: the cut is a [truncated stack] frame" grep -qP '^has jvmsnap\.\[truncated stack\]\tyes' "$out/summary"
}

# Statistics through the MXBeans instead of JMM (the fallback path, forced by an option).
check_stats_fallback() {
	local jdk=$1 tag=$2 out=$WORK/$2/mxbean
	# The MXBean path loads ~360 classes before its begin column; on a loaded machine that
	# took longer than a 0.6 s run, and the sleeper had ended before any column saw it. 3 s
	# leaves the begin column a wide margin.
	AGENT_OPTS=statssource=mxbean,debug=true run_java "$jdk" "$out" HotSpin 3000
	check "$tag: statssource=mxbean says it reads the MXBeans" grep -q 'stats: JMM not used' "$out/stderr"
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag: statssource=mxbean: snapshot valid" grep -q '^NpsCheck: OK' "$out/summary"
	unzip -p "$out/snap.zip" snap_stat.csv >"$out/stat.csv" 2>/dev/null
	check "$tag: statssource=mxbean: collectors, pools and threads in the CSV" sh -c \
		"grep -q '^GC\.' '$out/stat.csv' && grep -q '^MemPool\.' '$out/stat.csv' && grep -q '^Thread\.sleeper\.' '$out/stat.csv'"
}

for jdk in $(all_jdks); do
	tag=$(basename "$jdk")
	check_hotspin "$jdk" "$tag"
	AGENT_OPTS=sampler=all check_hotspin "$jdk" "$tag sampler=all"
	check_exit_paths "$jdk" "$tag"
	check_disabled "$jdk" "$tag"
	check_churn_and_unload "$jdk" "$tag"
	check_stats_fallback "$jdk" "$tag"
	check_interval "$jdk" "$tag"
done
finish
