/* The signal sampler's kicker: a high-resolution clock for sampling running threads.
 *
 * Linux expires a thread's CPU-clock timer only at the scheduler tick (4 ms at HZ=250, as on
 * Lambda), so a busy thread gets at most one timer SIGPROF per tick whatever the interval.
 * The kicker is one native pthread (never attached to the JVM: no JNI, no JVMTI) that wakes
 * every interval on CLOCK_MONOTONIC (an hrtimer, microsecond precision) and, for each thread
 * of a small HOT SET, reads the thread's CPU clock and sends it SIGPROF (with the thread's
 * sampler handle as the signal's value) when it ran at least half an interval of CPU since it
 * was last kicked. The signal handler then takes the stack as for a timer signal; each
 * sample's weight is the thread's CPU time since its previous sample, so totals stay exact
 * whatever the rate.
 *
 * A thread enters the hot set when its CPU timer fires (sigkick_want, from the handler: the
 * timer stays the cheap detector of who runs at all) and leaves it after KICK_IDLE_NS without
 * CPU; the set holds at most SIGKICK_HOT threads, so a kick costs at most that many clock
 * reads and signals. While no thread is hot the kicker wakes only every 10 ms.
 *
 * Threads: sigkick_add / _remove run on the registered thread itself (ThreadStart,
 * ThreadEnd); _want and _is_hot are async-signal-safe (atomics only) and run in the signal
 * handler; the rest runs on the agent thread. A target is signalled only between its add
 * and its remove, under the kicker's lock, so no signal reaches a thread that has ended (its
 * tid could be reused by a thread that is not Java's); after sigkick_stop returns, none at
 * all. */
#ifndef JVMSNAP_SIGKICK_H
#define JVMSNAP_SIGKICK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum { SIGKICK_HOT = 64 };

typedef struct sigkick sigkick;

/* A kicker for `targets` registry slots (0..targets-1), kicking every interval_ns; its
 * thread runs from sigkick_new on. `signo` is sent with rt_tgsigqueueinfo (si_code
 * SI_QUEUE, si_pid this process). NULL when it could not start (nothing to stop then). */
sigkick *sigkick_new(uint32_t targets, uint64_t interval_ns, int signo);

/* Registers slot idx (handle: the signal's value) for the calling thread. */
void sigkick_add(sigkick *k, uint32_t idx, uint64_t handle);
/* The slot's thread ends: once this returns, it is never signalled again. */
void sigkick_remove(sigkick *k, uint32_t idx);

/* Async-signal-safe: slot idx used CPU (its timer fired); it joins the hot set at the next kick. */
void sigkick_want(sigkick *k, uint32_t idx);
/* Async-signal-safe: whether slot idx is in the hot set (its kicks sample it). */
bool sigkick_is_hot(const sigkick *k, uint32_t idx);

void sigkick_set_interval(sigkick *k, uint64_t interval_ns);

/* The kicker thread's CPU time not yet taken (for the sampling budget). */
uint64_t sigkick_take_cpu_ns(sigkick *k);

typedef struct {
	uint64_t kicks;   /* wake-ups */
	uint64_t late;    /* wake-ups that missed one or more whole intervals */
	uint64_t signals; /* signals sent */
	uint64_t failed;  /* signals the kernel refused */
	bool ended;       /* the thread was stopped and joined */
} sigkick_counts;
sigkick_counts sigkick_counts_of(const sigkick *k);

/* Stops and joins the thread (it notices within 10 ms; the wait is bounded at 500 ms);
 * after it returns no signal is sent. Idempotent, and callable from two threads at once. */
void sigkick_stop(sigkick *k);
/* Frees a stopped kicker; one whose thread did not end in time is left allocated. */
void sigkick_free(sigkick *k);

#endif
