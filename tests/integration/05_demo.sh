#!/usr/bin/env bash
# `make demo`, the main job, as a user runs it: it builds what is missing, profiles
# examples/OrderService.java through environment variables, prints where the zip went and
# the ten hottest methods. The zip must be where it says, load in VisualVM's loader, and
# the printed methods must be the snapshot's own. Whether the example's code is among the
# ten hottest depends on the machine's load: bench/timing.sh prints that, not a test.
. "$(dirname "$0")/lib.sh"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
(cd "$ROOT" && JVMSNAP_DEMO_OUT="$OUT" make --no-print-directory BUILD="$BUILD" demo) >"$OUT/demo.log" 2>&1
rc=$?
check "make demo exits 0 (rc $rc)" test "$rc" = 0
zip=$(sed -n 's/^== snapshot: //p' "$OUT/demo.log")
check "the snapshot's path is printed (${zip:-none})" test -n "$zip"
check "the zip is where the demo says, in the demo's output folder" test -f "$zip" -a "$(dirname "$zip")" = "$OUT"
check "the agent logged the same path at info level" grep -qF "jvmsnap: info: snapshot written to $zip" "$OUT/demo.log"
# The example's own methods, each on a thread that runs it for the whole demo.
nps_check --has OrderService.main --has OrderService.work --has OrderService.produce "$zip" >"$OUT/check.txt" 2>&1
check "the snapshot loads in VisualVM's loader" grep -q '^NpsCheck: OK' "$OUT/check.txt"
for m in main work produce; do
	check "the example's OrderService.$m is in the call tree (VisualVM's loader)" grep -q "^has OrderService.$m	yes" "$OUT/check.txt"
	check "jvmsnap tree shows OrderService.$m" sh -c "'$ROOT/$BUILD/jvmsnap' tree '$zip' | grep -q ' OrderService\.$m('"
done
sed -n '/^== ten hottest methods/,/^$/p' "$OUT/demo.log" | sed '1d;/^$/d' >"$OUT/top.txt"
"$ROOT/$BUILD/jvmsnap" top "$zip" -n 10 >"$OUT/top-again.txt" 2>&1
check "ten hottest methods printed ($(grep -c '%' "$OUT/top.txt") rows with a share)" test "$(grep -c '%' "$OUT/top.txt")" -ge 10
check "they are the snapshot's own (jvmsnap top on the zip prints the same)" cmp -s "$OUT/top.txt" "$OUT/top-again.txt"
check "the flame graph page was written" test -s "$OUT/flame.html"
finish
