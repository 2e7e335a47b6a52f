/* lambda_shared: the shared windows of Lambda Managed Instances (several invocations open at
 * once). A window opens at an invocation start when none is open and closes when the last
 * open invocation ends; it lists every invocation it overlapped; under steady load it is cut
 * at a start after LAMBDA_SHARED_ROLL_MS; only a chosen invocation opens one, and a chosen
 * invocation inside a window gets a zip of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/buf.h"
#include "../../jvmagent/lambda_shared.h"

/* A chosen invocation starts; `*owns` counts those that get a zip of their own. */
static lambda_shared_action start(lambda_shared *s, const char *id, int64_t now_ms, int *owns)
{
	bool own = false;
	lambda_shared_action act = lambda_shared_start(s, id, NULL, id, now_ms, true, &own);
	*owns += own;
	return act;
}

static lambda_shared_action end(lambda_shared *s, const char *id)
{
	return lambda_shared_end(s, id, NULL);
}

/* The window's list as text, or "-" when it is no shared window. */
static char *take(lambda_shared *s, const char *name, unsigned *more)
{
	buf b;
	buf_init(&b);
	unsigned not_listed = 0;
	bool ok = lambda_shared_take(s, name, &b, &not_listed);
	buf_u8(&b, 0);
	char *text = strdup(ok ? (const char *)b.data : "-");
	buf_free(&b);
	if (more)
		*more = not_listed;
	return text;
}

static void expect_list(lambda_shared *s, const char *name, const char *want)
{
	char *got = take(s, name, NULL);
	assert_string_equal(got, want);
	free(got);
}

static void test_overlap_shares_one_window(void **state)
{
	(void)state;
	lambda_shared *s = lambda_shared_new();
	int asked = 0;
	assert_int_equal(start(s, "a", 0, &asked), SHARED_OPEN);
	assert_int_equal(start(s, "b", 10, &asked), SHARED_NOTHING);
	assert_int_equal(start(s, "c", 20, &asked), SHARED_NOTHING);
	assert_int_equal(asked, 3); /* each chosen: each gets a zip of its own */
	assert_int_equal(end(s, "b"), SHARED_NOTHING);
	assert_int_equal(end(s, "a"), SHARED_NOTHING);
	assert_int_equal(end(s, "zz"), SHARED_NOTHING); /* never started */
	assert_int_equal(end(s, "c"), SHARED_CLOSE);
	assert_int_equal(end(s, "c"), SHARED_NOTHING); /* ended once */
	expect_list(s, "a", "[{\"id\": \"a\", \"thread\": null}, {\"id\": \"b\", \"thread\": null}, {\"id\": \"c\", \"thread\": null}]");
	expect_list(s, "a", "-"); /* taken once */
	/* idle, then a new busy period: a new window */
	assert_int_equal(start(s, "d", 100, &asked), SHARED_OPEN);
	assert_int_equal(end(s, "d"), SHARED_CLOSE);
	expect_list(s, "d", "[{\"id\": \"d\", \"thread\": null}]");
	lambda_shared_free(s);
}

static void test_steady_load_rolls(void **state)
{
	(void)state;
	lambda_shared *s = lambda_shared_new();
	int asked = 0;
	assert_int_equal(start(s, "a", 0, &asked), SHARED_OPEN);
	assert_int_equal(start(s, "b", 1, &asked), SHARED_NOTHING);
	assert_int_equal(end(s, "a"), SHARED_NOTHING);
	assert_int_equal(start(s, "c", LAMBDA_SHARED_ROLL_MS, &asked), SHARED_OPEN);
	assert_int_equal(end(s, "b"), SHARED_NOTHING);
	assert_int_equal(end(s, "c"), SHARED_CLOSE);
	expect_list(s, "a", "[{\"id\": \"a\", \"thread\": null}, {\"id\": \"b\", \"thread\": null}]");
	expect_list(s, "c", "[{\"id\": \"b\", \"thread\": null}, {\"id\": \"c\", \"thread\": null}]"); /* b ran across the cut: in both */
	lambda_shared_free(s);
}

static void test_not_chosen_opens_nothing(void **state)
{
	(void)state;
	lambda_shared *s = lambda_shared_new();
	int asked = 0;
	bool own = true;
	assert_int_equal(lambda_shared_start(s, "a", "t-a", "a", 0, false, &own), SHARED_NOTHING);
	assert_false(own);
	assert_int_equal(start(s, "b", 1, &asked), SHARED_OPEN); /* none open yet: b may open one */
	assert_int_equal(lambda_shared_start(s, "c", NULL, "c", 2, false, &own), SHARED_NOTHING);
	assert_false(own); /* in the window, listed, but no zip of its own */
	assert_int_equal(asked, 1);
	assert_int_equal(lambda_shared_end(s, "b", &own), SHARED_NOTHING);
	assert_true(own);
	assert_int_equal(lambda_shared_end(s, "c", &own), SHARED_NOTHING);
	assert_false(own);
	assert_int_equal(end(s, "a"), SHARED_CLOSE); /* the last one open */
	expect_list(s, "b", "[{\"id\": \"a\", \"thread\": \"t-a\"}, {\"id\": \"b\", \"thread\": null}, {\"id\": \"c\", \"thread\": null}]"); /* a was running in it */
	expect_list(s, "a", "-");
	lambda_shared_free(s);
}

static void test_list_bounded_and_escaped(void **state)
{
	(void)state;
	lambda_shared *s = lambda_shared_new();
	int asked = 0;
	assert_int_equal(start(s, "q\"\\\n", 0, &asked), SHARED_OPEN);
	char id[32];
	for (int i = 0; i < LAMBDA_SHARED_MAX_LISTED + 5; i++) {
		snprintf(id, sizeof id, "r%d", i);
		start(s, id, 1, &asked);
		assert_int_equal(end(s, id), SHARED_NOTHING);
	}
	assert_int_equal(end(s, "q\"\\\n"), SHARED_CLOSE);
	unsigned more = 0;
	char *got = take(s, "q\"\\\n", &more);
	const char *want = "[{\"id\": \"q\\\"\\\\\\u000a\", \"thread\": null}, {\"id\": \"r0\"";
	assert_true(strncmp(got, want, strlen(want)) == 0);
	assert_int_equal(more, 6);
	free(got);
	lambda_shared_free(s);
}

static void test_untaken_lists_are_dropped(void **state)
{
	(void)state;
	lambda_shared *s = lambda_shared_new();
	int asked = 0;
	char id[16];
	for (int i = 0; i < LAMBDA_SHARED_KEPT + 1; i++) {
		snprintf(id, sizeof id, "w%d", i);
		assert_int_equal(start(s, id, i * 10, &asked), SHARED_OPEN);
		assert_int_equal(end(s, id), SHARED_CLOSE);
	}
	expect_list(s, "w0", "-"); /* the oldest made room */
	expect_list(s, "w1", "[{\"id\": \"w1\", \"thread\": null}]");
	lambda_shared_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_overlap_shares_one_window),
	        cmocka_unit_test(test_steady_load_rolls),
	        cmocka_unit_test(test_not_chosen_opens_nothing),
	        cmocka_unit_test(test_list_bounded_and_escaped),
	        cmocka_unit_test(test_untaken_lists_are_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
