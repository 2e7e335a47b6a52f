#include "s3_retry.h"

#include <stddef.h>
#include <string.h>

#include <curl/curl.h>

static const char *const throttling_codes[] = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
};

static const char *const transient_codes[] = {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
};

static bool listed(const char *code, const char *const *list, size_t n)
{
	for (size_t i = 0; code && i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

/* Failures below HTTP that a new connection may cure. Certificate trust, bad URLs and
 * local read errors are absent on purpose: retrying cannot fix them. */
static bool transient_curl_error(int curl_code)
{
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		return true;
	default:
		return false;
	}
}

s3_retry_class s3_retry_classify(int curl_code, long http_status, const char *error_code)
{
	if (curl_code != CURLE_OK)
		return transient_curl_error(curl_code) ? S3_RETRY_TRANSIENT : S3_RETRY_NEVER;
	if (http_status >= 200 && http_status < 300)
		return S3_RETRY_NEVER;
	if (listed(error_code, throttling_codes, sizeof throttling_codes / sizeof *throttling_codes) ||
	    http_status == 429)
		return S3_RETRY_THROTTLING;
	if (listed(error_code, transient_codes, sizeof transient_codes / sizeof *transient_codes))
		return S3_RETRY_TRANSIENT;
	switch (http_status) {
	case 500:
	case 502:
	case 503:
	case 504:
		return S3_RETRY_TRANSIENT;
	default:
		return S3_RETRY_NEVER;
	}
}

long s3_retry_backoff_ms(s3_retry_class cls, int attempt, double rand01)
{
	long cap = cls == S3_RETRY_THROTTLING ? S3_RETRY_THROTTLE_BASE_MS : S3_RETRY_BASE_MS;
	for (int i = 1; i < attempt && cap < S3_RETRY_MAX_BACKOFF_MS; i++)
		cap *= 2;
	if (cap > S3_RETRY_MAX_BACKOFF_MS)
		cap = S3_RETRY_MAX_BACKOFF_MS;
	if (!(rand01 >= 0.0)) /* also catches NaN */
		rand01 = 0.0;
	if (rand01 > 1.0)
		rand01 = 1.0;
	return (long)(rand01 * (double)cap);
}

bool s3_retry_next(s3_retry_class cls, int attempt, long remaining_ms, double rand01, long *delay_ms)
{
	*delay_ms = 0;
	if (cls == S3_RETRY_NEVER || attempt >= S3_RETRY_MAX_ATTEMPTS)
		return false;
	long delay = s3_retry_backoff_ms(cls, attempt, rand01);
	if (remaining_ms - delay < S3_RETRY_MIN_ATTEMPT_MS)
		return false;
	*delay_ms = delay;
	return true;
}
