/* The Runtime API proxy's parts (lambda.h is its API), private to jvmagent/net/:
 * lambda_proxy.c serves the runtime (libmicrohttpd) and owns the proxy's lifecycle,
 * lambda_upstream.c forwards each call to the real Runtime API (libcurl), and
 * lambda_invocation.c keeps the invocation bookkeeping (routes, the open invocation, the
 * hooks). One `exchange` is one call from the runtime; it lives on one MHD connection
 * thread from its request line to the end of its answer, so only `lambda_proxy` fields
 * under `mu` are shared. */
#ifndef JVMSNAP_NET_PROXY_H
#define JVMSNAP_NET_PROXY_H

#include <curl/curl.h>
#include <microhttpd.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lambda.h"

enum {
	MAX_CONNECTIONS = 64,                 /* runtime loops; the Java client uses one */
	CONNECTION_MEMORY_BYTES = 256 * 1024, /* per connection: headers + read buffer */
	THREAD_STACK_BYTES = 512 * 1024,
	MAX_ANSWER_BYTES = 64 * 1024 * 1024, /* an event is at most 6 MB */
	POLL_MS = 1000,                      /* stop is noticed sooner: curl_multi_wakeup */
	CONNECT_TIMEOUT_MS = 10000,
	UPLOAD_BUFFER_BYTES = 256 * 1024,
	REPLAY_MAX_BYTES = 64 * 1024, /* bodies kept for a resend (below) */
	REQUEST_ID_MAX = 128,
	UPSTREAM_MAX = 256,
};

/* A reusable upstream client: the multi handle keeps the connection to the Runtime API open
 * between calls, and lets lambda_proxy_stop interrupt a long poll at once. */
typedef struct upstream_client {
	CURLM *multi;
	CURL *easy;
	struct upstream_client *next_all;  /* every client, for stop */
	struct upstream_client *next_idle; /* clients not in use */
} upstream_client;

struct lambda_proxy {
	struct MHD_Daemon *daemon;
	lambda_hooks hooks;
	char upstream[UPSTREAM_MAX];
	int64_t start_epoch_ms;
	atomic_bool stopping;
	pthread_mutex_t mu; /* guards everything below */
	upstream_client *all, *idle;
	bool next_seen;
	bool open; /* an invocation started and not yet ended */
	char open_id[REQUEST_ID_MAX];
	int64_t open_deadline_ms;
};

/* ROUTE_RESTORE_NEXT: SnapStart's GET .../restore/next, which the runtime sends once its
 * init is done and before Lambda snapshots the sandbox; it ends the init window as a first
 * GET .../invocation/next does, so that no snapshot work is in flight in the sandbox
 * snapshot. */
typedef enum { ROUTE_OTHER, ROUTE_NEXT, ROUTE_RESPONSE, ROUTE_ERROR, ROUTE_INIT_ERROR, ROUTE_RESTORE_NEXT } route;

/* One call from the runtime, from its request line to the end of the answer. */
typedef struct exchange {
	lambda_proxy *p;
	char *raw_uri; /* path and query exactly as the runtime sent them */
	route route;
	char request_id[REQUEST_ID_MAX]; /* from the path of a response/error post */
	bool started, failed, done, chunked, end_pending;
	upstream_client *c;
	struct curl_slist *headers, *trailers;
	/* the piece of request body curl reads next */
	const char *src;
	size_t src_len;
	bool eof, paused;
	/* What curl has read so far, for a resend: when a kept-alive connection to the Runtime
	 * API turns out dead, curl sends the call again on a new one and must read the body
	 * from its start. Bodies too long to keep go on a fresh connection instead. */
	char *replay;
	size_t replay_len, replay_pos;
	/* the upstream answer */
	struct curl_slist *answer_headers;
	char *body;
	size_t body_len, body_cap;
} exchange;

/* ---- invocation bookkeeping (lambda_invocation.c) ------------------------------------ */

/* The call's route from its method and raw path; for a response/error post, the request
 * id from the path goes to `id` (empty otherwise). */
route proxy_parse_route(const char *method, const char *raw_uri, char *id, size_t id_n);

/* Before a GET .../next (or SnapStart's .../restore/next, `restore`) goes upstream: ends the
 * init window or the open invocation (hooks init_done, invocation_end), then wait_idle (for
 * restore/next: before_snapshot) within what is left of the deadline. */
void proxy_before_next(lambda_proxy *p, bool restore);

/* SnapStart's GET .../restore/next answered 200: this process was restored (hook restored). */
void proxy_on_restored(exchange *ex);

/* GET .../next answered 200 with an event: opens the invocation (hook invocation_start). */
void proxy_on_event(exchange *ex);

/* The runtime has its answer to an accepted response/error post: ends the invocation it
 * names, once (hook invocation_end). */
void proxy_on_answered(exchange *ex);

/* ---- upstream side (lambda_upstream.c) ----------------------------------------------- */

/* Prepares the upstream call from the request line and headers and starts it; false when
 * it cannot be (the runtime then gets a 502). */
bool proxy_start_upstream(exchange *ex, struct MHD_Connection *conn, const char *method);

/* A chunked request's trailers, once its body is all read: sent after it upstream. */
void proxy_take_trailers(exchange *ex, struct MHD_Connection *conn);

/* Drives the upstream call: until it is done, or (until_done false) until curl has taken
 * the current piece of body and waits for more. */
void proxy_pump(exchange *ex, bool until_done);

/* Lets curl read again after it paused for want of body. */
void proxy_resume(exchange *ex);

/* Gives the call's upstream client back for reuse. */
void proxy_finish_upstream(exchange *ex);

/* Frees every upstream client (at stop, once no call is in flight). */
void proxy_free_clients(lambda_proxy *p);

/* Header names: case-insensitive equality, and the hop-by-hop ones each side regenerates
 * (never copied). */
bool proxy_name_is(const char *name, size_t len, const char *want);
bool proxy_hop_by_hop(const char *name, size_t len);

#endif
