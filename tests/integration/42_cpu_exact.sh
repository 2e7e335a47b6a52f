#!/usr/bin/env bash
# Exactness of the times in the .nps, per sampler and JDK: 4 busy threads share one CPU
# (taskset -c 0), so rounds run late and each thread's clock is read at a different point
# of each round. Each thread's CPU total must still match ThreadMXBean's count (read by
# the program after the threads stopped) within 2 % or one achieved interval, its wall
# total must cover its life, and VisualVM's "Sampling Period" is the interval achieved.
# No rate or duration is asserted: the tolerance is the interval the run achieved.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-cpu.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
# signal: below 10 ms each thread's hrtimer drives it (sighot.c); signal-kicker: the kicker
# (sigkick.h); signal-timer: its CPU timers alone
SAMPLERS=${SAMPLERS:-changed all signal signal-kicker signal-timer}

command -v taskset >/dev/null || { not_ok "taskset is needed (util-linux)"; finish; exit 1; }
[ -x "$JDK25/bin/java" ] || not_ok "Temurin 25 missing at $JDK25"

# close VALUE EXPECTED TOLERANCE_ABS: |VALUE - EXPECTED| <= max(2 % of EXPECTED, TOLERANCE_ABS)
close() {
	awk -v v="$1" -v e="$2" -v t="$3" 'BEGIN {d = v - e; if (d < 0) d = -d; p = e * 0.02; exit !(v != "" && d <= (p > t ? p : t))}'
}

run_case() {
	local jdk=$1 tag=$2 mode=$3 out=$WORK/$2-$3 clock=auto
	[ "$mode" = "${mode#signal-}" ] || clock=${mode#signal-}
	mkdir -p "$out"
	(cd "$out" && env JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		IOPIPE_PROFILER_SAMPLERATE=1000 IOPIPE_PROFILER_SAMPLER="${mode%%-*}" IOPIPE_PROFILER_SIGNAL_CLOCK="$clock" \
		timeout 120 taskset -c 0 "$jdk/bin/java" -cp "$JAVA_TESTS" BusyThreads 4 1500 >"$out/stdout" 2>"$out/stderr")
	check "$tag $mode: BusyThreads ran and wrote a snapshot" test -f "$out/snap.zip" -a "$(grep -c '^cpu ' "$out/stdout")" = 4
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "$tag $mode: VisualVM's loader accepts the snapshot" grep -q '^NpsCheck: OK' "$out/summary"
	if [ "${mode%%-*}" = signal ]; then
		local want_clock=hrtimer
		[ "$clock" = timer ] && want_clock=cpu-timer
		[ "$clock" = kicker ] && want_clock=kicker
		check "$tag $mode: metadata.json says $want_clock drove the samples" \
			sh -c "unzip -p '$out/snap.zip' metadata.json | grep -q '\"sampler_clock\": \"$want_clock\"'"
	fi
	local achieved period want
	achieved=$(unzip -p "$out/snap.zip" metadata.json | awk -F'[:,]' '/"interval_achieved_us"/ {print $2 + 0}')
	period=$(awk '/^sampling_period_ms / {print $2}' "$out/summary")
	want=$(awk -v a="${achieved:-0}" 'BEGIN {m = int(a / 1000 + 0.5); print m < 1 ? 1 : m}')
	check "$tag $mode: VisualVM's Sampling Period ${period:-?} ms is the achieved ${achieved:-?} us" test "${period:-x}" = "$want"
	local tol_us=${achieved:-0} main_wall i name jvm nps alive wall
	main_wall=$(awk -F'\t' '$1 ~ /^thread / && $4 == "main" {print $2}' "$out/summary")
	for i in 0 1 2 3; do
		name=busy-$i
		jvm=$(awk -v n="$name" '$1 == "cpu" && $2 == n {print $3 / 1000}' "$out/stdout")
		alive=$(awk -v n="$name" '$1 == "alive" && $2 == n {print $3 / 1000}' "$out/stdout")
		nps=$(awk -F'\t' -v n="$name" '$1 ~ /^thread / && $4 == n {print $3}' "$out/summary")
		wall=$(awk -F'\t' -v n="$name" '$1 ~ /^thread / && $4 == n {print $2}' "$out/summary")
		check "$tag $mode: $name CPU ${nps:-?} us in the .nps vs ThreadMXBean ${jvm:-?} us (2 % or ${tol_us} us)" \
			close "${nps:-}" "${jvm:-0}" "$tol_us"
		check "$tag $mode: $name wall ${wall:-?} us covers its life ${alive:-?} us (less one interval) up to main's ${main_wall:-?} us" \
			awk -v w="${wall:-0}" -v a="${alive:-0}" -v m="${main_wall:-0}" -v t="$tol_us" 'BEGIN {exit !(w >= a - t && w <= m + t)}'
	done
	check "$tag $mode: no warning or error logged" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$out/stderr'"
}

for mode in $SAMPLERS; do
	run_case "$JAVA_HOME" "JDK $("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | awk '/java.specification.version/ {print $3}')" "$mode"
	[ -x "$JDK25/bin/java" ] && run_case "$JDK25" "JDK 25" "$mode"
done
finish
