#!/usr/bin/env bash
# Statistics costs (issue 3), printed, never judged:
#  - one stats column in a JVM with ~50 threads (best and median of 5 batches of 100 warm
#    columns), with and without per-thread user time;
#  - start-up: opening a collector and taking the first column (ms), and the classes that
#    loads (all; java.lang.management.* exactly; every management-related one, i.e. also
#    sun.management, com.sun.management, javax.management, jdk.management), on the JMM path
#    and the MXBean fallback, against the same JVM doing nothing.
# Uses the JNI probe of tests/integration/20_stats.sh (build/tests/libstatsprobe.so).
#   bash bench/stats.sh            (JAVA_HOME: the JDK to measure; default: the one javac is from)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
make -C "$ROOT" --no-print-directory BUILD="$BUILD" java-tests >/dev/null
PROBE=$ROOT/$BUILD/tests/libstatsprobe.so
CP=$ROOT/$BUILD/tests/java
J=$JAVA_HOME/bin/java
echo "JDK: $("$J" -version 2>&1 | sed -n 2p)"

echo "== one column (JMM path)"
"$J" -Dstatsprobe.lib="$PROBE" -cp "$CP" StatsProbe check --cost --csv /dev/null 2>/dev/null | sed -n 's/^# cost: /  /p'

startup() { # startup ARGS...: classes loaded between the probe's marks, then its timing line
	local counts timing
	counts=$("$J" -Xlog:class+load -Dstatsprobe.lib="$PROBE" -cp "$CP" StatsProbe startup "$@" 2>/dev/null |
		awk '/^# mark: open/ {on = 1; next} /^# mark: done/ {on = 0}
			on && /class,load/ {n++; if ($2 ~ /^java\.lang\.management\./) j++; if ($2 ~ /management/) m++}
			END {printf "%d classes (%d java.lang.management.*, %d management-related)", n, j, m}')
	timing=$("$J" -Dstatsprobe.lib="$PROBE" -cp "$CP" StatsProbe startup "$@" 2>/dev/null | sed -n 's/^# startup: //p')
	echo "$counts; $timing"
}
echo "== start-up: open a collector + first column"
echo "  JMM path:        $(startup)"
echo "  MXBean fallback: $(startup --fallback)"
