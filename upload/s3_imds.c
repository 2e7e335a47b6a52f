#include "s3_imds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../common/buf.h"

#define MAX_ANSWER_BYTES (64 * 1024)
/* The SDKs' token lifetime: six hours; the command uses it for one run. */
#define TOKEN_TTL_HEADER "X-aws-ec2-metadata-token-ttl-seconds: 21600"

static const char *env(s3_getenv_fn getenv_fn, const char *name)
{
	const char *v = getenv_fn ? getenv_fn(name) : getenv(name);
	return v && *v ? v : NULL;
}

bool s3_imds_disabled(s3_getenv_fn getenv_fn)
{
	const char *v = env(getenv_fn, "AWS_EC2_METADATA_DISABLED");
	return v && strcasecmp(v, "true") == 0;
}

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	buf *b = userdata;
	if (b->len + size * n > MAX_ANSWER_BYTES)
		return 0; /* fails the transfer */
	buf_append(b, data, size * n);
	return b->failed ? 0 : size * n;
}

static void wipe(buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

/* One request; the answer's body (NUL-terminated) in `out` on HTTP 200. */
static int request(const char *url, const char *method, const char *header, long timeout_ms, buf *out, char *err,
		   size_t err_size)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = header ? curl_slist_append(NULL, header) : NULL;
	if (!h || (header && !hdrs)) {
		curl_easy_cleanup(h);
		curl_slist_free_all(hdrs);
		snprintf(err, err_size, "out of memory");
		return S3_ERR_NOMEM;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*"); /* the metadata service is never behind a proxy */
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs); /* holds the token: libcurl keeps no copy after the transfer */
	buf_u8(out, '\0');
	if (cc != CURLE_OK)
		snprintf(err, err_size, "instance metadata %s %s: %s", method, url, curl_easy_strerror(cc));
	else if (status != 200)
		snprintf(err, err_size, "instance metadata %s %s answered HTTP %ld", method, url, status);
	else if (out->failed)
		snprintf(err, err_size, "out of memory");
	return cc == CURLE_OK && status == 200 && !out->failed ? S3_OK : S3_ERR_CREDENTIALS;
}

/* The first line of a role listing, if it is a plausible role name (it becomes a URL path). */
static bool first_role(const char *listing, char *role, size_t role_size)
{
	size_t n = strcspn(listing, "\r\n");
	if (n == 0 || n >= role_size)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-", listing[i]))
			return false;
	memcpy(role, listing, n);
	role[n] = '\0';
	return true;
}

int s3_imds_credentials(s3_getenv_fn getenv_fn, long timeout_ms, s3_credentials *out, char *role, size_t role_size,
			char *err, size_t err_size)
{
	memset(out, 0, sizeof *out);
	role[0] = err[0] = '\0';
	if (s3_imds_disabled(getenv_fn)) {
		snprintf(err, err_size, "instance metadata disabled (AWS_EC2_METADATA_DISABLED=true)");
		return S3_ERR_CREDENTIALS;
	}
	const char *base = env(getenv_fn, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (!base)
		base = S3_IMDS_DEFAULT_ENDPOINT;
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	char url[2048], header[1024];
	buf token, answer;
	buf_init(&token);
	buf_init(&answer);
	snprintf(url, sizeof url, "%.*s/latest/api/token", (int)blen, base);
	int rc = request(url, "PUT", TOKEN_TTL_HEADER, timeout_ms, &token, err, err_size);
	if (rc == S3_OK && (token.len < 2 || token.len > 512 || strpbrk((char *)token.data, "\r\n"))) {
		snprintf(err, err_size, "instance metadata: the session token is not a valid header value");
		rc = S3_ERR_CREDENTIALS;
	}
	if (rc == S3_OK) {
		snprintf(header, sizeof header, "X-aws-ec2-metadata-token: %s", (const char *)token.data);
		snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/", (int)blen, base);
		rc = request(url, "GET", header, timeout_ms, &answer, err, err_size);
	}
	if (rc == S3_OK && !first_role((const char *)answer.data, role, role_size)) {
		snprintf(err, err_size, "instance metadata: no IAM role is attached to this instance");
		rc = S3_ERR_CREDENTIALS;
	}
	if (rc == S3_OK) {
		buf_reset(&answer);
		snprintf(url, sizeof url, "%.*s/latest/meta-data/iam/security-credentials/%s", (int)blen, base, role);
		rc = request(url, "GET", header, timeout_ms, &answer, err, err_size);
	}
	if (rc == S3_OK && s3_credentials_parse_json((const char *)answer.data, answer.len - 1, out) != 0) {
		snprintf(err, err_size, "instance metadata: unusable credentials JSON for role '%s'", role);
		rc = S3_ERR_CREDENTIALS;
	}
	OPENSSL_cleanse(header, sizeof header);
	wipe(&token);
	wipe(&answer);
	return rc;
}
