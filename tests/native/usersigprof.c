/* LD_PRELOAD library for 44_signal_foreign.sh: an application's own SIGPROF profiler,
 * installed before the JVM starts. Its handler counts the signals of a process-wide
 * ITIMER_PROF (every 10 ms of the process's CPU time). At exit it writes to the file
 * named by USER_SIGPROF_REPORT whether its handler was still the one installed and how
 * many signals it counted, so the test sees that the agent left it alone. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t count;

static void on_prof(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	count++;
}

__attribute__((constructor)) static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPROF, &sa, NULL);
	struct itimerval it = {{0, 10000}, {0, 10000}};
	setitimer(ITIMER_PROF, &it, NULL);
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("USER_SIGPROF_REPORT");
	FILE *f = path ? fopen(path, "w") : NULL;
	if (!f)
		return;
	struct sigaction now;
	sigaction(SIGPROF, NULL, &now);
	int ours = (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_prof;
	fprintf(f, "handler %s\nsignals %d\n", ours ? "intact" : "replaced", (int)count);
	fclose(f);
}
