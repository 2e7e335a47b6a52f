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

#define JVMSNAP_VERSION "0.1.0"

struct agent_thread;
struct agent_window;
struct uploader;

typedef struct agent {
	agent_config cfg;
	JavaVM *vm;
	jvmtiEnv *jvmti;
	bool has_cpu_time;       /* can_get_thread_cpu_time was granted */
	bool on_lambda;          /* AWS_LAMBDA_FUNCTION_NAME set: default paths go to /tmp */
	bool on_lambda_runtime;  /* the function's runtime, proxied: one window per invocation */
	int64_t start_epoch_ms;  /* window start, wall clock */
	char jvm_name[128];      /* java.vm.name, for metadata.json */
	char jvm_version[64];    /* java.vm.version */
	uint64_t start_mono_ns;
	atomic_bool vm_dead;     /* set in VMDeath: no JVMTI/JNI use after that */
	atomic_bool vm_death_begun; /* VMDeath entered: the exit-time hook stays quiet */
	bool exit_hook_registered;
	atomic_bool classes_may_unload; /* set by a GC: cached jmethodIDs may be stale */
	struct agent_thread *thread;
	struct uploader *uploader; /* NULL: no S3 upload */
	struct lambda_proxy *proxy; /* the Runtime API proxy, on Lambda */
	/* IOPIPE_PROFILER_INVOCATIONS, on the proxy's threads (one invocation at a time) */
	uint64_t invocations;       /* started so far */
	bool invocation_skipped;    /* the current one is not profiled */
	bool wait_warned;           /* "snapshot work not finished" said once */
	atomic_uint_fast64_t skipped; /* not profiled since the last snapshot: for its metadata */
} agent;

/* Monotonic and wall clocks in the units the agent uses. */
uint64_t agent_mono_ns(void);
int64_t agent_epoch_ms(void);

/* Logs a failed JVMTI call as one warning naming `what`; true when err is NONE. */
bool agent_check(jvmtiEnv *jvmti, jvmtiError err, const char *what);

/* The agent's entry points, called by the loader (jvmagent/loader/loader.c) through dlsym
 * once it has decided that this JVM is to be profiled. */
JNIEXPORT jint JNICALL jvmsnap_agent_load(JavaVM *vm, char *options, void *reserved);
JNIEXPORT void JNICALL jvmsnap_agent_unload(JavaVM *vm);

/* Writes a closed window's zip (the .nps and the stats CSV), then uploads it when S3 is
 * configured, within `upload_budget_ms`. Needs no JVM: callable from any thread. */
void agent_finish_window(agent *a, struct agent_window *w, uint32_t upload_budget_ms);

#endif
