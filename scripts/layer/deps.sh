#!/usr/bin/env bash
# Builds the libraries the layer's agent links in, as static position-independent archives
# for one architecture and glibc 2.26 (scripts/layer/toolchain.sh), from Debian's source
# packages pinned below:
#   scripts/layer/deps.sh ARCH   (x86_64 or arm64)
# prints the install prefix (include/, lib/*.a). Built once into
# ${JVMSNAP_CACHE:-/var/cache/jvmsnap}/layer-deps-ARCH-<hash of versions and this recipe>;
# a second run finds it and builds nothing. Each library keeps only what the agent uses:
# curl speaks HTTP(S) only; OpenSSL is built without shared library, engines, apps,
# docs or legacy ciphers (only its libraries are built and installed).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/toolchain.sh"

# Debian bookworm source packages (apt-get source NAME=VERSION).
PINS=(
	zlib=1:1.2.13.dfsg-1
	openssl=3.0.20-1~deb12u2
	curl=7.88.1-10+deb12u15
	libzip=1.7.3-1
	libcsv=3.0.3+dfsg-6
	libmicrohttpd=0.9.75-6
)

ARCH=${1:?usage: $0 x86_64|arm64}
layer_toolchain "$ARCH"
KEY=$(cat "$0" "$HERE/toolchain.sh" | sha256sum | cut -c1-12)
PREFIX=$LAYER_CACHE/layer-deps-$ARCH-$KEY
if [ -f "$PREFIX/.done" ]; then
	echo "$PREFIX"
	exit 0
fi
for tool in cmake perl make dpkg-source apt-get; do
	command -v "$tool" >/dev/null || { echo "jvmsnap layer: $tool is missing (make deps)" >&2; exit 1; }
done
log() { echo "jvmsnap layer deps ($ARCH): $*" >&2; }
JOBS=${JOBS:-2}

# --- sources: downloaded once (shared by both architectures), unpacked with Debian's patches
SRC_CACHE=$LAYER_CACHE/layer-src-$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-12)
enable_deb_src() {
	local list=/etc/apt/sources.list.d/jvmsnap-deb-src.sources sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	log "enabling deb-src in $list"
	$sudo tee "$list" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	$sudo apt-get update -qq
}
if [ ! -f "$SRC_CACHE/.done" ]; then
	enable_deb_src
	mkdir -p "$SRC_CACHE"
	log "downloading ${PINS[*]}"
	# apt checks each file against the signed archive index.
	(cd "$SRC_CACHE" && apt-get source -qq --download-only "${PINS[@]}" >&2)
	touch "$SRC_CACHE/.done"
fi

WORK=$(mktemp -d "$LAYER_CACHE/.layer-deps-$ARCH.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/prefix
mkdir -p "$STAGE/include" "$STAGE/lib"
unpack() { # unpack NAME: Debian's tree with its patches, in $WORK/NAME
	local dsc
	dsc=$(ls "$SRC_CACHE/$1"_*.dsc)
	dpkg-source -q --no-check -x "$dsc" "$WORK/$1" >/dev/null
}
export CC=$LAYER_CC AR=$LAYER_AR RANLIB=$LAYER_RANLIB
export CFLAGS="-fPIC -fvisibility=hidden -ffunction-sections -fdata-sections"
export CPPFLAGS="-I$STAGE/include" LDFLAGS="-L$STAGE/lib"
autotools() { # autotools DIR ARGS...: a static, PIC library into $STAGE
	local dir=$1
	shift
	(cd "$WORK/$dir" && ./configure -q --host="$LAYER_TRIPLE" --prefix="$STAGE" \
		--disable-shared --enable-static --with-pic --disable-dependency-tracking "$@" >"$WORK/$dir.log" 2>&1 &&
		make -j"$JOBS" >>"$WORK/$dir.log" 2>&1 && make install >>"$WORK/$dir.log" 2>&1) ||
		{ tail -n 40 "$WORK/$dir.log" >&2; log "$dir failed"; exit 1; }
}
START=$(date +%s)

log zlib
unpack zlib
(cd "$WORK/zlib" && CHOST=$LAYER_TRIPLE ./configure --static --prefix="$STAGE" >"$WORK/zlib.log" 2>&1 &&
	make -j"$JOBS" libz.a >>"$WORK/zlib.log" 2>&1 && make install >>"$WORK/zlib.log" 2>&1) ||
	{ tail -n 40 "$WORK/zlib.log" >&2; exit 1; }

# OpenSSL: libcrypto and libssl only; what curl's TLS 1.2/1.3 client and the S3 signer
# (SHA-256, HMAC, MD5) need. No config file is read at start (no-autoload-config), so the
# host's openssl.cnf never changes its behaviour.
log openssl
unpack openssl
case "$ARCH" in x86_64) ossl_target=linux-x86_64 ;; *) ossl_target=linux-aarch64 ;; esac
(cd "$WORK/openssl" && unset CFLAGS CPPFLAGS LDFLAGS && ./Configure "$ossl_target" --prefix="$STAGE" --libdir=lib --openssldir=/etc/ssl \
	no-shared no-tests no-dso no-engine no-legacy no-module no-autoload-config \
	no-comp no-ssl3 no-dtls no-srp no-srtp no-sctp no-ct no-cms no-ts no-ocsp no-psk \
	no-idea no-camellia no-seed no-bf no-cast no-md4 no-mdc2 no-rc2 no-rc4 no-rc5 no-rmd160 \
	no-whirlpool no-des no-dsa no-sm2 no-sm3 no-sm4 no-aria no-siphash no-blake2 \
	no-afalgeng no-capieng no-devcryptoeng no-padlockeng no-ui-console no-async \
	-fPIC -fvisibility=hidden -ffunction-sections -fdata-sections >"$WORK/openssl.log" 2>&1 &&
	make -j"$JOBS" build_libs >>"$WORK/openssl.log" 2>&1 && make install_dev >>"$WORK/openssl.log" 2>&1) ||
	{ tail -n 40 "$WORK/openssl.log" >&2; log "openssl failed"; exit 1; }

# curl: HTTP and HTTPS only, no content decoding (the agent turns it off), no cookies or
# alternative services; the CA bundle is the one the upload module finds (docs/s3.md).
log curl
unpack curl
autotools curl --with-openssl="$STAGE" --without-zlib --without-brotli --without-zstd \
	--without-libpsl --without-libidn2 --without-nghttp2 --without-nghttp3 --without-ngtcp2 \
	--without-librtmp --without-libssh2 --without-libssh --without-libgsasl --without-hyper \
	--without-ca-bundle --without-ca-path --without-ca-fallback --disable-ldap --disable-ldaps \
	--disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
	--disable-smtp --disable-gopher --disable-mqtt --disable-smb --disable-ftp --disable-file \
	--disable-manual --disable-ntlm --disable-ntlm-wb --disable-kerberos-auth --disable-negotiate-auth \
	--disable-aws --disable-doh --disable-cookies --disable-alt-svc --disable-hsts --disable-mime \
	--disable-netrc --disable-progress-meter --disable-dnsshuffle --disable-get-easy-options \
	--disable-websockets --disable-unix-sockets --enable-threaded-resolver --disable-versioned-symbols

log libzip
unpack libzip
(cd "$WORK/libzip" && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$STAGE" \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_AR="$AR" -DCMAKE_RANLIB="$RANLIB" -DCMAKE_SYSTEM_NAME=Linux \
	-DCMAKE_SYSTEM_PROCESSOR="${LAYER_TRIPLE%%-*}" -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
	-DCMAKE_PREFIX_PATH="$STAGE" -DCMAKE_FIND_ROOT_PATH="$STAGE" -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY \
	-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY \
	-DBUILD_SHARED_LIBS=OFF -DENABLE_BZIP2=OFF -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF \
	-DENABLE_OPENSSL=OFF -DENABLE_GNUTLS=OFF -DENABLE_MBEDTLS=OFF -DENABLE_COMMONCRYPTO=OFF \
	-DENABLE_WINDOWS_CRYPTO=OFF -DBUILD_TOOLS=OFF -DBUILD_REGRESS=OFF -DBUILD_EXAMPLES=OFF \
	-DBUILD_DOC=OFF >"$WORK/libzip.log" 2>&1 &&
	cmake --build build -j"$JOBS" >>"$WORK/libzip.log" 2>&1 && cmake --install build >>"$WORK/libzip.log" 2>&1) ||
	{ tail -n 40 "$WORK/libzip.log" >&2; log "libzip failed"; exit 1; }

# libcsv is one file; its 2012 config.sub does not know aarch64, so no configure.
log libcsv
unpack libcsv
(cd "$WORK/libcsv" && "$CC" $CFLAGS -c libcsv.c -o libcsv.o && "$AR" rcs "$STAGE/lib/libcsv.a" libcsv.o &&
	cp csv.h "$STAGE/include/") || { log "libcsv failed"; exit 1; }

# libmicrohttpd: the Runtime API proxy's loopback HTTP server; no TLS, no auth, no POST parser.
log libmicrohttpd
unpack libmicrohttpd
autotools libmicrohttpd --disable-https --disable-doc --disable-examples --disable-curl \
	--disable-dauth --disable-bauth --disable-postprocessor --disable-httpupgrade --without-gnutls

# Only what the agent links: headers and archives.
rm -rf "$STAGE/bin" "$STAGE/share" "$STAGE/lib/pkgconfig" "$STAGE/lib/cmake" "$STAGE"/lib/*.la
mkdir "$STAGE/bin" # the compiler and archiver that built them, for mk/layer.mk
ln -s "$LAYER_CC" "$STAGE/bin/cc"
ln -s "$LAYER_AR" "$STAGE/bin/ar"
printf '%s\n' "${PINS[@]}" "ziglang=$ZIGLANG_VERSION" "glibc=$LAYER_GLIBC" >"$STAGE/versions"
touch "$STAGE/.done"
rm -rf "$PREFIX"
mv "$STAGE" "$PREFIX"
log "built in $(($(date +%s) - START)) s: $PREFIX"
echo "$PREFIX"
