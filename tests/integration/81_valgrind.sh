#!/usr/bin/env bash
# Every unit test binary under valgrind memcheck: no invalid read or write, no use of
# uninitialised memory, no definite or indirect leak. One case is too slow for `make test`
# under valgrind and is skipped here, visibly: test_nps's test_truncations_and_flips
# (every truncation and bit flip of a file, ~70 s under valgrind; the same inputs and many
# more go through fuzz_nps under ASan/UBSan in 80_fuzz.sh). VALGRIND_FULL=1 runs it too.
. "$(dirname "$0")/lib.sh"
FILTER_SHIM=$ROOT/$BUILD/tests/libcmocka_filter.so
WORK=$(mktemp -d /tmp/jvmsnap-valgrind.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# binary -> cmocka skip pattern (one per binary: cmocka 1.1.5 takes one pattern)
# test_sigkick's two signal cases (pattern test_*n*_*: test_running_thread_is_kicked_until_removed,
# test_stop_ends_every_signal; not test_bad_arguments) wait for SIGUSR2s queued to a thread
# with rt_tgsigqueueinfo, which valgrind's serialised scheduler did not deliver within their
# bounded waits in CI; they run natively in make test (the unit tests).
declare -A SKIP=([test_nps]=test_truncations_and_flips [test_sigkick]='test_*n*_*')
[ "${VALGRIND_FULL:-0}" = 1 ] && SKIP=()

check "valgrind is installed" command -v valgrind
check "the cmocka filter shim is built" test -f "$FILTER_SHIM"

bins=("$ROOT/$BUILD"/tests/test_*)
check "unit test binaries found (${#bins[@]})" test -x "${bins[0]}"
for bin in "${bins[@]}"; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	log=$WORK/$name.log
	skip=${SKIP[$name]:-}
	start=$(date +%s%N)
	env ${skip:+CMOCKA_SKIP_FILTER=$skip} LD_PRELOAD="$FILTER_SHIM" \
		valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "$bin" >"$log" 2>&1
	rc=$?
	secs=$(( ($(date +%s%N) - start) / 1000000000 ))
	passed=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{print $4}')
	note=""
	[ -n "$skip" ] && note=", skipped: $skip"
	check "valgrind $name: ${passed:-0} cases pass, no memory error or leak (${secs} s$note)" \
		test "$rc" -eq 0 -a -n "$passed"
	if [ "$rc" -ne 0 ]; then
		echo "exit $rc; first lines of the valgrind log:"
		grep -E '^==[0-9]+==|FAILED' "$log" | head -n 30
	fi
	[ -n "$skip" ] && echo "note: $name: $skip not run under valgrind (the SKIP table says why; VALGRIND_FULL=1 runs it)"
done
finish
