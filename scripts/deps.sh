#!/usr/bin/env bash
# Installs the Debian packages jvmsnap needs to build and test, only those missing.
# Idempotent: when everything is present it runs no apt command at all.
set -euo pipefail

BUILD_PKGS=(make gcc pkg-config openjdk-17-jdk-headless libzip-dev libcurl4-openssl-dev
  libssl-dev libcsv-dev libmicrohttpd-dev zlib1g-dev libcmocka-dev unzip)
TEST_PKGS=(visualvm)
LINT_PKGS=(clang-format clang-tidy cppcheck git) # make format, make lint

POST_INSTALL=() # commands run after the packages are present (npm installs)
# Modules add their own needs (Debian packages, npm packages) in scripts/deps.d/*.sh.
for extra in "$(dirname "$0")"/deps.d/*.sh; do
  [ -f "$extra" ] && . "$extra"
done

want=("${BUILD_PKGS[@]}")
[ "${1:-}" = "--test" ] && want+=("${TEST_PKGS[@]}")
[ "${1:-}" = "--lint" ] && want+=("${LINT_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
run_post() {
  local c
  for c in "${POST_INSTALL[@]}"; do eval "$c"; done
}
if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" = "--test" ] && run_post
  exit 0
fi

echo "jvmsnap deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "${1:-}" = "--test" ] && run_post
exit 0
