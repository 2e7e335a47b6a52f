#!/usr/bin/env bash
# bench/run.sh — what jvmsnap costs a real server, next to no agent, JFR and a Java-level
# sampler (issue 6). `make bench` builds the agent and runs this; bench/README.md explains
# the method and every BENCH_* knob. Prints a Markdown report and writes it to
# bench/results/<date>.md. Never judges the numbers: it only measures and prints them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/common.sh"
. "$ROOT/bench/lib/tomcat.sh"
. "$ROOT/bench/lib/parse.sh"
. "$ROOT/bench/lib/report.sh"

# ---- settings --------------------------------------------------------------------------
BENCH_QUICK=${BENCH_QUICK:-0}
BENCH_LONG=${BENCH_LONG:-0}
if [ "$BENCH_QUICK" = 1 ]; then
	d_rounds=2 d_duration=3 d_warmup=2 d_startup=3 d_final=5
else
	d_rounds=3 d_duration=20 d_warmup=10 d_startup=15 d_final=60
fi
BENCH_ROUNDS=${BENCH_ROUNDS:-$d_rounds}
BENCH_DURATION=${BENCH_DURATION:-$d_duration}
BENCH_WARMUP=${BENCH_WARMUP:-$d_warmup}
BENCH_STARTUP_RUNS=${BENCH_STARTUP_RUNS:-$d_startup}
BENCH_FINAL_SECS=${BENCH_FINAL_SECS:-$d_final}
BENCH_LONG_SECS=${BENCH_LONG_SECS:-600}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_HEAP=${BENCH_HEAP:-512m}
BENCH_CONFIGS=${BENCH_CONFIGS:-none disabled jvmsnap jvmsnap-10ms jfr-1ms jfr-10ms iopipe-1ms}
BENCH_OUT=${BENCH_OUT:-$ROOT/bench/results}
# A fixed, pre-touched heap: the Java heap's resident size is then the same in every
# configuration, so resident-memory differences are the agents' own (native) memory.
BENCH_JVM_OPTS="-Xms$BENCH_HEAP -Xmx$BENCH_HEAP -XX:+UseG1GC -XX:+AlwaysPreTouch"

for n in BENCH_ROUNDS BENCH_DURATION BENCH_WARMUP BENCH_STARTUP_RUNS BENCH_FINAL_SECS \
	BENCH_LONG_SECS BENCH_CONNECTIONS BENCH_THREADS; do
	[[ ${!n} =~ ^[0-9]+$ ]] || die "$n='${!n}' is not a whole number"
done
if [ "$BENCH_ROUNDS" -lt 1 ] || [ "$BENCH_DURATION" -lt 1 ]; then
	die "BENCH_ROUNDS and BENCH_DURATION must be >= 1"
fi

if [ -z "${JAVA_HOME:-}" ]; then
	JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")") ||
		die "no JDK: install openjdk-17-jdk-headless (make deps) or set JAVA_HOME"
fi
export JAVA_HOME
BENCH_AGENT=${BENCH_AGENT:-$ROOT/${BUILD:-build}/libjvmsnap.so}
[ -f "$BENCH_AGENT" ] || die "$BENCH_AGENT not found: run make (or make bench)"
BENCH_AGENT=$(readlink -f "$BENCH_AGENT")

# The exact command, for the report: the knobs that were set, then how it was started.
BENCH_COMMAND=""
for v in $(compgen -v BENCH_ | sort); do
	case "$v" in BENCH_AGENT | BENCH_JVM_OPTS | BENCH_COMMAND) continue ;; esac
	[ -n "$(printenv "$v" 2>/dev/null)" ] && BENCH_COMMAND+="$v=$(printf '%q' "$(printenv "$v")") "
done
if [ -n "${MAKELEVEL:-}" ]; then BENCH_COMMAND+="make bench"; else BENCH_COMMAND+="bench/run.sh"; fi

# Only the configurations set their own agent variables.
for v in $(compgen -v IOPIPE_PROFILER_ || true); do unset "$v"; done
unset JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS

CLK_TCK=$(getconf CLK_TCK)

# ---- preparation -----------------------------------------------------------------------
bench_install
command -v wrk >/dev/null || die "wrk missing after install"

WORK=$(mktemp -d /tmp/jvmsnap-bench.XXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
[[ "$WORK$BENCH_AGENT" != *" "* ]] || die "paths with spaces are not supported (catalina.sh)"

PORT=${BENCH_PORT:-$(free_port)}
URL="http://127.0.0.1:$PORT/examples/servlets/servlet/HelloWorldExample"
BASE=$WORK/tomcat
tomcat_create "$BASE" "$PORT"

mkdir -p "$WORK/classes/hello" "$WORK/classes/iopipe" "$WORK/runs" "$WORK/startup"
"$JAVA_HOME/bin/javac" -encoding UTF-8 -d "$WORK/classes/hello" "$ROOT/bench/java/Hello.java"
"$JAVA_HOME/bin/javac" -encoding UTF-8 -d "$WORK/classes/iopipe" \
	"$ROOT/bench/iopipe-style/IopipeStyleSampler.java"
"$JAVA_HOME/bin/jar" cfm "$WORK/iopipe-style.jar" "$ROOT/bench/iopipe-style/MANIFEST.MF" \
	-C "$WORK/classes/iopipe" .

# jfr_settings DURATION: a copy of the JDK's default.jfc with jdk.ExecutionSample's period
# set to DURATION (1ms, 10ms, ...), what a user would do; prints the file's path.
jfr_settings() {
	local f=$WORK/jfr-$1.jfc period
	period=$(sed -E 's/^([0-9]+)(ns|us|ms|s)$/\1 \2/' <<<"$1")
	awk -v p="$period" '
		/<event name="jdk.ExecutionSample">/ { inside = 1 }
		inside && /<setting name="period"/ { sub(/>[^<]*</, ">" p "<"); inside = 0 }
		{ print }' "$JAVA_HOME/lib/jfr/default.jfc" >"$f"
	grep -q ">$period<" "$f" || die "could not set jdk.ExecutionSample#period in $f"
	echo "$f"
}

# config NAME DIR TAG: sets CFG_OPTS (JVM options) and CFG_ENV (VAR=VALUE words) for one
# configuration; output files go to DIR, named after TAG.
config() {
	local name=$1 dir=$2 tag=$3
	CFG_OPTS="" CFG_ENV=()
	case "$name" in
	none) ;;
	disabled) CFG_OPTS="-agentpath:$BENCH_AGENT" ;;
	jvmsnap | jvmsnap-*)
		CFG_ENV=(IOPIPE_PROFILER_ENABLED=true)
		CFG_OPTS="-agentpath:$BENCH_AGENT=debug=true,file=$dir/,prefix=$tag"
		[ "$name" = jvmsnap ] || CFG_OPTS+=",samplerate=${name#jvmsnap-}"
		;;
	jfr-*)
		CFG_OPTS="-XX:StartFlightRecording=settings=$(jfr_settings "${name#jfr-}"),filename=$dir/$tag.jfr"
		;;
	iopipe-all-*) CFG_OPTS="-javaagent:$WORK/iopipe-style.jar=interval=${name#iopipe-all-},mode=all" ;;
	iopipe-*) CFG_OPTS="-javaagent:$WORK/iopipe-style.jar=interval=${name#iopipe-},mode=thread" ;;
	*) die "unknown configuration '$name' (known: none disabled jvmsnap jvmsnap-<t> jfr-<t> iopipe-<t> iopipe-all-<t>)" ;;
	esac
}

RUNS_TSV=$WORK/runs.tsv
RUN_COLS="round cfg ready_s life_s rps p50_ms p99_ms errors requests cpu_s hwm_kb rss_kb anon_kb stop_ms zip_ms nps_bytes prof_s rounds req_us ach_us cpu_pct round_us call_name call_us missed threads walked gov_us final_ms jfr_samples sp_count sp_ms sp_sync_ms"

# tomcat_run TSV ROUND CFG WARMUP_S LOAD_S: one fresh Tomcat JVM in configuration CFG:
# warm-up, measured load, memory, stop; appends one row to TSV.
tomcat_run() {
	local tsv=$1 round=$2 cfg=$3 warmup=$4 secs=$5
	local tag="$cfg-r$round" dir
	dir=$WORK/runs/$(basename "$tsv" .tsv)-$tag
	mkdir -p "$dir"
	config "$cfg" "$dir" "$tag"
	local t0=${EPOCHREALTIME/./}
	tomcat_start "$BASE" "$dir/tomcat.log" "$CFG_OPTS" "${CFG_ENV[@]}"
	[ "$warmup" -gt 0 ] && load "$warmup" "$dir/warmup.txt"
	local ticks0 ticks1 cpu_s
	ticks0=$(tomcat_cpu_ticks)
	load "$secs" "$dir/wrk.txt"
	ticks1=$(tomcat_cpu_ticks)
	cpu_s=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$CLK_TCK" 'BEGIN {
		if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) printf "%.2f", (b - a) / hz; else print "-" }')
	local mem sp
	mem=$(tomcat_memory)
	sp=$(tomcat_safepoints)
	tomcat_stop
	local life_s zip_ms="-" zip=$dir/$tag.zip
	life_s=$(awk -v d=$((STOP_SENT_US - t0)) 'BEGIN { printf "%.2f", d / 1e6 }')
	if [ -f "$zip" ]; then
		zip_ms=$(awk -v m="$(stat -c %.6Y "$zip")" -v s="$STOP_SENT_US" \
			'BEGIN { printf "%.1f", (m * 1e6 - s) / 1e3 }')
	fi
	local tag_sampler=jvmsnap
	case "$cfg" in iopipe-*) tag_sampler=iopipe-style ;; esac
	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$round" "$cfg" "$TOMCAT_READY_S" "$life_s" \
		"$(parse_wrk "$dir/wrk.txt")" "$cpu_s" "$mem" "$STOP_MS" "$zip_ms" "$(nps_size "$zip")" \
		"$(parse_sampler "$tag_sampler" "$dir/tomcat.log")" "$(jfr_samples "$dir/$tag.jfr")" "$sp" |
		tr ' ' '\t' >>"$tsv"
	local row
	row=$(tail -1 "$tsv")
	say "$(awk -F'\t' '{ printf "round %s %-14s %9s req/s  p99 %6s ms  JVM CPU %s s  VmHWM %s kB  stop %s ms", $1, $2, $5, $7, $10, $11, $14 }' <<<"$row")"
}

# ---- 1. start-up of a hello world ------------------------------------------------------
STARTUP_TSV=$WORK/startup.tsv
echo "cfg ms" | tr ' ' '\t' >"$STARTUP_TSV"
say "start-up: $BENCH_STARTUP_RUNS runs each of none / disabled / enabled (after one unmeasured run)"
for ((i = 0; i <= BENCH_STARTUP_RUNS; i++)); do
	for cfg in none disabled enabled; do
		env_add=() opts=()
		case "$cfg" in
		disabled) opts=("-agentpath:$BENCH_AGENT") ;;
		enabled)
			env_add=(IOPIPE_PROFILER_ENABLED=true)
			opts=("-agentpath:$BENCH_AGENT=file=$WORK/startup/,prefix=hello")
			;;
		esac
		t0=${EPOCHREALTIME/./}
		env "${env_add[@]}" "$JAVA_HOME/bin/java" "${opts[@]}" -cp "$WORK/classes/hello" Hello \
			>/dev/null 2>>"$WORK/startup/stderr.log"
		t1=${EPOCHREALTIME/./}
		[ "$i" -gt 0 ] && printf '%s\t%s\n' "$cfg" "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e3 }')" >>"$STARTUP_TSV"
	done
done

# ---- 2. throughput, configurations interleaved round by round ---------------------------
echo "$RUN_COLS" | tr ' ' '\t' >"$RUNS_TSV"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "throughput: $BENCH_ROUNDS rounds of [$BENCH_CONFIGS], ${BENCH_WARMUP} s warm-up + ${BENCH_DURATION} s each, $URL"
for ((r = 1; r <= BENCH_ROUNDS; r++)); do
	for cfg in $BENCH_CONFIGS; do
		tomcat_run "$RUNS_TSV" "$r" "$cfg" "$BENCH_WARMUP" "$BENCH_DURATION"
	done
done

# ---- 3. finalisation after a long profile ----------------------------------------------
FINAL_TSV=$WORK/final.tsv
echo "$RUN_COLS" | tr ' ' '\t' >"$FINAL_TSV"
say "finalisation: ${BENCH_FINAL_SECS} s Tomcat profile under load, then SIGTERM (none, jvmsnap)"
for cfg in none jvmsnap; do
	tomcat_run "$FINAL_TSV" 1 "$cfg" 0 "$BENCH_FINAL_SECS"
done

# ---- 4. peak memory over a long run (BENCH_LONG=1) ---------------------------------------
LONG_TSV=$WORK/long.tsv
echo "$RUN_COLS" | tr ' ' '\t' >"$LONG_TSV"
if [ "$BENCH_LONG" = 1 ]; then
	say "long run: ${BENCH_LONG_SECS} s under load each (none, jvmsnap)"
	for cfg in none jvmsnap; do
		tomcat_run "$LONG_TSV" 1 "$cfg" 0 "$BENCH_LONG_SECS"
	done
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ----------------------------------------------------------------------------
mkdir -p "$BENCH_OUT"
stamp=$(date -u +%Y-%m-%d_%H%M%S)
[ "$BENCH_QUICK" = 1 ] && stamp+="-quick"
REPORT=$BENCH_OUT/$stamp.md
report >"$REPORT"
cat "$REPORT"
say "report written to $REPORT"
