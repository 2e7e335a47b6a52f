/* The one agent context: everything the JVMTI callbacks, the sampler thread and the
 * snapshot writer share. There is no other mutable global state. */
#ifndef JVMSNAP_AGENT_H
#define JVMSNAP_AGENT_H

#include <jvmti.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

typedef struct sampler sampler;

typedef struct agent {
	agent_config cfg;
	JavaVM *vm;
	jvmtiEnv *jvmti;
	bool has_cpu_time;       /* can_get_thread_cpu_time was granted */
	bool on_lambda;
	int64_t start_epoch_ms;  /* window start, wall clock */
	uint64_t start_mono_ns;
	atomic_bool vm_dead;     /* set in VMDeath: no JVMTI/JNI use after that */
	atomic_bool classes_may_unload; /* set by a GC: cached jmethodIDs may be stale */
	sampler *sampler;
} agent;

/* Monotonic and wall clocks in the units the agent uses. */
uint64_t agent_mono_ns(void);
int64_t agent_epoch_ms(void);

/* Logs a failed JVMTI call as one warning naming `what`; true when err is NONE. */
bool agent_check(jvmtiEnv *jvmti, jvmtiError err, const char *what);

/* Writes the window's snapshot zip; called once the sampler has stopped. */
void agent_write_snapshot(agent *a);

#endif
