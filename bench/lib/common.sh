# bench/lib/common.sh — logging, the packages the benchmark needs, process ownership and
# small statistics helpers. Sourced by bench/run.sh.

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

# Microseconds since the epoch, without a fork: t=${EPOCHREALTIME/./} (bash >= 5).
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench: bash >= 5 is needed (EPOCHREALTIME)" >&2; exit 1; }

# Installs tomcat10, tomcat10-examples, wrk and curl when one is missing; does nothing (not
# even apt-get update) when all are present. A policy-rc.d that exits 101 keeps the package
# from starting the system Tomcat (0.0.0.0:8080): an existing one is kept, a missing one is
# created for the install and removed afterwards.
bench_install() {
	local p missing=()
	for p in tomcat10 tomcat10-examples wrk curl unzip; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	local sudo="" made_policy=0
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
		$sudo chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	local rc=0
	{
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq &&
			$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install \
				-y -qq --no-install-recommends "${missing[@]}"
	} >"${TMPDIR:-/tmp}/jvmsnap-bench-apt.log" 2>&1 || rc=$?
	[ "$made_policy" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
	[ "$rc" = 0 ] || die "apt-get failed (log: ${TMPDIR:-/tmp}/jvmsnap-bench-apt.log)"
}

# Every process the harness starts is registered here and stopped by bench_cleanup.
# A pid leaves the list once it has been waited for, so a recycled pid is never signalled.
OWNED_PIDS=()
own() { OWNED_PIDS+=("$1"); }
unown() {
	local p keep=()
	for p in "${OWNED_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	OWNED_PIDS=("${keep[@]}")
}

bench_cleanup() {
	set +e # runs on exit, errors included: every step must happen
	local pid i
	for pid in "${OWNED_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${OWNED_PIDS[@]}"; do
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	OWNED_PIDS=()
	if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ]; then
			say "kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
}

# Waits for one of our children to exit, without a fixed sleep: polls its state every 2 ms
# (an exited child stays a zombie until waited for, so `kill -0` would not see it go).
# Kills it after $2 seconds. Prints nothing; returns the child's status.
wait_exit() {
	local pid=$1 limit_us=$((${EPOCHREALTIME/./} + ${2:-60} * 1000000)) st _
	while :; do
		st=""
		read -r _ _ st _ 2>/dev/null <"/proc/$pid/stat"
		case "$st" in "" | Z | X) break ;; esac
		if [ "${EPOCHREALTIME/./}" -gt "$limit_us" ]; then
			say "pid $pid did not exit in ${2:-60} s; killing it"
			kill -KILL "$pid" 2>/dev/null
		fi
		sleep 0.002
	done
	wait "$pid" 2>/dev/null
}

# Statistics over the numbers on stdin (one per line; anything not numeric is ignored).
# Empty input prints "–".
median() {
	awk '$1 ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ { print $1 }' | sort -g |
		awk '{ a[NR] = $1 } END {
			if (NR == 0) { print "–"; exit }
			if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
minmax() {
	awk '$1 ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ { print $1 }' | sort -g |
		awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s %s\n", lo, hi; else print "– –" }'
}

# fmt DECIMALS VALUE: VALUE rounded, or "–" when it is not a number.
fmt() {
	awk -v d="$1" -v v="$2" 'BEGIN {
		if (v ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) printf("%." d "f\n", v); else print "–" }'
}
