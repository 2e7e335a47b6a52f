# Shared helpers for integration scripts (sourced, not run). Each script counts its
# checks with `check` and ends with `finish`, which prints "N passed, N failed".
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AGENT=$ROOT/$BUILD/libjvmsnap.so
# `make test` exports these; a script run by hand finds them the same way the Makefile does.
if [ -z "${JAVA_HOME:-}" ]; then
	JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
VV_MOD=/usr/share/visualvm/visualvm/modules
: "${VV_CP:=$VV_MOD/org-graalvm-visualvm-lib-profiler.jar:$VV_MOD/org-graalvm-visualvm-lib-jfluid.jar:$VV_MOD/org-graalvm-visualvm-lib-common.jar:/usr/share/java/org-openide-util.jar:/usr/share/java/org-openide-util-lookup.jar}"
export JAVA_HOME VV_CP
JAVA_TESTS=$ROOT/$BUILD/tests/java
_passed=0
_failed=0

ok() { _passed=$((_passed + 1)); echo "ok - $*"; }
not_ok() { _failed=$((_failed + 1)); echo "not ok - $*"; }

# check "description" command args...: passes when the command exits 0.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
	echo "$_passed passed, $_failed failed"
	[ "$_failed" -eq 0 ]
}

# Every JDK to test with: the one the build uses, plus any other under /usr/lib/jvm.
all_jdks() {
	local seen="" real j
	for j in "$JAVA_HOME" /usr/lib/jvm/*; do
		[ -x "$j/bin/java" ] || continue
		real=$(readlink -f "$j")
		case " $seen " in *" $real "*) continue ;; esac
		seen="$seen $real"
		echo "$real"
	done
}

# Runs VisualVM's own loader over a .nps (or a zip holding one) and prints its summary.
nps_check() {
	"$JAVA_HOME/bin/java" -cp "$VV_CP:$JAVA_TESTS" NpsCheck "$@"
}
