/* The signal sampler's kicker (jvmagent/sigkick.h) with a real thread and real signals:
 * a registered thread that runs is signalled (SI_QUEUE from this process, its handle as
 * the value) once a timer said it runs; a thread never wanted, or removed, or a stopped
 * kicker sends nothing; the kicker's thread exists while it runs and is gone after the
 * stop. Waits are bounded by counts of events, never by a rate: a loaded machine only
 * makes the test slower. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpu_burn.h"

#include "../../jvmagent/sigkick.h"

#define SIG SIGUSR2
#define HANDLE 0x0000000700000003ull /* generation 7, slot 3 */

static atomic_int g_got, g_bad;

static void on_sig(int signo, siginfo_t *si, void *uc)
{
	(void)signo;
	(void)uc;
	if (si->si_code == SI_QUEUE && si->si_pid == getpid() && (uint64_t)(uintptr_t)si->si_value.sival_ptr == HANDLE)
		atomic_fetch_add(&g_got, 1);
	else
		atomic_fetch_add(&g_bad, 1);
}

static int setup(void **state)
{
	(void)state;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	atomic_store(&g_got, 0);
	atomic_store(&g_bad, 0);
	return sigaction(SIG, &sa, NULL);
}

/* Whether a thread of this process is named `name` (its /proc comm). */
static bool has_thread(const char *name)
{
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		char path[300], comm[64] = "";
		snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof comm, f))
			found = strncmp(comm, name, strlen(name)) == 0 && comm[strlen(name)] == '\n';
		fclose(f);
	}
	closedir(d);
	return found;
}

/* The kicker names its thread once it runs: wait for that (bounded, not timed). */
static bool kicker_named(void)
{
	for (int i = 0; i < 10000; i++) {
		if (has_thread("jvmsnap-kick"))
			return true;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	return false;
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_null(sigkick_new(0, 1000000, SIG));
	assert_null(sigkick_new(5000, 1000000, SIG)); /* over the registry's 4096 slots */
	assert_null(sigkick_new(8, 0, SIG));
	/* NULL is a kicker that is off: every call is a no-op. */
	sigkick_add(NULL, 0, 1);
	sigkick_want(NULL, 0);
	assert_false(sigkick_is_hot(NULL, 0));
	assert_int_equal(sigkick_take_cpu_ns(NULL), 0);
	sigkick_stop(NULL);
	sigkick_free(NULL);
}

static void test_running_thread_is_kicked_until_removed(void **state)
{
	(void)state;
	sigkick *k = sigkick_new(8, 1000000, SIG);
	assert_non_null(k);
	assert_true(kicker_named());
	sigkick_add(k, 3, HANDLE);
	sigkick_want(k, 9); /* beyond its slots: ignored */
	/* Registered but never wanted: never hot, never signalled. */
	burn_ms(30);
	assert_false(sigkick_is_hot(k, 3));
	assert_int_equal(atomic_load(&g_got), 0);
	/* Its timer fired: it joins the hot set and, running, gets signals. */
	sigkick_want(k, 3);
	for (int i = 0; i < 10000 && atomic_load(&g_got) < 3; i++)
		burn_ms(1);
	assert_true(atomic_load(&g_got) >= 3);
	assert_true(sigkick_is_hot(k, 3));
	sigkick_counts c = sigkick_counts_of(k);
	assert_true(c.kicks > 0 && c.signals >= 3);
	assert_int_equal(c.failed, 0);
	/* Removed: a signal already sent is delivered by the next system call at the latest;
	 * after that, none comes however long it runs. */
	sigkick_remove(k, 3);
	getppid();
	int got = atomic_load(&g_got);
	burn_ms(50);
	assert_int_equal(atomic_load(&g_got), got);
	assert_int_equal(atomic_load(&g_bad), 0);
	sigkick_stop(k);
	assert_true(sigkick_counts_of(k).ended);
	assert_false(has_thread("jvmsnap-kick"));
	sigkick_free(k);
}

static void test_stop_ends_every_signal(void **state)
{
	(void)state;
	sigkick *k = sigkick_new(8, 1000000, SIG);
	assert_non_null(k);
	sigkick_add(k, 3, HANDLE);
	sigkick_want(k, 3);
	for (int i = 0; i < 10000 && atomic_load(&g_got) < 1; i++)
		burn_ms(1);
	assert_true(atomic_load(&g_got) >= 1);
	sigkick_stop(k);
	sigkick_stop(k); /* idempotent */
	/* The kicker's CPU (for the sampling budget) is counted once, not twice. */
	assert_true(sigkick_take_cpu_ns(k) > 0);
	assert_int_equal(sigkick_take_cpu_ns(k), 0);
	getppid();
	int got = atomic_load(&g_got);
	burn_ms(50);
	assert_int_equal(atomic_load(&g_got), got);
	assert_false(has_thread("jvmsnap-kick"));
	sigkick_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test_setup(test_running_thread_is_kicked_until_removed, setup),
	    cmocka_unit_test_setup(test_stop_ends_every_signal, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
