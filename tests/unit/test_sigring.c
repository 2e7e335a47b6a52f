/* The signal sampler's ring: order, wrap-around over many laps, overflow counted, a
 * record in progress holding back the ones after it, and concurrent writers. */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../jvmagent/sigring.h"

static void put(sigring *r, uint64_t v)
{
	sigring_record *rec = sigring_claim(r);
	assert_non_null(rec);
	rec->thread = v;
	rec->num_frames = 1;
	rec->frames[0].lineno = (int32_t)v;
	sigring_commit(r, rec);
}

static uint64_t take(sigring *r)
{
	sigring_record *rec = sigring_next(r);
	assert_non_null(rec);
	uint64_t v = rec->thread;
	assert_int_equal(rec->frames[0].lineno, (int32_t)v);
	sigring_release(r, rec);
	return v;
}

static void test_size_and_capacity(void **state)
{
	(void)state;
	sigring *r = sigring_new(5, 3); /* rounded up to 8 slots */
	assert_non_null(r);
	for (uint64_t i = 0; i < 8; i++)
		put(r, i);
	assert_null(sigring_claim(r));
	assert_int_equal(sigring_dropped(r), 1);
	sigring_record *rec = sigring_next(r);
	assert_int_equal(rec->capacity, 3);
	sigring_free(r);
}

static void test_wraps_in_order_over_many_laps(void **state)
{
	(void)state;
	sigring *r = sigring_new(4, 1);
	uint64_t next_in = 0, next_out = 0;
	for (int lap = 0; lap < 1000; lap++) {
		int n = 1 + lap % 4;
		for (int i = 0; i < n; i++)
			put(r, next_in++);
		for (int i = 0; i < n; i++)
			assert_int_equal(take(r), next_out++);
		assert_null(sigring_next(r));
	}
	assert_int_equal(sigring_dropped(r), 0);
	sigring_free(r);
}

static void test_overflow_counted_then_recovers(void **state)
{
	(void)state;
	sigring *r = sigring_new(4, 1);
	for (uint64_t i = 0; i < 4; i++)
		put(r, i);
	for (int i = 0; i < 10; i++)
		assert_null(sigring_claim(r));
	assert_int_equal(sigring_dropped(r), 10);
	assert_int_equal(take(r), 0);
	put(r, 4); /* one slot freed: one more fits, the full ring again */
	assert_null(sigring_claim(r));
	assert_int_equal(sigring_dropped(r), 11);
	for (uint64_t i = 1; i <= 4; i++)
		assert_int_equal(take(r), i);
	assert_null(sigring_next(r));
	sigring_free(r);
}

static void test_uncommitted_record_holds_back_later_ones(void **state)
{
	(void)state;
	sigring *r = sigring_new(4, 1);
	sigring_record *slow = sigring_claim(r);
	put(r, 7);
	assert_null(sigring_next(r)); /* the first is still being written */
	slow->thread = 6;
	slow->frames[0].lineno = 6;
	sigring_commit(r, slow);
	assert_int_equal(take(r), 6);
	assert_int_equal(take(r), 7);
	sigring_free(r);
}

enum { WRITERS = 4, PER_WRITER = 200000 };

typedef struct {
	sigring *r;
	uint64_t id;
	uint64_t written;
} writer;

static void *write_many(void *arg)
{
	writer *w = arg;
	for (uint64_t i = 0; i < PER_WRITER; i++) {
		sigring_record *rec = sigring_claim(w->r);
		if (!rec)
			continue;
		rec->thread = w->id << 32 | w->written;
		rec->frames[0].lineno = (int32_t)rec->thread;
		sigring_commit(w->r, rec);
		w->written++;
	}
	return NULL;
}

/* Every record written is read exactly once, each writer's in its own order, and every
 * claim that failed is counted. */
static void test_concurrent_writers(void **state)
{
	(void)state;
	sigring *r = sigring_new(64, 1);
	writer w[WRITERS];
	pthread_t t[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (writer){r, (uint64_t)i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
	}
	uint64_t seen[WRITERS] = {0};
	uint64_t got = 0;
	bool joined[WRITERS] = {false};
	int running = WRITERS;
	while (running || sigring_next(r)) {
		sigring_record *rec = sigring_next(r);
		if (!rec) {
			for (int i = 0; i < WRITERS; i++)
				if (!joined[i] && pthread_tryjoin_np(t[i], NULL) == 0) {
					joined[i] = true;
					running--;
				}
			continue;
		}
		uint64_t id = rec->thread >> 32, n = rec->thread & 0xffffffffu;
		assert_true(id < WRITERS);
		assert_int_equal(n, seen[id]);
		seen[id]++;
		got++;
		sigring_release(r, rec);
	}
	uint64_t written = 0;
	for (int i = 0; i < WRITERS; i++) {
		assert_int_equal(seen[i], w[i].written);
		written += w[i].written;
	}
	assert_int_equal(got, written);
	assert_int_equal(written + sigring_dropped(r), (uint64_t)WRITERS * PER_WRITER);
	sigring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_size_and_capacity),
	    cmocka_unit_test(test_wraps_in_order_over_many_laps),
	    cmocka_unit_test(test_overflow_counted_then_recovers),
	    cmocka_unit_test(test_uncommitted_record_holds_back_later_ones),
	    cmocka_unit_test(test_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
