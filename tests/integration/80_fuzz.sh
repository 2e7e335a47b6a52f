#!/usr/bin/env bash
# A short pass of every libFuzzer target (tests/fuzz/fuzz_*.c, built by mk/fuzz.mk): first
# every input of its corpus once (the regression inputs of past crashes among them), then
# FUZZ_TEST_SECONDS (default 10) of new inputs. `make fuzz` is the long run.
. "$(dirname "$0")/lib.sh"
SECONDS_EACH=${FUZZ_TEST_SECONDS:-10}
WORK=$(mktemp -d /tmp/jvmsnap-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

targets=()
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	targets+=("${t#fuzz_}")
done
check "fuzz targets found (${#targets[@]})" test ${#targets[@]} -ge 5

for t in "${targets[@]}"; do
	bin=$ROOT/$BUILD/fuzz/fuzz_$t
	corpus=$ROOT/tests/fuzz/corpus/$t
	check "fuzz_$t: built" test -x "$bin"
	[ -x "$bin" ] || continue
	n=$(find "$corpus" -type f | wc -l)
	check "fuzz_$t: has a seed corpus ($n inputs)" test "$n" -gt 0
	mkdir -p "$WORK/$t/new" "$WORK/$t/art"
	"$bin" -runs=0 -close_fd_mask=2 -artifact_prefix="$WORK/$t/art/" "$corpus" >"$WORK/$t/replay.log" 2>&1
	check "fuzz_$t: every corpus input (regressions included) runs clean" test $? -eq 0
	"$bin" -max_total_time="$SECONDS_EACH" -close_fd_mask=2 -print_final_stats=1 \
		-artifact_prefix="$WORK/$t/art/" "$WORK/$t/new" "$corpus" >"$WORK/$t/run.log" 2>&1
	rc=$?
	runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$WORK/$t/run.log")
	check "fuzz_$t: ${SECONDS_EACH} s, ${runs:-?} inputs, no crash" test $rc -eq 0
	if [ $rc -ne 0 ]; then
		grep -E 'ERROR|runtime error|SUMMARY|Base64' "$WORK/$t/run.log" | head -n 8
		mkdir -p "$ROOT/$BUILD/fuzz/artifacts/$t"
		cp "$WORK/$t"/art/* "$ROOT/$BUILD/fuzz/artifacts/$t/" 2>/dev/null &&
			echo "crashing input kept in $BUILD/fuzz/artifacts/$t/"
	fi
done
finish
