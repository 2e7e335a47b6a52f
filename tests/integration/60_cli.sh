#!/usr/bin/env bash
# The jvmsnap command (build/jvmsnap): golden outputs on deterministic snapshots written
# by our own writer (tests/cli/cligen), property checks on snapshots written by the agent
# in a real JVM, merge totals checked by VisualVM's loader, exit codes, a never-crash run
# over mutated inputs, and the HTML pages in headless Chromium (screenshots kept under
# $BUILD/test-artifacts/cli/).
. "$(dirname "$0")/lib.sh"
JVMSNAP=$ROOT/$BUILD/jvmsnap
CLIGEN=$ROOT/$BUILD/tests/cligen
GOLDEN=$ROOT/tests/cli/golden
ARTIFACTS=$ROOT/$BUILD/test-artifacts/cli
WORK=$(mktemp -d /tmp/jvmsnap-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$ARTIFACTS"

check "jvmsnap is built" test -x "$JVMSNAP"
check "cligen is built" test -x "$CLIGEN"

# ---- fixtures -----------------------------------------------------------------------
G=$WORK/golden
mkdir -p "$G"
(cd "$G" && "$CLIGEN" basic basic.zip && "$CLIGEN" nocpu nocpu.nps && "$CLIGEN" csv stats.csv &&
	for i in 1 2 3; do "$CLIGEN" part $i part$i.nps; done &&
	"$JVMSNAP" merge -q -o merged.nps part1.nps part2.nps part3.nps &&
	"$JVMSNAP" merge -q --by-method -o merged-by-method.zip basic.zip part2.nps)
check "fixtures written" test -f "$G/merged-by-method.zip"

# ---- golden outputs -----------------------------------------------------------------
while IFS=$'\t' read -r name args; do
	case "$name" in '#'* | '') continue ;; esac
	# shellcheck disable=SC2086 # ARGS is a word list by design
	(cd "$G" && "$JVMSNAP" $args >"$G/$name.out" 2>"$G/$name.err")
	rc=$?
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$G/$name.out" "$GOLDEN/$name.txt"; fi
	if [ $rc -eq 0 ] && diff -u "$GOLDEN/$name.txt" "$G/$name.out" >"$G/$name.diff"; then
		ok "golden: jvmsnap $args"
	else
		not_ok "golden: jvmsnap $args (exit $rc)"
		head -n 40 "$G/$name.diff" "$G/$name.err"
	fi
done <"$GOLDEN/cases"

# ---- help and usage errors ----------------------------------------------------------
check "jvmsnap --help exits 0 and lists the commands" sh -c "'$JVMSNAP' --help | grep -q 'merge '"
for cmd in info top tree collapsed flame stats report merge; do
	check "jvmsnap $cmd --help exits 0 with a usage line" sh -c "'$JVMSNAP' $cmd --help | grep -q '^Usage: jvmsnap $cmd'"
done
exit_code() { # exit_code EXPECTED ARGS...: runs jvmsnap, passes when it exits EXPECTED
	local want=$1
	shift
	"$JVMSNAP" "$@" >/dev/null 2>"$WORK/stderr"
	local rc=$?
	[ $rc -eq "$want" ] || { echo "  exit $rc, stderr: $(head -c 300 "$WORK/stderr")"; return 1; }
}
check "no command: exit 2" exit_code 2
check "unknown command: exit 2" exit_code 2 frobnicate x
check "unknown option: exit 2" exit_code 2 top --frobnicate "$G/basic.zip"
check "bad -n: exit 2" exit_code 2 top -n lots "$G/basic.zip"
check "bad --min-percent: exit 2" exit_code 2 tree --min-percent 101 "$G/basic.zip"
check "unknown thread: exit 2" exit_code 2 top --thread nobody "$G/basic.zip"
check "flame without -o: exit 2" exit_code 2 flame "$G/basic.zip"
check "merge without inputs: exit 2" exit_code 2 merge -o "$WORK/x.nps"

# ---- unreadable and foreign inputs: exit 2 with a message naming the file -------------
printf 'hello, world\n' >"$WORK/foreign.csv"
head -c 3000 /dev/urandom >"$WORK/random.bin"
: >"$WORK/empty"
(cd "$WORK" && printf 'x' >note.txt && zip -q foreign.zip note.txt)
head -c 200 "$G/basic.zip" >"$WORK/truncated.zip"
head -c 60 "$G/nocpu.nps" >"$WORK/truncated.nps"
for f in missing-file foreign.csv random.bin empty foreign.zip truncated.zip truncated.nps; do
	check "unreadable input $f: exit 2" exit_code 2 info "$WORK/$f"
	check "unreadable input $f: the message names the file" grep -q "^jvmsnap: error: $WORK/$f: " "$WORK/stderr"
done
check "a directory: exit 2" exit_code 2 top "$WORK"
check "stats of a snapshot without statistics: exit 2" exit_code 2 stats "$G/nocpu.nps"
check "top of a statistics CSV: exit 2" exit_code 2 top "$G/stats.csv"
check "merge stops at an unreadable input: exit 2" exit_code 2 merge -q -o "$WORK/m.nps" "$G/part1.nps" "$WORK/random.bin"
check "merge --keep-going skips it" exit_code 0 merge -q -k -o "$WORK/m.nps" "$G/part1.nps" "$WORK/random.bin"
check "an unwritable output: exit 1" exit_code 1 flame "$G/basic.zip" -o /nonexistent-dir/x.html

# ---- real snapshots from the agent ----------------------------------------------------
run_agent() { # run_agent DIR MS: HotSpin under the agent, snapshot DIR/snap.zip
	mkdir -p "$1"
	(cd "$1" && env JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$1/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		timeout 60 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" HotSpin "$2" >"$1/stdout" 2>"$1/stderr")
}
R=$WORK/real
for i in 1 2 3; do run_agent "$R/$i" $((600 + 300 * i)); done
check "the agent wrote three snapshots" test -f "$R/1/snap.zip" -a -f "$R/2/snap.zip" -a -f "$R/3/snap.zip"
Z=$R/3/snap.zip
hot='hot-ümläut-线程'
"$JVMSNAP" info "$Z" >"$R/info" 2>&1
check "info: lists the non-ASCII thread name" grep -q "  $hot\$" "$R/info"
check "info: hottest method is HotSpin.hotMethod" sh -c "grep -A1 '^hottest methods' '$R/info' | tail -n 1 | grep -q 'HotSpin.hotMethod(long)'"
check "info: interval recorded" grep -q '^interval: .* us requested' "$R/info"
"$JVMSNAP" top "$Z" -n 0 >"$R/top" 2>&1
check "top: first row is HotSpin.hotMethod(long)" sh -c "sed -n 2p '$R/top' | grep -q 'HotSpin.hotMethod(long)\$'"
nps_check "$Z" >"$R/vv" 2>&1
vvtop=$(grep "^hot " "$R/vv" | sort -t"	" -k2,2nr | head -n 1 | cut -f5)
check "top agrees with VisualVM's Hot Spots on the top method ($vvtop)" sh -c "sed -n 2p '$R/top' | grep -qF '$vvtop('"
"$JVMSNAP" top "$Z" -n 0 --thread "$hot" >"$R/top-hot" 2>&1
check "top --thread: only the hot thread's methods" sh -c "! grep -q 'Thread.sleep' '$R/top-hot' && grep -q hotMethod '$R/top-hot'"
"$JVMSNAP" collapsed "$Z" >"$R/collapsed" 2>&1
sum_top=$(awk 'NR > 1 {s += $1 * 1000} END {printf "%.0f", s}' "$R/top")
sum_col=$(awk '{s += $NF} END {printf "%.0f", s}' "$R/collapsed")
check "collapsed: values add up to top's self times ($sum_col = $sum_top us)" test "$sum_col" = "$sum_top"
check "collapsed: FlameGraph's line format" sh -c "! grep -vqE '^[^ ].* [0-9]+\$' '$R/collapsed'"
check "collapsed: hot stack present" grep -q 'java.lang.Thread.run;.*HotSpin.hotMethod [0-9]*$' "$R/collapsed"
"$JVMSNAP" tree "$Z" --thread "$hot" --time wall >"$R/tree" 2>&1
check "tree: the hot thread's tree ends in hotMethod" grep -qE '^ +[0-9.]+ +[0-9.]+% .* {6}HotSpin.hotMethod\(long\)$' "$R/tree"
vvhot=$(awk -F'\t' -v n="$hot" '$1 ~ /^thread / && $4 == n {printf "%.3f", $2 / 1000}' "$R/vv")
check "tree: thread total equals VisualVM's ($vvhot ms)" grep -q "^thread $hot: $vvhot ms wall" "$R/tree"

# The agent's zip also holds the statistics and metadata.json (when those modules are in).
if unzip -l "$Z" | grep -q ' metadata.json$'; then
	check "info: samples and achieved interval from metadata.json" \
		sh -c "grep -q '^samples: *[1-9]' '$R/info' && grep -q '^interval: .* us requested, [0-9.]* us achieved' '$R/info'"
	check "info: the JVM from metadata.json" grep -q '^  jvm_version: ' "$R/info"
else
	echo "# skipped: the agent's zip has no metadata.json"
fi
if unzip -l "$Z" | grep -q '_stat.csv$'; then
	"$JVMSNAP" stats "$Z" >"$R/stats" 2>&1
	unzip -p "$Z" '*_stat.csv' >"$R/stats.csv"
	check "stats: RelativeTime starts at 0" grep -qE '^RelativeTime \(ns\) +0 +[1-9][0-9]* +\+[1-9]' "$R/stats"
	check "stats: heap rows" grep -q '^Memory.Heap.used (byte) ' "$R/stats"
	"$JVMSNAP" stats --wide "$Z" >"$R/wide" 2>&1
	ncols=$(sed -n 's/^\([0-9]*\) stats snapshots$/\1/p' "$R/stats")
	check "stats --wide: a header and one row per stats snapshot ($ncols)" test "$(wc -l <"$R/wide")" = $((ncols + 1))
	nlabels=$(python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1]))))' "$R/stats.csv" 2>/dev/null)
	check "stats --wide: every row has a cell per statistic ($nlabels)" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
sys.exit(not (len(rows[0]) == int(sys.argv[2]) + 1 and all(len(r) == len(rows[0]) for r in rows)))' "$R/wide" "$nlabels"
	REPORT_CHARTS=5
else
	echo "# skipped: the agent's zip has no statistics"
	REPORT_CHARTS=
fi

# ---- merge ----------------------------------------------------------------------------
M=$WORK/merge
mkdir -p "$M"
"$JVMSNAP" merge -q -o "$M/merged.nps" "$R"/*/snap.zip
check "merge: exit 0" test -s "$M/merged.nps"
nps_check "$M/merged.nps" >"$M/vv" 2>&1
check "merge: VisualVM's loader accepts the merged snapshot" grep -q '^NpsCheck: OK' "$M/vv"
for i in 1 2 3; do nps_check "$R/$i/snap.zip"; done >"$M/vv-inputs" 2>&1
sums() { awk -F'\t' '$1 ~ /^thread / {w[$4] += $2; c[$4] += $3} END {for (n in w) print n "\t" w[n] "\t" c[n]}' "$1" | sort; }
sums "$M/vv-inputs" >"$M/expected"
sums "$M/vv" >"$M/got"
check "merge: per-thread wall and CPU totals equal the sums of the inputs" diff -u "$M/expected" "$M/got"
check "merge: one thread per name ($(wc -l <"$M/got") names)" test "$(grep -c '^thread ' "$M/vv")" = "$(wc -l <"$M/got")"
"$JVMSNAP" merge -q --by-method -o "$M/all.zip" "$R"/*/snap.zip
nps_check "$M/all.zip" >"$M/vv-all" 2>&1
check "merge --by-method: a zip VisualVM loads" grep -q '^NpsCheck: OK' "$M/vv-all"
all_w=$(awk -F'\t' '$1 ~ /^thread / {s += $2} END {print s}' "$M/vv-all")
exp_w=$(awk -F'\t' '{s += $2} END {print s}' "$M/expected")
check "merge --by-method: one tree whose total is the sum of all threads ($all_w = $exp_w)" \
	test "$(grep -c '^thread ' "$M/vv-all")" = 1 -a "$all_w" = "$exp_w"
gtop() { "$JVMSNAP" top -n 0 "$@" | awk 'NR > 1 {s += $1 * 1000} END {printf "%.0f", s}'; }
check "merge: self times add up (top of merged = sum of tops)" \
	test "$(gtop "$M/merged.nps")" = "$(($(gtop "$R/1/snap.zip") + $(gtop "$R/2/snap.zip") + $(gtop "$R/3/snap.zip")))"

for i in $(seq -w 1 12); do cp "$G/part1.nps" "$M/copy$i.nps"; done
if command -v script >/dev/null; then
	script -qc "'$JVMSNAP' merge -o '$M/copies.nps' $M/copy*.nps" /dev/null >"$M/tty" 2>&1
	check "merge: a progress bar on a terminal for 10+ inputs" grep -q 'merging \[#*\] 12/12' "$M/tty"
fi
"$JVMSNAP" merge -o "$M/copies.nps" "$M"/copy*.nps 2>"$M/notty"
check "merge: no progress bar when stderr is not a terminal" test ! -s "$M/notty"

# ---- never a crash on corrupt input ---------------------------------------------------
(cd "$WORK" && unzip -q -o "$Z" snap_cpu.nps)
crashes=0
for seed in $(seq 1 300); do
	if [ $((seed % 3)) = 0 ]; then src=$Z out=$WORK/fuzz.zip; else src=$WORK/snap_cpu.nps out=$WORK/fuzz.nps; fi
	"$CLIGEN" mutate "$src" "$out" "$seed"
	for cmd in info tree collapsed; do
		"$JVMSNAP" $cmd "$out" >/dev/null 2>&1
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
			crashes=$((crashes + 1))
			cp "$out" "$ARTIFACTS/crash-$seed-$(basename "$out")"
		fi
	done
done
check "900 runs over 300 mutated snapshots: exit 0 or 2, never a crash ($crashes crashes)" test $crashes = 0
crashes=0
for seed in $(seq 1 100); do
	"$CLIGEN" mutate "$G/stats.csv" "$WORK/fuzz.csv" "$seed"
	for cmd in "stats" "stats --wide" "report -o $WORK/fuzz.html"; do
		"$JVMSNAP" $cmd "$WORK/fuzz.csv" >/dev/null 2>&1
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
			crashes=$((crashes + 1))
			cp "$WORK/fuzz.csv" "$ARTIFACTS/crash-$seed.csv"
		fi
	done
done
check "300 runs over 100 mutated statistics CSVs: never a crash ($crashes crashes)" test $crashes = 0

# ---- the HTML pages in headless Chromium ------------------------------------------------
browser() { # browser PAGE NAME HOT [MIN_CHARTS]: counts the PASS/FAIL lines of browser.mjs
	local line page=$1
	shift
	node "$ROOT/tests/cli/browser.mjs" "$page" "$ARTIFACTS" "$@" >"$WORK/browser.out" 2>&1
	while IFS= read -r line; do
		case "$line" in
		PASS*) ok "$1: ${line#PASS }" ;;
		FAIL*) not_ok "$1: ${line#FAIL }" ;;
		*) echo "$line" ;;
		esac
	done <"$WORK/browser.out"
	grep -qE '^(PASS|FAIL)' "$WORK/browser.out" || not_ok "$1: browser.mjs ran ($(tail -n 3 "$WORK/browser.out"))"
}
if command -v chromium >/dev/null && command -v node >/dev/null; then
	"$JVMSNAP" flame "$Z" -o "$ARTIFACTS/flame-hotspin.html"
	check "flame: no external resource in the page" sh -c "! grep -qiE '(src|href)=\"(https?:)?//' '$ARTIFACTS/flame-hotspin.html'"
	browser "$ARTIFACTS/flame-hotspin.html" flame-hotspin HotSpin.hotMethod
	"$JVMSNAP" flame "$G/basic.zip" -o "$ARTIFACTS/flame-basic.html"
	browser "$ARTIFACTS/flame-basic.html" flame-basic demo.Main.hot
	"$JVMSNAP" report "$G/basic.zip" -o "$ARTIFACTS/report-basic.html"
	browser "$ARTIFACTS/report-basic.html" report-basic demo.Main.hot 7
	"$JVMSNAP" report "$Z" -o "$ARTIFACTS/report-hotspin.html"
	browser "$ARTIFACTS/report-hotspin.html" report-hotspin HotSpin.hotMethod $REPORT_CHARTS
	"$JVMSNAP" report "$G/stats.csv" -o "$ARTIFACTS/report-stats.html"
	browser "$ARTIFACTS/report-stats.html" report-stats - 7
	# Control: the widest-frame check does fail when it expects another method.
	node "$ROOT/tests/cli/browser.mjs" "$ARTIFACTS/flame-hotspin.html" "$WORK" control java.lang.Object.wait >"$WORK/control.out" 2>&1
	check "control: the widest-frame check fails for a wrong expectation" grep -q '^FAIL the widest frame' "$WORK/control.out"
	for s in flame-hotspin flame-basic report-basic; do
		check "screenshot kept: $ARTIFACTS/$s.png" test -s "$ARTIFACTS/$s.png"
	done
else
	not_ok "chromium and node are needed for the HTML checks (make test-deps)"
fi
finish
