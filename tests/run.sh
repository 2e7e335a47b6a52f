#!/usr/bin/env bash
# Runs every test: the cmocka unit binaries in $BUILD/tests, then each integration
# script in tests/integration (in name order). Sums the cases and prints the one
# closing line CI reads: "N passed, N failed".
set -u
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
passed=0
failed=0
failed_names=()

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
count_cmocka() {
	local log=$1 p f
	p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
	f=$(grep -Eo '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	echo "$p $f"
}

# Integration scripts end with their own "N passed, N failed" line.
count_plain() {
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 | awk '{print $1, $3}'
}

run_one() {
	local name=$1 kind=$2
	shift 2
	local log="$LOGS/$name.log" counts p f rc
	mkdir -p "$(dirname "$log")"
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$kind" = cmocka ]; then counts=$(count_cmocka "$log"); else counts=$(count_plain "$log"); fi
	read -r p f <<<"${counts:-0 0}"
	p=${p:-0}
	f=${f:-0}
	# A crash, a non-zero exit or a script that counted nothing is a failure of its own.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ $((p + f)) -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failed_names+=("$name")
		echo "   FAILED ($p passed, $f failed, exit $rc) — last lines of $log:"
		tail -n 25 "$log" | sed 's/^/   | /'
	else
		echo "   ok ($p passed)"
	fi
}

for bin in "$BUILD"/tests/test_*; do
	[ -x "$bin" ] || continue
	run_one "unit/$(basename "$bin")" cmocka "$bin"
done
for script in tests/integration/[0-9]*.sh; do
	[ -f "$script" ] || continue
	run_one "integration/$(basename "$script" .sh)" plain bash "$script"
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
