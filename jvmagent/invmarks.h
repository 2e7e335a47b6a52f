/* The starts and ends of Lambda Managed Instances invocations, posted by the proxy's
 * threads to the agent thread (which alone touches the profile: jvmagent/perinv.h), in the
 * order they happened. A bounded FIFO; not thread-safe: the agent thread's mutex guards it. */
#ifndef JVMSNAP_INVMARKS_H
#define JVMSNAP_INVMARKS_H

#include <stdbool.h>
#include <stdint.h>

#include "window.h"

enum { INVMARKS_MAX = 160 }; /* two per open invocation (at most 64), and room to spare */

typedef struct {
	bool end;
	char id[128];
	long os_tid;       /* start: the handler's OS thread id, 0 = not known */
	int64_t deadline_ms;
	window_mark at;
	uint32_t gen;      /* window opens/closes posted before it (agent_thread.c) */
} invmark;

typedef struct {
	invmark q[INVMARKS_MAX];
	unsigned head, n;
	uint64_t dropped;
} invmarks;

/* False (counted in `dropped`) when full. */
bool invmarks_push(invmarks *m, const invmark *mark);
/* The oldest mark posted with gen <= `gen`, removed; false when there is none. */
bool invmarks_pop(invmarks *m, uint32_t gen, invmark *out);

#endif
