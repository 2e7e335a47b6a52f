/* The bounded retry queue: order, the count, byte and failure caps, that every zip
 * leaving unsent goes through the drop callback (oldest first, with its reason), and the
 * user's kept files flagged so the caller never deletes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../upload/s3_queue.h"

typedef struct {
	char paths[32][32];
	s3_drop_reason why[32];
	bool kept[32];
	int n;
} drops;

static void on_drop(void *ctx, const s3_queued *e, s3_drop_reason why)
{
	drops *d = ctx;
	snprintf(d->paths[d->n], sizeof d->paths[0], "%s", e->path);
	d->kept[d->n] = e->keep_file;
	d->why[d->n++] = why;
}

static void push(s3_queue *q, int i, uint64_t bytes, bool keep)
{
	char path[32], key[32];
	snprintf(path, sizeof path, "/tmp/z%d.zip", i);
	snprintf(key, sizeof key, "k/z%d.zip", i);
	assert_true(s3_queue_push(q, path, key, bytes, 0, keep) >= 0);
}

static void test_count_cap_drops_oldest(void **state)
{
	(void)state;
	drops d = {0};
	s3_queue q;
	s3_queue_limits lim = {3, 1 << 20, 5};
	s3_queue_init(&q, &lim, on_drop, &d);
	for (int i = 0; i < 5; i++)
		push(&q, i, 10, false);
	assert_int_equal(q.n, 3);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.paths[0], "/tmp/z0.zip");
	assert_string_equal(d.paths[1], "/tmp/z1.zip");
	assert_int_equal(d.why[0], S3_DROP_COUNT);
	assert_string_equal(q.items[0].path, "/tmp/z2.zip");
	assert_string_equal(q.items[0].key, "k/z2.zip");
	assert_int_equal(q.bytes, 30);
	s3_queue_free(&q);
}

static void test_byte_cap_drops_oldest_then_the_new_one(void **state)
{
	(void)state;
	drops d = {0};
	s3_queue q;
	s3_queue_limits lim = {16, 100, 5};
	s3_queue_init(&q, &lim, on_drop, &d);
	push(&q, 0, 40, false);
	push(&q, 1, 40, false);
	push(&q, 2, 40, false); /* 120 > 100: z0 goes */
	assert_int_equal(d.n, 1);
	assert_string_equal(d.paths[0], "/tmp/z0.zip");
	assert_int_equal(d.why[0], S3_DROP_BYTES);
	assert_int_equal(q.bytes, 80);
	push(&q, 3, 500, false); /* larger than the cap alone: everything goes, itself last */
	assert_int_equal(q.n, 0);
	assert_int_equal(q.bytes, 0);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.paths[3], "/tmp/z3.zip");
	s3_queue_free(&q);
}

static void test_failures_cap(void **state)
{
	(void)state;
	drops d = {0};
	s3_queue q;
	s3_queue_limits lim = {16, 1 << 20, 3};
	s3_queue_init(&q, &lim, on_drop, &d);
	push(&q, 0, 10, false);
	push(&q, 1, 10, false);
	assert_false(s3_queue_failed(&q, 0));
	assert_false(s3_queue_failed(&q, 0));
	assert_int_equal(q.items[0].failures, 2);
	assert_true(s3_queue_failed(&q, 0));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.why[0], S3_DROP_FAILURES);
	assert_string_equal(d.paths[0], "/tmp/z0.zip");
	assert_int_equal(q.n, 1);
	/* a zip pushed having already failed the allowed number of times goes at once */
	assert_int_equal(s3_queue_push(&q, "/tmp/x.zip", "k/x", 5, 3, false), 1);
	assert_int_equal(q.n, 1);
	assert_int_equal(d.why[1], S3_DROP_FAILURES);
	assert_false(s3_queue_failed(&q, 7)); /* out of range: nothing */
	s3_queue_free(&q);
}

static void test_remove_keeps_order_and_bytes(void **state)
{
	(void)state;
	drops d = {0};
	s3_queue q;
	s3_queue_limits lim = {16, 1 << 20, 3};
	s3_queue_init(&q, &lim, on_drop, &d);
	for (int i = 0; i < 4; i++)
		push(&q, i, 10 + i, false);
	s3_queue_remove(&q, 1);
	s3_queue_remove(&q, 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(q.items[0].path, "/tmp/z2.zip");
	assert_string_equal(q.items[1].path, "/tmp/z3.zip");
	assert_int_equal(q.bytes, 25);
	assert_int_equal(d.n, 0); /* removed after success: not a drop */
	s3_queue_free(&q);
}

static void test_kept_files_are_flagged_and_zero_cap(void **state)
{
	(void)state;
	drops d = {0};
	s3_queue q;
	s3_queue_limits lim = {0, 1 << 20, 3};
	s3_queue_init(&q, &lim, on_drop, &d);
	push(&q, 0, 10, true);
	assert_int_equal(q.n, 0); /* no zip may wait: dropped, flagged as the user's */
	assert_int_equal(d.n, 1);
	assert_true(d.kept[0]);
	s3_queue_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_count_cap_drops_oldest),
	        cmocka_unit_test(test_byte_cap_drops_oldest_then_the_new_one),
	        cmocka_unit_test(test_failures_cap),
	        cmocka_unit_test(test_remove_keeps_order_and_bytes),
	        cmocka_unit_test(test_kept_files_are_flagged_and_zero_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
