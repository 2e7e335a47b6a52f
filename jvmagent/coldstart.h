/* The agent's share of a cold start: what it costs in CPU time while the JVM starts.
 *
 * On a 1-vCPU Lambda function every millisecond of CPU any of our threads takes during the
 * function's init is a millisecond more of init, and wall clock on a shared machine says
 * nothing reliable about it; so the figures here are thread CPU clocks
 * (CLOCK_THREAD_CPUTIME_ID, pthread_getcpuclockid), logged as one debug line when the init
 * window closes (bench/lambda_coldstart.sh reads it; docs/performance.md).
 *
 * Threading: load_* and vm_init_* run on the JVM's main thread, in that order, before any
 * agent thread exists; coldstart_stats_started runs once on the statistics thread; the
 * first column and the report run on the agent thread. What is written after the agent
 * thread started (VMInit's figure, the statistics') is atomic; the first column's fields
 * are the agent thread's own. */
#ifndef JVMSNAP_COLDSTART_H
#define JVMSNAP_COLDSTART_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct {
	clockid_t main_clock;  /* the CPU clock of the thread that ran VMInit (the JVM's main) */
	bool has_main_clock;
	uint64_t load_cpu_ns;  /* jvmsnap_agent_load, main thread (the proxy's start included) */
	/* our VMInit callback, main thread; atomic: written after the agent thread started */
	atomic_uint_fast64_t vm_init_cpu_ns;
	uint64_t mark_ns;      /* scratch: the main thread's CPU clock at *_begin */
	atomic_uint_fast64_t stats_cpu_ns;  /* the statistics' start, on its own thread */
	atomic_uint_fast64_t stats_wall_ns; /* ... and how long it took in wall time */
	uint64_t first_column_cpu_ns; /* the first statistics column (agent thread) */
	uint64_t first_column_at_ns;  /* CLOCK_MONOTONIC when it was taken (0: not yet) */
} coldstart_costs;

/* This thread's CPU time so far in ns (0 if unreadable). */
uint64_t coldstart_thread_cpu_ns(void);

/* Brackets around jvmsnap_agent_load and the VMInit callback (main thread). */
void coldstart_load_begin(coldstart_costs *c);
void coldstart_load_end(coldstart_costs *c);
void coldstart_vm_init_begin(coldstart_costs *c);
void coldstart_vm_init_end(coldstart_costs *c);

/* The statistics' start took cpu_ns of its thread's CPU over wall_ns. */
void coldstart_stats_started(coldstart_costs *c, uint64_t cpu_ns, uint64_t wall_ns);

/* The first statistics column (the first window's begin column) took cpu_ns, now. */
void coldstart_first_column(coldstart_costs *c, uint64_t cpu_ns);

/* Logs (debug) the CPU the process, the main thread and the agent's parts had used by the
 * moment `what` (e.g. "init end"): agent_cpu_ns is the agent thread's own clock,
 * sampling_cpu_ns the part of it that was sampling. */
void coldstart_report(const coldstart_costs *c, const char *what, uint64_t agent_cpu_ns,
		      uint64_t sampling_cpu_ns, uint64_t start_mono_ns);

#endif
