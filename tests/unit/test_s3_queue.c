/* The bounded retry queue: order, the count, byte and failure caps, that every zip
 * leaving unsent goes through the drop callback (oldest first, with its reason), the
 * user's kept files flagged so the caller never deletes them, and riders (a zip's summary)
 * not counted as zips and never left behind without their zip. */
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

static void attach(s3_queue *q, int i, uint64_t bytes)
{
	char leader[32], path[32], key[32];
	snprintf(leader, sizeof leader, "/tmp/z%d.zip", i);
	snprintf(path, sizeof path, "/tmp/z%d.json", i);
	snprintf(key, sizeof key, "k/z%d.json", i);
	assert_int_equal(s3_queue_attach(q, leader, path, key, bytes), 1);
}

/* 3 zips may wait: 3 zips and their 3 summaries do, the 4th zip drops the 1st with its summary. */
static void test_riders_do_not_count_and_leave_with_their_zip(void **state)
{
	(void)state;
	drops d = {0};
	s3_queue q;
	s3_queue_limits lim = {3, 1 << 20, 5};
	s3_queue_init(&q, &lim, on_drop, &d);
	for (int i = 0; i < 3; i++) {
		push(&q, i, 10, i == 1);
		attach(&q, i, 1);
	}
	assert_int_equal(q.n, 6);
	assert_int_equal(q.zips, 3);
	assert_int_equal(d.n, 0);
	assert_true(q.items[3].rides && q.items[3].keep_file); /* z1's, kept as z1 is */
	push(&q, 3, 10, false);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.paths[0], "/tmp/z0.zip");
	assert_string_equal(d.paths[1], "/tmp/z0.json");
	assert_int_equal(d.why[1], S3_DROP_COUNT);
	assert_string_equal(q.items[0].path, "/tmp/z1.zip");
	assert_int_equal(q.zips, 3);
	assert_int_equal(q.bytes, 32);
	/* a failure cap reached drops the zip and its rider, not the next zip */
	assert_true(s3_queue_failed(&q, 0) == false);
	for (int k = 0; k < 3; k++)
		s3_queue_failed(&q, 0);
	assert_true(s3_queue_failed(&q, 0));
	assert_int_equal(d.n, 4);
	assert_string_equal(d.paths[3], "/tmp/z1.json");
	assert_int_equal(d.why[3], S3_DROP_FAILURES);
	assert_string_equal(q.items[0].path, "/tmp/z2.zip");
	/* stored: the zip leaves, its summary stays at the head, to be sent next */
	s3_queue_remove(&q, 0);
	assert_string_equal(q.items[0].path, "/tmp/z2.json");
	assert_int_equal(q.zips, 1);
	s3_queue_free(&q);
}

/* A rider is attached only right behind its own zip: not when that zip left at its push,
 * nor to an empty queue. A rider that breaks the byte cap drops its zip with it. */
static void test_attach_needs_its_zip(void **state)
{
	(void)state;
	drops d = {0};
	s3_queue q;
	s3_queue_limits lim = {16, 100, 1};
	s3_queue_init(&q, &lim, on_drop, &d);
	assert_int_equal(s3_queue_attach(&q, "/tmp/z0.zip", "/tmp/z0.json", "k/z0.json", 1), 0);
	assert_int_equal(s3_queue_push(&q, "/tmp/z0.zip", "k/z0.zip", 10, 1, false), 1); /* failed once: out */
	assert_int_equal(s3_queue_attach(&q, "/tmp/z0.zip", "/tmp/z0.json", "k/z0.json", 1), 0);
	assert_int_equal(q.n, 0);
	push(&q, 1, 60, false);
	push(&q, 2, 30, false);
	assert_int_equal(s3_queue_attach(&q, "/tmp/z1.zip", "/tmp/z1.json", "k/z1.json", 1), 0); /* not the last */
	attach(&q, 2, 20); /* 110 > 100: z1 goes */
	assert_int_equal(d.n, 2);
	assert_string_equal(d.paths[1], "/tmp/z1.zip");
	assert_int_equal(q.n, 2);
	assert_int_equal(q.bytes, 50);
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
	        cmocka_unit_test(test_riders_do_not_count_and_leave_with_their_zip),
	        cmocka_unit_test(test_attach_needs_its_zip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
