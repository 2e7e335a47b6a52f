# shellcheck shell=bash
# Sampler (issue 16): async-profiler, the benchmark's peer (bench/lambda_like.sh), from
# Maven Central (tools.profiler:async-profiler, pinned), fetched with Maven and unpacked
# once into the cache: only the linux-x64 libasyncProfiler.so inside the jar is used.
ASPROF_VERSION=4.2
ASPROF_DIR=${JVMSNAP_CACHE:-/var/cache/jvmsnap}/async-profiler-$ASPROF_VERSION
install_asprof() {
  [ -f "$ASPROF_DIR/libasyncProfiler.so" ] && return 0
  local tmp jar
  tmp=$(mktemp -d)
  mvn -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$ASPROF_VERSION" \
    -Dmaven.repo.local="$tmp/m2" -Dtransitive=false >/dev/null
  jar=$(find "$tmp/m2" -name "async-profiler-$ASPROF_VERSION.jar" | head -n 1)
  mkdir -p "$ASPROF_DIR"
  unzip -q -o -j "$jar" 'linux-x64/libasyncProfiler.so' -d "$ASPROF_DIR"
  rm -rf "$tmp"
  [ -f "$ASPROF_DIR/libasyncProfiler.so" ]
}
POST_INSTALL+=(install_asprof)
