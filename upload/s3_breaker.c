#include "s3_breaker.h"

#include <string.h>

#include "s3_retry.h"

enum { DEFAULT_BACKOFF_MIN_MS = 1000, DEFAULT_BACKOFF_MAX_MS = 300000 };

void s3_breaker_init(s3_breaker *b, const s3_breaker_config *cfg)
{
	memset(b, 0, sizeof *b);
	if (cfg)
		b->cfg = *cfg;
	else {
		b->cfg.threshold[S3_FAIL_CONNECT] = 2;
		b->cfg.threshold[S3_FAIL_SERVER] = 2;
		b->cfg.threshold[S3_FAIL_CLIENT] = 1;
	}
	if (!b->cfg.backoff_min_ms)
		b->cfg.backoff_min_ms = DEFAULT_BACKOFF_MIN_MS;
	if (!b->cfg.backoff_max_ms)
		b->cfg.backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
	if (b->cfg.backoff_max_ms < b->cfg.backoff_min_ms)
		b->cfg.backoff_max_ms = b->cfg.backoff_min_ms;
}

s3_breaker_verdict s3_breaker_allow(s3_breaker *b, int64_t now_ms)
{
	switch (b->state) {
	case S3_BREAKER_CLOSED:
		return S3_BREAKER_ALLOW;
	case S3_BREAKER_OPEN:
		if (now_ms < b->retry_at_ms)
			return S3_BREAKER_DENY;
		b->state = S3_BREAKER_PROBING;
		return S3_BREAKER_PROBE;
	default:
		return S3_BREAKER_PROBE; /* the probe's outcome was never recorded: probe again */
	}
}

static void open_for(s3_breaker *b, int64_t now_ms, uint32_t backoff_ms)
{
	b->state = S3_BREAKER_OPEN;
	b->backoff_ms = backoff_ms;
	b->retry_at_ms = now_ms + backoff_ms;
}

static s3_breaker_event record_failure(s3_breaker *b, int64_t now_ms, s3_fail_kind kind)
{
	b->streak = b->streak_kind == kind ? b->streak + 1 : 1;
	b->streak_kind = kind;
	if (b->state != S3_BREAKER_CLOSED) { /* a failed probe */
		uint32_t next = b->backoff_ms > b->cfg.backoff_max_ms / 2 ? b->cfg.backoff_max_ms : b->backoff_ms * 2;
		b->cause = kind;
		open_for(b, now_ms, next);
		return S3_BREAKER_REOPENED;
	}
	uint32_t threshold = b->cfg.threshold[kind] ? b->cfg.threshold[kind] : 1;
	if (b->streak < threshold)
		return S3_BREAKER_NO_CHANGE;
	b->cause = kind;
	b->opened_at_ms = now_ms;
	b->kept = b->dropped = 0;
	open_for(b, now_ms, b->cfg.backoff_min_ms);
	return S3_BREAKER_OPENED;
}

s3_breaker_event s3_breaker_record(s3_breaker *b, int64_t now_ms, s3_fail_kind kind)
{
	if (kind <= S3_FAIL_NONE || kind >= S3_FAIL_KINDS) {
		bool was_open = b->state != S3_BREAKER_CLOSED;
		b->state = S3_BREAKER_CLOSED;
		b->streak = 0;
		b->streak_kind = S3_FAIL_NONE;
		b->backoff_ms = 0;
		return was_open ? S3_BREAKER_RESUMED : S3_BREAKER_NO_CHANGE;
	}
	return record_failure(b, now_ms, kind);
}

void s3_breaker_note(s3_breaker *b, uint32_t kept, uint32_t dropped)
{
	if (b->state == S3_BREAKER_CLOSED)
		return;
	b->kept += kept;
	b->dropped += dropped;
}

s3_fail_kind s3_breaker_classify(int rc, const s3_result *r)
{
	switch (rc) {
	case S3_OK:
		return S3_FAIL_NONE;
	case S3_ERR_NETWORK:
	case S3_ERR_BUDGET:
		return S3_FAIL_CONNECT;
	case S3_ERR_HTTP:
		return s3_retry_classify(0, r->http_status, r->error_code) == S3_RETRY_NEVER ? S3_FAIL_CLIENT
											      : S3_FAIL_SERVER;
	case S3_ERR_CREDENTIALS:
		return S3_FAIL_CLIENT; /* as a refused signature would be: it does not heal by retrying */
	default:
		return S3_FAIL_NONE; /* local trouble (file, memory): says nothing about S3 */
	}
}

const char *s3_fail_kind_name(s3_fail_kind k)
{
	switch (k) {
	case S3_FAIL_CONNECT:
		return "connection failure or timeout";
	case S3_FAIL_CLIENT:
		return "client error (4xx or credentials)";
	case S3_FAIL_SERVER:
		return "server error or throttling (5xx, 429)";
	default:
		return "none";
	}
}
