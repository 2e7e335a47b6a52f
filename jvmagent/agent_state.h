/* The one agent context: everything the JVMTI callbacks, the sampler thread and the
 * snapshot writer share. There is no other mutable global state. agent.c owns the one
 * instance; the files below it (agent_thread, sampler, window, output, uploader) get a
 * pointer and include this header, never agent.h, so no call goes back up to agent.c. */
#ifndef JVMSNAP_AGENT_STATE_H
#define JVMSNAP_AGENT_STATE_H

#include <jvmti.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "coldstart.h"
#include "config.h"

struct agent_thread;
struct agent_window;
struct lambda_shared;
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
	bool loaded;             /* jvmsnap_agent_load ran: a second load stays inactive */
	atomic_bool classes_may_unload; /* set by a GC: cached jmethodIDs may be stale */
	struct agent_thread *thread;
	struct uploader *uploader; /* NULL: no S3 upload */
	struct lambda_proxy *proxy; /* the Runtime API proxy, on Lambda */
	/* IOPIPE_PROFILER_INVOCATIONS, on the proxy's threads (one invocation at a time) */
	uint64_t invocations;       /* started so far */
	bool invocation_skipped;    /* the current one is not profiled */
	atomic_bool wait_warned;    /* "snapshot work not finished" said once (proxy threads) */
	atomic_uint_fast64_t skipped; /* not profiled since the last snapshot: for its metadata */
	coldstart_costs cold;         /* the agent's CPU during start-up (debug line at init end) */
	/* Lambda Managed Instances: the proxy said several invocations may be open at once;
	 * from then on windows are shared (lambda_shared.h), under lambda_mu, which also
	 * guards `invocations` then. */
	atomic_bool lambda_concurrent;
	pthread_mutex_t lambda_mu;
	bool lambda_ended_one;        /* an invocation ended (under lambda_mu) */
	struct lambda_shared *shared; /* NULL when not on the proxied Lambda runtime */
} agent;

/* Logs a failed JVMTI call as one warning naming `what`; true when err is NONE. */
bool agent_check(jvmtiEnv *jvmti, jvmtiError err, const char *what);

/* The running JDK's feature version (8 for "1.8", 21 ...), from
 * java.vm.specification.version (java.specification.version is not among the properties
 * JVMTI sees at VMInit); 0 when it cannot be read. Any phase from OnLoad on. */
int agent_jdk_major(jvmtiEnv *jvmti);

#endif
