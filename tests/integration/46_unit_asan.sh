#!/usr/bin/env bash
# The cmocka unit tests built with ASan/UBSan ($BUILD/asan/tests/test_*, from
# `make BUILD=$BUILD/asan SAN=1 unit-tests`). Every case must pass and no binary may print
# a sanitizer report. Unlike in a JVM (45_agent_asan.sh), leaks are checked: the unit
# tests free everything they allocate. The counts are cmocka's cases, plus one failure
# for each binary that crashed, exited non-zero or reported.
. "$(dirname "$0")/lib.sh"
ASAN_TESTS=$ROOT/$BUILD/asan/tests
WORK=$(mktemp -d /tmp/jvmsnap-unit-asan.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# abort_on_error: a report ends the binary with a non-zero status even where a test
# harness would otherwise carry on; detect_stack_use_after_return finds pointers to dead
# stack frames, which the default mode misses.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
REPORT='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:'

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:".
cmocka_count() { # cmocka_count LOG PASSED|FAILED
	grep -Eo "^\[  $2  \] [0-9]+" "$1" | awk '{s += $4} END {print s + 0}'
}

bins=()
for bin in "$ASAN_TESTS"/test_*; do [ -x "$bin" ] && bins+=("$bin"); done
check "ASan unit test binaries found (${#bins[@]} in $BUILD/asan/tests)" test ${#bins[@]} -gt 0
check "they are ASan builds" sh -c "nm -D '${bins[0]:-/nonexistent}' 2>/dev/null | grep -q __asan_init"

for bin in "${bins[@]}"; do
	name=$(basename "$bin")
	log=$WORK/$name.log
	"$bin" >"$log" 2>&1
	rc=$?
	p=$(cmocka_count "$log" PASSED)
	f=$(cmocka_count "$log" FAILED)
	reports=$(grep -cE "$REPORT" "$log")
	_passed=$((_passed + p))
	_failed=$((_failed + f))
	if [ "$rc" -ne 0 ] || [ "$reports" -gt 0 ] || [ $((p + f)) -eq 0 ]; then
		not_ok "asan $name: $p passed, $f failed, exit $rc, $reports sanitizer report(s)"
		grep -E -A 30 "$REPORT|FAILED" "$log" | head -n 40 | sed 's/^/  | /'
	else
		echo "ok - asan $name: $p cases, no sanitizer report"
	fi
done
finish
