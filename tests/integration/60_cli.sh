#!/usr/bin/env bash
# The jvmsnap command (build/jvmsnap): golden outputs on deterministic snapshots written
# by our own writer (tests/cli/cligen) and on a snapshot the agent wrote (the fixture
# tests/cli/golden/hotspin.zip), property checks on snapshots written by the agent in a
# real JVM, merge totals checked by VisualVM's loader, exit codes, a never-crash run over
# mutated inputs, and the HTML pages in headless Chromium, run without a network
# (screenshots kept under $BUILD/test-artifacts/cli/).
#
# After an intended change of the output, rewrite the golden files:
#   UPDATE_GOLDEN=1 BUILD=build bash tests/integration/60_cli.sh
# To record the agent's fixture again (HotSpin 1000 under the agent, prefix "hotspin"; a
# few KB), then rewrite the golden files, and commit both:
#   REGEN_FIXTURE=1 UPDATE_GOLDEN=1 BUILD=build bash tests/integration/60_cli.sh
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

run_agent() { # run_agent DIR MS [PREFIX]: HotSpin under the agent, snapshot DIR/PREFIX.zip
	mkdir -p "$1"
	(cd "$1" && env JAVA_TOOL_OPTIONS="-agentpath:$AGENT" IOPIPE_PROFILER_ENABLED=true \
		IOPIPE_PROFILER_LOCAL_DUMP_PATH="$1/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX="${3:-snap}" \
		timeout 60 "$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" HotSpin "$2" >"$1/stdout" 2>"$1/stderr")
}

# ---- fixtures -----------------------------------------------------------------------
G=$WORK/golden
mkdir -p "$G"
if [ "${REGEN_FIXTURE:-}" = 1 ]; then
	run_agent "$WORK/fixture" 1000 hotspin
	cp "$WORK/fixture/hotspin.zip" "$GOLDEN/hotspin.zip" && echo "# rewrote $GOLDEN/hotspin.zip"
fi
# The agent-written fixture: recorded once, so its golden outputs never vary.
FIXTURE=$GOLDEN/hotspin.zip
check "agent fixture: present" test -f "$FIXTURE"
check "agent fixture: small ($(stat -c %s "$FIXTURE" 2>/dev/null) bytes, under 64 KiB)" \
	test "$(stat -c %s "$FIXTURE" 2>/dev/null || echo 999999)" -lt 65536
check "agent fixture: written by the agent (its .nps, statistics and metadata.json)" sh -c \
	"unzip -l '$FIXTURE' | grep -q ' hotspin_cpu.nps\$' && unzip -l '$FIXTURE' | grep -q ' hotspin_stat.csv\$' &&
	 unzip -p '$FIXTURE' metadata.json | grep -q '\"agent\": \"jvmsnap\"'"
nps_check "$FIXTURE" >"$WORK/fixture-vv" 2>&1
check "agent fixture: VisualVM's loader accepts it" grep -q '^NpsCheck: OK' "$WORK/fixture-vv"
cp "$FIXTURE" "$G/hotspin.zip"
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

check "bad --thread-regex: exit 2" exit_code 2 top --thread-regex '((' "$G/basic.zip"
check "bad /regex/: exit 2" exit_code 2 top --thread '/((/' "$G/basic.zip"

# ---- hostile names never reach the terminal raw (issue 14.11) ----------------------------
# cligen's hostile snapshot: ESC sequences (clear screen, window title), BEL, DEL, a C1 CSI
# and a newline that would forge a line, in thread, class and method names, a statistics
# label and cell, and metadata.json.
"$CLIGEN" hostile "$G/hostile.zip"
no_controls() { # no_controls FILE: no C0 but newline, no DEL, no C1 (U+0080..U+009F)
	python3 -c '
import sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape")
bad = [hex(ord(c)) for c in t if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f or 0xdc80 <= ord(c) <= 0xdc9f]
sys.exit(print("control characters:", bad[:8]) if bad else 0)' "$1"
}
for cmd in info top tree collapsed "collapsed --threads" stats "stats --wide"; do
	# shellcheck disable=SC2086 # CMD is a word list
	"$JVMSNAP" $cmd "$G/hostile.zip" >"$WORK/hostile.out" 2>"$WORK/hostile.err"
	check "hostile names, $cmd: exit 0" test $? = 0
	check "hostile names, $cmd: no control character in the output" no_controls "$WORK/hostile.out"
	check "hostile names, $cmd: no forged line" sh -c "! grep -q '^forged' '$WORK/hostile.out'"
	check "hostile names, $cmd: ESC shown as \\x1b" grep -qF '\x1b' "$WORK/hostile.out"
done
check "hostile names: the C1 CSI shown as \\u009b" sh -c "'$JVMSNAP' top '$G/hostile.zip' | grep -qF '\\u009b'"

# ---- names as VisualVM shows them: a lambda's hidden class with '.', not '/' ---------------
sed -n 's/^shown \(.*\$\$Lambda\$[0-9]*\..*\)$/\1/p' "$WORK/fixture-vv" >"$WORK/vv-lambdas"
check "VisualVM shows the fixture's lambdas with '.' ($(head -n 1 "$WORK/vv-lambdas"))" test -s "$WORK/vv-lambdas"
"$JVMSNAP" top -n 0 "$G/hotspin.zip" >"$WORK/top-lambdas"
check "top names every lambda VisualVM lists as VisualVM does" sh -c \
	"while IFS= read -r l; do grep -qF \"\$l\" '$WORK/top-lambdas' || { echo \"missing: \$l\"; exit 1; }; done <'$WORK/vv-lambdas'"
for cmd in "top -n 0" tree collapsed "collapsed --threads" "flame -o -"; do
	# shellcheck disable=SC2086 # CMD is a word list
	check "$cmd: no lambda named with '/'" sh -c "'$JVMSNAP' $cmd '$G/hotspin.zip' | grep -c 'Lambda\\\$' >/dev/null &&
		! '$JVMSNAP' $cmd '$G/hotspin.zip' | grep -q 'Lambda\\\$[0-9]*/0x'"
done

# ---- stats: a row's change between its first and last present values ---------------------
# Both forms of "the thread was not alive there": the empty cells the agent writes, and the
# older 0 / null (its State row null).
cat >"$WORK/absent.csv" <<'CSV'
AbsoluteTime (ns),1000,2000,3000,4000
RelativeTime (ns),0,1000,2000,3000
Thread.late.5.CPUTime (ns),0,100,300,0
Thread.late.5.BlockedTime (ns),0,-1,-1,0
Thread.late.5.State (state),null,RUNNABLE,RUNNABLE,null
Thread.gone.6.CPUTime (ns),,500,700,
Thread.gone.6.State (state),,BLOCKED,BLOCKED,
Thread.main.1.CPUTime (ns),0,0,0,10
Thread.main.1.State (state),RUNNABLE,RUNNABLE,RUNNABLE,RUNNABLE
CSV
"$JVMSNAP" stats "$WORK/absent.csv" >"$WORK/absent.out" 2>&1
check "stats: a thread absent at both ends (0/null form) changes between present values" \
	grep -qE '^Thread\.late\.5\.CPUTime \(ns\) +100 +300 +\+200$' "$WORK/absent.out"
check "stats: BlockedTime -1 throughout is no change (not -1 -> 0)" \
	grep -qE '^Thread\.late\.5\.BlockedTime \(ns\) +-1 +-1 +0$' "$WORK/absent.out"
check "stats: the state of a thread absent at both ends is unchanged" \
	grep -qE '^Thread\.late\.5\.State \(state\) +RUNNABLE +RUNNABLE$' "$WORK/absent.out"
check "stats: a thread absent at both ends (empty cells) changes between present values" \
	grep -qE '^Thread\.gone\.6\.CPUTime \(ns\) +500 +700 +\+200$' "$WORK/absent.out"
check "stats: a measured 0 of a live thread still counts" \
	grep -qE '^Thread\.main\.1\.CPUTime \(ns\) +0 +10 +\+10$' "$WORK/absent.out"

# ---- a statistics CSV dense with commas (issue 14.10): memory bounded, refused past the limit
TIME=/usr/bin/time
check "GNU time is installed (peak RSS)" test -x "$TIME"
comma_zip() { # comma_zip OUT ROWS COMMAS: a zip whose _stat.csv has ROWS rows of COMMAS empty cells
	python3 -c '
import sys, zipfile
out, rows, commas = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    with z.open("x_stat.csv", "w") as f:
        f.write(b"RelativeTime (ns)" + b"," * commas + b"\n")
        for i in range(rows - 1):
            f.write(b"Row %d" % i + b"," * commas + b"\n")' "$@"
}
comma_zip "$WORK/commas-big.zip" 200 200000   # 40 M cells
comma_zip "$WORK/commas-ok.zip" 20 200000     # 4 M cells
"$TIME" -f %M "$JVMSNAP" stats "$WORK/commas-big.zip" >/dev/null 2>"$WORK/commas-big.err"
rc=$?
rss=$(tail -n 1 "$WORK/commas-big.err")
check "a $(stat -c %s "$WORK/commas-big.zip")-byte zip of 40 M empty cells: exit 2 (got $rc)" test $rc = 2
check "... one clear message naming the limit" \
	test "$(grep -c '^jvmsnap: error: .*commas-big.zip: .* cells, more than the limit of 16777216' "$WORK/commas-big.err")" = 1
check "... peak RSS ${rss} KB, under a generous 200 MB bound" test "${rss:-999999}" -lt 204800
"$TIME" -f %M "$JVMSNAP" stats "$WORK/commas-ok.zip" >"$WORK/commas-ok.out" 2>"$WORK/commas-ok.err"
rc=$?
rss=$(tail -n 1 "$WORK/commas-ok.err")
check "4 M empty cells, under the limit: read (exit $rc, 200001 stats snapshots)" \
	sh -c "test $rc = 0 && grep -q '^200000 stats snapshots' '$WORK/commas-ok.out'"
check "... peak RSS ${rss} KB, under a generous 200 MB bound" test "${rss:-999999}" -lt 204800

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

# --thread: a case-insensitive part of the name, or a POSIX ERE as /RE/ or --thread-regex
"$JVMSNAP" top "$Z" -n 0 --thread HOT- >"$R/top-hot-part" 2>&1
check "top --thread HOT-: the same as the full name" diff "$R/top-hot" "$R/top-hot-part"
"$JVMSNAP" top "$Z" -n 0 --thread '/^hot-.*程$/' >"$R/top-hot-re" 2>&1
check "top --thread /^hot-.*程\$/: the same as the full name" diff "$R/top-hot" "$R/top-hot-re"
check "top --thread-regex '^HOT': a regex keeps its case (no such thread, exit 2)" exit_code 2 top "$Z" --thread-regex '^HOT'
"$JVMSNAP" tree "$Z" --thread SLEEP >"$R/tree-sleeper" 2>&1
check "tree --thread SLEEP: only the sleeper's tree" sh -c \
	"test \"\$(grep -c '^thread ' '$R/tree-sleeper')\" = 1 && grep -q '^thread sleeper: ' '$R/tree-sleeper'"

# Thread counts: the threads with Java frames (the .nps, VisualVM) and every thread the
# sampler saw (metadata.json, the agent's log) are both said, under names that tell them apart.
with_frames=$(sed -n 's/^threads: *\([0-9]*\) with Java frames, [0-9]* seen by the sampler$/\1/p' "$R/info")
seen=$(sed -n 's/^threads: *[0-9]* with Java frames, \([0-9]*\) seen by the sampler$/\1/p' "$R/info")
lines=$(awk '/^threads:/ {on = 1; getline; next} /^hottest/ {on = 0} on' "$R/info" | wc -l)
vv_threads=$(sed -n 's/^threads //p' "$R/vv")
meta=$(unzip -p "$Z" metadata.json | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["threads"], d["threads_with_java_frames"])')
check "threads: info's $with_frames with Java frames = its thread lines ($lines) = VisualVM's ($vv_threads) = metadata's threads_with_java_frames (${meta#* })" \
	test -n "$with_frames" -a "$with_frames" = "$lines" -a "$with_frames" = "$vv_threads" -a "$with_frames" = "${meta#* }"
check "threads: info's $seen seen by the sampler = metadata's threads (${meta% *}), at least $with_frames" \
	test -n "$seen" -a "$seen" = "${meta% *}" -a "${seen:-0}" -ge "${with_frames:-1}"
check "threads: the agent's log says both ($seen seen, $with_frames with Java frames)" \
	grep -q "jvmsnap: info: profiled .* $seen threads seen ($with_frames with Java frames)" "$R/3/stderr"
"$JVMSNAP" report "$Z" -o "$R/report.html"
check "report: both thread counts" grep -q "<th>Threads</th><td>$with_frames with Java frames, $seen seen by the sampler</td>" "$R/report.html"

# The requested interval below 1 ms (issue 14.9c): info and report show it, from the zip and
# from the bare .nps (which keeps it in µs beside VisualVM's whole milliseconds).
for us in 100 150 500; do
	IOPIPE_PROFILER_SAMPLERATE=$us run_agent "$WORK/iv$us" 300
	zi=$WORK/iv$us/snap.zip
	(cd "$WORK/iv$us" && unzip -q -o snap.zip snap_cpu.nps)
	check "interval $us us: info of the zip" grep -q "^interval: *$us us requested" <("$JVMSNAP" info "$zi" 2>&1)
	check "interval $us us: info of the bare .nps" grep -q "^interval: *$us us requested" <("$JVMSNAP" info "$WORK/iv$us/snap_cpu.nps" 2>&1)
	"$JVMSNAP" report "$zi" -o "$WORK/iv$us/report.html"
	check "interval $us us: report" grep -q "<th>Interval</th><td>$us µs requested</td>" "$WORK/iv$us/report.html"
	check "interval $us us: metadata.json" sh -c "unzip -p '$zi' metadata.json | grep -q '\"interval_requested_us\": $us,'"
	nps_check "$WORK/iv$us/snap_cpu.nps" >"$WORK/iv$us/vv" 2>&1
	check "interval $us us: VisualVM's loader accepts the .nps" grep -q '^NpsCheck: OK' "$WORK/iv$us/vv"
done

# The agent's zip also holds the statistics and metadata.json: a zip without them fails
# here (and every check after it that needs them), it is not skipped.
check "the agent's zip holds metadata.json" sh -c "unzip -l '$Z' | grep -q ' metadata.json\$'"
check "info: samples and achieved interval from metadata.json" \
	sh -c "grep -q '^samples: *[1-9]' '$R/info' && grep -q '^interval: .* us requested, [0-9.]* us achieved' '$R/info'"
check "info: the JVM from metadata.json" grep -q '^  jvm_version: ' "$R/info"
check "the agent's zip holds the statistics CSV" sh -c "unzip -l '$Z' | grep -q '_stat.csv\$'"
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
# script(1) (bsdutils, always on Debian) gives the command a terminal; without it the check
# fails rather than silently not running.
check "script(1) is installed (bsdutils), for the terminal checks" test -x "$(command -v script)"
script -qc "'$JVMSNAP' merge -o '$M/copies.nps' $M/copy*.nps" /dev/null >"$M/tty" 2>&1
check "merge: a progress bar on a terminal for 10+ inputs" grep -q 'merging \[#*\] 12/12' "$M/tty"
"$JVMSNAP" merge -o "$M/copies.nps" "$M"/copy*.nps 2>"$M/notty"
check "merge: no progress bar when stderr is not a terminal" test ! -s "$M/notty"

# ---- the agent's S3 variables mean the same to s3:// inputs (config.c reads them) -------
s3env=(env IOPIPE_PROFILER_S3_ENDPOINT=http://127.0.0.1:1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y)
"${s3env[@]}" IOPIPE_PROFILER_S3_REGION= "$JVMSNAP" ls s3://b >"$WORK/s3env.out" 2>&1
check "ls s3://: an empty IOPIPE_PROFILER_S3_REGION gets the agent's warning" \
	grep -qxF "jvmsnap: warning: IOPIPE_PROFILER_S3_REGION='' is empty; using the default" "$WORK/s3env.out"
check "ls s3://: IOPIPE_PROFILER_S3_ENDPOINT is the store asked" grep -q '127.0.0.1 port 1' "$WORK/s3env.out"
"${s3env[@]}" IOPIPE_PROFILER_S3_REGION=$'eu-west-1\x01' "$JVMSNAP" ls s3://b >"$WORK/s3env2.out" 2>&1
check "ls s3://: a non-printable IOPIPE_PROFILER_S3_REGION is refused as the agent refuses it" \
	grep -q "^jvmsnap: warning: IOPIPE_PROFILER_S3_REGION='eu-west-1?' has characters that are not printable ASCII" "$WORK/s3env2.out"

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
# As root, browser.mjs (node and Chromium) runs in a network namespace of its own holding
# only a loopback interface (for the DevTools connection): no route to anywhere. Otherwise
# Chromium's refusing proxy (browser.mjs) is the only barrier, and the log says so.
if unshare -n sh -c 'ip link set lo up' 2>/dev/null; then
	# shellcheck disable=SC2016 # "$0" "$@" expand in the inner shell
	NONET=(unshare -n sh -c 'ip link set lo up && exec "$0" "$@"')
else
	NONET=()
	echo "# note: no network namespace (not root?): Chromium runs with the refusing proxy only"
fi
browser() { # browser PAGE NAME HOT [--charts FILE] [--totals W,C]: counts browser.mjs's PASS/FAIL lines
	local line page=$1
	shift
	"${NONET[@]}" node "$ROOT/tests/cli/browser.mjs" "$page" "$ARTIFACTS" "$@" >"$WORK/browser.out" 2>&1
	while IFS= read -r line; do
		case "$line" in
		PASS*) ok "$1: ${line#PASS }" ;;
		FAIL*) not_ok "$1: ${line#FAIL }" ;;
		*) echo "$line" ;;
		esac
	done <"$WORK/browser.out"
	grep -qE '^(PASS|FAIL)' "$WORK/browser.out" || not_ok "$1: browser.mjs ran ($(tail -n 3 "$WORK/browser.out"))"
}
expected_charts() { # expected_charts CSV: the chart titles a report of CSV shows, one a line
	echo Heap
	sed -n 's/^MemPool\.\(.*\)\.Usage\.used (byte),.*/Memory pool \1/p' "$1"
	printf '%s\n' "GC count" "GC time" "Loaded classes"
	if grep -q '^Thread\..*\.State (state),' "$1"; then echo Threads; fi
}
totals() { # totals FILE: "WALL,CPU", the sums of the thread lines of `jvmsnap info FILE`
	"$JVMSNAP" info "$1" | awk '/^threads:/ {on = 1; next} /^hottest/ {on = 0}
		on && $1 ~ /^[0-9.]+$/ {w += $1; c += $2} END {printf "%.3f,%.3f", w, c}'
}
if command -v chromium >/dev/null && command -v node >/dev/null; then
	unzip -p "$G/basic.zip" '*_stat.csv' >"$WORK/basic.csv"
	expected_charts "$WORK/basic.csv" >"$WORK/charts-basic"
	expected_charts "$R/stats.csv" >"$WORK/charts-hotspin"
	check "the expected charts include memory pools (basic: $(grep -c '^Memory pool' "$WORK/charts-basic"), hotspin: $(grep -c '^Memory pool' "$WORK/charts-hotspin"))" \
		test "$(grep -c '^Memory pool' "$WORK/charts-basic")" = 2 -a "$(grep -c '^Memory pool' "$WORK/charts-hotspin")" -ge 3
	"$JVMSNAP" flame "$Z" -o "$ARTIFACTS/flame-hotspin.html"
	check "flame: no external resource in the page" sh -c "! grep -qiE '(src|href)=\"(https?:)?//' '$ARTIFACTS/flame-hotspin.html'"
	browser "$ARTIFACTS/flame-hotspin.html" flame-hotspin HotSpin.hotMethod --totals "$(totals "$Z")"
	"$JVMSNAP" flame "$G/basic.zip" -o "$ARTIFACTS/flame-basic.html"
	browser "$ARTIFACTS/flame-basic.html" flame-basic demo.Main.hot --totals "$(totals "$G/basic.zip")"
	"$JVMSNAP" report "$G/basic.zip" -o "$ARTIFACTS/report-basic.html"
	browser "$ARTIFACTS/report-basic.html" report-basic demo.Main.hot --charts "$WORK/charts-basic" --heap-note no
	# The fixture's heap used reads 0 in every column (G1 on JDK 17 before its first GC).
	unzip -p "$G/hotspin.zip" '*_stat.csv' >"$WORK/fixture.csv"
	check "the fixture's heap used is 0 while committed is not" 		grep -qE '^Memory\.Heap\.used \(byte\),0,0,0$' "$WORK/fixture.csv"
	expected_charts "$WORK/fixture.csv" >"$WORK/charts-fixture"
	"$JVMSNAP" report "$G/hotspin.zip" -o "$ARTIFACTS/report-fixture.html"
	browser "$ARTIFACTS/report-fixture.html" report-fixture HotSpin.hotMethod --charts "$WORK/charts-fixture" --heap-note yes
	"$JVMSNAP" report "$Z" -o "$ARTIFACTS/report-hotspin.html"
	browser "$ARTIFACTS/report-hotspin.html" report-hotspin HotSpin.hotMethod --charts "$WORK/charts-hotspin"
	"$JVMSNAP" report "$G/stats.csv" -o "$ARTIFACTS/report-stats.html"
	browser "$ARTIFACTS/report-stats.html" report-stats - --charts "$WORK/charts-basic"
	# Controls: the checks do fail for a wrong expectation.
	"${NONET[@]}" node "$ROOT/tests/cli/browser.mjs" "$ARTIFACTS/flame-hotspin.html" "$WORK" control java.lang.Object.wait \
		--totals 1.000,2.000 >"$WORK/control.out" 2>&1
	check "control: the widest-frame check fails for a wrong expectation" grep -q '^FAIL the widest frame' "$WORK/control.out"
	check "control: the totals check fails for wrong totals" grep -q "^FAIL the merged view's totals" "$WORK/control.out"
	{ cat "$WORK/charts-basic"; echo "Memory pool Nonexistent"; } >"$WORK/charts-more"
	"${NONET[@]}" node "$ROOT/tests/cli/browser.mjs" "$ARTIFACTS/report-stats.html" "$WORK" control-report - \
		--charts "$WORK/charts-more" >"$WORK/control-report.out" 2>&1
	check "control: a missing chart fails" grep -q '^FAIL the report has the chart "Memory pool Nonexistent"' "$WORK/control-report.out"
	grep -v '^Threads$' "$WORK/charts-basic" >"$WORK/charts-less"
	"${NONET[@]}" node "$ROOT/tests/cli/browser.mjs" "$ARTIFACTS/report-stats.html" "$WORK" control-report - \
		--charts "$WORK/charts-less" >"$WORK/control-report.out" 2>&1
	check "control: an unexpected chart fails" grep -q '^FAIL the report has no other chart' "$WORK/control-report.out"
	"${NONET[@]}" node "$ROOT/tests/cli/browser.mjs" "$ARTIFACTS/report-basic.html" "$WORK" control-heap demo.Main.hot \
		--heap-note yes >"$WORK/control-heap.out" 2>&1
	check "control: a missing heap note fails" grep -q '^FAIL the heap note shows' "$WORK/control-heap.out"
	if [ ${#NONET[@]} -gt 0 ]; then
		# shellcheck disable=SC2016 # expanded inside the namespace
		check "the browser's namespace has only a loopback interface and no route" \
			"${NONET[@]}" sh -c '[ -z "$(ip -o link show | grep -v ": lo:")" ] && [ -z "$(ip route show)" ]'
	fi
	for s in flame-hotspin flame-basic report-basic; do
		check "screenshot kept: $ARTIFACTS/$s.png" test -s "$ARTIFACTS/$s.png"
	done
else
	not_ok "chromium and node are needed for the HTML checks (make test-deps)"
fi
finish
