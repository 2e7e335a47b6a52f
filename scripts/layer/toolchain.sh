# shellcheck shell=bash
# The layer's cross toolchain (sourced by scripts/layer/*.sh): `zig cc` from PyPI's ziglang,
# which links against a chosen glibc version's symbol set for either architecture from one
# host. Installed once into ${JVMSNAP_CACHE:-/var/cache/jvmsnap}/ziglang-<version>.
#   layer_toolchain ARCH: sets LAYER_CC, LAYER_AR, LAYER_RANLIB (wrapper scripts, one path
#   each, so autotools, CMake and OpenSSL's Configure take them as they are) and LAYER_TRIPLE.
ZIGLANG_VERSION=0.17.0
LAYER_GLIBC=2.26 # Amazon Linux 2 (java8.al2, java11, java17); AL2023 has 2.34
LAYER_CACHE=${JVMSNAP_CACHE:-/var/cache/jvmsnap}
ZIG_HOME=$LAYER_CACHE/ziglang-$ZIGLANG_VERSION

layer_zig_install() {
	[ -x "$ZIG_HOME/zig" ] && return 0
	local py=/usr/bin/python3 tmp
	[ -x "$py" ] || py=python3
	echo "jvmsnap layer: installing ziglang $ZIGLANG_VERSION (PyPI) into $ZIG_HOME" >&2
	mkdir -p "$LAYER_CACHE"
	tmp=$(mktemp -d "$LAYER_CACHE/.ziglang.XXXXXX")
	"$py" -m venv "$tmp/venv" &&
		"$tmp/venv/bin/pip" install -q --disable-pip-version-check "ziglang==$ZIGLANG_VERSION" || {
		rm -rf "$tmp"
		echo "jvmsnap layer: cannot install ziglang $ZIGLANG_VERSION from PyPI (python3-venv: make deps)" >&2
		return 1
	}
	# The zig binary lives inside the package; link it where the wrappers expect it.
	ln -s "$(ls -d "$tmp"/venv/lib/python3*/site-packages/ziglang)/zig" "$tmp/zig"
	"$tmp/zig" version >/dev/null || { rm -rf "$tmp"; return 1; }
	rm -rf "$ZIG_HOME"
	mv "$tmp" "$ZIG_HOME"
	# the venv's scripts name their own directory: a moved venv keeps working for `zig`
	# (a plain binary), which is all we use.
	ln -sfn "$(ls -d "$ZIG_HOME"/venv/lib/python3*/site-packages/ziglang)/zig" "$ZIG_HOME/zig"
}

# Wrappers: zig's caches go under the cache directory, not $HOME. -O2 is the default
# optimisation for every caller; zig cc would otherwise build unoptimised code with UBSan
# traps when a build passes no -O.
layer_toolchain() {
	local arch=$1 zarch
	case "$arch" in
	x86_64) zarch=x86_64 ;;
	arm64 | aarch64) zarch=aarch64 ;;
	*) echo "jvmsnap layer: unknown architecture $arch (x86_64 or arm64)" >&2; return 1 ;;
	esac
	layer_zig_install || return 1
	LAYER_TRIPLE=$zarch-linux-gnu
	local bin=$ZIG_HOME/bin/$LAYER_TRIPLE.$LAYER_GLIBC
	if [ ! -x "$bin-cc" ]; then
		mkdir -p "$ZIG_HOME/bin"
		local env="export ZIG_GLOBAL_CACHE_DIR='$ZIG_HOME/cache' ZIG_LOCAL_CACHE_DIR='$ZIG_HOME/cache'"
		printf '#!/bin/sh\n%s\nexec "%s" cc -target %s.%s -O2 -fno-sanitize=all "$@"\n' \
			"$env" "$ZIG_HOME/zig" "$LAYER_TRIPLE" "$LAYER_GLIBC" >"$bin-cc.tmp"
		printf '#!/bin/sh\n%s\nexec "%s" ar "$@"\n' "$env" "$ZIG_HOME/zig" >"$bin-ar.tmp"
		printf '#!/bin/sh\n%s\nexec "%s" ranlib "$@"\n' "$env" "$ZIG_HOME/zig" >"$bin-ranlib.tmp"
		chmod 0755 "$bin"-*.tmp
		mv "$bin-ar.tmp" "$bin-ar"
		mv "$bin-ranlib.tmp" "$bin-ranlib"
		mv "$bin-cc.tmp" "$bin-cc"
	fi
	LAYER_CC=$bin-cc
	LAYER_AR=$bin-ar
	LAYER_RANLIB=$bin-ranlib
}
