#include "exit_notes.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"

static atomic_bool installed, vm_started, vm_dying, vm_death_done;
static bool exit_on_oom;

static const int shutdown_signals[] = {SIGTERM, SIGINT, SIGHUP};

static void say(const char *line) { (void)!write(STDERR_FILENO, line, strlen(line)); }

/* Async-signal-safe: one write, then the signal's own default action, so the process
 * ends exactly as it would have without the agent (status "killed by SIGTERM"). */
static void on_early_signal(int sig)
{
	if (!atomic_load(&vm_started))
		say(sig == SIGTERM  ? "jvmsnap: warning: SIGTERM before the JVM finished starting: no snapshot for this run\n"
		    : sig == SIGINT ? "jvmsnap: warning: SIGINT before the JVM finished starting: no snapshot for this run\n"
				    : "jvmsnap: warning: SIGHUP before the JVM finished starting: no snapshot for this run\n");
	signal(sig, SIG_DFL);
	raise(sig);
}

/* on_exit, not atexit: the status tells the OutOfMemoryError exit (3) apart. */
static void on_process_exit(int status, void *arg)
{
	(void)arg;
	if (atomic_load(&vm_death_done))
		return;
	if (atomic_load(&vm_dying))
		say("jvmsnap: warning: the process exited while the agent was still finishing its snapshot (another "
		    "thread ended the JVM during its VM death event): no snapshot for this run\n");
	else if (!atomic_load(&vm_started))
		say("jvmsnap: warning: the JVM exited while starting, before sampling began: no snapshot for this run\n");
	else if (status == 3 && exit_on_oom)
		say("jvmsnap: warning: the JVM exited on an OutOfMemoryError (-XX:+ExitOnOutOfMemoryError, exit code 3), "
		    "which skips the VM death event: no snapshot for this run\n");
	else
		say("jvmsnap: warning: the process exited without a VM death event (exit() from native code?): no "
		    "snapshot for this run\n");
}

/* Applies every -XX:[+-]ExitOnOutOfMemoryError in `s` (tokens separated by `sep`). */
static void scan(const char *s, size_t len, char sep, bool *on)
{
	static const char flag[] = "ExitOnOutOfMemoryError";
	for (size_t i = 0; s && i < len;) {
		size_t j = i;
		while (j < len && s[j] != sep && !(sep == ' ' && (s[j] == '\t' || s[j] == '\n')))
			j++;
		if (j - i == 5 + strlen(flag) && strncmp(s + i, "-XX:", 4) == 0 && strncmp(s + i + 5, flag, strlen(flag)) == 0 &&
		    (s[i + 4] == '+' || s[i + 4] == '-'))
			*on = s[i + 4] == '+';
		i = j + 1;
	}
}

bool exit_notes_exit_on_oom(const char *tool, const char *jdk, const char *cmdline, unsigned long cmdline_len,
			    const char *underscore)
{
	bool on = false;
	scan(tool, tool ? strlen(tool) : 0, ' ', &on);
	scan(jdk, jdk ? strlen(jdk) : 0, ' ', &on);
	scan(cmdline, cmdline_len, '\0', &on);
	scan(underscore, underscore ? strlen(underscore) : 0, ' ', &on);
	return on;
}

static bool read_cmdline_oom(void)
{
	char buf[65536];
	size_t n = 0;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r;
		while (n < sizeof buf && (r = read(fd, buf + n, sizeof buf - n)) > 0)
			n += (size_t)r;
		close(fd);
	}
	return exit_notes_exit_on_oom(getenv("JAVA_TOOL_OPTIONS"), getenv("JDK_JAVA_OPTIONS"), buf, n,
				      getenv("_JAVA_OPTIONS"));
}

void exit_notes_install(int jdk_major)
{
	if (atomic_exchange(&installed, true))
		return;
	exit_on_oom = read_cmdline_oom();
	/* From JDK 21 HotSpot ends the process with _exit on that OutOfMemoryError: no exit
	 * handler runs, so the line on_process_exit would say then cannot be said. Said now. */
	if (exit_on_oom && jdk_major >= 21)
		say("jvmsnap: warning: -XX:+ExitOnOutOfMemoryError: on an OutOfMemoryError this JVM ends the process at "
		    "once, without exit handlers: such a run ends with no snapshot and no further line from jvmsnap\n");
	if (on_exit(on_process_exit, NULL) != 0)
		log_debug("on_exit failed: an exit without VMDeath will not be reported");
	for (size_t i = 0; i < sizeof shutdown_signals / sizeof shutdown_signals[0]; i++) {
		struct sigaction old, sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_early_signal;
		sigemptyset(&sa.sa_mask);
		/* Only where nobody decided otherwise (nohup's SIG_IGN, a launcher's handler). */
		if (sigaction(shutdown_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			sigaction(shutdown_signals[i], &sa, NULL);
	}
}

void exit_notes_vm_started(void)
{
	atomic_store(&vm_started, true);
	for (size_t i = 0; i < sizeof shutdown_signals / sizeof shutdown_signals[0]; i++) {
		struct sigaction cur;
		if (sigaction(shutdown_signals[i], NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
		    cur.sa_handler == on_early_signal)
			signal(shutdown_signals[i], SIG_DFL); /* -Xrs: the JVM leaves them to the OS */
	}
}

void exit_notes_vm_dying(void) { atomic_store(&vm_dying, true); }

void exit_notes_vm_death_done(void) { atomic_store(&vm_death_done, true); }
