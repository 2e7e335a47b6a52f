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

/* Asks for a new window (closing the current one first, if any). Returns at once. */
void agent_thread_open_window(agent_thread *t, const char *request_id, int64_t deadline_ms);

/* Waits until every request made so far is done (window finished and uploaded), at most
 * `budget_ms`. True when idle. */
bool agent_thread_wait_idle(agent_thread *t, uint32_t budget_ms);

/* Stops the thread: a final sample and the end column of the current window, which the
 * thread then finishes itself (files, and an upload within `upload_budget_ms`). Waits at
 * most `timeout_ms`; false on timeout (the thread's memory must then be left alone). */
bool agent_thread_stop(agent_thread *t, uint32_t upload_budget_ms, uint32_t timeout_ms);

/* After a successful stop only. */
void agent_thread_free(agent_thread *t);

#endif
