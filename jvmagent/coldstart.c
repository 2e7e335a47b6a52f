#include "coldstart.h"

#include <pthread.h>
#include <stdio.h>

#include "../common/clock.h"
#include "../common/log.h"

uint64_t coldstart_thread_cpu_ns(void) { return clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID); }

void coldstart_load_begin(coldstart_costs *c) { c->mark_ns = coldstart_thread_cpu_ns(); }

void coldstart_load_end(coldstart_costs *c) { c->load_cpu_ns = coldstart_thread_cpu_ns() - c->mark_ns; }

void coldstart_vm_init_begin(coldstart_costs *c)
{
	c->mark_ns = coldstart_thread_cpu_ns();
	c->has_main_clock = pthread_getcpuclockid(pthread_self(), &c->main_clock) == 0;
}

void coldstart_vm_init_end(coldstart_costs *c)
{
	atomic_store(&c->vm_init_cpu_ns, coldstart_thread_cpu_ns() - c->mark_ns);
}

void coldstart_stats_started(coldstart_costs *c, uint64_t cpu_ns, uint64_t wall_ns)
{
	atomic_store(&c->stats_cpu_ns, cpu_ns);
	atomic_store(&c->stats_wall_ns, wall_ns);
}

void coldstart_first_column(coldstart_costs *c, uint64_t cpu_ns)
{
	c->first_column_cpu_ns = cpu_ns;
	c->first_column_at_ns = clock_mono_ns();
}

void coldstart_report(const coldstart_costs *c, const char *what, uint64_t agent_cpu_ns, uint64_t sampling_cpu_ns,
		      uint64_t start_mono_ns)
{
	if (!log_debug_enabled())
		return;
	/* The main thread may have ended (a JVM whose main returned): its clock then fails and
	 * reads as 0. */
	uint64_t main_ns = c->has_main_clock ? clock_cpu_ns(c->main_clock) : 0;
	uint64_t stats_wall = atomic_load(&c->stats_wall_ns);
	char first[96] = "no first column yet";
	if (c->first_column_at_ns)
		snprintf(first, sizeof first, "first column %.1f ms, taken %.0f ms after the agent's load",
			 (double)c->first_column_cpu_ns / 1e6, (double)(c->first_column_at_ns - start_mono_ns) / 1e6);
	log_debug("CPU at %s: process %.1f ms, JVM main thread %.1f ms (of which agent load %.2f ms, VMInit %.2f "
		  "ms); agent thread %.1f ms (sampling %.1f ms); statistics start %.1f ms (%s%.0f ms wall), %s",
		  what, (double)clock_cpu_ns(CLOCK_PROCESS_CPUTIME_ID) / 1e6, (double)main_ns / 1e6,
		  (double)c->load_cpu_ns / 1e6, (double)atomic_load(&c->vm_init_cpu_ns) / 1e6, (double)agent_cpu_ns / 1e6,
		  (double)sampling_cpu_ns / 1e6, (double)atomic_load(&c->stats_cpu_ns) / 1e6,
		  stats_wall ? "" : "not done; ", (double)stats_wall / 1e6, first);
}
