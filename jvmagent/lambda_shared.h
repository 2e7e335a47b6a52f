/* Lambda Managed Instances (several invocations open at once in one JVM): which shared
 * window is open and which invocations each one covered.
 *
 * Definition. While invocations overlap, one window holds every thread: it opens when an
 * invocation starts while no window is open (and the invocations setting chooses it), is
 * named after that invocation (its request id; the zip's key ends _shared_<id>.zip), and closes when no invocation is open any
 * more. Under steady load it is cut at the first invocation start after
 * LAMBDA_SHARED_ROLL_MS, the new window named after that invocation. metadata.json says
 * "window": "shared" and lists, in "invocations", every invocation the window overlapped
 * (an invocation open across a cut is in both) with the name of the thread that handled
 * it, when the proxy could tell. A chosen invocation also gets a zip of its own, cut from
 * the window (perinv.h); the shared window holds everything every thread did.
 *
 * Not thread-safe: the caller serialises every call (agent.c: a->lambda_mu), so that the
 * open/close requests it posts to the agent thread follow the same order. */
#ifndef JVMSNAP_LAMBDA_SHARED_H
#define JVMSNAP_LAMBDA_SHARED_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/buf.h"

enum {
	LAMBDA_SHARED_ROLL_MS = 60000, /* a shared window is cut after this under steady load */
	LAMBDA_SHARED_MAX_OPEN = 64,   /* invocations open at once (the proxy's bound) */
	LAMBDA_SHARED_MAX_LISTED = 64, /* ids listed per window; more are only counted */
	LAMBDA_SHARED_KEPT = 4,        /* closed windows' lists waiting for their zip */
	LAMBDA_SHARED_ID_MAX = 128,
	LAMBDA_SHARED_THREAD_MAX = 64,
};

typedef struct lambda_shared lambda_shared;

/* NULL when out of memory. */
lambda_shared *lambda_shared_new(void);
void lambda_shared_free(lambda_shared *s);

/* What the caller does for an invocation start or end. */
typedef enum {
	SHARED_NOTHING, /* joins (or leaves) the open window, or none is open */
	SHARED_OPEN,    /* open a window named after this invocation (closing the current one) */
	SHARED_CLOSE,   /* close the open window: no invocation is open any more */
} lambda_shared_action;

/* Invocation `id` starts at now_ms, handled by the thread named `thread` (NULL or "" when
 * not known). `chosen`: the invocations setting chose it (only a chosen one opens a
 * window; one not chosen joins the open window, listed, or is not profiled at all).
 * `window_name` is what the window's request id becomes (agent_sanitize_prefix of `id`).
 * `*own` (may be NULL): chosen and inside a window, so it gets a zip of its own (perinv.h). */
lambda_shared_action lambda_shared_start(lambda_shared *s, const char *id, const char *thread,
					 const char *window_name, int64_t now_ms, bool chosen, bool *own);

/* Invocation `id` ended (an id never started is ignored); `*own` (may be NULL): its start
 * said it gets a zip of its own. */
lambda_shared_action lambda_shared_end(lambda_shared *s, const char *id, bool *own);

/* True while a shared window is open. */
bool lambda_shared_window_open(const lambda_shared *s);

/* Appends the JSON array of the invocations the shared window `window_name` covered
 * ({"id": ..., "thread": name or null}) to `out` (the first LAMBDA_SHARED_MAX_LISTED; how
 * many more to `not_listed`) and forgets them; false (nothing appended) when no shared window had that name. */
bool lambda_shared_take(lambda_shared *s, const char *window_name, buf *out, unsigned *not_listed);

#endif
