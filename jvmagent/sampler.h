/* The sampler: an agent thread (JVMTI RunAgentThread, so it never runs application code)
 * that takes a stack sample of every Java thread on absolute deadlines and feeds them
 * into the window's profile. */
#ifndef JVMSNAP_SAMPLER_H
#define JVMSNAP_SAMPLER_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

#include "../snapshot/profile.h"

struct agent;
typedef struct sampler sampler;

typedef struct {
	uint64_t samples;        /* sampling rounds taken */
	uint64_t missed;         /* deadlines skipped because a round overran */
	uint64_t busy_ns;        /* time spent inside sampling rounds */
	uint64_t stacks_ns;      /* of which inside stack-walking calls */
	uint64_t cpu_time_ns;    /* of which reading thread CPU times */
	uint64_t thread_samples; /* stacks recorded */
	uint32_t threads_last_round;
	uint64_t max_interval_ns;  /* longest interval the overhead governor chose */
	uint64_t first_ns, last_ns;
	uint32_t max_threads_seen;
} sampler_stats;

/* Creates the profile and starts the thread; called from VMInit. NULL on failure (the
 * failure is logged and the agent stays inert). */
sampler *sampler_start(struct agent *a, JNIEnv *jni);

/* Asks the thread to take a final sample and stop; waits at most `timeout_ms`. True
 * when it stopped, after which the profile belongs to the caller. */
bool sampler_stop(sampler *s, uint32_t timeout_ms);

/* The window's profile (owned by the sampler until it has stopped). */
snap_profile *sampler_profile(sampler *s);
sampler_stats sampler_get_stats(const sampler *s);

/* Charges the live threads up to `t_ns`; after sampler_stop only. */
void sampler_close_window(sampler *s, uint64_t t_ns);
void sampler_free(sampler *s);

#endif
