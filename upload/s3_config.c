#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s3.h"

static const char *lookup(s3_getenv_fn fn, const char *name)
{
	const char *v = fn ? fn(name) : getenv(name);
	return v && *v ? v : NULL;
}

const char *s3_region_from_env(s3_getenv_fn getenv_fn)
{
	const char *r = lookup(getenv_fn, "AWS_REGION");
	if (!r)
		r = lookup(getenv_fn, "AWS_DEFAULT_REGION");
	return r ? r : "us-east-1";
}

int s3_object_key(char *out, size_t n, const char *prefix, const char *name_or_host, int64_t epoch_ms,
                  const char *zip_name)
{
	if (!out || n == 0)
		return S3_ERR_CONFIG;
	out[0] = '\0';
	if (!name_or_host || !*name_or_host || !zip_name || !*zip_name)
		return S3_ERR_CONFIG;
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return S3_ERR_CONFIG;
	int len = snprintf(out, n, "%s%s/%04d/%02d/%02d/%s", prefix ? prefix : "", name_or_host,
	                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, zip_name);
	if (len < 0 || (size_t)len >= n) {
		out[0] = '\0'; /* never hand out a silently truncated key */
		return S3_ERR_CONFIG;
	}
	return S3_OK;
}

const char *s3_strerror(int rc)
{
	switch (rc) {
	case S3_OK:
		return "success";
	case S3_ERR_CONFIG:
		return "invalid S3 configuration or argument";
	case S3_ERR_FILE:
		return "cannot read the file to upload";
	case S3_ERR_CREDENTIALS:
		return "no usable AWS credentials";
	case S3_ERR_NETWORK:
		return "no answer from S3 (connection, TLS or timeout)";
	case S3_ERR_HTTP:
		return "S3 rejected the upload";
	case S3_ERR_BUDGET:
		return "upload time budget exhausted";
	case S3_ERR_NOMEM:
		return "out of memory";
	case S3_ERR_ABORTED:
		return "upload stopped: begun before a SnapStart snapshot";
	default:
		return "unknown error";
	}
}
