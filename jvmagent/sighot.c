/* The signal sampler's per-thread high-resolution clock (IOPIPE_PROFILER_SIGNAL_CLOCK=hrtimer,
 * the default below 10 ms): beside its CPU-clock timer, each Java thread gets a
 * CLOCK_MONOTONIC POSIX timer aimed at itself (SIGEV_THREAD_ID), created unarmed. Its CPU
 * timer firing says it runs (at the scheduler tick): the handler then arms the monotonic
 * timer at the interval. That timer is an hrtimer whose expiry interrupts the running thread
 * itself, as perf_events do, so no other thread has to be scheduled to wake it (the kicker's
 * cost, sigkick.h). At each expiry the handler samples when the thread ran half an interval
 * of CPU since its last sample. An expiry that finds less than an eighth of an interval of CPU
 * used since the previous one (our own handler's run, on a thread it woke), and a voluntary
 * context switch (getrusage's ru_nvcsw) since, means the thread blocked (not merely
 * preempted): the timer is disarmed at once, so a blocked thread gets one such signal
 * (which may interrupt its wait, as any signal may), not one per interval; its CPU timer
 * re-arms it when it runs again. Every field used here is the thread's own: only its handler
 * and its own ThreadEnd touch them, and the stop once no handler can run (sigsampler.c). */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/clock.h"
#include "sigsampler_priv.h"

/* The thread's voluntary context switches so far: it blocked when they grew. */
static uint64_t waits(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? (uint64_t)ru.ru_nvcsw : 0;
}

static void set(timer_t t, uint64_t ns)
{
	struct itimerspec its = {{(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)},
				 {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)}};
	timer_settime(t, 0, &its, NULL);
}

bool sighot_create(sig_thread *e, uint64_t handle)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev.sigev_value.sival_ptr = (void *)(uintptr_t)(handle | SIGHOT_BIT);
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &e->hot_timer) != 0)
		return false;
	atomic_store(&e->hot_made, true);
	return true;
}

void sighot_delete(sig_thread *e)
{
	/* Cleared first: a handler that interrupts us from here on arms nothing. */
	if (atomic_exchange(&e->hot_made, false))
		timer_delete(e->hot_timer);
}

bool sighot_wanted(sigsampler *g, uint64_t handle, uint64_t *cpu)
{
	uint32_t idx = (uint32_t)(handle & SIGHOT_IDX);
	bool mine = handle & SIGHOT_BIT;
	/* A thread whose hrtimer could not be made (or is gone) is sampled by its CPU timer. */
	sig_thread *e = idx < MAX_TIMED ? &g->threads[idx] : NULL;
	if (!e || !atomic_load(&e->hot_made) || e->gen != (uint32_t)(handle >> 32))
		return !mine;
	uint64_t interval = g->interval_ns;
	*cpu = clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	if (!mine) { /* its CPU timer: it runs */
		if (e->hot_on)
			return false; /* its hrtimer samples it */
		set(e->hot_timer, interval);
		e->hot_on = true;
		e->hot_interval = interval;
		e->hot_cpu = e->hot_seen = *cpu;
		e->hot_waits = waits();
		return true;
	}
	if (!e->hot_on) { /* a late expiry of a disarmed timer */
		set(e->hot_timer, 0);
		return false;
	}
	uint64_t seen = e->hot_seen;
	e->hot_seen = *cpu;
	/* Little CPU since the last expiry (our own handler's few microseconds, on a thread it
	 * woke, or nothing): blocked if it switched out of its own accord since, else it only
	 * waited for the CPU (preempted: another thread's time slice) and stays armed. */
	if (*cpu - seen < interval / 8) {
		uint64_t w = waits();
		bool blocked = w != e->hot_waits;
		e->hot_waits = w;
		if (blocked) {
			set(e->hot_timer, 0);
			e->hot_on = false;
		}
		return false;
	}
	if (e->hot_interval != interval) { /* the governor changed it */
		set(e->hot_timer, interval);
		e->hot_interval = interval;
	}
	if (*cpu - e->hot_cpu < interval / 2)
		return false;
	e->hot_cpu = *cpu;
	return true;
}
