#!/usr/bin/env bash
# sampler=signal (per-thread CPU timers + AsyncGetCallTrace) on JDK 17 and Temurin 25:
# the hot method tops Hot Spots, 2,000+ threads start and end while sampling at 100 us,
# GC worker threads (not Java threads) burn CPU and never get a timer signal, and the
# sampler that ran is named in the info line and metadata.json. CPU exactness for this
# sampler is in 42_cpu_exact.sh. No rate or time is asserted.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-sig.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
[ -x "$JDK25/bin/java" ] || not_ok "Temurin 25 missing at $JDK25"

run_sig() { # run_sig JDK OUT SAMPLERATE CLASS ARGS...
	local jdk=$1 out=$2 rate=$3
	shift 3
	profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLERATE="$rate" IOPIPE_PROFILER_SAMPLER=signal -- "$@"
	nps_check --has "$CLASS_HOT" "$out/snap.zip" >"$out/summary" 2>&1
}

no_stray_signals() { # the sampler's own count of timer signals that found no Java thread
	grep -q 'signal sampler: .* 0 timer signals on non-Java threads' "$1/stderr"
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
	check "$tag: no warning or error logged" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$out/stderr'"

	out=$WORK/$tag/churn
	CLASS_HOT=ThreadChurn.shortWork run_sig "$jdk" "$out" 100 ThreadChurn 1000 2000
	local started
	started=$(awk '/^started/ {print $2}' "$out/stdout")
	check "$tag: ThreadChurn at 100 us exits 0 having started ${started:-?} threads (>= 2000)" \
		sh -c "test '$(cat "$out/rc")' = 0 && test '${started:-0}' -ge 2000"
	check "$tag: churn snapshot valid, churn threads' work in it" grep -q '^has ThreadChurn.shortWork	yes' "$out/summary"
	check "$tag: churn: no timer signal reached a non-Java thread" no_stray_signals "$out"

	out=$WORK/$tag/gc
	CLASS_HOT=GcBusy.main run_sig "$jdk" "$out" 1000 -Xmx64m GcBusy 1500
	check "$tag: GcBusy exits 0" test "$(cat "$out/rc")" = 0
	check "$tag: GC workers busy, no timer signal reached them" no_stray_signals "$out"
	check "$tag: GcBusy snapshot valid" grep -q '^NpsCheck: OK' "$out/summary"
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
[ -x "$JDK25/bin/java" ] && case_jdk "$JDK25" jdk25 && case_virtual
finish
