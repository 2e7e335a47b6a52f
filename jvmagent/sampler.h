/* Stack capture: one sampling round records the stack of every Java thread into the
 * current window's call trees. Runs only on the agent's own thread (agent_thread.c),
 * which owns the timing. */
#ifndef JVMSNAP_SAMPLER_H
#define JVMSNAP_SAMPLER_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stdint.h>

struct agent;
struct agent_window;
typedef struct sampler sampler;

/* NULL on failure (out of memory, java.lang.Thread unusable). `jni` is the agent
 * thread's or VMInit's. Free with sampler_free. */
sampler *sampler_new(struct agent *a, JNIEnv *jni);
void sampler_free(sampler *s);

/* The id by which threads are told apart (java.lang.Thread's tid). */
bool sampler_thread_id(sampler *s, JNIEnv *jni, jthread t, jlong *out);
/* Leaves the thread with this id out of every sample (the agent's own threads: the
 * sampler and the statistics start-up thread; at most two). */
void sampler_exclude(sampler *s, jlong tid);

/* One round into `w` (its profile, aggregator and figures). The intervals since the
 * previous round are charged up to `t_ns` (monotonic), or up to now when 0. */
void sampler_round(sampler *s, JNIEnv *jni, struct agent_window *w, uint64_t t_ns);

/* The interval the overhead governor chose, for samplers that run on timers. */
void sampler_set_interval(sampler *s, uint64_t interval_ns);

/* The calling thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), in ns; 0 if unreadable. */
uint64_t sampler_own_cpu_ns(void);

#endif
