#include "s3_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "../common/clock.h"
#include "s3_error.h"
#include "s3_request.h"

#define MAX_ATTEMPTS 3
#define DEFAULT_MAX_BYTES ((size_t)1 << 30)

struct s3_fetcher {
	const s3_config *cfg;
	const s3_credentials *cr;
	CURLM *multi;
	CURL *list_handle;
};

s3_fetcher *s3_fetcher_new(const s3_config *cfg, const s3_credentials *cr)
{
	if (!cfg->bucket || !*cfg->bucket)
		return NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s3_fetcher *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->cfg = cfg;
	f->cr = cr;
	f->multi = curl_multi_init();
	f->list_handle = curl_easy_init();
	s3_put_request probe;
	int rc = s3_get_request_build(&probe, cfg, "", NULL, cr, clock_epoch_ms());
	s3_put_request_free(&probe);
	if (!f->multi || !f->list_handle || rc != S3_OK) {
		s3_fetcher_free(f);
		return NULL;
	}
	return f;
}

void s3_fetcher_free(s3_fetcher *f)
{
	if (!f)
		return;
	curl_easy_cleanup(f->list_handle);
	curl_multi_cleanup(f->multi);
	free(f);
}

/* One transfer's state: its request, headers and the body being received. */
typedef struct {
	s3_fetch_item *item;
	s3_put_request rq;
	struct curl_slist *hdrs;
	size_t max_bytes;
	bool too_big;
	int attempts;
	char errbuf[CURL_ERROR_SIZE];
} transfer;

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
	transfer *t = userdata;
	if (t->item->body.len + size * n > t->max_bytes) {
		t->too_big = true;
		return 0;
	}
	buf_append(&t->item->body, data, size * n);
	return t->item->body.failed ? 0 : size * n;
}

static int prepare(s3_fetcher *f, CURL *h, transfer *t, const char *key, const char *query)
{
	s3_put_request_free(&t->rq);
	curl_slist_free_all(t->hdrs);
	t->hdrs = NULL;
	int rc = s3_get_request_build(&t->rq, f->cfg, key, query, f->cr, clock_epoch_ms());
	if (rc != S3_OK)
		return rc;
	for (size_t i = 0; i < t->rq.nheaders; i++) {
		if (strcmp(t->rq.headers[i].name, "host") == 0)
			continue; /* libcurl sends it from the URL */
		size_t len = strlen(t->rq.headers[i].name) + strlen(t->rq.headers[i].value) + 3;
		char *line = malloc(len);
		if (!line)
			return S3_ERR_NOMEM;
		snprintf(line, len, "%s: %s", t->rq.headers[i].name, t->rq.headers[i].value);
		struct curl_slist *grown = curl_slist_append(t->hdrs, line);
		free(line);
		if (!grown)
			return S3_ERR_NOMEM;
		t->hdrs = grown;
	}
	buf_free(&t->item->body);
	buf_init(&t->item->body);
	t->too_big = false;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, t->rq.url);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, f->cfg->connect_timeout_ms ? f->cfg->connect_timeout_ms : 5000L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L); /* a stalled transfer ends after 30 s */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	if (f->cfg->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, f->cfg->ca_file);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jvmsnap");
	curl_easy_setopt(h, CURLOPT_PRIVATE, t);
	t->attempts++;
	return S3_OK;
}

static void transfer_free(transfer *t)
{
	s3_put_request_free(&t->rq);
	curl_slist_free_all(t->hdrs);
	t->hdrs = NULL;
}

/* Fills the item's outcome from a finished transfer; true when it should be tried again. */
static bool finish(CURL *h, transfer *t, CURLcode code)
{
	s3_fetch_item *it = t->item;
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	it->res.http_status = status;
	it->res.attempts = t->attempts;
	it->res.error_code[0] = it->res.error_message[0] = '\0';
	if (code == CURLE_OK && status >= 200 && status < 300) {
		it->rc = S3_OK;
		it->res.size_bytes = (int64_t)it->body.len;
		return false;
	}
	if (code != CURLE_OK) {
		it->rc = t->too_big || it->body.failed ? S3_ERR_NOMEM : S3_ERR_NETWORK;
		snprintf(it->res.error_message, sizeof it->res.error_message, "%s",
			 t->too_big ? "object larger than the limit" : t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
		return !t->too_big && t->attempts < MAX_ATTEMPTS;
	}
	it->rc = S3_ERR_HTTP;
	s3_error_parse((const char *)it->body.data, it->body.len, it->res.error_code, sizeof it->res.error_code,
		       it->res.error_message, sizeof it->res.error_message);
	return status >= 500 && t->attempts < MAX_ATTEMPTS;
}

static bool start(s3_fetcher *f, transfer *t, s3_fetch_item *it)
{
	memset(t, 0, sizeof *t);
	t->item = it;
	t->max_bytes = 0;
	CURL *h = curl_easy_init();
	it->rc = h ? prepare(f, h, t, it->key, NULL) : S3_ERR_NOMEM;
	if (it->rc != S3_OK || curl_multi_add_handle(f->multi, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		transfer_free(t);
		return false;
	}
	return true;
}

size_t s3_fetch_many(s3_fetcher *f, s3_fetch_item *items, size_t n, int parallel, size_t max_bytes,
		     s3_progress_fn progress, void *ctx)
{
	if (parallel < 1)
		parallel = 1;
	if (parallel > 64)
		parallel = 64;
	transfer *slots = calloc((size_t)parallel, sizeof *slots);
	size_t next = 0, done = 0, failed = 0, running = 0;
	for (size_t i = 0; i < n; i++) {
		buf_init(&items[i].body);
		memset(&items[i].res, 0, sizeof items[i].res);
		items[i].rc = S3_ERR_NOMEM;
	}
	if (!slots)
		return n;
	bool *busy = calloc((size_t)parallel, sizeof *busy);
	while (busy && (next < n || running)) {
		for (int s = 0; s < parallel && next < n; s++) {
			if (busy[s])
				continue;
			if (start(f, &slots[s], &items[next])) {
				slots[s].max_bytes = max_bytes ? max_bytes : DEFAULT_MAX_BYTES;
				busy[s] = true;
				running++;
			} else {
				failed++;
				if (progress)
					progress(ctx, ++done, n);
			}
			next++;
		}
		int still;
		curl_multi_perform(f->multi, &still);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(f->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			CURL *h = m->easy_handle;
			CURLcode code = m->data.result;
			transfer *t;
			curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&t);
			curl_multi_remove_handle(f->multi, h);
			if (finish(h, t, code) && prepare(f, h, t, t->item->key, NULL) == S3_OK &&
			    curl_multi_add_handle(f->multi, h) == CURLM_OK)
				continue;
			curl_easy_cleanup(h);
			failed += t->item->rc != S3_OK;
			transfer_free(t);
			busy[t - slots] = false;
			running--;
			if (progress)
				progress(ctx, ++done, n);
		}
		if (running)
			curl_multi_poll(f->multi, NULL, 0, 200, NULL);
	}
	if (!busy)
		failed = n;
	free(busy);
	free(slots);
	return failed;
}

int s3_fetch_list(s3_fetcher *f, const char *prefix, const char *start_after, int max_keys, s3_object_list *out,
		  s3_result *res)
{
	memset(res, 0, sizeof *res);
	char *token = NULL;
	int rc = S3_OK;
	s3_fetch_item page = {.key = ""};
	buf_init(&page.body);
	transfer t = {.item = &page, .max_bytes = 64u << 20};
	do {
		buf query;
		buf_init(&query);
		s3_list_query(&query, prefix, start_after, max_keys, token);
		buf_u8(&query, 0);
		free(token);
		token = NULL;
		for (t.attempts = 0;;) {
			rc = query.failed ? S3_ERR_NOMEM : prepare(f, f->list_handle, &t, "", (const char *)query.data);
			if (rc != S3_OK)
				break;
			bool again = finish(f->list_handle, &t, curl_easy_perform(f->list_handle));
			rc = page.rc;
			if (!again)
				break;
		}
		buf_free(&query);
		*res = page.res;
		if (rc == S3_OK && s3_list_parse((const char *)page.body.data, page.body.len, out, &token) != 0) {
			rc = S3_ERR_HTTP;
			snprintf(res->error_message, sizeof res->error_message, "the answer is not a ListBucketResult");
		}
	} while (rc == S3_OK && token && max_keys <= 0);
	free(token);
	transfer_free(&t);
	buf_free(&page.body);
	return rc;
}
