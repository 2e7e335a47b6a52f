/* LD_PRELOAD shim for tests/integration/81_valgrind.sh: Debian 12's cmocka (1.1.5) has
 * cmocka_set_test_filter() and cmocka_set_skip_filter() but reads no environment variable
 * for them (CMOCKA_TEST_FILTER arrived in a later release). This wraps the group runner
 * and applies CMOCKA_TEST_FILTER / CMOCKA_SKIP_FILTER (one pattern each, `*` and `?`
 * wildcards) before the real runner starts. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

typedef int (*runner_fn)(const char *, const struct CMUnitTest *, size_t, CMFixtureFunction,
                         CMFixtureFunction);

int _cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                            const size_t num_tests, CMFixtureFunction group_setup,
                            CMFixtureFunction group_teardown)
{
	const char *only = getenv("CMOCKA_TEST_FILTER");
	const char *skip = getenv("CMOCKA_SKIP_FILTER");
	if (only && *only)
		cmocka_set_test_filter(only);
	if (skip && *skip)
		cmocka_set_skip_filter(skip);
	runner_fn real = (runner_fn)(uintptr_t)dlsym(RTLD_NEXT, "_cmocka_run_group_tests");
	if (!real)
		abort();
	return real(group_name, tests, num_tests, group_setup, group_teardown);
}
