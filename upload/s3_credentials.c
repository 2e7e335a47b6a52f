#include "s3_credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../common/buf.h"
#include "s3_json.h"

#define ECS_AGENT_BASE     "http://169.254.170.2"
#define MAX_RESPONSE_BYTES (64 * 1024)
#define MAX_TOKEN_BYTES    16384

typedef enum { SOURCE_NONE = 0, SOURCE_ENV, SOURCE_ENDPOINT } cred_source;

struct s3_cred_provider {
	s3_getenv_fn getenv_fn;
	char *ca_file;
	s3_credentials cached;
	cred_source source;
	int64_t fetched_ms;
	bool container_first; /* s3_cred_provider_container_first */
};

static void free_secret(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void s3_credentials_clear(s3_credentials *c)
{
	free_secret(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	memset(c, 0, sizeof *c);
}

/* Credentials become HTTP header values: printable ASCII only, no spaces. */
static bool header_safe(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

/* Matches one literal separator character. */
static int sep(const char **p, char c) { return **p == c ? ((*p)++, 0) : -1; }

static int sep_any(const char **p, const char *set) { return **p && strchr(set, **p) ? ((*p)++, 0) : -1; }

int s3_parse_iso8601_ms(const char *s, int64_t *out_ms)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, oh = 0, om = 0, ms = 0;
	if (!s || digits(&s, 4, &y) || sep(&s, '-') || digits(&s, 2, &mo) || sep(&s, '-') ||
	    digits(&s, 2, &d) || sep_any(&s, "Tt") || digits(&s, 2, &h) || sep(&s, ':') ||
	    digits(&s, 2, &mi) || sep(&s, ':') || digits(&s, 2, &sec))
		return -1;
	if (*s == '.') { /* fraction: keep milliseconds, ignore finer digits */
		s++;
		int scale = 100, any = 0;
		for (; *s >= '0' && *s <= '9'; s++, any = 1, scale /= 10)
			ms += (*s - '0') * scale;
		if (!any)
			return -1;
	}
	int sign = 0;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &oh) || sep(&s, ':') || digits(&s, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	*out_ms = (int64_t)t * 1000 + ms - (int64_t)sign * (oh * 3600 + om * 60) * 1000;
	return 0;
}

int s3_credentials_parse_json(const char *json, size_t len, s3_credentials *out)
{
	static const char *const names[] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
	char *v[4];
	memset(out, 0, sizeof *out);
	if (s3_json_strings(json, len, names, 4, v) != 0)
		return -1;
	int rc = header_safe(v[0]) && header_safe(v[1]) && (!v[2] || !*v[2] || header_safe(v[2])) ? 0 : -1;
	if (rc == 0 && v[3] && s3_parse_iso8601_ms(v[3], &out->expiration_ms) != 0)
		rc = -1;
	free(v[3]);
	if (rc != 0) {
		free_secret(v[0]);
		free_secret(v[1]);
		free_secret(v[2]);
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->access_key_id = v[0];
	out->secret_access_key = v[1];
	if (v[2] && !*v[2]) {
		free(v[2]);
		v[2] = NULL;
	}
	out->session_token = v[2];
	return 0;
}

static bool loopback_or_agent(const char *host)
{
	static const char *const agents[] = {"localhost", "[::1]", "169.254.170.2", "169.254.170.23",
	                                     "[fd00:ec2::23]"};
	for (size_t i = 0; i < sizeof agents / sizeof *agents; i++)
		if (strcasecmp(host, agents[i]) == 0)
			return true;
	unsigned a, b, c, d;
	char tail;
	return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 && c < 256 &&
	       d < 256;
}

bool s3_container_uri_allowed(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = false;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		ok = strcmp(scheme, "https") == 0 || (strcmp(scheme, "http") == 0 && loopback_or_agent(host));
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

s3_cred_provider *s3_cred_provider_new(s3_getenv_fn getenv_fn, const char *ca_file)
{
	s3_cred_provider *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->getenv_fn = getenv_fn;
	if (ca_file && !(p->ca_file = strdup(ca_file))) {
		free(p);
		return NULL;
	}
	return p;
}

void s3_cred_provider_free(s3_cred_provider *p)
{
	if (!p)
		return;
	s3_credentials_clear(&p->cached);
	free(p->ca_file);
	free(p);
}

static const char *env(const s3_cred_provider *p, const char *name)
{
	const char *v = p->getenv_fn ? p->getenv_fn(name) : getenv(name);
	return v && *v ? v : NULL;
}

void s3_cred_provider_container_first(s3_cred_provider *p) { p->container_first = true; }

/* The environment's keys, unless the container endpoint is to win and is set. */
static bool use_env_keys(const s3_cred_provider *p)
{
	if (!env(p, "AWS_ACCESS_KEY_ID") && !env(p, "AWS_SECRET_ACCESS_KEY"))
		return false;
	return !p->container_first ||
	       (!env(p, "AWS_CONTAINER_CREDENTIALS_FULL_URI") && !env(p, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
}

static int from_env(s3_cred_provider *p, char *err, size_t err_size)
{
	const char *id = env(p, "AWS_ACCESS_KEY_ID"), *secret = env(p, "AWS_SECRET_ACCESS_KEY");
	const char *token = env(p, "AWS_SESSION_TOKEN");
	s3_credentials_clear(&p->cached);
	p->source = SOURCE_NONE;
	if (!id || !secret) {
		snprintf(err, err_size, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
		return S3_ERR_CREDENTIALS;
	}
	if (!header_safe(id) || !header_safe(secret) || (token && !header_safe(token))) {
		snprintf(err, err_size,
		         "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN "
		         "hold characters not allowed in an HTTP header");
		return S3_ERR_CREDENTIALS;
	}
	p->cached.access_key_id = strdup(id);
	p->cached.secret_access_key = strdup(secret);
	p->cached.session_token = token ? strdup(token) : NULL;
	if (!p->cached.access_key_id || !p->cached.secret_access_key || (token && !p->cached.session_token)) {
		s3_credentials_clear(&p->cached);
		snprintf(err, err_size, "out of memory");
		return S3_ERR_NOMEM;
	}
	p->source = SOURCE_ENV;
	return S3_OK;
}

/* Expired credentials are useless; ones this close to expiry are not worth signing with. */
#define MIN_VALID_MS 10000

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	buf *b = userdata;
	size_t len = size * n;
	if (b->len + len > MAX_RESPONSE_BYTES)
		return 0; /* makes libcurl fail the transfer */
	buf_append(b, data, len);
	return b->failed ? 0 : len;
}

/* Trims and checks a token: it is sent as a header value, so no control characters. */
static int valid_token(buf *t)
{
	while (t->len > 0 && (t->data[t->len - 1] == '\n' || t->data[t->len - 1] == '\r' ||
	                      t->data[t->len - 1] == ' ' || t->data[t->len - 1] == '\t'))
		t->len--;
	for (size_t i = 0; i < t->len; i++)
		if (t->data[i] < 0x20 || t->data[i] == 0x7f)
			return -1;
	buf_u8(t, '\0');
	return t->failed ? -1 : 0;
}

/* The token file wins over the variable, as in the AWS SDKs (EKS rotates the file). */
static int auth_token(const s3_cred_provider *p, buf *out, char *err, size_t err_size)
{
	const char *file = env(p, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *value = env(p, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (file) {
		FILE *f = fopen(file, "rb");
		if (!f) {
			snprintf(err, err_size, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s",
			         file);
			return -1;
		}
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len <= MAX_TOKEN_BYTES)
			buf_append(out, chunk, n);
		OPENSSL_cleanse(chunk, sizeof chunk);
		fclose(f);
	} else if (value) {
		buf_append_str(out, value);
	}
	if (out->len > MAX_TOKEN_BYTES || valid_token(out) != 0) {
		snprintf(err, err_size, "the container authorization token is not a valid header value");
		return -1;
	}
	return 0;
}

static void wipe_buf(buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

/* One GET of the credentials endpoint; the response body is parsed into `out`. */
static int fetch(const s3_cred_provider *p, const char *url, long timeout_ms, s3_credentials *out, char *err,
                 size_t err_size)
{
	buf token, header, body;
	buf_init(&token);
	buf_init(&header);
	buf_init(&body);
	struct curl_slist *headers = NULL;
	CURL *h = NULL;
	long status = 0;
	int rc = auth_token(p, &token, err, err_size);
	if (rc == 0 && token.len > 1) {
		buf_printf(&header, "Authorization: %s", (const char *)token.data);
		buf_u8(&header, '\0');
		headers = header.failed ? NULL : curl_slist_append(NULL, (const char *)header.data);
		rc = headers ? 0 : -1;
	}
	if (rc == 0 && !(h = curl_easy_init()))
		rc = -1;
	if (rc == 0) {
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
		if (p->ca_file)
			curl_easy_setopt(h, CURLOPT_CAINFO, p->ca_file);
		CURLcode cc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (cc != CURLE_OK)
			snprintf(err, err_size, "credentials endpoint: %s", curl_easy_strerror(cc));
		else if (status != 200)
			snprintf(err, err_size, "credentials endpoint answered HTTP %ld", status);
		else if (s3_credentials_parse_json((const char *)body.data, body.len, out) != 0)
			snprintf(err, err_size, "credentials endpoint: unusable JSON response");
		rc = (cc == CURLE_OK && status == 200 && out->access_key_id) ? 0 : -1;
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(headers); /* libcurl copied nothing it still needs */
	wipe_buf(&token);
	wipe_buf(&header);
	wipe_buf(&body);
	return rc;
}

static int64_t usable_until(const s3_cred_provider *p)
{
	return p->cached.expiration_ms ? p->cached.expiration_ms
	                               : p->fetched_ms + S3_CRED_DEFAULT_TTL_MS + S3_CRED_REFRESH_MS;
}

static int from_endpoint(s3_cred_provider *p, const char *url, int64_t now_ms, long timeout_ms, char *err,
                         size_t err_size)
{
	bool have = p->source == SOURCE_ENDPOINT;
	if (have && now_ms < usable_until(p) - S3_CRED_REFRESH_MS)
		return S3_OK;
	if (!s3_container_uri_allowed(url)) {
		snprintf(err, err_size,
		         "container credentials URI must be https, or http to a loopback "
		         "or ECS/EKS agent address");
		return S3_ERR_CREDENTIALS;
	}
	s3_credentials fresh;
	memset(&fresh, 0, sizeof fresh);
	if (fetch(p, url, timeout_ms, &fresh, err, err_size) == 0) {
		s3_credentials_clear(&p->cached);
		p->cached = fresh;
		p->source = SOURCE_ENDPOINT;
		p->fetched_ms = now_ms;
		return S3_OK;
	}
	/* A failed refresh is not fatal while the cached credentials still work. */
	return have && now_ms < usable_until(p) - MIN_VALID_MS ? S3_OK : S3_ERR_CREDENTIALS;
}

int s3_cred_provider_get(s3_cred_provider *p, int64_t now_ms, long timeout_ms, const s3_credentials **out,
                         char *err, size_t err_size)
{
	*out = NULL;
	if (err_size)
		err[0] = '\0';
	int rc;
	if (use_env_keys(p)) {
		rc = from_env(p, err, err_size);
	} else {
		const char *full = env(p, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
		const char *rel = env(p, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
		buf url;
		buf_init(&url);
		if (full)
			buf_append_str(&url, full);
		else if (rel)
			buf_printf(&url, ECS_AGENT_BASE "%s", rel);
		buf_u8(&url, '\0');
		if (!full && !rel) {
			snprintf(err, err_size,
			         "no AWS credentials: set AWS_ACCESS_KEY_ID and "
			         "AWS_SECRET_ACCESS_KEY, or AWS_CONTAINER_CREDENTIALS_FULL_URI");
			rc = S3_ERR_CREDENTIALS;
		} else {
			rc = url.failed ? S3_ERR_NOMEM
			                : from_endpoint(p, (const char *)url.data, now_ms, timeout_ms, err,
			                                err_size);
		}
		buf_free(&url);
	}
	if (rc == S3_OK)
		*out = &p->cached;
	return rc;
}
