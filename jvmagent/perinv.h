/* Lambda Managed Instances: a zip per invocation holding only its handler thread, from
 * the event's hand-over to the response's acceptance, cut from the shared window
 * (lambda_shared.h) that sampled every thread meanwhile.
 *
 * At the invocation's start the agent thread copies the handler thread's tree in the open
 * shared window (snapshot/treediff.h); at its end the tree minus that copy is the
 * invocation's own tree, written as a window of its own ("window": "invocation", its
 * request id, "thread", "shared_window"). An invocation gets none, and is counted in the
 * shared window's "invocations_without_own_zip", when its thread is not known (the proxy
 * could not tell it, or it is no Java thread noted by tidmap.h), when the shared window
 * was cut or closed while it was open (it spans two windows), or when memory ran out.
 *
 * Only on the agent thread, which owns the shared window's profile; bounded: at most
 * PERINV_MAX_OPEN invocations, PERINV_COPY_NODES nodes per copy. */
#ifndef JVMSNAP_PERINV_H
#define JVMSNAP_PERINV_H

#include <stdbool.h>
#include <stdint.h>

#include <jni.h>

#include "invmarks.h"
#include "window.h"

struct agent;
struct sampler;

enum {
	PERINV_MAX_OPEN = 64,       /* the proxy's bound on open invocations */
	PERINV_COPY_NODES = 65536,  /* ~2.5 MB per copy; past it the copy is cut (treediff.h) */
};

typedef struct perinv perinv;

/* NULL when out of memory (logged by the caller). */
perinv *perinv_new(void);
void perinv_free(perinv *p);

/* Invocation `id` starts in the open shared window `w` (NULL: none), handled by the Java
 * thread whose sampler key is `key` (`known` false: not known). */
void perinv_start(perinv *p, agent_window *w, const char *id, bool known, uint64_t key, int64_t deadline_ms,
		  window_mark at);

/* Invocation `id` ended: its own window, to be finished and freed by the caller, or NULL
 * (not started through perinv_start, or no zip of its own: counted in `w`). */
agent_window *perinv_end(perinv *p, struct agent *a, agent_window *w, const char *id, window_mark at);

/* On the agent thread: the mark `m` in the current window `w` (NULL: none). Every thread is
 * sampled up to the mark first, so the copy and the difference end exactly there; a start
 * finds its handler's Java thread (tidmap.h). Returns the invocation's own window at its
 * end (the caller finishes and frees it), else NULL. */
agent_window *perinv_mark(perinv *p, struct agent *a, struct sampler *s, JNIEnv *jni, agent_window *w,
			  const invmark *m);

/* The shared window `w` closes: invocations still open in it get no zip (counted in it). */
void perinv_window_closed(perinv *p, agent_window *w);

#endif
