#!/usr/bin/env bash
# sampler=signal (per-thread CPU timers + AsyncGetCallTrace) on JDK 17 and Temurin 25:
# the hot method tops Hot Spots, 2,000+ threads start and end while sampling at 100 us,
# GC worker threads (not Java threads) burn CPU and never get a timer signal, and the
# sampler that ran is named in the info line and metadata.json. Below 10 ms each thread's
# own hrtimer (jvmagent/sighot.c) drives the running threads' samples by default, named as
# the clock; with IOPIPE_PROFILER_SIGNAL_CLOCK=kicker the kicker (jvmagent/sigkick.h) does:
# its native thread exists while sampling and has ended (joined) at exit, every signal it
# sent was accepted (also through 2,000 threads' churn); with the timers alone, at 20 ms,
# or with another sampler there is no kicker. That either gives a busy thread more samples
# than the CPU timers alone is a rate: bench/lambda_like.sh measures it. CPU exactness for this sampler is in
# 42_cpu_exact.sh. No rate or time is asserted.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-sig.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
[ -x "$JDK25/bin/java" ] || not_ok "Temurin 25 missing at $JDK25"

run_sig() { # [SIGCLOCK=clock] run_sig JDK OUT SAMPLERATE CLASS ARGS...
	local jdk=$1 out=$2 rate=$3
	shift 3
	profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLERATE="$rate" IOPIPE_PROFILER_SAMPLER=signal \
		IOPIPE_PROFILER_SIGNAL_CLOCK="${SIGCLOCK:-auto}" -- "$@"
	nps_check --has "$CLASS_HOT" "$out/snap.zip" >"$out/summary" 2>&1
}

no_stray_signals() { # the sampler's own count of timer signals that found no Java thread
	grep -q 'signal sampler: .* 0 timer signals on non-Java threads' "$1/stderr"
}

kicker_ended_clean() { # its thread joined at the agent's stop, and the kernel took every signal
	grep -Eq 'signal sampler: kicker thread ended after [0-9]+ kicks \([0-9]+ late\), [0-9]+ signals sent, 0 refused' "$1/stderr"
}

clock_is() { # clock_is OUT NAME: the info line and metadata.json name the clock
	grep -q "(clock: $2)" "$1/stderr" && unzip -p "$1/snap.zip" metadata.json | grep -q "\"sampler_clock\": \"$2\""
}

case_jdk() {
	local jdk=$1 tag=$2 out
	out=$WORK/$tag/hot
	CLASS_HOT=HotSpin.hotMethod run_sig "$jdk" "$out" 1000 HotSpin 2000
	check "$tag: HotSpin exits 0" test "$(cat "$out/rc")" = 0
	check "$tag: the info line names sampler=signal" grep -q 'sampler=signal;' "$out/stderr"
	check "$tag: metadata.json names it" sh -c "unzip -p '$out/snap.zip' metadata.json | grep -q '\"sampler\": \"signal\"'"
	check "$tag: VisualVM's loader accepts the snapshot" grep -q '^NpsCheck: OK' "$out/summary"
	local top
	top=$(grep "^hot " "$out/summary" | sort -t"	" -k2,2nr | head -n 1 | cut -f5)
	check "$tag: top self CPU time is HotSpin.hotMethod (got '$top')" test "$top" = HotSpin.hotMethod
	check "$tag: sleeper's time sits in Thread.sleep" sh -c "grep -P '^threadhot sleeper\t' '$out/summary' | head -n 1 | grep -q 'java.lang.Thread.sleep'"
	check "$tag: no timer signal reached a non-Java thread" no_stray_signals "$out"
	check "$tag: at 1 ms the threads' hrtimers drove the samples (info line, metadata.json)" clock_is "$out" hrtimer
	check "$tag: no warning or error logged" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$out/stderr'"

	out=$WORK/$tag/churn
	CLASS_HOT=ThreadChurn.shortWork run_sig "$jdk" "$out" 100 ThreadChurn 1000 2000
	local started
	started=$(awk '/^started/ {print $2}' "$out/stdout")
	check "$tag: ThreadChurn at 100 us exits 0 having started ${started:-?} threads (>= 2000)" \
		sh -c "test '$(cat "$out/rc")' = 0 && test '${started:-0}' -ge 2000"
	check "$tag: churn snapshot valid, churn threads' work in it" grep -q '^has ThreadChurn.shortWork	yes' "$out/summary"
	check "$tag: churn: no timer signal reached a non-Java thread" no_stray_signals "$out"

	out=$WORK/$tag/churn-kicker
	SIGCLOCK=kicker CLASS_HOT=ThreadChurn.shortWork run_sig "$jdk" "$out" 100 ThreadChurn 1000 2000
	started=$(awk '/^started/ {print $2}' "$out/stdout")
	check "$tag: churn with the kicker: exits 0 having started ${started:-?} threads (>= 2000)" \
		sh -c "test '$(cat "$out/rc")' = 0 && test '${started:-0}' -ge 2000 && grep -q '^has ThreadChurn.shortWork	yes' '$out/summary'"
	check "$tag: churn with the kicker: its thread ended at exit, every signal it sent accepted" kicker_ended_clean "$out"
	check "$tag: churn with the kicker: no signal reached a non-Java thread" no_stray_signals "$out"

	out=$WORK/$tag/gc
	CLASS_HOT=GcBusy.main run_sig "$jdk" "$out" 1000 -Xmx64m GcBusy 1500
	check "$tag: GcBusy exits 0" test "$(cat "$out/rc")" = 0
	check "$tag: GC workers busy, no timer signal reached them" no_stray_signals "$out"
	check "$tag: GcBusy snapshot valid" grep -q '^NpsCheck: OK' "$out/summary"
}

# The kicker's native thread ("jvmsnap-kick", as /proc names it) while a thread spins.
case_kicker() {
	local jdk=$1 tag=$2 out
	out=$WORK/$tag/kick
	profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLER=signal IOPIPE_PROFILER_SIGNAL_CLOCK=kicker -- TaskNames 1000
	check "$tag: TaskNames exits 0 with the kicker" test "$(cat "$out/rc")" = 0
	check "$tag: the kicker's thread runs while sampling" grep -qx 'task jvmsnap-kick' "$out/stdout"
	check "$tag: and has ended at exit" kicker_ended_clean "$out"
	check "$tag: metadata.json names the kicker" clock_is "$out" kicker
	local what env
	for what in hrtimer:IOPIPE_PROFILER_SIGNAL_CLOCK=auto:hrtimer timer:IOPIPE_PROFILER_SIGNAL_CLOCK=timer:cpu-timer \
		slow:IOPIPE_PROFILER_SAMPLERATE=20000:cpu-timer; do
		env=${what#*:}
		env=${env%:*}
		out=$WORK/$tag/kick-${what%%:*}
		profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLER=signal "$env" -- TaskNames 1000
		check "$tag: $env: exits 0, no kicker thread" \
			sh -c "test '$(cat "$out/rc")' = 0 && grep -q '^task ' '$out/stdout' && ! grep -q 'jvmsnap-kick' '$out/stdout'"
		check "$tag: $env: ${what##*:} drove the samples (info line, metadata.json)" clock_is "$out" "${what##*:}"
	done
	out=$WORK/$tag/kick-changed
	profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLER=changed -- TaskNames 1000
	check "$tag: sampler=changed: exits 0, no kicker thread, no clock named" \
		sh -c "test '$(cat "$out/rc")' = 0 && grep -q '^task ' '$out/stdout' && ! grep -q 'jvmsnap-kick' '$out/stdout' && ! unzip -p '$out/snap.zip' metadata.json | grep -q sampler_clock"
}

# Virtual threads mount and unmount on the carriers while their timers fire: the JVM must
# survive it and the snapshot must hold the virtual threads' hot method (where its time is
# charged is described in docs/snapshot-format.md).
case_virtual() {
	local out=$WORK/jdk25/virtual
	CLASS_HOT=VirtualTasks.vhot run_sig "$JDK25" "$out" 1000 VirtualTasks 5000
	check "jdk25: 5,000 virtual-thread tasks run to the end under sampler=signal" \
		sh -c "test '$(cat "$out/rc")' = 0 && grep -q '^tasks 5000' '$out/stdout'"
	check "jdk25: virtual threads: snapshot valid and holds VirtualTasks.vhot" grep -q '^has VirtualTasks.vhot	yes' "$out/summary"
	check "jdk25: virtual threads: no timer signal reached a non-Java thread" no_stray_signals "$out"
}

case_jdk "$JAVA_HOME" jdk17
case_kicker "$JAVA_HOME" jdk17
if [ -x "$JDK25/bin/java" ]; then
	case_jdk "$JDK25" jdk25
	case_kicker "$JDK25" jdk25
	case_virtual
fi
finish
