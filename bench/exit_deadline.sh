#!/usr/bin/env bash
# What the last snapshot of a large profile costs at JVM exit (issue 14.2): ManyPaths (2
# threads, each sample a new 400-frame path) at 100 us with a 100 % overhead budget, for
# SECONDS (default 30) at the default memory cap and for SECONDS*1.5 at memory=1024, each
# with the real exit deadline and with the whole tree's deadline forced past
# (JVMSNAP_TEST_EXIT_WHOLE_MS=0, the path a machine too slow for the 200,000-node write
# takes). Prints, per run: exit time (the program's last line to the process's end), zip
# size, tree_cut from metadata.json, the "written in" time and peak RSS (GNU time). Numbers
# only, never judged (docs/reliability.md quotes them).
#   bash bench/exit_deadline.sh [SECONDS]     (JAVA_HOME: the JDK; default JDK 17)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
SECONDS_RUN=${1:-30}
make -C "$ROOT" --no-print-directory BUILD="$BUILD" all java-tests >/dev/null
AGENT=$ROOT/$BUILD/libjvmsnap.so
CP=$ROOT/$BUILD/tests/java
WORK=$(mktemp -d /tmp/jvmsnap-exitbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p); load average: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$ROOT" rev-parse --short HEAD)"

# one NAME SECONDS [VAR=VALUE...]
one() {
	local name=$1 secs=$2 dir=$WORK/$1
	shift 2
	mkdir -p "$dir"
	(cd "$dir" && env -u JAVA_TOOL_OPTIONS IOPIPE_PROFILER_ENABLED=true IOPIPE_PROFILER_LOCAL_DUMP_PATH="$dir/" \
		IOPIPE_PROFILER_ALTERNATIVE_PREFIX=snap IOPIPE_PROFILER_SAMPLERATE=100 IOPIPE_PROFILER_OVERHEAD=100% "$@" \
		/usr/bin/time -f '%M' -o "$dir/rss" timeout -s KILL 300 "$JAVA_HOME/bin/java" -agentpath:"$AGENT" -cp "$CP" \
		ManyPaths $((secs * 1000)) 2 400 2>"$dir/stderr" |
		while IFS= read -r l; do echo "$(date +%s%N) $l"; done >"$dir/stdout"
		date +%s%N >"$dir/end")
	local done_ns exit_ms size cut written rss
	done_ns=$(awk '$2 == "done" {print $1}' "$dir/stdout")
	exit_ms=$([ -n "$done_ns" ] && echo $((($(cat "$dir/end") - done_ns) / 1000000)) || echo "?")
	size=$(stat -c %s "$dir/snap.zip" 2>/dev/null || echo "no zip")
	cut=$(unzip -p "$dir/snap.zip" metadata.json 2>/dev/null | grep -o '"tree_cut": [^}]*}\{0,1\}' | sed 's/"tree_cut": //')
	written=$(sed -n 's/^jvmsnap: info: snapshot written to .* in \([0-9.]*\) ms$/\1/p' "$dir/stderr")
	rss=$(awk '{printf "%.0f", $1 / 1024}' "$dir/rss" 2>/dev/null | tail -n 1)
	echo "$name: exit ${exit_ms} ms after the last line; zip ${size} bytes; written in ${written:-?} ms; peak RSS ${rss:-?} MB; tree_cut ${cut:-?}"
	grep -E '^jvmsnap: (warning|error)' "$dir/stderr" | sed "s/^/  $name: /"
}

one "default cap, ${SECONDS_RUN} s" "$SECONDS_RUN"
one "default cap, ${SECONDS_RUN} s, whole-tree deadline past" "$SECONDS_RUN" JVMSNAP_TEST_EXIT_WHOLE_MS=0
big=$((SECONDS_RUN * 3 / 2))
one "memory=1024, ${big} s" "$big" IOPIPE_PROFILER_MEMORY_MB=1024
one "memory=1024, ${big} s, whole-tree deadline past" "$big" IOPIPE_PROFILER_MEMORY_MB=1024 JVMSNAP_TEST_EXIT_WHOLE_MS=0
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
