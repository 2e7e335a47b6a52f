/* A snapshot window: the span one snapshot zip describes (the whole run, the Lambda init
 * phase, or one Lambda invocation). It owns the profile being aggregated, the stats
 * columns taken during it, and the sampling figures. */
#ifndef JVMSNAP_WINDOW_H
#define JVMSNAP_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "../snapshot/aggregate.h"
#include "../snapshot/profile.h"
#include "../stats/stats.h"

struct agent;

/* A window's call trees stop growing at this many nodes (~48 MB): cutting them to what is
 * written (jvmagent/output.c) and writing that take ~2 s at most on a starved 2-CPU machine
 * (bench/nps_write.sh), inside the 3 s the JVM waits at exit. */
#define WINDOW_MAX_NODES 1000000u

typedef struct {
	uint64_t samples;        /* sampling rounds taken */
	uint64_t missed;         /* deadlines skipped because a round overran */
	uint64_t busy_ns;        /* time spent inside sampling rounds */
	uint64_t stacks_ns;      /* of which inside stack-walking calls */
	uint64_t cpu_time_ns;    /* of which reading thread CPU times */
	uint64_t sampler_cpu_ns; /* CPU time sampling cost: the agent thread's own clock in
				  * rounds, plus time inside signal handlers (what the governor
				  * budgets; waiting for a thread to reach a handshake is not CPU) */
	uint64_t thread_samples; /* stacks walked and recorded */
	uint64_t first_ns, last_ns;
	uint32_t threads_last_round;
	uint32_t max_threads_seen;
	uint64_t max_interval_ns; /* longest interval the overhead governor chose */
	const char *method;      /* the sampler that ran: "changed", "all" or "signal" */
	const char *clock;       /* signal: what drove running threads' samples ("kicker",
				  * "cpu-timer"); NULL for the others */
	uint64_t signal_samples; /* stacks taken in signal handlers (signal sampler) */
	uint64_t signal_cpu_ns;  /* running threads' CPU time those samples cover */
} window_stats;

typedef struct agent_window {
	snap_profile *profile;
	snap_aggregator *agg;
	stats_table *stats;     /* NULL when statistics are unavailable */
	window_stats st;
	uint32_t seq;           /* 0, 1, 2 ... within this process */
	bool init;              /* the Lambda init window (JVM start to the first event) */
	char request_id[128];   /* the Lambda invocation, or "" */
	int64_t deadline_ms;    /* the invocation's deadline, or 0 */
	uint64_t begin_ns;      /* monotonic */
	uint64_t skipped;       /* Lambda invocations not profiled since the previous window */
	uint32_t key_nonce;     /* random part of a Lambda key without request id; 0 = not drawn */
	/* Lambda Managed Instances (jvmagent/perinv.h). A shared window: */
	bool shared;
	uint32_t without_own_zip; /* chosen invocations in it that got no zip of their own */
	/* An invocation's own zip, cut from a shared window: */
	char thread[64];          /* its handler thread's name ("" for any other window) */
	char shared_window[128];  /* the shared window's request id */
	bool copy_cut;            /* the copy taken at its start was cut (snapshot/treediff.h) */
	uint32_t own_no;          /* 1, 2, ... in this process: concurrent invocations often start
				   * within one ms, and the zip's local name is a ms stamp */
} agent_window;

/* A moment on both clocks: when a window was asked to open or close. */
typedef struct {
	uint64_t mono_ns;
	int64_t epoch_ms;
} window_mark;

window_mark window_now(void);

/* A window starting at `at`; NULL when out of memory (logged). */
agent_window *window_open(struct agent *a, uint32_t seq, bool init, const char *request_id,
			  int64_t deadline_ms, window_mark at);
/* An invocation's own window, cut from the shared window `shared` over [begin, end]: a
 * profile (filled by the caller) and `shared`'s sampling figures, no aggregator and no
 * statistics (the shared window's columns are not per invocation). NULL when out of memory. */
agent_window *window_open_invocation(struct agent *a, const agent_window *shared, const char *request_id,
				     int64_t deadline_ms, window_mark begin, window_mark end);
/* Charges every live thread up to `at` and stamps the end; no sampling after this. */
void window_close(agent_window *w, window_mark at);
void window_free(agent_window *w);

/* The average interval achieved between rounds, in µs (0 before two rounds). */
double window_achieved_interval_us(const agent_window *w);

/* Signal sampler: the CPU time between two samples of a running thread, in µs (0 when
 * there were none). */
double window_running_interval_us(const agent_window *w);

/* Sampling's CPU time as a percentage of one CPU over the sampled span. */
double window_sampler_cpu_percent(const agent_window *w);

#endif
