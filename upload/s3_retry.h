/* Retry policy for S3 requests: the AWS SDKs' "standard" mode (botocore retries/standard.py)
 * with the newer per-class backoff base, bounded by a caller's time budget. */
#ifndef JVMSNAP_S3_RETRY_H
#define JVMSNAP_S3_RETRY_H

#include <stdbool.h>

#define S3_RETRY_MAX_ATTEMPTS     3
#define S3_RETRY_BASE_MS          50   /* transient errors: 5xx, timeouts, lost connections */
#define S3_RETRY_THROTTLE_BASE_MS 1000 /* throttling: SlowDown, 429, ... */
#define S3_RETRY_MAX_BACKOFF_MS   20000
#define S3_RETRY_MIN_ATTEMPT_MS   100 /* no new attempt with less budget left than this */

typedef enum {
	S3_RETRY_NEVER = 0,  /* success, or an error that will not heal (4xx, TLS trust, bad URL) */
	S3_RETRY_TRANSIENT,  /* 500/502/503/504, RequestTimeout, connection errors, timeouts */
	S3_RETRY_THROTTLING, /* throttling error codes and HTTP 429 */
} s3_retry_class;

/* curl_code is the libcurl result of the attempt (0 when a response arrived); http_status
 * and error_code (may be NULL or "") describe that response. */
s3_retry_class s3_retry_classify(int curl_code, long http_status, const char *error_code);

/* Full jitter: rand01 * min(base * 2^(attempt-1), 20 s); attempt counts from 1. */
long s3_retry_backoff_ms(s3_retry_class cls, int attempt, double rand01);

/* After attempt `attempt` failed with `cls`: true (and the delay to sleep) when another
 * attempt is allowed and fits in remaining_ms with S3_RETRY_MIN_ATTEMPT_MS to spare. */
bool s3_retry_next(s3_retry_class cls, int attempt, long remaining_ms, double rand01, long *delay_ms);

#endif
