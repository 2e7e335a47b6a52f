#!/usr/bin/env bash
# stats/: on every JDK (all_jdks), the native stats columns equal what the JVM's own MXBeans
# report (tests/java/StatsProbe.java through build/tests/libstatsprobe.so), on the JMM path
# and on the MXBean fallback, with and without thread contention monitoring; then LibreOffice
# opens the CSVs: numbers stay numbers, hostile text stays text, nothing becomes a formula.
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
		"# "*) echo "$line" ;;
		esac
	done
}

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}'; }

check "probe library built" test -f "$PROBE"
check "StatsProbe compiled" test -f "$JAVA_TESTS/StatsProbe.class"

jdks=$(all_jdks)
echo "# JDKs: $(echo $jdks)"
echo "$jdks" | grep -q temurin-25 || echo "# skipped: no Temurin 25 under /usr/lib/jvm"
for jdk in $jdks; do
	major=$(java_major "$jdk")
	name="$(basename "$jdk") ($major)"
	if [ "${major%%.*}" -lt 17 ] 2>/dev/null; then
		echo "# skipped: $name (the test classes need Java 17)"
		continue
	fi
	for mode in jmm jmm-contention fallback fallback-contention jmm-serial-c1 jmm-xint unknown-jmm; do
		flags=(--debug)
		jvm=(-Xmx256m -Xcheck:jni)
		preload=
		[ "$mode" = unknown-jmm ] && preload=$NOJMM # JMM table hidden: an unknown JDK
		case $mode in
		*serial-c1) jvm+=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1) ;; # AWS Lambda's java17 flags
		*xint) jvm+=(-Xint) ;;                                          # no JIT: compilation time -1
		esac
		case $mode in *contention) flags+=(--contention) ;; esac
		case $mode in fallback*) flags+=(--fallback) ;; esac
		[ "$mode" = jmm ] && flags+=(--cost)
		out=$TMP/$major-$mode
		LD_PRELOAD=$preload limited 180 "$jdk/bin/java" "${jvm[@]}" -Dstatsprobe.lib="$PROBE" -cp "$JAVA_TESTS" \
			StatsProbe check "${flags[@]}" --csv "$out.csv" >"$out.out" 2>"$out.err"
		rc=$?
		count_lines "$name $mode" <"$out.out"
		check "$name $mode: probe exited 0 (exit $rc)" test "$rc" -eq 0
		source=$(sed -n 's/^# source //p' "$out.out")
		case $mode in
		unknown-jmm)
			check "$name $mode: JMM layout not recognised → MXBean fallback, said in a debug line" \
				grep -q "JMM layout not recognised; falling back to the MXBeans through JNI" "$out.err"
			check "$name $mode: source is mxbean" test "$source" = mxbean ;;
		fallback*)
			check "$name $mode: MXBean source, and the debug line says why" \
				grep -q "JMM not used (mxbean_fallback option); reading the MXBeans through JNI" "$out.err"
			check "$name $mode: source is mxbean" test "$source" = mxbean ;;
		*)
			if grep -q "stats: JMM interface 0x[0-9a-f]* (layout [0-9], JDK [^)]*) validated" "$out.err"; then
				check "$name $mode: JMM layout validated, source jmm" test "$source" = jmm
			else
				# An unknown layout must still work, through the MXBeans, and say so.
				check "$name $mode: JMM layout not recognised → MXBean fallback, said in a debug line" \
					grep -q "JMM layout not recognised; falling back to the MXBeans through JNI" "$out.err"
				check "$name $mode: source is mxbean" test "$source" = mxbean
			fi ;;
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

# ---- start-up: classes loaded by opening a collector and taking one column ---------------
# (a JVM that has not used java.lang.management yet; counted with -Xlog:class+load)
classes_between_marks() { # jdk flags... → "total management"
	local jdk=$1
	shift
	limited 120 "$jdk/bin/java" -Xlog:class+load -Dstatsprobe.lib="$PROBE" -cp "$JAVA_TESTS" StatsProbe startup "$@" 2>/dev/null |
		awk '/^# mark: open/ {on = 1; next} /^# mark: done/ {on = 0} on && /class,load/ {n++; if ($2 ~ /management/) m++}
			END {print n + 0, m + 0}'
}
for jdk in $jdks; do
	major=$(java_major "$jdk")
	[ "${major%%.*}" -ge 17 ] 2>/dev/null || continue
	read -r jt jm <<<"$(classes_between_marks "$jdk")"
	read -r ft fm <<<"$(classes_between_marks "$jdk" --fallback)"
	echo "# start-up classes, JDK $major: JMM $jt ($jm management), MXBean fallback $ft ($fm management)"
	check "JDK $major: the JMM path loads fewer classes than the MXBeans ($jt < $ft, management $jm < $fm)" \
		test "$jt" -gt 0 -a "$jt" -lt "$ft" -a "$jm" -lt "$fm"
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
	"$JAVA_HOME/bin/java" -cp "$JAVA_TESTS" StatsProbe ods "$ods" "$2" | count_lines "$1"
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
for csv in "$TMP"/*-jmm.csv; do
	[ -f "$csv" ] || continue
	ods_check "stats CSV $(basename "$csv")" "$csv"
	check "$(basename "$csv"): the thread named =1+1, \"x\" is in a label, quoted" \
		grep -q '^"Thread\.=1+1, ""x""\.[0-9]*\.State (state)",' "$csv"
done
finish
