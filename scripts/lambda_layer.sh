#!/usr/bin/env bash
# Packs one of jvmsnap's Lambda layers (see docs/lambda.md; `make layer` builds both):
#   lambda_layer.sh ARCH LOADER OUT_ZIP
#     ARCH is x86_64 or arm64. The zip holds lib/libjvmsnap.so (LOADER, the library the
#     JVM loads), lib/libjvmsnap-agent.so and lib/libjvmsnap-net.so (found beside LOADER)
#     and bin/jvmsnap-wrapper for AWS_LAMBDA_EXEC_WRAPPER; nothing else. Fails, writing
#     nothing, unless every library passes --check for ARCH.
#   lambda_layer.sh --check ARCH FILE...
#     each FILE is an ELF for ARCH, needs no glibc symbol version newer than
#     JVMSNAP_MAX_GLIBC (default 2.26: Amazon Linux 2, the oldest glibc of Lambda's Java
#     runtimes), needs no library but glibc's, and exports only its entry points.
#   lambda_layer.sh --check-glibc FILE...
#     only the glibc version check.
set -euo pipefail
MAX_GLIBC=${JVMSNAP_MAX_GLIBC:-2.26}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# glibc's own libraries and loaders: every Lambda image has them, the layer needs no other.
is_glibc() { [[ $1 =~ ^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$ ]]; }

# What each library may export: the JVMTI entry points of the loader, the two functions the
# loader finds with dlsym in the agent, the net half's one table.
allowed_exports() {
	case "$1" in
	libjvmsnap.so) echo "Agent_OnLoad Agent_OnAttach Agent_OnUnload" ;;
	libjvmsnap-agent.so) echo "jvmsnap_agent_load jvmsnap_agent_unload" ;;
	libjvmsnap-net.so) echo "jvmsnap_net_api" ;;
	*) echo "" ;;
	esac
}

machine_of() { # the readelf Machine name for ARCH
	case "$1" in
	x86_64) echo "Advanced Micro Devices X86-64" ;;
	arm64) echo "AArch64" ;;
	*) echo "lambda layer: unknown architecture $1 (x86_64 or arm64)" >&2; return 1 ;;
	esac
}

newer_than_max() { [ "$1" != "$MAX_GLIBC" ] && [ "$(printf '%s\n%s\n' "$MAX_GLIBC" "$1" | sort -V | tail -n 1)" = "$1" ]; }

# check_glibc FILE...: prints each file's too-new GLIBC_ versions and the symbols using them.
check_glibc() {
	local f v bad=0 syms
	for f in "$@"; do
		if ! readelf -h "$f" >/dev/null 2>&1; then
			echo "lambda layer: $f is not an ELF file" >&2
			bad=1
			continue
		fi
		for v in $(readelf -V -W "$f" | grep -o 'Name: GLIBC_[0-9.]*' | sed 's/Name: GLIBC_//' | sort -uV); do
			newer_than_max "$v" || continue
			syms=$(readelf --dyn-syms -W "$f" | awk -v v="@GLIBC_$v" 'index($8, v) {sub(/@.*/, "", $8); print $8}' | sort -u | tr '\n' ' ')
			echo "lambda layer: $(basename "$f") needs GLIBC_$v, newer than the target's glibc $MAX_GLIBC: ${syms:-?}" >&2
			bad=1
		done
	done
	return $bad
}

# defined_exports FILE: the global and weak symbols FILE defines in its dynamic table.
defined_exports() {
	readelf --dyn-syms -W "$1" | awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && $4 != "SECTION" && $8 != "" {sub(/@.*/, "", $8); print $8}' | sort -u
}

# check_all ARCH FILE...: machine, glibc ceiling, NEEDED, exports.
check_all() {
	local arch=$1 f n s want bad=0 allowed
	shift
	want=$(machine_of "$arch") || return 1
	check_glibc "$@" || bad=1
	for f in "$@"; do
		readelf -h "$f" >/dev/null 2>&1 || continue # reported above
		readelf -h "$f" | grep -q "Machine: *$want\$" ||
			{ echo "lambda layer: $(basename "$f") is not an $arch ELF: $(readelf -h "$f" | sed -n 's/.*Machine: *//p')" >&2; bad=1; }
		for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			is_glibc "$n" || { echo "lambda layer: $(basename "$f") needs $n, which is not glibc's" >&2; bad=1; }
		done
		allowed=$(allowed_exports "$(basename "$f")")
		for s in $(defined_exports "$f"); do
			[[ " $allowed " == *" $s "* ]] || { echo "lambda layer: $(basename "$f") exports $s (only: ${allowed:-nothing})" >&2; bad=1; }
		done
	done
	return $bad
}

case "${1:-}" in
--check-glibc)
	shift
	check_glibc "$@"
	exit
	;;
--check)
	shift
	check_all "$@"
	exit
	;;
esac
[ $# -eq 3 ] || { echo "usage: $0 ARCH LOADER OUT_ZIP | --check ARCH FILE... | --check-glibc FILE..." >&2; exit 2; }
ARCH=$1
LOADER=$2
OUT=$3
command -v zip >/dev/null || { echo "lambda layer: zip is missing (make deps)" >&2; exit 1; }
DIR=$(dirname "$LOADER")
LIBS=("$LOADER" "$DIR/libjvmsnap-agent.so" "$DIR/libjvmsnap-net.so")
for f in "${LIBS[@]}"; do
	[ -f "$f" ] || { echo "lambda layer: no $f" >&2; exit 1; }
done

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/lib" "$STAGE/bin"
install -m 0755 "$LOADER" "$STAGE/lib/libjvmsnap.so"
install -m 0755 "$DIR/libjvmsnap-agent.so" "$STAGE/lib/libjvmsnap-agent.so"
install -m 0755 "$DIR/libjvmsnap-net.so" "$STAGE/lib/libjvmsnap-net.so"
check_all "$ARCH" "$STAGE"/lib/* || { echo "lambda layer: $OUT not built" >&2; exit 1; }
install -m 0755 "$ROOT/scripts/lambda_wrapper.sh" "$STAGE/bin/jvmsnap-wrapper"

# Reproducible: fixed times, sorted names, no extra attributes.
find "$STAGE" -exec touch -h -d '2020-01-01 00:00:00 UTC' {} +
mkdir -p "$(dirname "$OUT")"
OUT_ABS=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
rm -f "$OUT_ABS.tmp"
(cd "$STAGE" && find bin lib -type f | LC_ALL=C sort | zip -q -9 -X -@ "$OUT_ABS.tmp")
mv "$OUT_ABS.tmp" "$OUT_ABS"
echo "lambda layer: $OUT ($(du -k "$OUT_ABS" | cut -f1) KiB, $ARCH, glibc <= $MAX_GLIBC)"
