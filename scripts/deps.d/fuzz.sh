# shellcheck shell=bash
# Hardening (issue 7): clang 14 with libFuzzer and the sanitizer runtimes for tests/fuzz
# (mk/fuzz.mk, tests/integration/80_fuzz.sh); valgrind for 81_valgrind.sh; GNU time (peak
# RSS) for 75_stress.sh.
TEST_PKGS+=(clang-14 libclang-rt-14-dev valgrind time)
