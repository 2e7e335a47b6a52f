/* Retry policy: what is retried (and what never is), backoff bounds, budget and the
 * attempt limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "../../upload/s3_retry.h"

static void test_client_errors_are_never_retried(void **state)
{
	(void)state;
	const char *codes[] = {"SignatureDoesNotMatch", "AccessDenied",
	                       "InvalidAccessKeyId",    "ExpiredToken",
	                       "RequestTimeTooSkewed",  "NoSuchBucket",
	                       "InvalidRequest",        "BadDigest",
	                       "EntityTooLarge",        ""};
	long statuses[] = {400, 403, 404, 405, 409, 411, 412, 413};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		for (size_t j = 0; j < sizeof statuses / sizeof *statuses; j++)
			assert_int_equal(s3_retry_classify(CURLE_OK, statuses[j], codes[i]), S3_RETRY_NEVER);
	assert_int_equal(s3_retry_classify(CURLE_OK, 403, NULL), S3_RETRY_NEVER);
	assert_int_equal(s3_retry_classify(CURLE_OK, 200, NULL), S3_RETRY_NEVER);
	assert_int_equal(s3_retry_classify(CURLE_OK, 204, "SlowDown"), S3_RETRY_NEVER);
}

static void test_server_errors_and_throttling(void **state)
{
	(void)state;
	long transient[] = {500, 502, 503, 504};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(s3_retry_classify(CURLE_OK, transient[i], ""), S3_RETRY_TRANSIENT);
	assert_int_equal(s3_retry_classify(CURLE_OK, 501, "NotImplemented"), S3_RETRY_NEVER);
	assert_int_equal(s3_retry_classify(CURLE_OK, 500, "InternalError"), S3_RETRY_TRANSIENT);
	assert_int_equal(s3_retry_classify(CURLE_OK, 400, "RequestTimeout"), S3_RETRY_TRANSIENT);
	assert_int_equal(s3_retry_classify(CURLE_OK, 503, "SlowDown"), S3_RETRY_THROTTLING);
	assert_int_equal(s3_retry_classify(CURLE_OK, 400, "ThrottlingException"), S3_RETRY_THROTTLING);
	assert_int_equal(s3_retry_classify(CURLE_OK, 429, ""), S3_RETRY_THROTTLING);
	/* codes are case-sensitive, as AWS sends them */
	assert_int_equal(s3_retry_classify(CURLE_OK, 400, "slowdown"), S3_RETRY_NEVER);
}

static void test_transport_errors(void **state)
{
	(void)state;
	int retried[] = {CURLE_COULDNT_CONNECT,   CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR,
	                 CURLE_RECV_ERROR,        CURLE_GOT_NOTHING,        CURLE_COULDNT_RESOLVE_HOST,
	                 CURLE_SSL_CONNECT_ERROR, CURLE_PARTIAL_FILE};
	int never[] = {CURLE_PEER_FAILED_VERIFICATION,
	               CURLE_URL_MALFORMAT,
	               CURLE_UNSUPPORTED_PROTOCOL,
	               CURLE_READ_ERROR,
	               CURLE_OUT_OF_MEMORY,
	               CURLE_SSL_CACERT_BADFILE};
	for (size_t i = 0; i < sizeof retried / sizeof *retried; i++)
		assert_int_equal(s3_retry_classify(retried[i], 0, NULL), S3_RETRY_TRANSIENT);
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		assert_int_equal(s3_retry_classify(never[i], 0, NULL), S3_RETRY_NEVER);
}

static void test_backoff_bounds(void **state)
{
	(void)state;
	/* full jitter: 0 .. base * 2^(attempt-1), capped at 20 s */
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_TRANSIENT, 1, 0.0), 0);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_TRANSIENT, 1, 1.0), 50);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_TRANSIENT, 2, 1.0), 100);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_TRANSIENT, 2, 0.5), 50);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_THROTTLING, 1, 1.0), 1000);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_THROTTLING, 2, 1.0), 2000);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_THROTTLING, 10, 1.0), 20000);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_TRANSIENT, 1000, 1.0), 20000);
	/* out-of-range random values are clamped */
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_TRANSIENT, 1, -3.0), 0);
	assert_int_equal(s3_retry_backoff_ms(S3_RETRY_TRANSIENT, 1, 7.0), 50);
	for (int attempt = 1; attempt <= 3; attempt++)
		for (int i = 0; i <= 100; i++) {
			long d = s3_retry_backoff_ms(S3_RETRY_TRANSIENT, attempt, i / 100.0);
			assert_true(d >= 0 && d <= 50L << (attempt - 1));
		}
}

static void test_attempt_limit_and_budget(void **state)
{
	(void)state;
	long delay = -1;
	assert_true(s3_retry_next(S3_RETRY_TRANSIENT, 1, 10000, 1.0, &delay));
	assert_int_equal(delay, 50);
	assert_true(s3_retry_next(S3_RETRY_TRANSIENT, 2, 10000, 1.0, &delay));
	assert_int_equal(delay, 100);
	assert_false(s3_retry_next(S3_RETRY_TRANSIENT, 3, 10000, 1.0, &delay)); /* 3 attempts */
	assert_int_equal(delay, 0);
	assert_false(s3_retry_next(S3_RETRY_NEVER, 1, 10000, 1.0, &delay));
	/* the sleep plus a minimal attempt must fit in what is left */
	assert_false(s3_retry_next(S3_RETRY_TRANSIENT, 1, S3_RETRY_MIN_ATTEMPT_MS + 49, 1.0, &delay));
	assert_true(s3_retry_next(S3_RETRY_TRANSIENT, 1, S3_RETRY_MIN_ATTEMPT_MS + 50, 1.0, &delay));
	assert_false(s3_retry_next(S3_RETRY_THROTTLING, 1, 1000, 1.0, &delay));
	assert_false(s3_retry_next(S3_RETRY_TRANSIENT, 1, 0, 0.0, &delay));
	assert_false(s3_retry_next(S3_RETRY_TRANSIENT, 1, -5, 0.0, &delay));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_client_errors_are_never_retried),
	        cmocka_unit_test(test_server_errors_and_throttling),
	        cmocka_unit_test(test_transport_errors),
	        cmocka_unit_test(test_backoff_bounds),
	        cmocka_unit_test(test_attempt_limit_and_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
