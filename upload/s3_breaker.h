/* A circuit breaker for S3 uploads: after consecutive failed uploads of one kind, uploads
 * stop for a backoff that doubles (1 s ... 5 min by default), then one upload probes.
 *
 * Pure state machine: no clock, no logging, no threads. The caller passes the monotonic
 * time in ms to every call and logs the transitions it is handed back, so a fleet sees one
 * line when uploads stop and one when they resume, never one per attempt. */
#ifndef JVMSNAP_S3_BREAKER_H
#define JVMSNAP_S3_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "s3.h"

typedef enum {
	S3_FAIL_NONE = 0,
	S3_FAIL_CONNECT, /* no HTTP answer: refused, reset, timeout, TLS, the budget ran out */
	S3_FAIL_CLIENT,  /* 4xx other than 429 (AccessDenied, NoSuchBucket, ...), no credentials */
	S3_FAIL_SERVER,  /* 5xx, 429 and throttling codes (SlowDown, ...) */
	S3_FAIL_KINDS
} s3_fail_kind;

typedef enum {
	S3_BREAKER_CLOSED = 0, /* uploads go ahead */
	S3_BREAKER_OPEN,       /* uploads stop until the backoff ends */
	S3_BREAKER_PROBING,    /* the backoff ended: the next upload is the probe */
} s3_breaker_state;

typedef enum {
	S3_BREAKER_DENY = 0, /* keep the zip for later, send nothing */
	S3_BREAKER_ALLOW,    /* closed: upload as usual */
	S3_BREAKER_PROBE,    /* one upload to find out whether S3 is back */
} s3_breaker_verdict;

typedef enum {
	S3_BREAKER_NO_CHANGE = 0,
	S3_BREAKER_OPENED,   /* closed -> open: say so once */
	S3_BREAKER_REOPENED, /* the probe failed: open again, for twice as long (not worth a warning) */
	S3_BREAKER_RESUMED,  /* the probe (or any upload) succeeded while open: say so once */
} s3_breaker_event;

typedef struct {
	uint32_t threshold[S3_FAIL_KINDS]; /* consecutive failures of a kind that open it; 0 = 1 */
	uint32_t backoff_min_ms;           /* 0 = 1000 */
	uint32_t backoff_max_ms;           /* 0 = 300000 */
} s3_breaker_config;

typedef struct {
	s3_breaker_config cfg;
	s3_breaker_state state;
	s3_fail_kind streak_kind; /* kind of the current run of failures */
	uint32_t streak;          /* its length */
	s3_fail_kind cause;       /* what opened it (the last failure while open) */
	uint32_t backoff_ms;      /* current backoff; 0 while closed */
	int64_t retry_at_ms;      /* open: when the probe may go */
	int64_t opened_at_ms;     /* when it last went from closed to open */
	uint32_t kept, dropped;   /* snapshots kept or dropped since it opened */
} s3_breaker;

/* Defaults: 1 failure opens for client errors (they do not heal by themselves), 2 for
 * connection failures and server errors (one bad upload is often a blip). */
void s3_breaker_init(s3_breaker *b, const s3_breaker_config *cfg);

/* Whether an upload may go now. Moves open -> probing once the backoff is over. */
s3_breaker_verdict s3_breaker_allow(s3_breaker *b, int64_t now_ms);

/* The outcome of an upload that was allowed (kind S3_FAIL_NONE = it succeeded). */
s3_breaker_event s3_breaker_record(s3_breaker *b, int64_t now_ms, s3_fail_kind kind);

/* Counts snapshots kept (queued) or dropped while the breaker is not closed. */
void s3_breaker_note(s3_breaker *b, uint32_t kept, uint32_t dropped);

/* The failure kind of an upload's outcome: rc from s3_put_file and its result. S3_FAIL_NONE
 * for success, and also for local trouble (unreadable file, no memory), which says nothing
 * about S3: record only S3_OK or a real kind. */
s3_fail_kind s3_breaker_classify(int rc, const s3_result *r);

/* "connection failure or timeout", "client error (4xx)", "server error or throttling". */
const char *s3_fail_kind_name(s3_fail_kind k);

#endif
