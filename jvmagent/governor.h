/* The overhead governor: when sampling's CPU time (the agent thread's own clock, plus
 * signal handlers) would exceed the budget of one CPU at the requested rate, the interval
 * is stretched until it fits (at most GOVERNOR_MAX_STRETCH times), and that is said once.
 * Time spent waiting for a thread to reach a handshake or safepoint is not charged: it
 * costs no CPU, and on a machine with fewer CPUs than runnable threads it is most of a
 * round. Pure but for its one log line; one thread (the agent's). */
#ifndef JVMSNAP_GOVERNOR_H
#define JVMSNAP_GOVERNOR_H

#include <stdbool.h>
#include <stdint.h>

#include "window.h"

enum { GOVERNOR_MAX_STRETCH = 10 };

typedef struct {
	uint64_t walk_ema_ns; /* recent sampling CPU time per round */
	bool logged;
} governor;

/* The interval for the next round, in ns, after a round that cost `cost_ns` of CPU, at
 * `interval_us` requested and a budget of `overhead_permille` of one CPU (> 0). Records
 * the longest interval chosen in st->max_interval_ns. */
uint64_t governor_interval(governor *g, uint32_t interval_us, uint32_t overhead_permille, uint64_t cost_ns,
			   window_stats *st);

#endif
