/* The one line a run without a snapshot leaves, when the JVM ends without the VM death
 * event that makes the agent write one: a shutdown signal before the JVM has its own
 * handlers, an exit during start-up, -XX:+ExitOnOutOfMemoryError, exit() from native
 * code. Everything here runs at exit or in a signal handler: it reads atomic flags and
 * makes one write(2), nothing else (JVMTI may be gone, the agent thread may still hold
 * stdio or the heap's locks). */
#ifndef JVMSNAP_EXIT_NOTES_H
#define JVMSNAP_EXIT_NOTES_H

#include <stdbool.h>

/* Once per process, at load: the exit hook, and handlers for SIGTERM, SIGINT and SIGHUP
 * that say why a signal arriving before the JVM installs its own ends the run without a
 * snapshot (then end the process as the signal would have). Signals set to be ignored
 * are left alone. */
void exit_notes_install(int jdk_major);

/* VMInit was posted: exits from now on come after start-up. Also gives back the signals
 * the JVM did not take (-Xrs) to their default action. */
void exit_notes_vm_started(void);

/* VMDeath has begun: the agent writes the snapshot. Should the process exit before
 * exit_notes_vm_death_done (the launcher's thread can end it meanwhile), the hook says
 * the snapshot was not finished. */
void exit_notes_vm_dying(void);
/* VMDeath's work is over (the snapshot written, or its absence said): the hook stays quiet. */
void exit_notes_vm_death_done(void);

/* Whether -XX:+ExitOnOutOfMemoryError is in effect, judged from the options the process
 * shows: JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS and the command line, then
 * _JAVA_OPTIONS (HotSpot's order; the last setting wins). `cmdline` holds NUL-separated
 * arguments (/proc/self/cmdline). Options in @argfiles or -XX:Flags files are not seen. */
bool exit_notes_exit_on_oom(const char *tool, const char *jdk, const char *cmdline, unsigned long cmdline_len,
			    const char *underscore);

#endif
