# bench/lib/report.sh — the Markdown report, from the TSV files bench/run.sh fills.
# Sourced by bench/run.sh; `report` prints the whole report on stdout.

# col TSV CFG NAME: the values of column NAME in the rows of configuration CFG.
col() {
	awk -F'\t' -v c="$2" -v n="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) k = i; next }
		k && $2 == c { print $k }' "$1"
}

# ratios TSV CFG: per round, req/s of CFG divided by req/s of "none" in the same round.
ratios() {
	awk -F'\t' -v c="$2" '
		NR == 1 { next }
		$2 == "none" && $5 + 0 > 0 { base[$1] = $5 }
		$2 == c { v[$1] = $5 }
		END { for (r in v) if (r in base && v[r] ~ /^[0-9.]+$/) printf "%.4f\n", v[r] / base[r] }' "$1"
}

# cpu_ratios TSV CFG: per round, JVM CPU time per request of CFG over that of "none".
cpu_ratios() {
	awk -F'\t' -v c="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "cpu_s") x = i; if ($i == "requests") y = i }; next }
		$x !~ /^[0-9.]+$/ || $y !~ /^[0-9]+$/ || $y == 0 { next }
		$2 == "none" { base[$1] = $x / $y }
		$2 == c { v[$1] = $x / $y }
		END { for (r in v) if (r in base && base[r] > 0) printf "%.4f\n", v[r] / base[r] }' "$1"
}

# Median of a column as a number with D decimals ("–" when there is none).
mcol() { fmt "$4" "$(col "$1" "$2" "$3" | median)"; }

describe() {
	case "$1" in
	none) echo "no agent" ;;
	disabled) echo "jvmsnap loaded, IOPIPE_PROFILER_ENABLED unset" ;;
	jvmsnap) echo "jvmsnap, default settings (1000 µs), debug=true" ;;
	jvmsnap-*) echo "jvmsnap, samplerate=${1#jvmsnap-}, debug=true" ;;
	jfr-*) echo "JFR default.jfc, jdk.ExecutionSample#period=${1#jfr-}" ;;
	iopipe-all-*) echo "IOpipe-style Java sampler, Thread.getAllStackTraces every ${1#iopipe-all-}" ;;
	iopipe-*) echo "IOpipe-style Java sampler, Thread.getStackTrace per thread every ${1#iopipe-}" ;;
	*) echo "$1" ;;
	esac
}

machine() {
	local cpu jdk tomcat wrkv commit
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	jdk=$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)
	tomcat=$(env CATALINA_HOME="$TOMCAT_HOME" CATALINA_BASE="$BASE" JAVA_HOME="$JAVA_HOME" \
		"$TOMCAT_HOME/bin/version.sh" 2>/dev/null | sed -n 's/^Server version: *//p')
	wrkv=$( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $1, $2 }')
	commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$ROOT" diff --quiet HEAD 2>/dev/null || commit+=" + uncommitted changes"
	echo "- Machine: $(nproc) CPUs ($cpu), $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "- JDK: $jdk ($JAVA_HOME); Tomcat: ${tomcat:-unknown}; load generator: $wrkv"
	echo "- Agent: \`$BENCH_AGENT\`, git $commit"
	echo "- Load average (1/5/15 min) before the Tomcat runs: $LOAD_BEFORE; after: $LOAD_AFTER"
	echo "- Command: \`$BENCH_COMMAND\`"
}

# per TSV CFG NUM DEN: NUM/DEN of each row of CFG (rows where both are numbers, DEN > 0).
per() {
	awk -F'\t' -v c="$2" -v a="$3" -v b="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == a) x = i; if ($i == b) y = i }; next }
		$2 == c && $x ~ /^[0-9.]+$/ && $y ~ /^[0-9.]+$/ && $y > 0 { print $x / $y }' "$1"
}

# delta D A B: A - B with a sign, D decimals ("–" unless both are numbers).
delta() {
	awk -v d="$1" -v a="$2" -v b="$3" 'BEGIN {
		if (a ~ /^-?[0-9.]+$/ && b ~ /^-?[0-9.]+$/) printf("%+." d "f\n", a - b); else print "–" }'
}

throughput_table() {
	local cfg ratio lo hi hwm0 hwm errors
	hwm0=$(col "$RUNS_TSV" none hwm_kb | awk '{ print $1 / 1024 }' | median)
	echo "| configuration | req/s (median) | vs no agent (median of per-round ratios) | per-round ratio min–max | p50 ms | p99 ms | JVM CPU µs per request (vs no agent) | global safepoints/s | % of wall time in safepoints | VmHWM MB (Δ vs no agent) | Tomcat ready s | SIGTERM→exit ms | wrk errors |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for cfg in $BENCH_CONFIGS; do
		read -r lo hi <<<"$(ratios "$RUNS_TSV" "$cfg" | minmax)"
		ratio=$(ratios "$RUNS_TSV" "$cfg" | median)
		hwm=$(col "$RUNS_TSV" "$cfg" hwm_kb | awk '{ print $1 / 1024 }' | median)
		errors=$(col "$RUNS_TSV" "$cfg" errors | awk '{ s += $1 } END { print s + 0 }')
		echo "| \`$cfg\`: $(describe "$cfg") | $(mcol "$RUNS_TSV" "$cfg" rps 0) | $(fmt 3 "$ratio") | $(fmt 3 "$lo")–$(fmt 3 "$hi") | $(mcol "$RUNS_TSV" "$cfg" p50_ms 2) | $(mcol "$RUNS_TSV" "$cfg" p99_ms 2) | $(fmt 1 "$(per "$RUNS_TSV" "$cfg" cpu_s requests | awk '{ print $1 * 1e6 }' | median)") ($(fmt 3 "$(cpu_ratios "$RUNS_TSV" "$cfg" | median)")) | $(fmt 0 "$(per "$RUNS_TSV" "$cfg" sp_count life_s | median)") | $(fmt 1 "$(per "$RUNS_TSV" "$cfg" sp_ms life_s | awk '{ print $1 / 10 }' | median)") | $(fmt 0 "$hwm") ($(delta 1 "$hwm" "$hwm0")) | $(mcol "$RUNS_TSV" "$cfg" ready_s 2) | $(mcol "$RUNS_TSV" "$cfg" stop_ms 0) | $errors |"
	done
}

# Rows per sampler: jvmsnap and the Java sampler report their own rounds; JFR's samples are
# counted in the recording (each jdk.ExecutionSample is one thread's stack).
sampler_table() {
	local cfg call
	echo "| configuration | requested µs | achieved µs | governor: last stretched interval µs | rounds/s | stacks walked per round | JFR thread samples/s | µs per round | of which in the stack call µs | sampling CPU % of one CPU | deadlines missed | threads (jvmsnap: seen; Java sampler: per round) | .nps bytes |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for cfg in $BENCH_CONFIGS; do
		case "$cfg" in none | disabled) continue ;; esac
		call=$(col "$RUNS_TSV" "$cfg" call_name | grep -v '^-$' | head -1 | tr _ ' ' || true)
		echo "| \`$cfg\` | $(mcol "$RUNS_TSV" "$cfg" req_us 0) | $(mcol "$RUNS_TSV" "$cfg" ach_us 0) | $(mcol "$RUNS_TSV" "$cfg" gov_us 0) | $(fmt 0 "$(per "$RUNS_TSV" "$cfg" rounds prof_s | median)") | $(fmt 1 "$(per "$RUNS_TSV" "$cfg" walked rounds | median)") | $(fmt 0 "$(per "$RUNS_TSV" "$cfg" jfr_samples life_s | median)") | $(mcol "$RUNS_TSV" "$cfg" round_us 1) | $(mcol "$RUNS_TSV" "$cfg" call_us 1)${call:+ ($call)} | $(mcol "$RUNS_TSV" "$cfg" cpu_pct 1) | $(mcol "$RUNS_TSV" "$cfg" missed 0) | $(mcol "$RUNS_TSV" "$cfg" threads 0) | $(mcol "$RUNS_TSV" "$cfg" nps_bytes 0) |"
	done
}

startup_table() {
	local cfg m0 m lo hi
	m0=$(awk -F'\t' 'NR > 1 && $1 == "none" { print $2 }' "$STARTUP_TSV" | median)
	echo "| configuration | wall ms (median of $BENCH_STARTUP_RUNS) | Δ vs no agent ms | min–max ms |"
	echo "|---|---:|---:|---:|"
	for cfg in none disabled enabled; do
		m=$(awk -F'\t' -v c="$cfg" 'NR > 1 && $1 == c { print $2 }' "$STARTUP_TSV" | median)
		read -r lo hi <<<"$(awk -F'\t' -v c="$cfg" 'NR > 1 && $1 == c { print $2 }' "$STARTUP_TSV" | minmax)"
		echo "| $cfg | $(fmt 1 "$m") | $(delta 1 "$m" "$m0") | $(fmt 1 "$lo")–$(fmt 1 "$hi") |"
	done
}

final_table() {
	local tsv=$1 cfg
	echo "| configuration | profile s | SIGTERM→exit ms | SIGTERM→zip written ms | agent's own finalisation ms | .nps bytes | rounds | VmHWM MB | RssAnon MB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for cfg in none jvmsnap; do
		[ -n "$(col "$tsv" "$cfg" rps)" ] || continue
		echo "| \`$cfg\` | $(mcol "$tsv" "$cfg" life_s 1) | $(mcol "$tsv" "$cfg" stop_ms 1) | $(mcol "$tsv" "$cfg" zip_ms 1) | $(mcol "$tsv" "$cfg" final_ms 1) | $(mcol "$tsv" "$cfg" nps_bytes 0) | $(mcol "$tsv" "$cfg" rounds 0) | $(fmt 1 "$(col "$tsv" "$cfg" hwm_kb | awk '{ print $1 / 1024 }' | median)") | $(fmt 1 "$(col "$tsv" "$cfg" anon_kb | awk '{ print $1 / 1024 }' | median)") |"
	done
}

# The raw rows, as a Markdown table.
raw_table() {
	awk -F'\t' 'NR == 1 { h = "|"; s = "|"; for (i = 1; i <= NF; i++) { h = h " " $i " |"; s = s "---|" }
		print h; print s; next }
		{ l = "|"; for (i = 1; i <= NF; i++) l = l " " $i " |"; print l }' "$1"
}

report() {
	echo "# jvmsnap benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	machine
	echo "- Each Tomcat run: a fresh JVM (\`$BENCH_JVM_OPTS\`), private instance on 127.0.0.1 serving the examples' HelloWorld servlet, ${BENCH_WARMUP} s warm-up then ${BENCH_DURATION} s measured with \`wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS -d${BENCH_DURATION}s --latency\`; $BENCH_ROUNDS rounds, the configurations interleaved within each round in the order of the table."
	[ "$BENCH_QUICK" = 1 ] && echo "- **BENCH_QUICK=1: a smoke run; these numbers are not measurements.**"
	echo
	echo "## Throughput and latency"
	echo
	throughput_table
	echo
	echo "## What each sampler achieved"
	echo
	echo "Medians over the rounds; each profile covers the JVM's whole life (start-up, warm-up, measured load, shutdown)."
	echo
	sampler_table
	echo
	echo "## Start-up of a hello-world program"
	echo
	echo "Wall time from fork to exit of \`java -cp … Hello\`; \`enabled\` includes writing the (empty) snapshot at exit."
	echo
	startup_table
	echo
	echo "## Snapshot finalisation after a ${BENCH_FINAL_SECS} s Tomcat profile under load"
	echo
	echo "SIGTERM→zip written: the zip's modification time minus the moment the signal was sent (it includes Tomcat's own shutdown, which \`none\` shows alone)."
	echo
	final_table "$FINAL_TSV"
	echo
	echo "## Peak memory"
	echo
	echo "The heap is fixed and pre-touched (\`-Xms=-Xmx\`, \`AlwaysPreTouch\`), so the VmHWM difference from \`none\` is memory the agent (and whatever it makes the JVM do) added. NMT (\`-XX:NativeMemoryTracking\`) cannot see it: it counts only the JVM's own \`os::malloc\`, not an agent's \`malloc\`/\`mmap\`; /proc/<pid>/status VmHWM is the kernel's peak resident size of the whole process. VmHWM per configuration is in the throughput table."
	echo
	if [ "$(wc -l <"$LONG_TSV")" -gt 1 ]; then
		echo "Long run, ${BENCH_LONG_SECS} s under load:"
		echo
		final_table "$LONG_TSV"
	else
		echo "Long run not done (\`BENCH_LONG=1\` runs ${BENCH_LONG_SECS} s under load with and without the agent)."
	fi
	echo
	echo "## Per-run data"
	echo
	echo "<details><summary>throughput runs</summary>"
	echo
	raw_table "$RUNS_TSV"
	echo
	echo "</details>"
	echo
	echo "<details><summary>finalisation and long runs, start-up runs</summary>"
	echo
	raw_table "$FINAL_TSV"
	echo
	[ "$(wc -l <"$LONG_TSV")" -gt 1 ] && raw_table "$LONG_TSV" && echo
	raw_table "$STARTUP_TSV"
	echo
	echo "</details>"
}
