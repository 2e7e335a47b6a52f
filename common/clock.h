/* The clocks every module reads, in the units they use. Monotonic time measures durations
 * and bounded waits (it never jumps); wall time (epoch) is only for what is shown or sent:
 * window starts, deadlines Lambda gives in epoch ms, signing dates. All thread-safe. */
#ifndef JVMSNAP_CLOCK_H
#define JVMSNAP_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns (the same clock as System.nanoTime() on Linux). */
uint64_t clock_mono_ns(void);

/* CLOCK_MONOTONIC in ms. */
int64_t clock_mono_ms(void);

/* Clock `id` (a CPU-time clock: CLOCK_THREAD_CPUTIME_ID, pthread_getcpuclockid's) in ns;
 * 0 when it cannot be read. Async-signal-safe. */
uint64_t clock_cpu_ns(clockid_t id);

/* CLOCK_REALTIME in ms since the epoch. */
int64_t clock_epoch_ms(void);

/* A CLOCK_MONOTONIC instant in ns as a timespec, for pthread_cond_timedwait on a
 * condition variable whose clock is CLOCK_MONOTONIC. */
struct timespec clock_mono_ts(uint64_t ns);

/* Sleeps ms milliseconds, resuming after signals. */
void clock_sleep_ms(long ms);

#endif
