#include "window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "agent_state.h"

window_mark window_now(void) { return (window_mark){clock_mono_ns(), clock_epoch_ms()}; }

agent_window *window_open(agent *a, uint32_t seq, bool init, const char *request_id, int64_t deadline_ms,
			  window_mark at)
{
	agent_window *w = calloc(1, sizeof *w);
	/* The cap (option memory) covers the window's profile and writing it: a .nps needs
	 * up to ~4 times the tree's own memory while it is built (derived totals, the block,
	 * its compressed copy, the zip), so the tree gets a fifth. And however large the cap,
	 * the tree stops at what can be cut and written within the exit bound. */
	snap_limits limits = {((size_t)a->cfg.memory_mb << 20) / 5, 0};
	if (w)
		w->profile = snap_profile_new(&limits);
	if (w && w->profile)
		w->agg = snap_agg_new(w->profile, SNAP_DEFAULT_MAX_THREADS);
	if (!w || !w->profile || !w->agg) {
		log_warn("out of memory opening a snapshot window; this window is not profiled");
		window_free(w);
		return NULL;
	}
	w->stats = stats_table_new();
	w->seq = seq;
	w->init = init;
	w->deadline_ms = deadline_ms;
	w->skipped = atomic_exchange(&a->skipped, 0);
	/* The id lands in file names and S3 keys: keep only safe characters. */
	agent_sanitize_prefix(request_id ? request_id : "", w->request_id, sizeof w->request_id);
	w->begin_ns = at.mono_ns;
	/* The first window starts at the agent's load, so JVM start-up is in it. */
	w->profile->begin_ms = seq == 0 ? a->start_epoch_ms : at.epoch_ms;
	w->profile->interval_us = a->cfg.interval_us;
	w->profile->has_cpu = a->has_cpu_time;
	w->profile->max_nodes = WINDOW_MAX_NODES;
	return w;
}

agent_window *window_open_invocation(agent *a, const agent_window *shared, const char *request_id,
				     int64_t deadline_ms, window_mark begin, window_mark end)
{
	agent_window *w = calloc(1, sizeof *w);
	snap_limits limits = {((size_t)a->cfg.memory_mb << 20) / 5, 0};
	if (w)
		w->profile = snap_profile_new(&limits);
	if (!w || !w->profile) {
		window_free(w);
		return NULL;
	}
	w->st = shared->st;
	w->seq = shared->seq;
	w->deadline_ms = deadline_ms;
	agent_sanitize_prefix(request_id, w->request_id, sizeof w->request_id);
	snprintf(w->shared_window, sizeof w->shared_window, "%s", shared->request_id);
	w->begin_ns = begin.mono_ns;
	w->profile->begin_ms = begin.epoch_ms;
	w->profile->end_ms = end.epoch_ms;
	w->profile->interval_us = shared->profile->interval_us;
	double achieved = window_achieved_interval_us(w); /* the sampling so far */
	w->profile->achieved_interval_us = achieved > 0 ? (uint32_t)(achieved + 0.5) : 0;
	w->profile->has_cpu = shared->profile->has_cpu;
	w->profile->max_nodes = WINDOW_MAX_NODES;
	return w;
}

void window_close(agent_window *w, window_mark at)
{
	snap_agg_flush(w->agg, at.mono_ns);
	w->profile->end_ms = at.epoch_ms;
	/* The .nps's sampling period is what VisualVM shows: the interval achieved. */
	double achieved = window_achieved_interval_us(w);
	if (achieved > 0)
		w->profile->achieved_interval_us = (uint32_t)(achieved + 0.5);
}

void window_free(agent_window *w)
{
	if (!w)
		return;
	snap_agg_free(w->agg);
	snap_profile_free(w->profile);
	if (w->stats)
		stats_table_free(w->stats);
	free(w);
}

double window_achieved_interval_us(const agent_window *w)
{
	if (w->st.samples < 2)
		return 0;
	return (double)(w->st.last_ns - w->st.first_ns) / 1e3 / (double)(w->st.samples - 1);
}

double window_running_interval_us(const agent_window *w)
{
	if (!w->st.signal_samples)
		return 0;
	return (double)w->st.signal_cpu_ns / 1e3 / (double)w->st.signal_samples;
}

double window_sampler_cpu_percent(const agent_window *w)
{
	uint64_t span_ns = w->st.last_ns - w->st.first_ns;
	return span_ns ? 100.0 * (double)w->st.sampler_cpu_ns / (double)span_ns : 0;
}
