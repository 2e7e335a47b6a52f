/* The signal sampler's per-thread hrtimer (jvmagent/sighot.c) with a real timer and real
 * signals, the handler's decisions made as the sampler's handler makes them: a CPU timer's
 * signal arms it (and is sampled), its expiries sample a running thread, the first expiry
 * after the thread blocked disarms it (no signal comes while it stays blocked), a thread
 * without one falls back to its CPU timer, and after its deletion nothing arms it. Waits are
 * bounded by counts of events, never by a rate. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cpu_burn.h"

#include "../../jvmagent/sigsampler_priv.h"

#define IDX 5u
#define HANDLE ((uint64_t)3 << 32 | IDX) /* generation 3 */

static sigsampler g_s;
static atomic_int g_expiries, g_sampled;

static void on_sig(int signo, siginfo_t *si, void *uc)
{
	(void)signo;
	(void)uc;
	uint64_t h = (uint64_t)(uintptr_t)si->si_value.sival_ptr, cpu = 0;
	if (si->si_code != SI_TIMER || !(h & SIGHOT_BIT))
		return;
	atomic_fetch_add(&g_expiries, 1);
	if (sighot_wanted(&g_s, h, &cpu))
		atomic_fetch_add(&g_sampled, 1);
}

static int setup(void **state)
{
	(void)state;
	memset(&g_s, 0, sizeof g_s);
	g_s.interval_ns = 1000000;
	g_s.threads = calloc(MAX_TIMED, sizeof *g_s.threads);
	g_s.threads[IDX].gen = 3;
	g_s.threads[IDX].used = true;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return g_s.threads ? sigaction(SIGPROF, &sa, NULL) : -1;
}

static int teardown(void **state)
{
	(void)state;
	sighot_delete(&g_s.threads[IDX]);
	signal(SIGPROF, SIG_IGN);
	free(g_s.threads);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L}, rem;
	while (nanosleep(&ts, &rem) != 0)
		ts = rem; /* a signal may cut it short */
}

/* A CPU timer's signal, as the handler sees it (its blocking of SIGPROF aside). */
static bool cpu_timer_signal(void)
{
	uint64_t cpu = 0;
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &s, &old);
	bool r = sighot_wanted(&g_s, HANDLE, &cpu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static void test_armed_by_cpu_timer_disarmed_when_blocked(void **state)
{
	(void)state;
	sig_thread *e = &g_s.threads[IDX];
	/* No hrtimer yet: the CPU timer's signals are sampled as before, nothing is armed. */
	assert_true(cpu_timer_signal());
	assert_false(e->hot_on);
	assert_true(sighot_create(e, HANDLE));
	sleep_ms(20);
	assert_int_equal(atomic_load(&g_expiries), 0); /* created unarmed */
	/* The CPU timer fires: sampled, and the hrtimer armed. A second one is not sampled. */
	assert_true(cpu_timer_signal());
	assert_true(e->hot_on);
	assert_false(cpu_timer_signal());
	/* Running: its expiries sample it. */
	for (int i = 0; i < 10000 && atomic_load(&g_sampled) < 3; i++)
		burn_ms(1);
	assert_true(atomic_load(&g_sampled) >= 3);
	/* Blocked: the first expiry without CPU disarms it; then no signal comes. */
	for (int i = 0; i < 10000 && e->hot_on; i++)
		sleep_ms(1);
	assert_false(e->hot_on);
	int n = atomic_load(&g_expiries);
	sleep_ms(30);
	assert_int_equal(atomic_load(&g_expiries), n);
	/* Deleted: the CPU timer's signals are sampled again, and nothing is armed. */
	sighot_delete(e);
	assert_false(atomic_load(&e->hot_made));
	assert_true(cpu_timer_signal());
	assert_false(e->hot_on);
	/* Another generation's signal (a reused slot) is not this thread's. */
	assert_true(sighot_create(e, HANDLE));
	uint64_t cpu = 0;
	assert_false(sighot_wanted(&g_s, ((uint64_t)4 << 32 | IDX) | SIGHOT_BIT, &cpu));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_armed_by_cpu_timer_disarmed_when_blocked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
