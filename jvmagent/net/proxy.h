/* The Runtime API proxy's parts (lambda.h is its API), private to jvmagent/net/:
 * lambda_proxy.c serves the runtime (libmicrohttpd) and owns the proxy's lifecycle,
 * lambda_upstream.c forwards each call to the real Runtime API (libcurl), and
 * lambda_invocation.c keeps the invocation bookkeeping (routes, the open invocations, the
 * hooks), and lambda_thread.c finds the thread that waits on a runtime connection.
 *
 * Threading contract. MHD serves each runtime connection on its own thread, and a runtime
 * may use several at once (Lambda Managed Instances: one GET .../next loop per Java thread,
 * so calls for different invocations overlap and their responses come in any order).
 * One `exchange` is one call from the runtime; it lives on one connection thread from its
 * request line to the end of its answer and is never seen by another thread. Everything in
 * `lambda_proxy` that changes after start is under `mu`, held only for bookkeeping (never
 * across network I/O or a hook). An invocation is found by the request id in the path of
 * its response/error post, never by which connection or thread posts it. Hooks run on the
 * connection threads, outside `mu`, and for different invocations possibly at the same
 * time; for one invocation, invocation_start returns before its event is handed over, so
 * its invocation_end comes after it. */
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
	MAX_OPEN = MAX_CONNECTIONS, /* invocations open at once: one per runtime connection */
};

/* An invocation handed to the runtime and not yet ended. */
typedef struct {
	char id[REQUEST_ID_MAX];
	int64_t deadline_ms; /* epoch ms, 0 = unknown */
} open_invocation;

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
	unsigned port; /* the proxy's own */
	atomic_bool stopping;
	pthread_mutex_t mu; /* guards everything below */
	upstream_client *all, *idle;
	bool next_seen;
	/* Several invocations may be open at once: AWS_LAMBDA_MAX_CONCURRENCY > 1 at start, or
	 * a GET .../next arrived while another was still waiting upstream (which a runtime
	 * with one loop never does). Once set, a GET .../next no longer ends the open
	 * invocations (they belong to other threads), and an invocation never answered ends
	 * when its deadline has passed. */
	bool concurrent;
	unsigned nexts_waiting; /* GET .../next calls forwarded, not yet done */
	unsigned n_open;        /* at most 1 unless concurrent */
	open_invocation open[MAX_OPEN]; /* in the order they started */
	int64_t last_deadline_ms;       /* of the last invocation started */
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
	bool next_counted; /* a GET .../next counted in p->nexts_waiting */
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

/* Reads AWS_LAMBDA_MAX_CONCURRENCY (Lambda Managed Instances) at start: true when > 1. */
bool proxy_concurrency_from_env(const char *value);

/* SnapStart's GET .../restore/next answered 200: this process was restored (hook restored). */
void proxy_on_restored(exchange *ex);

/* Before a GET .../next goes upstream: ends the init window, or (one invocation at a time)
 * the open invocation (hooks init_done, invocation_end), then wait_idle within what is
 * left of the deadline (for SnapStart's .../restore/next: before_snapshot). Counts the call
 * as waiting (ex->next_counted). */
void proxy_before_next(exchange *ex);

/* A GET .../next is done (answered, failed or dropped): no longer waiting. */
void proxy_next_done(exchange *ex);

/* GET .../next answered 200 with an event, about to be sent on `conn`: opens the
 * invocation (hook invocation_start, with its handler thread when several are open at once). */
void proxy_on_event(exchange *ex, struct MHD_Connection *conn);

/* The runtime has its answer to an accepted response/error post: ends the invocation it
 * names, once (hook invocation_end). */
void proxy_on_answered(exchange *ex);

/* ---- the runtime thread behind a connection (lambda_thread.c) ------------------------ */

/* The OS thread id (gettid) of this process's thread blocked reading its end of the
 * connection from client_port to the proxy's proxy_port; 0 when there is none or it
 * cannot be told (another process, more than one, not blocked within ~5 ms). */
long proxy_reader_thread(unsigned client_port, unsigned proxy_port);

/* Thread `tid`'s name as the kernel has it (/proc/self/task/<tid>/comm: a JVM sets it to
 * the java.lang.Thread's name, cut to 15 bytes); "" when unknown. */
void proxy_thread_name(long tid, char *out, size_t n);

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
