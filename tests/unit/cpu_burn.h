/* Unit tests' helper: burn a given amount of the calling thread's own CPU time (a count of
 * CPU, not of wall time, so a loaded machine only makes it slower). Header-only. */
#ifndef JVMSNAP_TEST_CPU_BURN_H
#define JVMSNAP_TEST_CPU_BURN_H

#include <stdint.h>
#include <time.h>

static inline uint64_t burn_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t burn_sink;

/* Burns `ms` milliseconds of this thread's CPU. */
static inline void burn_ms(uint64_t ms)
{
	uint64_t end = burn_cpu_ns() + ms * 1000000u;
	while (burn_cpu_ns() < end)
		for (int i = 0; i < 10000; i++)
			burn_sink = burn_sink * 31 + (uint64_t)i;
}

#endif
