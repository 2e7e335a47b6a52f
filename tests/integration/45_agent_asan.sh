#!/usr/bin/env bash
# The ASan/UBSan build of the agent inside a real JVM: any sanitizer report fails.
# The JVM handles SIGSEGV itself (implicit null checks, safepoint polls), so ASan must
# leave those signals alone: handle_segv=0 and friends. Leak checking is off because the
# JVM itself never frees much of its memory at exit; our own memory is leak-checked by the
# unit tests, which free everything (46_unit_asan.sh). The runtimes are preloaded because
# the java launcher is not an ASan program: libasan must come first in the process, or
# it refuses to start when the agent is loaded. `make asan-test` runs this script and
# 46_unit_asan.sh.
. "$(dirname "$0")/lib.sh"
ASAN_AGENT=$ROOT/$BUILD/asan/libjvmsnap.so
WORK=$(mktemp -d /tmp/jvmsnap-asan.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:allow_user_segv_handler=1:detect_leaks=0:use_sigaltstack=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"

check "ASan agent is built" test -f "$ASAN_AGENT"

run_asan() { # [JDK=dir] [SAMPLER=mode] run_asan NAME CLASS ARGS...
	local name=$1 out=$WORK/$1 jdk=${JDK:-$JAVA_HOME}
	shift
	mkdir -p "$out"
	(cd "$out" && env LD_PRELOAD="$PRELOAD" JAVA_TOOL_OPTIONS="-agentpath:$ASAN_AGENT" \
		IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap IOPIPE_PROFILER_DEPTH=64 IOPIPE_PROFILER_SAMPLER="${SAMPLER:-changed}" \
		timeout 120 "$jdk/bin/java" -cp "$JAVA_TESTS" "$@" >"$out/stdout" 2>"$out/stderr")
	echo $? >"$out/rc"
	check "asan $name: no sanitizer report" sh -c "! grep -Eq 'AddressSanitizer|runtime error:|LeakSanitizer' '$out/stderr'"
	nps_check "$out/snap.zip" >"$out/summary" 2>&1
	check "asan $name: snapshot valid" grep -q '^NpsCheck: OK' "$out/summary"
	if grep -Eq 'AddressSanitizer|runtime error:' "$out/stderr"; then sed -n '1,40p' "$out/stderr"; fi
}

run_asan hotspin HotSpin 1500
check "asan hotspin: exit 0" test "$(cat "$WORK/hotspin/rc")" = 0
run_asan churn ThreadChurn 1500
run_asan unload ClassUnload 1500
# Depth 64 with HotSpin's recursion-free stacks exercises nothing deep; Deep does.
run_asan deep DeepRecursion 1500 3000
truncated() { nps_check --has 'jvmsnap.[truncated stack]' "$1" 2>&1 | grep -qP '^has jvmsnap\.\[truncated stack\]\tyes'; }
check "asan deep: truncated stacks marked" truncated "$WORK/deep/snap.zip"
# A thread recursing to StackOverflowError over and over: only its top frames are walked.
run_asan overflow -Xss8m DeepOverflow 2000
check "asan overflow: truncated stacks marked" truncated "$WORK/overflow/snap.zip"
run_asan exit ExitFromWorker
check "asan exit: exit code 3 kept" test "$(cat "$WORK/exit/rc")" = 3
# Eight threads halting at once: VMDeath and the agent's exit hook race the exiting JVM.
run_asan halt ExitRace halt 8 800
check "asan halt: exit code is one of the callers' (10..17)" sh -c "test $(cat "$WORK/halt/rc") -ge 10 -a $(cat "$WORK/halt/rc") -le 17"
# Virtual threads on Temurin 25 in each sampler mode: carriers' virtual threads walked by
# JVMTI and cut out of AsyncGetCallTrace's stacks, at depth 64.
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
[ -x "$JDK25/bin/java" ] || not_ok "Temurin 25 missing at $JDK25"
if [ -x "$JDK25/bin/java" ]; then
	for mode in changed all signal; do
		JDK=$JDK25 SAMPLER=$mode run_asan "vthreads-$mode" VirtualTasks 2000
		check "asan vthreads-$mode: exit 0" test "$(cat "$WORK/vthreads-$mode/rc")" = 0
	done
fi
finish
