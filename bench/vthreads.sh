#!/usr/bin/env bash
# What virtual-thread support costs (issue 16), on Temurin 25: bench/java/VthreadYield.java
# (virtual threads that do nothing but yield, so each yield is one unmount and one mount)
# with no agent, with the agent loaded but sampling only once a minute (`idle`: it never
# walks a virtual thread, so it never takes can_support_virtual_threads), and with each
# sampler at 1 ms (`changed` and `all` take the capability at the first virtual thread they
# walk, and so pay the JVM's JVMTI mount path from then on).
# Configurations interleaved round by round; per configuration the median (and range) of
# the wall and process-CPU ns per yield, and the sampler's own CPU % from metadata.json.
# It measures; it never judges.
#   bash bench/vthreads.sh [ROUNDS] [THREADS] [YIELDS]     (defaults 5, 200, 5000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-5}
THREADS=${2:-200}
YIELDS=${3:-5000}
AGENT=${BENCH_AGENT:-$ROOT/build/libjvmsnap.so}
JDK=${BENCH_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
WORK=$(mktemp -d /tmp/jvmsnap-vt-bench.XXXXXX)
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
"$JDK/bin/javac" -d "$WORK/cls" "$ROOT/bench/java/VthreadYield.java"
CONFIGS=${BENCH_CONFIGS:-none idle changed all signal}

run() { # run CONFIG OUTDIR
	local cfg=$1 out=$2 opts=() envs=()
	mkdir -p "$out"
	case $cfg in
	none) ;;
	idle) opts=("-agentpath:$AGENT"); envs=(IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_SAMPLERATE=60s) ;;
	*) opts=("-agentpath:$AGENT"); envs=(IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_SAMPLERATE=1000 IOPIPE_PROFILER_SAMPLER=$cfg) ;;
	esac
	(cd "$out" && env "${envs[@]}" IOPIPE_PROFILER_LOCAL_DUMP_PATH="$out/" IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap \
		"$JDK/bin/java" "${opts[@]}" -cp "$WORK/cls" VthreadYield "$THREADS" "$YIELDS" >"$out/stdout" 2>"$out/stderr")
	awk '/^yields/ {y = $2} /^wall_ns/ {w = $2} /^cpu_ns/ {c = $2} END {printf "%.1f %.1f", w / y, c / y}' "$out/stdout"
	if [ -f "$out/snap.zip" ] && [ "$cfg" != idle ]; then
		unzip -p "$out/snap.zip" metadata.json | awk -F'[:,]' '/"sampler_cpu_percent"/ {printf " %s", $2 + 0}'
	fi
	echo
}

for r in $(seq "$ROUNDS"); do
	for cfg in $CONFIGS; do
		echo "$cfg $(run "$cfg" "$WORK/$r-$cfg")" >>"$WORK/figures"
	done
done

med() { sort -n | awk '{v[NR] = $1} END {if (NR) printf "%.1f (%.1f–%.1f)", v[int((NR + 1) / 2)], v[1], v[NR]; else printf "-"}'; }
echo "| $THREADS virtual threads x $YIELDS yields, $ROUNDS rounds | wall ns per yield | process CPU ns per yield | sampler CPU % |"
echo "|---|---|---|---|"
for cfg in $CONFIGS; do
	w=$(awk -v c="$cfg" '$1 == c {print $2}' "$WORK/figures" | med)
	p=$(awk -v c="$cfg" '$1 == c {print $3}' "$WORK/figures" | med)
	s=$(awk -v c="$cfg" '$1 == c && NF > 3 {print $4}' "$WORK/figures" | med)
	echo "| $cfg | $w | $p | $s |"
done
