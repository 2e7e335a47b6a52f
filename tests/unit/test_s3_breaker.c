/* The upload circuit breaker as a pure state machine, its clock injected: what opens it
 * (per failure kind), the doubling backoff and its cap, the single probe, closing, the
 * counts of snapshots kept and dropped, and the classification of upload outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../upload/s3_breaker.h"

static s3_breaker fresh(void)
{
	s3_breaker b;
	s3_breaker_init(&b, NULL);
	return b;
}

static void test_closed_allows_and_success_changes_nothing(void **state)
{
	(void)state;
	s3_breaker b = fresh();
	for (int64_t t = 0; t < 100; t += 10) {
		assert_int_equal(s3_breaker_allow(&b, t), S3_BREAKER_ALLOW);
		assert_int_equal(s3_breaker_record(&b, t, S3_FAIL_NONE), S3_BREAKER_NO_CHANGE);
	}
	assert_int_equal(b.state, S3_BREAKER_CLOSED);
}

static void test_client_error_opens_at_once(void **state)
{
	(void)state;
	s3_breaker b = fresh();
	assert_int_equal(s3_breaker_record(&b, 5000, S3_FAIL_CLIENT), S3_BREAKER_OPENED);
	assert_int_equal(b.cause, S3_FAIL_CLIENT);
	assert_int_equal(b.backoff_ms, 1000);
	assert_int_equal(s3_breaker_allow(&b, 5000), S3_BREAKER_DENY);
	assert_int_equal(s3_breaker_allow(&b, 5999), S3_BREAKER_DENY);
	assert_int_equal(s3_breaker_allow(&b, 6000), S3_BREAKER_PROBE);
}

static void test_transient_kinds_need_two_in_a_row(void **state)
{
	(void)state;
	s3_fail_kind kinds[] = {S3_FAIL_CONNECT, S3_FAIL_SERVER};
	for (size_t i = 0; i < 2; i++) {
		s3_breaker b = fresh();
		assert_int_equal(s3_breaker_record(&b, 0, kinds[i]), S3_BREAKER_NO_CHANGE);
		assert_int_equal(s3_breaker_allow(&b, 1), S3_BREAKER_ALLOW);
		assert_int_equal(s3_breaker_record(&b, 1, kinds[i]), S3_BREAKER_OPENED);
		assert_int_equal(b.cause, kinds[i]);
		assert_int_equal(b.streak, 2);
	}
}

static void test_streak_is_per_kind_and_reset_by_success(void **state)
{
	(void)state;
	s3_breaker b = fresh();
	assert_int_equal(s3_breaker_record(&b, 0, S3_FAIL_CONNECT), S3_BREAKER_NO_CHANGE);
	assert_int_equal(s3_breaker_record(&b, 1, S3_FAIL_SERVER), S3_BREAKER_NO_CHANGE); /* new streak */
	assert_int_equal(s3_breaker_record(&b, 2, S3_FAIL_NONE), S3_BREAKER_NO_CHANGE);
	assert_int_equal(s3_breaker_record(&b, 3, S3_FAIL_SERVER), S3_BREAKER_NO_CHANGE); /* 1 again */
	assert_int_equal(b.state, S3_BREAKER_CLOSED);
	assert_int_equal(s3_breaker_record(&b, 4, S3_FAIL_SERVER), S3_BREAKER_OPENED);
}

static void test_backoff_doubles_to_the_cap(void **state)
{
	(void)state;
	s3_breaker b = fresh();
	int64_t t = 0;
	assert_int_equal(s3_breaker_record(&b, t, S3_FAIL_CLIENT), S3_BREAKER_OPENED);
	uint32_t expect = 1000;
	for (int i = 0; i < 12; i++) {
		assert_int_equal(b.backoff_ms, expect);
		assert_int_equal(s3_breaker_allow(&b, t + expect - 1), S3_BREAKER_DENY);
		t += expect;
		assert_int_equal(s3_breaker_allow(&b, t), S3_BREAKER_PROBE);
		assert_int_equal(s3_breaker_record(&b, t, S3_FAIL_CLIENT), S3_BREAKER_REOPENED);
		expect = expect * 2 > 300000 ? 300000 : expect * 2;
	}
	assert_int_equal(b.backoff_ms, 300000); /* 1 s, 2 s, ... 256 s, then 5 min */
	assert_int_equal(b.opened_at_ms, 0);    /* reopening is not opening */
}

static void test_probe_success_closes(void **state)
{
	(void)state;
	s3_breaker b = fresh();
	s3_breaker_record(&b, 0, S3_FAIL_CONNECT);
	s3_breaker_record(&b, 10, S3_FAIL_CONNECT);
	assert_int_equal(s3_breaker_allow(&b, 1010), S3_BREAKER_PROBE);
	/* the probe's outcome not yet known: whoever asks next probes too, nothing is denied forever */
	assert_int_equal(s3_breaker_allow(&b, 1011), S3_BREAKER_PROBE);
	assert_int_equal(s3_breaker_record(&b, 1020, S3_FAIL_NONE), S3_BREAKER_RESUMED);
	assert_int_equal(b.state, S3_BREAKER_CLOSED);
	assert_int_equal(b.backoff_ms, 0);
	assert_int_equal(s3_breaker_allow(&b, 1021), S3_BREAKER_ALLOW);
	/* closed again: a new failure starts from the first step, 1 s */
	s3_breaker_record(&b, 2000, S3_FAIL_CLIENT);
	assert_int_equal(b.backoff_ms, 1000);
}

static void test_counts_kept_and_dropped_while_open(void **state)
{
	(void)state;
	s3_breaker b = fresh();
	s3_breaker_note(&b, 3, 1); /* closed: not counted */
	s3_breaker_record(&b, 0, S3_FAIL_CLIENT);
	s3_breaker_note(&b, 1, 0);
	s3_breaker_note(&b, 1, 0);
	s3_breaker_note(&b, 0, 2);
	assert_int_equal(b.kept, 2);
	assert_int_equal(b.dropped, 2);
	s3_breaker_allow(&b, 1000);
	s3_breaker_record(&b, 1000, S3_FAIL_NONE);
	s3_breaker_record(&b, 2000, S3_FAIL_CLIENT); /* a new opening starts from zero */
	assert_int_equal(b.kept, 0);
	assert_int_equal(b.dropped, 0);
}

static void test_configured_thresholds_and_backoff(void **state)
{
	(void)state;
	s3_breaker_config cfg = {.threshold = {0, 3, 0, 1}, .backoff_min_ms = 200, .backoff_max_ms = 500};
	s3_breaker b;
	s3_breaker_init(&b, &cfg);
	assert_int_equal(s3_breaker_record(&b, 0, S3_FAIL_CONNECT), S3_BREAKER_NO_CHANGE);
	assert_int_equal(s3_breaker_record(&b, 0, S3_FAIL_CONNECT), S3_BREAKER_NO_CHANGE);
	assert_int_equal(s3_breaker_record(&b, 0, S3_FAIL_CONNECT), S3_BREAKER_OPENED);
	assert_int_equal(b.backoff_ms, 200);
	s3_breaker_allow(&b, 200);
	s3_breaker_record(&b, 200, S3_FAIL_CONNECT);
	assert_int_equal(b.backoff_ms, 400);
	s3_breaker_allow(&b, 600);
	s3_breaker_record(&b, 600, S3_FAIL_CONNECT);
	assert_int_equal(b.backoff_ms, 500);
}

static void test_classify(void **state)
{
	(void)state;
	s3_result r;
	memset(&r, 0, sizeof r);
	assert_int_equal(s3_breaker_classify(S3_OK, &r), S3_FAIL_NONE);
	assert_int_equal(s3_breaker_classify(S3_ERR_NETWORK, &r), S3_FAIL_CONNECT);
	assert_int_equal(s3_breaker_classify(S3_ERR_BUDGET, &r), S3_FAIL_CONNECT);
	assert_int_equal(s3_breaker_classify(S3_ERR_CREDENTIALS, &r), S3_FAIL_CLIENT);
	long client[] = {400, 401, 403, 404, 409};
	for (size_t i = 0; i < 5; i++) {
		r.http_status = client[i];
		assert_int_equal(s3_breaker_classify(S3_ERR_HTTP, &r), S3_FAIL_CLIENT);
	}
	long server[] = {429, 500, 502, 503, 504};
	for (size_t i = 0; i < 5; i++) {
		r.http_status = server[i];
		assert_int_equal(s3_breaker_classify(S3_ERR_HTTP, &r), S3_FAIL_SERVER);
	}
	r.http_status = 400;
	strcpy(r.error_code, "SlowDown");
	assert_int_equal(s3_breaker_classify(S3_ERR_HTTP, &r), S3_FAIL_SERVER);
	/* local trouble says nothing about S3 */
	assert_int_equal(s3_breaker_classify(S3_ERR_FILE, &r), S3_FAIL_NONE);
	assert_int_equal(s3_breaker_classify(S3_ERR_NOMEM, &r), S3_FAIL_NONE);
	assert_string_equal(s3_fail_kind_name(S3_FAIL_CONNECT), "connection failure or timeout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_closed_allows_and_success_changes_nothing),
	        cmocka_unit_test(test_client_error_opens_at_once),
	        cmocka_unit_test(test_transient_kinds_need_two_in_a_row),
	        cmocka_unit_test(test_streak_is_per_kind_and_reset_by_success),
	        cmocka_unit_test(test_backoff_doubles_to_the_cap),
	        cmocka_unit_test(test_probe_success_closes),
	        cmocka_unit_test(test_counts_kept_and_dropped_while_open),
	        cmocka_unit_test(test_configured_thresholds_and_backoff),
	        cmocka_unit_test(test_classify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
