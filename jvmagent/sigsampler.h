/* The signal sampler (sampler=signal): each Java thread gets a timer on its own CPU clock
 * that sends it SIGPROF after every interval of CPU it uses (at the scheduler tick at best,
 * so below 10 ms each running thread's own monotonic timer, sighot.c, or the kicker,
 * sigkick.h, sends its signals at the interval and the CPU timers only say who runs); the
 * handler takes the stack
 * in that thread with HotSpot's AsyncGetCallTrace into a preallocated ring (sigring.h)
 * and returns. The agent thread drains the ring each round, resolves the jmethodIDs and
 * aggregates; threads that ran no CPU need no walk at all, and a thread that ran a little
 * and then blocked gets one JVMTI walk (a handshake with a blocked thread is immediate).
 *
 * Threading: sigsampler_start, _drain, _pass, _set_interval and _free run on the agent
 * thread (start: on VMInit's, the main thread); the JVMTI callbacks (ThreadStart,
 * ThreadEnd, ClassPrepare, VMDeath) run on application threads and take the registry
 * lock; the signal handler takes no lock, allocates nothing and calls no JNI/JVMTI
 * function except AsyncGetCallTrace and JavaVM->GetEnv (both async-signal-safe in
 * HotSpot). Timers exist only for threads that were Java threads when registered, and
 * are deleted at their ThreadEnd and at VMDeath, so no signal reaches another thread or
 * comes after the agent stops. A future JVMTI stack request could replace
 * AsyncGetCallTrace behind the same ring. */
#ifndef JVMSNAP_SIGSAMPLER_H
#define JVMSNAP_SIGSAMPLER_H

#include <jni.h>
#include <jvmti.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../snapshot/aggregate.h"
#include "methods.h"
#include "vthreads.h"
#include "window.h"

typedef struct sigsampler sigsampler;

/* Reads a thread's key (java.lang.Thread's id); false for the agent's own threads. */
typedef bool (*sigsampler_key_fn)(void *ctx, JNIEnv *jni, jthread t, jlong *key);
/* A thread's display name. */
typedef void (*sigsampler_name_fn)(void *ctx, JNIEnv *jni, jthread t, char *out, size_t n);

/* Whether the signal sampler may run in this JVM; when not, `why` says why (shown in the
 * info line). Proven: Linux x86-64, JDK 17 and 25, no SIGPROF handler of the user's. */
bool sigsampler_supported(JavaVM *vm, jvmtiEnv *jvmti, char *why, size_t n);

/* Starts sampling: its own JVMTI environment and events, the handler, a timer for the
 * calling thread (VMInit's: main) and for every thread started from now on, and the kicker
 * (sigkick.h) as `clock` (agent_signal_clock) says. NULL on failure (logged; the caller
 * uses a handshake sampler). */
sigsampler *sigsampler_start(JavaVM *vm, JNIEnv *jni, uint32_t interval_us, uint32_t clock, uint32_t max_depth,
			     sigsampler_key_fn key_of, sigsampler_name_fn name_of, void *ctx);

/* What drives the samples of running threads: "kicker" or "cpu-timer" (NULL for NULL). */
const char *sigsampler_clock(const sigsampler *g);

/* Deletes every timer and stops the events; idempotent. The ring stays readable. */
void sigsampler_stop(sigsampler *g);
void sigsampler_free(sigsampler *g, JNIEnv *jni);

/* Re-arms the timers at a new interval (the overhead governor). */
void sigsampler_set_interval(sigsampler *g, uint64_t interval_ns);

typedef struct {
	jvmtiEnv *jvmti;
	JNIEnv *jni;
	method_cache *methods;
	atomic_bool *classes_may_unload; /* cleared here before any id is resolved */
	snap_profile *profile;
	snap_aggregator *agg;
	window_stats *stats;
	snap_frame *frames; /* scratch for one stack, max_depth + 1 frames */
	uint64_t since_ns;  /* the window's start: older samples (taken while sampling was
			     * paused between Lambda invocations) are dropped */
	const vthreads *vt; /* NULL: no virtual threads */
} sigsampler_sink;

/* Aggregates every sample in the ring; adds the handlers' and the kicker's CPU time to stats. */
void sigsampler_drain(sigsampler *g, const sigsampler_sink *k);

/* For one thread of a round's pass (its key and CPU time read): SIG_PASS_DONE when the
 * signal sampler accounted for it (idle, or running and sampled by its timer);
 * SIG_PASS_WALK when the caller must walk its stack (it ran, then stopped, since its last
 * sample); SIG_PASS_OTHER for a thread without a timer, or new: the caller's own rules. */
enum { SIG_PASS_OTHER = -1, SIG_PASS_WALK = 0, SIG_PASS_DONE = 1 };
int sigsampler_pass(sigsampler *g, jthread t, jlong key, uint64_t cpu, snap_aggregator *agg);

#endif
