#!/usr/bin/env bash
# Virtual threads (Temurin 25) are charged to their own stacks in every sampler mode:
# 5,000 tasks on virtual threads spin in VirtualTasks.vhot; it must top Hot Spots (self
# CPU), the carriers' jdk.internal.vm.Continuation.run must keep a small self share (it
# had 72-79 % before), the work sits in the one "virtual threads" row, and VisualVM's
# loader accepts the snapshot. A program without virtual threads on Temurin 25 never takes
# can_support_virtual_threads (it slows every mount); on JDK 17 nothing of this shows.
# No rate or time is asserted; the share bound is a share of the run's own CPU samples.
. "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/jvmsnap-vt.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
MAX_CONT_SHARE=${MAX_CONT_SHARE:-10} # % of all self CPU

run_vt() { # run_vt JDK OUT MODE CLASS ARGS...
	local jdk=$1 out=$2 mode=$3
	shift 3
	profiled "$jdk" "$out" IOPIPE_PROFILER_SAMPLER="$mode" -- "$@"
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
}

# self_cpu_share OUT METHOD: METHOD's self CPU as a whole % of all self CPU in the snapshot.
self_cpu_share() {
	awk -F'\t' -v m="$2" '/^hot / {all += $2; if ($5 == m) own += $2}
		END {printf "%d", all ? own * 100 / all : 100}' "$1/summary"
}

case_mode() {
	local mode=$1 out=$WORK/$1 top share row
	run_vt "$JDK25" "$out" "$mode" VirtualTasks 5000
	check "$mode: 5,000 virtual-thread tasks ran to the end" \
		sh -c "test '$(cat "$out/rc")' = 0 && grep -q '^tasks 5000' '$out/stdout'"
	check "$mode: VisualVM's loader accepts the snapshot" grep -q '^NpsCheck: OK' "$out/summary"
	check "$mode: the sampler that ran is $mode" grep -q "sampler=$mode;" "$out/stderr"
	top=$(awk -F'\t' '/^hot / {print $2 "\t" $5}' "$out/summary" | sort -t"	" -k1,1nr | head -n 1 | cut -f2)
	check "$mode: top self CPU is VirtualTasks.vhot (got '$top')" test "$top" = VirtualTasks.vhot
	share=$(self_cpu_share "$out" jdk.internal.vm.Continuation.run)
	check "$mode: Continuation.run has ${share}% of self CPU (at most ${MAX_CONT_SHARE}%)" test "$share" -le "$MAX_CONT_SHARE"
	row=$(awk -F'\t' '$1 ~ /^thread / && $4 == "virtual threads" {print $3}' "$out/summary")
	check "$mode: one 'virtual threads' row holds CPU time (${row:-none} us)" test "${row:-0}" -gt 0
	check "$mode: no warning or error logged" sh -c "! grep -Eq 'jvmsnap: (warning|error)' '$out/stderr'"
	[ "$mode" = signal ] ||
		check "$mode: can_support_virtual_threads taken once virtual threads were seen" \
			grep -q 'virtual threads seen: can_support_virtual_threads added' "$out/stderr"
}

[ -x "$JDK25/bin/java" ] || not_ok "Temurin 25 missing at $JDK25"
if [ -x "$JDK25/bin/java" ]; then
	for mode in changed all signal; do case_mode "$mode"; done
	# The extra walks' local references (the virtual thread GetVirtualThread returns) are
	# within what each round declares: -Xcheck:jni has nothing to say.
	for mode in changed all; do
		out=$WORK/checkjni-$mode
		run_vt "$JDK25" "$out" "$mode" -Xcheck:jni VirtualTasks 2000
		check "checkjni ($mode): virtual-thread tasks ran, no JNI warning or error" sh -c "test '$(cat "$out/rc")' = 0 &&
			! grep -qiE 'WARNING: JNI|JNI (error|warning)|FATAL ERROR in native method' '$out/stdout' '$out/stderr'"
	done
	out=$WORK/jdk25-platform
	run_vt "$JDK25" "$out" changed HotSpin 800
	check "jdk25 without virtual threads: HotSpin exits 0 with a valid snapshot" \
		sh -c "test '$(cat "$out/rc")' = 0 && grep -q '^NpsCheck: OK' '$out/summary'"
	check "jdk25 without virtual threads: can_support_virtual_threads never taken" \
		sh -c "! grep -q 'can_support_virtual_threads' '$out/stderr'"
fi

# JDK 17: no virtual threads, so no capability, no row, no line about them.
out=$WORK/jdk17
run_vt "$JAVA_HOME" "$out" changed HotSpin 800
check "jdk17: HotSpin exits 0 with a valid snapshot" sh -c "test '$(cat "$out/rc")' = 0 && grep -q '^NpsCheck: OK' '$out/summary'"
check "jdk17: no 'virtual threads' row" sh -c "! grep -Pq '^thread \d+\t.*\tvirtual threads$' '$out/summary'"
check "jdk17: nothing logged about virtual threads" sh -c "! grep -qi 'virtual thread' '$out/stderr'"
finish
