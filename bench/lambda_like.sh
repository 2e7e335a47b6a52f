#!/usr/bin/env bash
# A Lambda-like benchmark: one vCPU (taskset -c 0), a handler process (bench/java/Handler.java)
# with BUSY busy threads and 4 idle ones, profiled at 1 ms by jvmsnap (sampler=all, changed, and
# signal driven by the CPU timers alone, the kicker or each thread's hrtimer: signal-timer,
# signal-kicker, signal-hrtimer) and by
# async-profiler (cpu, itimer and wall modes) as a peer, against no profiler. Configurations are interleaved round by round. Prints a Markdown table per
# workload: throughput ratio to `none` (median and range over rounds), the busy threads'
# CPU time between two samples ("achieved"), the share of their CPU-ms that got a sample,
# the sampler's own CPU % (jvmsnap reports it; async-profiler does not), the JVM's CPU per
# unit of work relative to `none`, the sampler's CPU per busy-thread sample (jvmsnap: its
# counted CPU, agent thread + handlers + kicker, over the busy threads' samples), the p99 of one unit's wall time (pauses the mean hides), and
# global safepoints per second (-Xlog:safepoint, the same in every configuration). It measures;
# it never judges.
#   bash bench/lambda_like.sh [ROUNDS] [SECONDS]     (defaults 5 and 3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-5}
SECS=${2:-3}
AGENT=${BENCH_AGENT:-$ROOT/build/libjvmsnap.so}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
POST_INSTALL=()
. "$ROOT/scripts/deps.d/asprof.sh"
install_asprof
ASPROF=$ASPROF_DIR/libasyncProfiler.so
WORK=$(mktemp -d /tmp/jvmsnap-lambda-bench.XXXXXX)
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
javac -d "$WORK/cls" "$ROOT/bench/java/Handler.java"
CONFIGS=${BENCH_CONFIGS:-none all changed signal-timer signal-kicker signal-hrtimer asprof-cpu asprof-itimer asprof-wall}

# run CONFIG BUSY OUTDIR: one JVM; leaves stdout, stderr, the profile and "cpu_s" (user+sys).
run() {
	local cfg=$1 busy=$2 out=$3 opts=() envs=()
	mkdir -p "$out"
	case $cfg in
	none) ;;
	all | changed | signal*)
		# signal-timer / -kicker / -hrtimer: sampler=signal with IOPIPE_PROFILER_SIGNAL_CLOCK=timer / kicker / hrtimer
		local clock=auto
		[ "$cfg" = "${cfg#signal-}" ] || clock=${cfg#signal-}
		opts=("-agentpath:$AGENT")
		envs=(IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_DEBUG=true IOPIPE_PROFILER_SAMPLERATE=1000 IOPIPE_PROFILER_SAMPLER=${cfg%%-*}
			IOPIPE_PROFILER_SIGNAL_CLOCK=$clock
			IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap) ;;
	asprof-*)
		opts=("-agentpath:$ASPROF=start,event=${cfg#asprof-},interval=1ms,threads,collapsed,file=$out/prof.txt") ;;
	esac
	(cd "$out" && env "${envs[@]}" /usr/bin/time -f "%U %S" -o "$out/time" \
		taskset -c 0 "$JAVA" -Xlog:safepoint:file="$out/safepoints.log" "${opts[@]}" -cp "$WORK/cls" Handler "$busy" 4 "$SECS" >"$out/stdout" 2>"$out/stderr")
}

# One line of figures for a finished run:
#   ops busy_cpu_ms samples_of_busy_threads sampler_cpu_pct cpu_s p99_us safepoints_per_s us_per_sample
#   handler_us_per_signal_sample kicker_us_per_signal_sample
figures() {
	local cfg=$1 out=$2 ops cpu samples="-" pct="-" cpu_s p99 sps per="-" hk="- -"
	ops=$(awk '/^ops/ {print $2}' "$out/stdout")
	cpu=$(awk '/^busy_cpu_ms/ {print $2}' "$out/stdout")
	cpu_s=$(awk '{print $1 + $2}' "$out/time")
	p99=$(awk '/^p99_us/ {print $2}' "$out/stdout")
	# JDK 17 and 25 log one 'Safepoint "<operation>"' line per global safepoint
	sps=$(awk -v s="$SECS" '/Safepoint "/ {n++} END {printf "%.1f", n / s}' "$out/safepoints.log")
	case $cfg in
	all | changed | signal*)
		local meta
		meta=$(unzip -p "$out/snap.zip" metadata.json)
		pct=$(echo "$meta" | awk -F'[:,]' '/"sampler_cpu_percent"/ {print $2 + 0}')
		# achieved per running thread: signal measures it; changed walks every running thread each round
		local ach
		ach=$(echo "$meta" | awk -F'[:,]' '/"interval_running_us"/ {r = $2} /"interval_achieved_us"/ {a = $2}
			END {print (r > 0 ? r : a) + 0}')
		samples=$(awk -v c="$cpu" -v a="$ach" 'BEGIN {print (a > 0 ? int(c * 1000 / a) : 0)}')
		per=$(echo "$meta" | awk -F'[:,]' -v n="$samples" '/"sampler_cpu_ms"/ {printf "%.1f", (n > 0 ? $2 * 1000 / n : 0)}')
		# the signal path alone, from the debug log: handler CPU and kicker CPU per signal sample
		hk=$(awk '/signal sampler: [0-9]+ samples, / {h = $7; k = $(NF - 3); sub(/\(/, "", k)} END {print (h == "" ? "-" : h), (k == "" ? "-" : k)}' "$out/stderr") ;;
	asprof-*)
		samples=$(awk '/^\[busy-/ {n += $NF} END {print n + 0}' "$out/prof.txt" 2>/dev/null || echo 0) ;;
	esac
	echo "$ops $cpu $samples $pct $cpu_s $p99 $sps $per $hk"
}

stats() { # stats < numbers: "median (min-max)"
	sort -g | awk '{v[NR] = $1} END {if (!NR) {print "-"; exit} m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "%.3f (%.3f-%.3f)", m, v[1], v[NR]}'
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for busy in 1 2; do
	for r in $(seq 1 "$ROUNDS"); do
		for cfg in $CONFIGS; do
			out=$WORK/b$busy/r$r/$cfg
			run "$cfg" "$busy" "$out" || echo "run $cfg failed (round $r)" >&2
			echo "$cfg $r $(figures "$cfg" "$out")" >>"$WORK/b$busy.txt"
		done
	done
	echo
	echo "### taskset -c 0, $busy busy + 4 idle threads, ${SECS} s, $ROUNDS rounds, 1 ms"
	echo
	echo "| config | throughput vs none | achieved µs of CPU per sample (busy threads) | share of busy CPU-ms sampled | sampler CPU % | sampler µs per sample | handler µs per signal sample | kicker µs per signal sample | JVM CPU per op vs none | p99 µs per unit | safepoints/s |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for cfg in $CONFIGS; do
		ratio=$(awk -v c="$cfg" 'FNR == NR && $1 == "none" {n[$2] = $3; nc[$2] = $7 / ($3 ? $3 : 1); next}
			$1 == c && n[$2] {print $3 / n[$2]}' "$WORK/b$busy.txt" "$WORK/b$busy.txt" | stats)
		cpuop=$(awk -v c="$cfg" 'FNR == NR && $1 == "none" {nc[$2] = $7 / ($3 ? $3 : 1); next}
			$1 == c && nc[$2] && $3 {print ($7 / $3) / nc[$2]}' "$WORK/b$busy.txt" "$WORK/b$busy.txt" | stats)
		ach=$(awk -v c="$cfg" '$1 == c && $5 != "-" && $5 > 0 {print $4 * 1000 / $5}' "$WORK/b$busy.txt" | stats)
		share=$(awk -v c="$cfg" '$1 == c && $5 != "-" && $4 > 0 {s = $5 / $4; print (s > 1 ? 1 : s)}' "$WORK/b$busy.txt" | stats)
		pct=$(awk -v c="$cfg" '$1 == c && $6 != "-" {print $6}' "$WORK/b$busy.txt" | stats)
		p99=$(awk -v c="$cfg" '$1 == c && $8 != "" {print $8}' "$WORK/b$busy.txt" | stats)
		sps=$(awk -v c="$cfg" '$1 == c && $9 != "" {print $9}' "$WORK/b$busy.txt" | stats)
		per=$(awk -v c="$cfg" '$1 == c && $10 != "-" && $10 != "" {print $10}' "$WORK/b$busy.txt" | stats)
		hper=$(awk -v c="$cfg" '$1 == c && $11 != "-" && $11 != "" {print $11}' "$WORK/b$busy.txt" | stats)
		kper=$(awk -v c="$cfg" '$1 == c && $12 != "-" && $12 != "" {print $12}' "$WORK/b$busy.txt" | stats)
		echo "| $cfg | $ratio | $ach | $share | $pct | $per | $hper | $kper | $cpuop | $p99 | $sps |"
	done
done
echo
echo "load average at the start: $LOAD0"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
