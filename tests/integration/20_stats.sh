#!/usr/bin/env bash
# stats/: on every JDK (all_jdks), the native stats columns equal what the JVM's own MXBeans
# report (tests/java/StatsProbe.java through build/tests/libstatsprobe.so), on the JMM path
# (G1, Serial, Parallel, ZGC, -Xint, -XX:-UsePerfData) and on the MXBean fallback, forced or
# because each JMM validation step rejected a doctored table (tests/stats/nojmm.c), with and
# without thread contention monitoring; every CSV's labels follow IOpipe's order
# (tests/data/iopipe-stat-labels.txt); the agent itself writes the expected columns for
# IOPIPE_PROFILER_STATS_INTERVAL and contention times, and empty cells for a thread in the
# columns after it ended; then LibreOffice opens the CSVs: numbers stay numbers, hostile text
# stays text, empty cells stay empty, nothing becomes a formula.
. "$(dirname "$0")/lib.sh"
: "${JAVA_HOME:=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
PROBE=$ROOT/$BUILD/tests/libstatsprobe.so
SAMPLE=$ROOT/$BUILD/tests/stats-csvsample
NOJMM=$ROOT/$BUILD/tests/libnojmm.so
TMP=$(mktemp -d /tmp/jvmsnap-stats.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# Runs a command with a time limit; everything it starts dies with it.
limited() { timeout -k 5 "$@"; }

# Reads StatsProbe's "ok - …" / "not ok - …" lines into this script's counters.
count_lines() {
	local prefix=$1 line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "$prefix: ${line#ok - }" ;;
		"not ok - "*) not_ok "$prefix: ${line#not ok - }" ;;
		"# "*" passed, "*" failed") ;; # the program's own tally: counted above, line by line
		"# "*) echo "$line" ;;
		esac
	done
}

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}'; }

check "probe library built" test -f "$PROBE"
check "StatsProbe compiled" test -f "$JAVA_TESTS/StatsProbe.class"

# IOpipe's row labels, in order: tests/data/iopipe-stat-labels.txt is the list IOpipe's
# Java profiler writes, kept in the clone so the test needs nothing beside it.
SPEC=$ROOT/tests/data/iopipe-stat-labels.txt
check "IOpipe's label list in $SPEC ($(wc -l <"$SPEC") lines)" grep -q '^Thread\.<k>\.WaitedTime (ns)$' "$SPEC"
order_check() { # name file.csv
	count_lines "$1" < <("$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StatsProbe order "$SPEC" "$2")
}

# The reason each doctored JMM table (NOJMM_MODE of libnojmm.so) is rejected with.
reject_reason() {
	case $1 in
	reject-slot) echo 'stats: JMM 0x[0-9a-f]* slot [0-9]* is empty' ;;
	reject-version) echo 'stats: JMM GetVersion returned 0x[0-9a-f]* for table 0x[0-9a-f]*' ;;
	reject-pid) echo 'stats: JMM process id check failed' ;;
	reject-classes) echo 'stats: JMM class count check failed' ;;
	reject-memusage) echo 'stats: JMM GetMemoryUsage did not return a MemoryUsage' ;;
	esac
}
FALLBACK_LINE="JMM layout not recognised; falling back to the MXBeans through JNI"
VALIDATED_LINE="stats: JMM interface 0x[0-9a-f]* (layout [0-9], JDK [^)]*) validated"

jdks=$(all_jdks)
echo "# JDKs: $(echo $jdks)"
check "Temurin 25 is among the JDKs (/usr/lib/jvm/temurin-25-*)" grep -q temurin-25 <<<"$jdks"
for jdk in $jdks; do
	major=$(java_major "$jdk")
	name="$(basename "$jdk") ($major)"
	if [ "${major%%.*}" -lt 17 ] 2>/dev/null; then
		echo "# skipped: $name (the test classes need Java 17)"
		continue
	fi
	for mode in jmm jmm-contention fallback fallback-contention jmm-serial-c1 jmm-xint jmm-parallel jmm-zgc \
		jmm-noperfdata unknown-jmm reject-slot reject-version reject-pid reject-classes reject-memusage; do
		flags=(--debug)
		jvm=(-Xmx256m -Xcheck:jni)
		preload= nojmm=
		case $mode in
		unknown-jmm) preload=$NOJMM nojmm=hide ;; # JMM table hidden: an unknown JDK
		reject-*) preload=$NOJMM nojmm=${mode#reject-} ;; # a table that fails one validation step
		esac
		case $mode in
		*serial-c1) jvm+=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1) ;; # AWS Lambda's java17 flags
		*xint) jvm+=(-Xint) ;;                                          # no JIT: compilation time -1
		*parallel) jvm+=(-XX:+UseParallelGC) ;;
		*zgc) jvm+=(-XX:+UseZGC) ;;
		*noperfdata) jvm+=(-XX:-UsePerfData) ;; # no hsperfdata: JMM does not need it
		esac
		case $mode in *contention) flags+=(--contention) ;; esac
		case $mode in fallback*) flags+=(--fallback) ;; esac
		[ "$mode" = jmm ] && flags+=(--cost)
		out=$TMP/$major-$mode
		NOJMM_MODE=$nojmm LD_PRELOAD=$preload limited 180 "$jdk/bin/java" "${jvm[@]}" -Dstatsprobe.lib="$PROBE" \
			-cp "$JAVA_TESTS" StatsProbe check "${flags[@]}" --csv "$out.csv" >"$out.out" 2>"$out.err"
		rc=$?
		count_lines "$name $mode" <"$out.out"
		check "$name $mode: probe exited 0 (exit $rc)" test "$rc" -eq 0
		[ -s "$out.csv" ] && order_check "$name $mode: label order" "$out.csv"
		source=$(sed -n 's/^# source //p' "$out.out")
		case $mode in
		unknown-jmm)
			check "$name $mode: JMM layout not recognised → MXBean fallback, said in a debug line" \
				grep -q "$FALLBACK_LINE" "$out.err"
			check "$name $mode: source is mxbean" test "$source" = mxbean ;;
		reject-*)
			reason=$(reject_reason "$mode")
			check "$name $mode: rejected in exactly one debug line ($reason)" \
				test "$(grep -c "debug: $reason" "$out.err")" -eq 1
			check "$name $mode: exactly one fallback line, no 'validated' line" \
				test "$(grep -c "$FALLBACK_LINE" "$out.err")" -eq 1 -a "$(grep -c "$VALIDATED_LINE" "$out.err")" -eq 0
			check "$name $mode: source is mxbean" test "$source" = mxbean ;;
		fallback*)
			check "$name $mode: MXBean source, and the debug line says why" \
				grep -q "JMM not used (mxbean_fallback option); reading the MXBeans through JNI" "$out.err"
			check "$name $mode: source is mxbean" test "$source" = mxbean ;;
		*)
			# A JMM mode must validate on the JDKs we test: falling back there is a failure.
			check "$name $mode: JMM layout validated (debug line)" grep -q "$VALIDATED_LINE" "$out.err"
			check "$name $mode: source is jmm" test "$source" = jmm ;;
		esac
		case $mode in
		*contention) check "$name $mode: contention monitoring enabled (debug line)" \
			grep -q "thread contention monitoring enabled" "$out.err" ;;
		*) check "$name $mode: contention monitoring not touched" \
			bash -c '! grep -q "thread contention monitoring enabled" "$1"' _ "$out.err" ;;
		esac
		check "$name $mode: no JVM crash, no JNI warning" \
			bash -c '! grep -Eq "hs_err|SIGSEGV|WARNING in native method|FATAL ERROR" "$1"' _ "$out.err"
	done
done

# Control: the order check fails for a CSV with two rows swapped, so it can fail.
csv=$(ls "$TMP"/*-jmm.csv 2>/dev/null | head -n 1)
if [ -n "$csv" ]; then
	awk 'NR == 6 {held = $0; next} {print} NR == 7 {print held}' "$csv" >"$TMP/swapped.csv"
	check "control: the label order check rejects a CSV with two rows swapped" \
		bash -c '"$1/bin/java" -cp "$2" StatsProbe order "$3" "$4" | grep -q "^not ok - the"' _ "$JAVA_HOME" "$JAVA_TESTS" "$SPEC" "$TMP/swapped.csv"
fi

# ---- start-up: classes loaded by opening a collector and taking one column ---------------
# (a JVM that has not used java.lang.management yet; counted with -Xlog:class+load).
# java.lang.management.* is counted exactly; "management" also counts sun.management,
# com.sun.management and javax.management. JMM itself loads java.lang.management classes
# (MemoryUsage, the pool and collector beans, ThreadInfo, ManagementFactory), so these are > 0.
classes_between_marks() { # jdk log flags... → "total java.lang.management management nio"
	local jdk=$1 log=$2
	shift 2
	limited 120 "$jdk/bin/java" -Xlog:class+load -Dstatsprobe.lib="$PROBE" -cp "$JAVA_TESTS" StatsProbe startup "$@" \
		>"$log" 2>/dev/null
	awk '/^# mark: open/ {on = 1; next} /^# mark: done/ {on = 0}
		on && /class,load/ {n++; if ($2 ~ /^java\.lang\.management\./) j++; if ($2 ~ /management/) m++; if ($2 ~ /^sun\.nio\.ch\./) c++}
		END {print n + 0, j + 0, m + 0, c + 0}' "$log"
}
for jdk in $jdks; do
	major=$(java_major "$jdk")
	[ "${major%%.*}" -ge 17 ] 2>/dev/null || continue
	read -r jt jj jm jc <<<"$(classes_between_marks "$jdk" "$TMP/startup-$major-jmm.log")"
	read -r ft fj fm fc <<<"$(classes_between_marks "$jdk" "$TMP/startup-$major-fallback.log" --fallback)"
	count_lines "JDK $major start-up (JMM)" <"$TMP/startup-$major-jmm.log"
	count_lines "JDK $major start-up (fallback)" <"$TMP/startup-$major-fallback.log"
	echo "# start-up classes, JDK $major: JMM $jt ($jj java.lang.management, $jm management-related)," \
		"MXBean fallback $ft ($fj java.lang.management, $fm management-related)"
	check "JDK $major: the JMM path loads fewer classes than the MXBeans ($jt < $ft, java.lang.management $jj < $fj, management $jm < $fm)" \
		test "$jt" -gt 0 -a "$jt" -lt "$ft" -a "$jj" -lt "$fj" -a "$jm" -lt "$fm"
	check "JDK $major: the JMM path loads no sun.nio.ch class (FileChannelImpl) the application has not ($jc)" \
		test "$jc" -eq 0
done

# ---- the agent's own CSV: stats interval, contention, label order -------------------------
# StatsProbe agentrun: a ~RUN ms program with a thread blocked on a monitor for BLOCK ms.
RUN=1000 BLOCK=500
agent_csv() { # jdk name agent-options env... → $TMP/agent-NAME.csv (blocked thread's key in .out)
	local jdk=$1 name=$2 opts=$3
	shift 3
	local z=$TMP/agent-$name.zip
	env IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$z" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=p "$@" \
		timeout -k 5 120 "$jdk/bin/java" "-agentpath:$AGENT$opts" -cp "$JAVA_TESTS" StatsProbe agentrun $RUN $BLOCK \
		$(case " $* $opts " in *CONTENTION=true* | *contention=true*) echo --contention ;; esac) \
		>"$TMP/agent-$name.out" 2>"$TMP/agent-$name.err"
	unzip -p "$z" p_stat.csv >"$TMP/agent-$name.csv" 2>/dev/null
}
for jdk in $jdks; do
	major=$(java_major "$jdk")
	[ "${major%%.*}" -ge 17 ] 2>/dev/null || continue
	# name | agent options | environment | contention | columns min max
	while IFS='|' read -r run opts envs cont cmin cmax; do
		agent_csv "$jdk" "$major-$run" "$opts" $envs
		csv=$TMP/agent-$major-$run.csv
		check "JDK $major agent $run: the zip holds p_stat.csv" test -s "$csv"
		[ -s "$csv" ] || continue
		key=$(sed -n 's/^# blocked //p' "$TMP/agent-$major-$run.out")
		ended=$(sed -n 's/^# ended //p' "$TMP/agent-$major-$run.out")
		check "JDK $major agent $run: the program names the thread it ended mid-window (${ended:-none})" test -n "$ended"
		count_lines "JDK $major agent $run" < <("$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StatsProbe agentcheck \
			"$csv" "$key" $BLOCK "$cont" "$cmin" "$cmax" "$ended")
		order_check "JDK $major agent $run: label order" "$csv"
	done <<-EOF
		interval0-env||IOPIPE_PROFILER_STATS_INTERVAL=0|nocontention|2|2
		interval0-option-contention-env|=statsinterval=0|IOPIPE_PROFILER_THREAD_CONTENTION=true|contention|2|2
		interval200ms-option|=statsinterval=200ms||nocontention|4|9
		interval200ms-env-contention-option|=contention=true|IOPIPE_PROFILER_STATS_INTERVAL=200|contention|4|9
	EOF
done

# ---- LibreOffice -------------------------------------------------------------------------
if ! command -v soffice >/dev/null; then
	not_ok "soffice (LibreOffice) installed (make test-deps)"
	finish
	exit
fi
to_ods() { # file.csv → $TMP/lo/file.ods
	limited 120 soffice -env:UserInstallation="file://$TMP/lo-profile" --headless --norestore \
		--infilter="CSV:44,34,76,1" --convert-to ods --outdir "$TMP/lo" "$1" >/dev/null 2>&1
}
ods_check() { # name file.csv
	local ods="$TMP/lo/$(basename "${2%.csv}").ods"
	to_ods "$2"
	check "$1: LibreOffice converted the CSV" test -s "$ods"
	[ -s "$ods" ] || return
	count_lines "$1" < <("$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StatsProbe ods "$ods" "$2")
	check "$1: no cell became a formula" bash -c '! unzip -p "$1" content.xml | grep -q "table:formula="' _ "$ods"
}

# Control: without neutralising, LibreOffice does run =1+1 — so the checks below can fail.
printf 'x,=1+1\n' >"$TMP/control.csv"
to_ods "$TMP/control.csv"
check "control: LibreOffice evaluates an unneutralised =1+1" \
	bash -c 'unzip -p "$1" content.xml | grep -q "table:formula=\"of:=1+1\""' _ "$TMP/lo/control.ods"

if [ -x "$SAMPLE" ]; then
	"$SAMPLE" >"$TMP/sample.csv"
	ods_check "hostile text sample" "$TMP/sample.csv"
else
	not_ok "stats-csvsample built"
fi
# The probe's CSVs (a thread that ended after column 0: empty cells) and the agent's with
# columns every 200 ms (threads that ended mid-window).
for csv in "$TMP"/*-jmm.csv "$TMP"/agent-*-interval200ms-option.csv; do
	[ -f "$csv" ] || continue
	ods_check "stats CSV $(basename "$csv")" "$csv"
	case $csv in *agent-*) continue ;; esac
	check "$(basename "$csv"): has empty cells (the threads not alive in a column)" grep -q ',,\|,$' "$csv"
	check "$(basename "$csv"): the thread named =1+1, \"x\" is in a label, quoted" \
		grep -q '^"Thread\.=1+1, ""x""\.[0-9]*\.State (state)",' "$csv"
done
finish
