/* governor: the interval stays as asked while sampling fits the budget, stretches to what
 * fits when it does not, never past tenfold, and the info line comes once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../jvmagent/governor.h"

static void test_cheap_rounds_keep_the_interval(void **state)
{
	(void)state;
	governor g = {0};
	window_stats st = {0};
	/* 1000 us asked, 5 % budget: up to 50 us of CPU per round fits. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(governor_interval(&g, 1000, 50, 40000, &st), 1000000);
	assert_int_equal(st.max_interval_ns, 1000000);
	assert_false(g.logged);
}

static void test_dear_rounds_stretch_to_fit(void **state)
{
	(void)state;
	governor g = {0};
	window_stats st = {.samples = 100};
	/* 200 us a round at 5 %: 4 ms. The first round sets the average outright. */
	assert_int_equal(governor_interval(&g, 1000, 50, 200000, &st), 4000000);
	assert_true(g.logged);
	assert_int_equal(st.max_interval_ns, 4000000);
	/* A cheaper round moves the average by an eighth, not all the way. */
	uint64_t next = governor_interval(&g, 1000, 50, 0, &st);
	assert_int_equal(next, 3500000);
	assert_int_equal(st.max_interval_ns, 4000000);
}

static void test_never_past_tenfold(void **state)
{
	(void)state;
	governor g = {0};
	window_stats st = {0};
	assert_int_equal(governor_interval(&g, 1000, 10, 50000000, &st), 1000000 * GOVERNOR_MAX_STRETCH);
	/* Too few rounds yet to say so: the line waits for a settled average. */
	assert_false(g.logged);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cheap_rounds_keep_the_interval),
		cmocka_unit_test(test_dear_rounds_stretch_to_fit),
		cmocka_unit_test(test_never_past_tenfold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
