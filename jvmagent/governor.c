#include "governor.h"

#include "../common/log.h"

uint64_t governor_interval(governor *g, uint32_t interval_us, uint32_t overhead_permille, uint64_t cost_ns,
			   window_stats *st)
{
	uint64_t requested = (uint64_t)interval_us * 1000u;
	g->walk_ema_ns = g->walk_ema_ns ? (g->walk_ema_ns * 7 + cost_ns) / 8 : cost_ns;
	uint64_t needed = g->walk_ema_ns * 1000u / overhead_permille;
	/* At most tenfold, so a profile stays usable; rounds that themselves take longer
	 * (thousands of threads on a starved machine) still set the pace, as every deadline
	 * they overrun is skipped. */
	uint64_t cap = requested * GOVERNOR_MAX_STRETCH;
	uint64_t interval = needed > requested ? (needed > cap ? cap : needed) : requested;
	if (interval > st->max_interval_ns)
		st->max_interval_ns = interval;
	if (interval > requested + requested / 10 && !g->logged && st->samples > 16) {
		g->logged = true;
		log_info("sampling costs %.0f us of CPU per round, over the %u.%u %% budget (option overhead) at "
			 "%u us: sampling every %.0f us while that lasts",
			 (double)g->walk_ema_ns / 1e3, overhead_permille / 10, overhead_permille % 10, interval_us,
			 (double)interval / 1e3);
	}
	return interval;
}
