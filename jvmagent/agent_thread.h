/* The agent's own Java thread (JVMTI RunAgentThread, so no application code runs on it
 * and it never appears in a profile). It samples on absolute deadlines, takes the
 * statistics columns, and opens, closes and finishes snapshot windows on request.
 * A second, short-lived agent thread ("jvmsnap stats") starts the statistics collector
 * and hands it over, so sampling begins at VMInit instead of after the JVM's management
 * classes have loaded; both are left out of every profile. */
#ifndef JVMSNAP_AGENT_THREAD_H
#define JVMSNAP_AGENT_THREAD_H

#include <jni.h>
#include <stdbool.h>
#include <stdint.h>

#include "output.h"
#include "window.h"

struct agent;
typedef struct agent_thread agent_thread;

/* Starts the thread with a first window already open (from VMInit); in the proxied Lambda
 * runtime (a->on_lambda_runtime) that is the init window, which the proxy's init_done
 * closes. NULL on failure (logged; the agent stays inert). */
agent_thread *agent_thread_start(struct agent *a, JNIEnv *jni);

/* Asks the thread to close the current window (final sample, end statistics column)
 * and finish it (files, upload) on its own thread; sampling pauses until the next
 * agent_thread_open_window. Returns at once. */
void agent_thread_close_window(agent_thread *t);

/* SnapStart: asks the thread to finish the closed init window now (files, and an upload
 * within the upload budget) instead of after the first invocation. Returns at once. */
void agent_thread_finish_init(agent_thread *t);

/* Asks for a new window (closing the current one first, if any); `shared`: a Lambda
 * Managed Instances shared window (lambda_shared.h). Returns at once. */
void agent_thread_open_window(agent_thread *t, const char *request_id, int64_t deadline_ms, bool shared);

/* Lambda Managed Instances: invocation `request_id` starts (handled by the thread with OS
 * id `os_tid`, 0 = not known; its deadline) or ends (`end`) now. Handled in the order
 * posted, and in the window that was open or asked for when it was posted (perinv.h).
 * Returns at once. */
void agent_thread_mark(agent_thread *t, bool end, const char *request_id, long os_tid, int64_t deadline_ms);

/* Waits until every request made so far is done (window finished and uploaded), at most
 * `budget_ms`. True when idle. */
bool agent_thread_wait_idle(agent_thread *t, uint32_t budget_ms);

/* Stops the thread: a final sample and the end column of the current window, which the
 * thread then finishes itself (files within the deadlines of `dl`, see output.h, and an
 * upload within `upload_budget_ms`). Waits at most `timeout_ms`; false on timeout.
 *
 * Contract between the caller (the VMDeath callback) and the thread: the budget and `dl`
 * are copied under the thread's mutex before the stop is posted, and the thread reads
 * them under it after it sees the stop; the caller then reads only `stopped`, under the
 * mutex. The thread's JVMTI/JNI calls (last sample, statistics) all come before it writes,
 * and it returns before the caller's wait ends whenever they leave time for the smallest
 * zip: `dl` makes it give up on a tree that would not be written in time. On a timeout
 * the thread may still be running (inside a JVMTI call, or starved): the caller must
 * leave its memory alone, and must not let the agent make JVMTI/JNI calls again. */
bool agent_thread_stop(agent_thread *t, uint32_t upload_budget_ms, const output_deadline *dl, uint32_t timeout_ms);

/* After a successful stop only. */
void agent_thread_free(agent_thread *t);

#endif
