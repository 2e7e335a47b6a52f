#!/usr/bin/env bash
# Builds jvmsnap's Lambda layer (see docs/lambda.md):
#   lambda_layer.sh AGENT OUT_ZIP
#     lib/libjvmsnap.so (the loader), lib/libjvmsnap-agent.so (the agent) and
#     lib/libjvmsnap-net.so (its S3 and Lambda half), both found beside AGENT,
#     plus every shared library they need except glibc's own (the one thing
#     Lambda's Amazon Linux 2023 is sure to have), each with RPATH $ORIGIN, and
#     bin/jvmsnap-wrapper for AWS_LAMBDA_EXEC_WRAPPER. Fails, writing nothing, when a file
#     needs a glibc symbol version newer than Amazon Linux 2023's glibc 2.34.
#   lambda_layer.sh --check-glibc FILE...
#     only that check.
set -euo pipefail
MAX_GLIBC=${JVMSNAP_MAX_GLIBC:-2.34} # Amazon Linux 2023; 2.26 for Amazon Linux 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# glibc and the loader: provided by the system, never bundled.
is_glibc() {
	[[ $1 =~ ^(linux-vdso\.so|ld-linux|libc\.so|libm\.so|libmvec\.so|libpthread\.so|libdl\.so|librt\.so|libresolv\.so|libutil\.so|libanl\.so|libBrokenLocale\.so|libthread_db\.so|libnss_[a-z0-9]+\.so) ]]
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

if [ "${1:-}" = "--check-glibc" ]; then
	shift
	check_glibc "$@"
	exit
fi
[ $# -eq 2 ] || { echo "usage: $0 AGENT OUT_ZIP | --check-glibc FILE..." >&2; exit 2; }
AGENT=$1
OUT=$2
for tool in readelf ldd patchelf zip; do
	command -v "$tool" >/dev/null || { echo "lambda layer: $tool is missing (make deps)" >&2; exit 1; }
done
IMPL=$(dirname "$AGENT")/libjvmsnap-agent.so
NET=$(dirname "$AGENT")/libjvmsnap-net.so
[ -f "$AGENT" ] || { echo "lambda layer: no agent at $AGENT" >&2; exit 1; }
[ -f "$IMPL" ] || { echo "lambda layer: no $IMPL beside the loader" >&2; exit 1; }
[ -f "$NET" ] || { echo "lambda layer: no $NET beside the loader" >&2; exit 1; }

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/lib" "$STAGE/bin"
cp "$AGENT" "$STAGE/lib/libjvmsnap.so"
cp "$IMPL" "$STAGE/lib/libjvmsnap-agent.so"
cp "$NET" "$STAGE/lib/libjvmsnap-net.so"

# The whole dependency closure, resolved the way the loader does it on this machine (the
# loader itself needs glibc only; the agent and its network half need the rest).
deps=$(ldd "$IMPL"; ldd "$NET"; ldd "$AGENT")
if grep -q 'not found' <<<"$deps"; then
	echo "lambda layer: unresolved libraries:" >&2
	grep 'not found' <<<"$deps" >&2
	exit 1
fi
bundled=()
while read -r name arrow path _; do
	[ "$arrow" = "=>" ] && [ -n "$path" ] || continue
	is_glibc "$name" && continue
	[ -e "$STAGE/lib/$name" ] && continue
	cp -L "$path" "$STAGE/lib/$name"
	bundled+=("$name")
done <<<"$deps"

# Each copy finds its siblings first: RPATH (not RUNPATH) is searched before
# LD_LIBRARY_PATH, which on Lambda lists the system's /lib64 and /usr/lib64 first.
for f in "$STAGE"/lib/*; do
	chmod 0755 "$f"
	patchelf --force-rpath --set-rpath '$ORIGIN' "$f"
done

# Self-contained: every library any file needs is in lib/ or is glibc's.
missing=0
for f in "$STAGE"/lib/*; do
	for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		is_glibc "$n" || [ -e "$STAGE/lib/$n" ] || { echo "lambda layer: $(basename "$f") needs $n, not bundled" >&2; missing=1; }
	done
done
[ $missing -eq 0 ] || exit 1
check_glibc "$STAGE"/lib/* || { echo "lambda layer: not built" >&2; exit 1; }

install -m 0755 "$ROOT/scripts/lambda_wrapper.sh" "$STAGE/bin/jvmsnap-wrapper"
find "$STAGE" -exec touch -h -d '2020-01-01 00:00:00 UTC' {} +
mkdir -p "$(dirname "$OUT")"
OUT_ABS=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
rm -f "$OUT_ABS.tmp"
(cd "$STAGE" && find bin lib -type f | LC_ALL=C sort | zip -q -X -@ "$OUT_ABS.tmp")
mv "$OUT_ABS.tmp" "$OUT_ABS"
echo "lambda layer: $OUT ($(du -k "$OUT_ABS" | cut -f1) KiB): lib/libjvmsnap.so, lib/libjvmsnap-agent.so, lib/libjvmsnap-net.so, bin/jvmsnap-wrapper, ${#bundled[@]} libraries: ${bundled[*]}"
