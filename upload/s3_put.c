/* PutObject over libcurl: one persistent handle per client (keep-alive across uploads),
 * each attempt signed afresh, retried per s3_retry within the caller's time budget. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "../common/buf.h"
#include "../common/clock.h"
#include "../common/log.h"
#include "s3.h"
#include "s3_credentials.h"
#include "s3_error.h"
#include "s3_request.h"
#include "s3_retry.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 3000
#define DEFAULT_ATTEMPT_TIMEOUT_MS 10000
#define DEFAULT_BUDGET_MS          20000
#define MAX_ERROR_BODY_BYTES       (64 * 1024)
/* How much of the budget a credentials-endpoint fetch may use at most. */
#define MAX_CREDENTIALS_FETCH_MS 2000

enum { STR_BUCKET, STR_REGION, STR_ENDPOINT, STR_PREFIX, STR_CONTENT_TYPE, STR_CA_FILE, STR_COUNT };

struct s3_client {
	s3_config cfg; /* its strings point into `strings` */
	char *strings[STR_COUNT];
	CURL *curl;
	s3_cred_provider *creds;
	uint64_t rng;
};

typedef struct {
	FILE *file;         /* either a file from its start ... */
	const uint8_t *mem; /* ... or bytes in memory */
	uint64_t size;
	uint64_t pos;
} body_source;

typedef struct {
	buf body; /* error responses only matter; capped */
	char etag[80];
} response;

static int64_t wall_ms(const s3_client *c)
{
	return c->cfg.clock_fn ? c->cfg.clock_fn(c->cfg.clock_ctx) : clock_epoch_ms();
}

/* xorshift64*: jitter only needs to decorrelate clients, not to be unpredictable. */
static double next_rand01(s3_client *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (double)((c->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* A libcurl built on one distribution looks for CA certificates where that distribution
 * keeps them; Lambda's Amazon Linux keeps them elsewhere. Use the first bundle present. */
static const char *probe_ca_file(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	if (v && v->cainfo && access(v->cainfo, R_OK) == 0)
		return NULL; /* libcurl's own default works */
	static const char *const known[] = {
	        "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Alpine */
	        "/etc/pki/tls/certs/ca-bundle.crt",                  /* Amazon Linux, RHEL */
	        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* newer RHEL family */
	        "/etc/ssl/ca-bundle.pem",                            /* SUSE */
	};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (access(known[i], R_OK) == 0)
			return known[i];
	return NULL;
}

static bool copy_strings(s3_client *c, const s3_config *cfg)
{
	const char *src[STR_COUNT] = {cfg->bucket, cfg->region,       cfg->endpoint,
	                              cfg->prefix, cfg->content_type, cfg->ca_file};
	const char **dst[STR_COUNT] = {&c->cfg.bucket, &c->cfg.region,       &c->cfg.endpoint,
	                               &c->cfg.prefix, &c->cfg.content_type, &c->cfg.ca_file};
	if (!src[STR_PREFIX])
		src[STR_PREFIX] = "";
	if (!src[STR_CA_FILE])
		src[STR_CA_FILE] = probe_ca_file();
	if (src[STR_ENDPOINT] && !*src[STR_ENDPOINT])
		src[STR_ENDPOINT] = NULL;
	for (int i = 0; i < STR_COUNT; i++) {
		*dst[i] = NULL;
		if (src[i] && !(c->strings[i] = strdup(src[i])))
			return false;
		*dst[i] = c->strings[i];
	}
	return true;
}

/* Builds a throw-away request so that a bad endpoint or bucket fails at startup. */
static bool config_valid(const s3_config *cfg)
{
	if (!cfg->bucket || !*cfg->bucket)
		return false;
	s3_credentials fake = {"AKID", "SECRET", NULL, 0};
	s3_payload_digest d;
	s3_put_request r;
	if (s3_digest_mem("", 0, &d) != 0)
		return false;
	int rc = s3_put_request_build(&r, cfg, "probe", &d, &fake, 0);
	s3_put_request_free(&r);
	return rc == S3_OK;
}

s3_client *s3_client_new(const s3_config *given)
{
	if (!given)
		return NULL;
	s3_config resolved = *given, *cfg = &resolved;
	if (!cfg->region || !*cfg->region)
		cfg->region = s3_region_from_env(cfg->getenv_fn);
	if (!config_valid(cfg))
		return NULL;
	s3_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (!c->cfg.connect_timeout_ms)
		c->cfg.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (!c->cfg.attempt_timeout_ms)
		c->cfg.attempt_timeout_ms = DEFAULT_ATTEMPT_TIMEOUT_MS;
	if (!c->cfg.budget_ms)
		c->cfg.budget_ms = DEFAULT_BUDGET_MS;
	c->rng = (uint64_t)clock_mono_ms() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)c ^
	         (uint64_t)getpid() << 32;
	c->rng |= 1; /* xorshift must not start at zero */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(c);
		return NULL;
	}
	if (!copy_strings(c, cfg) || !(c->curl = curl_easy_init()) ||
	    !(c->creds = s3_cred_provider_new(cfg->getenv_fn, c->cfg.ca_file))) {
		s3_client_free(c);
		return NULL;
	}
	if (cfg->container_credentials_first)
		s3_cred_provider_container_first(c->creds);
	return c;
}

void s3_client_free(s3_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	s3_cred_provider_free(c->creds);
	for (int i = 0; i < STR_COUNT; i++)
		free(c->strings[i]);
	free(c);
	curl_global_cleanup(); /* reference-counted by libcurl, paired with s3_client_new */
}

static size_t read_body(char *dst, size_t size, size_t n, void *userdata)
{
	body_source *b = userdata;
	size_t want = size * n;
	if (b->size - b->pos < want)
		want = (size_t)(b->size - b->pos);
	size_t got = want;
	if (b->file)
		got = fread(dst, 1, want, b->file);
	else if (want)
		memcpy(dst, b->mem + b->pos, want);
	if (got < want && ferror(b->file))
		return CURL_READFUNC_ABORT;
	b->pos += got;
	return got;
}

/* libcurl rewinds the body when it resends on a kept-alive connection that had died. */
static int seek_body(void *userdata, curl_off_t offset, int origin)
{
	body_source *b = userdata;
	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > b->size)
		return CURL_SEEKFUNC_CANTSEEK;
	if (b->file && fseeko(b->file, (off_t)offset, SEEK_SET) != 0)
		return CURL_SEEKFUNC_FAIL;
	b->pos = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

static size_t collect_body(char *data, size_t size, size_t n, void *userdata)
{
	response *r = userdata;
	size_t len = size * n;
	if (r->body.len < MAX_ERROR_BODY_BYTES) /* keep the start; swallow the rest */
		buf_append(&r->body, data,
		           len < MAX_ERROR_BODY_BYTES - r->body.len ? len
		                                                    : MAX_ERROR_BODY_BYTES - r->body.len);
	return len;
}

static size_t collect_header(char *line, size_t size, size_t n, void *userdata)
{
	response *r = userdata;
	size_t len = size * n;
	if (len > 5 && strncasecmp(line, "etag:", 5) == 0) {
		size_t i = 5, end = len;
		while (i < end && (line[i] == ' ' || line[i] == '\t'))
			i++;
		while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
			end--;
		size_t m = end - i < sizeof r->etag - 1 ? end - i : sizeof r->etag - 1;
		memcpy(r->etag, line + i, m);
		r->etag[m] = '\0';
	}
	return len;
}

static struct curl_slist *header_list(const s3_put_request *rq)
{
	struct curl_slist *list = NULL, *next;
	buf line;
	buf_init(&line);
	for (size_t i = 0; i <= rq->nheaders; i++) {
		buf_reset(&line);
		if (i < rq->nheaders)
			buf_printf(&line, "%s: %s", rq->headers[i].name, rq->headers[i].value);
		else
			buf_append_str(&line, "Expect:"); /* no 100-continue round trip */
		buf_u8(&line, '\0');
		next = line.failed ? NULL : curl_slist_append(list, (const char *)line.data);
		if (!next) {
			curl_slist_free_all(list);
			list = NULL;
			break;
		}
		list = next;
	}
	if (line.data)
		OPENSSL_cleanse(line.data, line.cap);
	buf_free(&line);
	return list;
}

static void wipe_list(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* The cancel counter's value when the PUT began (s3_config.cancel). */
typedef struct {
	const atomic_uint *counter;
	unsigned at_start;
} cancel_watch;

static bool cancelled(const cancel_watch *w) { return w->counter && atomic_load(w->counter) != w->at_start; }

/* libcurl calls this during a transfer, about once a second when nothing moves. */
static int check_cancel(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return cancelled(userdata) ? 1 : 0;
}

typedef struct {
	CURLcode curl_code;
	long http_status;
	long new_connections;
	char curl_error[CURL_ERROR_SIZE];
} attempt_outcome;

static void set_transfer_options(s3_client *c, const s3_put_request *rq, struct curl_slist *hdrs,
                                 body_source *b, response *resp, long timeout_ms, char *errbuf,
                                 cancel_watch *cw)
{
	CURL *h = c->curl;
	curl_easy_reset(h); /* keeps the connection cache: keep-alive survives */
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	/* S3 keys may contain "/./" or "/../": libcurl must send the path as signed. */
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b->size);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(h, CURLOPT_READDATA, b);
	curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, seek_body);
	curl_easy_setopt(h, CURLOPT_SEEKDATA, b);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	/* The JVM owns signal handling; libcurl must not install handlers or raise SIGALRM. */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 c->cfg.connect_timeout_ms < timeout_ms ? c->cfg.connect_timeout_ms : timeout_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cfg.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.ca_file);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jvmsnap");
	if (cw->counter) {
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_cancel);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, cw);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
}

static int run_attempt(s3_client *c, const s3_put_request *rq, body_source *b, response *resp,
                       long timeout_ms, cancel_watch *cw, attempt_outcome *out)
{
	memset(out, 0, sizeof *out);
	buf_reset(&resp->body);
	resp->etag[0] = '\0';
	if (seek_body(b, 0, SEEK_SET) != CURL_SEEKFUNC_OK)
		return S3_ERR_FILE;
	struct curl_slist *hdrs = header_list(rq);
	if (!hdrs)
		return S3_ERR_NOMEM;
	set_transfer_options(c, rq, hdrs, b, resp, timeout_ms, out->curl_error, cw);
	out->curl_code = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->http_status);
	curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &out->new_connections);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	wipe_list(hdrs);
	if (out->curl_code != CURLE_OK)
		out->http_status = 0; /* a partial response is no answer */
	return S3_OK;
}

static void record_failure(s3_result *res, const attempt_outcome *o, const response *resp)
{
	res->error_code[0] = '\0';
	res->error_message[0] = '\0';
	if (o->curl_code != CURLE_OK) {
		snprintf(res->error_message, sizeof res->error_message, "%s",
		         o->curl_error[0] ? o->curl_error : curl_easy_strerror(o->curl_code));
		s3_redact(res->error_message); /* curl may quote what the server sent */
		return;
	}
	if (s3_error_parse((const char *)resp->body.data, resp->body.len, res->error_code,
	                   sizeof res->error_code, res->error_message, sizeof res->error_message) != 0)
		snprintf(res->error_message, sizeof res->error_message, "HTTP %ld", o->http_status);
}

static int credentials(s3_client *c, int64_t deadline, const s3_credentials **cr, s3_result *res)
{
	long remaining = (long)(deadline - clock_mono_ms());
	if (remaining <= 0)
		return S3_ERR_BUDGET;
	long fetch_ms = remaining < MAX_CREDENTIALS_FETCH_MS ? remaining : MAX_CREDENTIALS_FETCH_MS;
	return s3_cred_provider_get(c->creds, wall_ms(c), fetch_ms, cr, res->error_message,
	                            sizeof res->error_message);
}

/* One signed attempt; *cls says whether and how a failure may be retried. */
static int signed_attempt(s3_client *c, const char *key, body_source *b, const s3_payload_digest *d,
                          int64_t deadline, cancel_watch *cw, response *resp, s3_result *res,
                          s3_retry_class *cls)
{
	*cls = S3_RETRY_NEVER;
	if (cancelled(cw))
		return S3_ERR_ABORTED;
	const s3_credentials *cr;
	int rc = credentials(c, deadline, &cr, res);
	if (rc != S3_OK)
		return rc;
	/* s3_retry_next left S3_RETRY_MIN_ATTEMPT_MS for this attempt; use whatever is left. */
	long remaining = (long)(deadline - clock_mono_ms());
	s3_put_request rq;
	rc = s3_put_request_build(&rq, &c->cfg, key, d, cr, wall_ms(c));
	attempt_outcome o;
	if (rc == S3_OK) {
		long timeout = remaining < c->cfg.attempt_timeout_ms ? remaining : c->cfg.attempt_timeout_ms;
		rc = run_attempt(c, &rq, b, resp, timeout > 0 ? timeout : 1, cw, &o);
	}
	s3_put_request_free(&rq);
	if (rc != S3_OK)
		return rc;
	res->attempts++;
	res->http_status = o.http_status;
	res->new_connections += o.new_connections;
	if (o.curl_code == CURLE_OK && o.http_status >= 200 && o.http_status < 300) {
		memcpy(res->etag, resp->etag, sizeof res->etag);
		res->error_code[0] = res->error_message[0] = '\0'; /* earlier attempts' errors */
		return S3_OK;
	}
	if (o.curl_code == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(res->error_message, sizeof res->error_message, "%s", s3_strerror(S3_ERR_ABORTED));
		return S3_ERR_ABORTED;
	}
	record_failure(res, &o, resp);
	*cls = s3_retry_classify((int)o.curl_code, o.http_status, res->error_code);
	log_debug("s3: PUT %s attempt %d: %s%s%s", key, res->attempts,
	          o.curl_code != CURLE_OK ? "no response" : "HTTP error", res->error_code[0] ? " " : "",
	          res->error_code);
	return o.curl_code != CURLE_OK ? S3_ERR_NETWORK : S3_ERR_HTTP;
}

static int put(s3_client *c, const char *key, body_source *b, const s3_payload_digest *d, int64_t started,
               long budget_ms, s3_result *res)
{
	int64_t deadline = started + (budget_ms > 0 ? budget_ms : c->cfg.budget_ms);
	cancel_watch cw = {c->cfg.cancel, c->cfg.cancel ? atomic_load(c->cfg.cancel) : 0};
	response resp;
	buf_init(&resp.body);
	int rc;
	for (;;) {
		s3_retry_class cls;
		rc = signed_attempt(c, key, b, d, deadline, &cw, &resp, res, &cls);
		long delay;
		if (rc == S3_OK || !s3_retry_next(cls, res->attempts, (long)(deadline - clock_mono_ms()),
		                                  next_rand01(c), &delay))
			break;
		log_debug("s3: retrying PUT %s in %ld ms", key, delay);
		clock_sleep_ms(delay);
	}
	buf_free(&resp.body);
	return rc;
}

static void result_init(s3_result *res) { memset(res, 0, sizeof *res); }

int s3_put_buffer(s3_client *c, const char *key, const void *data, size_t len, long budget_ms, s3_result *res)
{
	int64_t started = clock_mono_ms();
	result_init(res);
	if (!c || !key || !*key || (!data && len))
		return S3_ERR_CONFIG;
	s3_payload_digest d;
	if (s3_digest_mem(data ? data : "", len, &d) != 0)
		return S3_ERR_NOMEM;
	body_source b = {NULL, data, len, 0};
	res->size_bytes = (int64_t)len;
	int rc = put(c, key, &b, &d, started, budget_ms, res);
	res->elapsed_ms = (long)(clock_mono_ms() - started);
	return rc;
}

int s3_put_file(s3_client *c, const char *key, const char *path, long budget_ms, s3_result *res)
{
	int64_t started = clock_mono_ms();
	result_init(res);
	if (!c || !key || !*key || !path)
		return S3_ERR_CONFIG;
	FILE *f = fopen(path, "rb");
	s3_payload_digest d;
	if (!f || s3_digest_file(f, &d) != 0) {
		snprintf(res->error_message, sizeof res->error_message, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return S3_ERR_FILE;
	}
	body_source b = {f, NULL, d.size_bytes, 0};
	res->size_bytes = (int64_t)d.size_bytes;
	int rc = put(c, key, &b, &d, started, budget_ms, res);
	fclose(f);
	res->elapsed_ms = (long)(clock_mono_ms() - started);
	return rc;
}
