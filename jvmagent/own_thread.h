/* The agent's own Java threads (the sampler and the statistics start-up thread): a
 * java.lang.Thread left out of every sample, run with JVMTI RunAgentThread so no
 * application code runs on it. Moved out of agent_thread.c to keep it short. */
#ifndef JVMSNAP_OWN_THREAD_H
#define JVMSNAP_OWN_THREAD_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>

#include "sampler.h"

struct agent;

/* A java.lang.Thread named `name`, excluded from sampling by `s`; NULL on failure. */
jthread own_thread_new(sampler *s, JNIEnv *jni, const char *name);

/* Runs `fn(arg)` on `thread` (its local reference is deleted); false on failure (logged). */
bool own_thread_run(struct agent *a, JNIEnv *jni, jthread thread, jvmtiStartFunction fn, void *arg);

#endif
