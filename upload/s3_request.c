#include "s3_request.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../common/buf.h"

static char *take(buf *b)
{
	buf_u8(b, '\0');
	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	char *s = (char *)b->data;
	buf_init(b);
	return s;
}

typedef struct {
	char *scheme;
	char *host;
	char *port; /* NULL when the URL names none */
	char *path;
} url_parts;

static void parts_free(url_parts *u)
{
	curl_free(u->scheme);
	curl_free(u->host);
	curl_free(u->port);
	curl_free(u->path);
	memset(u, 0, sizeof *u);
}

/* Splits an endpoint URL; only plain http(s)://host[:port][/path] is accepted. */
static int split_endpoint(const char *endpoint, url_parts *u)
{
	memset(u, 0, sizeof *u);
	CURLU *h = curl_url();
	char *extra = NULL;
	int rc = S3_ERR_CONFIG;
	if (h && curl_url_set(h, CURLUPART_URL, endpoint, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_SCHEME, &u->scheme, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &u->host, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_PATH, &u->path, 0) == CURLUE_OK &&
	    (strcmp(u->scheme, "http") == 0 || strcmp(u->scheme, "https") == 0) &&
	    curl_url_get(h, CURLUPART_QUERY, &extra, 0) != CURLUE_OK &&
	    curl_url_get(h, CURLUPART_USER, &extra, 0) != CURLUE_OK)
		rc = S3_OK;
	if (rc == S3_OK && curl_url_get(h, CURLUPART_PORT, &u->port, 0) != CURLUE_OK)
		u->port = NULL;
	curl_free(extra);
	curl_url_cleanup(h);
	if (rc != S3_OK)
		parts_free(u);
	return rc;
}

/* Host as botocore signs it: lowercase, the port only when not the scheme's default. */
static void append_host(buf *out, const url_parts *u)
{
	for (const char *p = u->host; *p; p++)
		buf_u8(out, (uint8_t)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p));
	bool default_port = !u->port || (strcmp(u->scheme, "http") == 0 && strcmp(u->port, "80") == 0) ||
	                    (strcmp(u->scheme, "https") == 0 && strcmp(u->port, "443") == 0);
	if (!default_port)
		buf_printf(out, ":%s", u->port);
}

/* Path-style on a custom endpoint; AWS: virtual-hosted, except for dotted bucket names,
 * which the *.s3 wildcard certificate cannot cover. */
static int locate(s3_put_request *r, const s3_config *cfg, const char *key)
{
	buf host, path, url;
	buf_init(&host);
	buf_init(&path);
	buf_init(&url);
	url_parts u;
	bool custom = cfg->endpoint && *cfg->endpoint;
	int rc = S3_OK;
	if (custom) {
		rc = split_endpoint(cfg->endpoint, &u);
		if (rc == S3_OK) {
			append_host(&host, &u);
			size_t plen = strlen(u.path);
			while (plen > 0 && u.path[plen - 1] == '/')
				plen--;
			buf_append(&path, u.path, plen);
			buf_printf(&url, "%s://", u.scheme);
			parts_free(&u);
		}
	} else {
		const char *tld = strncmp(cfg->region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
		if (strchr(cfg->bucket, '.'))
			buf_printf(&host, "s3.%s.%s", cfg->region, tld);
		else
			buf_printf(&host, "%s.s3.%s.%s", cfg->bucket, cfg->region, tld);
		buf_append_str(&url, "https://");
	}
	if (custom || strchr(cfg->bucket, '.')) {
		buf_u8(&path, '/');
		s3_uri_encode(&path, cfg->bucket, strlen(cfg->bucket), false);
	}
	if (*key || !path.len) { /* "" = the bucket itself: "/bucket" path-style, "/" virtual-hosted */
		buf_u8(&path, '/');
		s3_uri_encode(&path, key, strlen(key), true);
	}
	buf_append(&url, host.data, host.len);
	buf_append(&url, path.data, path.len);
	r->host = rc == S3_OK ? take(&host) : NULL;
	r->path = rc == S3_OK ? take(&path) : NULL;
	r->url = rc == S3_OK ? take(&url) : NULL;
	buf_free(&host);
	buf_free(&path);
	buf_free(&url);
	if (rc == S3_OK && (!r->host || !r->path || !r->url))
		rc = S3_ERR_NOMEM;
	return rc;
}

static void add(s3_put_request *r, const char *name, char *value)
{
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value ? value : "";
	r->values[r->nheaders++] = value;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int sign(s3_put_request *r, const s3_config *cfg, const s3_credentials *cr, const char *amz_date,
                const char *payload_hash, const char *method, const char *query)
{
	s3_sigv4_request sr = {method, r->path, query, r->headers, r->nheaders, payload_hash, S3_SIGV4_S3};
	s3_sigv4_scope scope = {cr->access_key_id, cr->secret_access_key, cfg->region, "s3", amz_date};
	buf auth;
	buf_init(&auth);
	int rc = s3_sigv4_authorization(&sr, &scope, &auth);
	char *v = rc == 0 ? take(&auth) : NULL;
	buf_free(&auth);
	if (!v)
		return S3_ERR_NOMEM;
	add(r, "authorization", v);
	return S3_OK;
}

/* The headers every request ends with (date, session token), then the signature. */
static int date_token_sign(s3_put_request *r, const s3_config *cfg, const s3_credentials *cr, const char *amz_date,
                           const char *payload_hash, const char *method, const char *query)
{
	add(r, "x-amz-date", strdup(amz_date));
	if (cr->session_token)
		add(r, "x-amz-security-token", dup_or_null(cr->session_token));
	for (size_t i = 0; i < r->nheaders; i++)
		if (!r->values[i])
			return S3_ERR_NOMEM;
	return sign(r, cfg, cr, amz_date, payload_hash, method, query);
}

const char *s3_content_type_of(const char *key)
{
	size_t n = strlen(key);
	/* The invocation summary beside a zip: Athena and browsers read it as JSON. */
	return n > 5 && strcmp(key + n - 5, ".json") == 0 ? "application/json" : "application/zip";
}

int s3_put_request_build(s3_put_request *r, const s3_config *cfg, const char *key, const s3_payload_digest *d,
                         const s3_credentials *cr, int64_t now_ms)
{
	memset(r, 0, sizeof *r);
	if (!cfg->bucket || !*cfg->bucket || !cfg->region || !*cfg->region || !key || !*key ||
	    !cr->access_key_id || !cr->secret_access_key)
		return S3_ERR_CONFIG;
	int rc = locate(r, cfg, key);
	if (rc != S3_OK)
		return rc;
	char amz_date[S3_AMZ_DATE_LEN + 1];
	s3_sigv4_amz_date(now_ms, amz_date);
	add(r, "host", strdup(r->host));
	add(r, "content-md5", strdup(d->md5_b64));
	add(r, "content-type", strdup(cfg->content_type ? cfg->content_type : s3_content_type_of(key)));
	add(r, "x-amz-content-sha256", strdup(d->sha256_hex));
	return date_token_sign(r, cfg, cr, amz_date, d->sha256_hex, "PUT", NULL);
}

int s3_get_request_build(s3_put_request *r, const s3_config *cfg, const char *key, const char *query,
                         const s3_credentials *cr, int64_t now_ms)
{
	/* SHA-256 of the empty body. */
	static const char empty_sha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	memset(r, 0, sizeof *r);
	if (!cfg->bucket || !*cfg->bucket || !cfg->region || !*cfg->region || !key ||
	    !cr->access_key_id || !cr->secret_access_key)
		return S3_ERR_CONFIG;
	int rc = locate(r, cfg, key);
	if (rc != S3_OK)
		return rc;
	if (query && *query) {
		size_t n = strlen(r->url) + strlen(query) + 2;
		char *url = malloc(n);
		if (!url)
			return S3_ERR_NOMEM;
		snprintf(url, n, "%s?%s", r->url, query);
		free(r->url);
		r->url = url;
	}
	char amz_date[S3_AMZ_DATE_LEN + 1];
	s3_sigv4_amz_date(now_ms, amz_date);
	add(r, "host", strdup(r->host));
	add(r, "x-amz-content-sha256", strdup(empty_sha256));
	return date_token_sign(r, cfg, cr, amz_date, empty_sha256, "GET", query);
}

void s3_put_request_free(s3_put_request *r)
{
	for (size_t i = 0; i < r->nheaders; i++) {
		/* The token and the signature must not linger in freed memory. */
		if (r->values[i])
			OPENSSL_cleanse(r->values[i], strlen(r->values[i]));
		free(r->values[i]);
	}
	free(r->url);
	free(r->path);
	free(r->host);
	memset(r, 0, sizeof *r);
}

const char *s3_put_request_header(const s3_put_request *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}
