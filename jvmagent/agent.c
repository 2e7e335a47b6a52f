/* Agent lifecycle, top to bottom: Agent_OnLoad (configuration, capabilities, callbacks)
 * -> VMInit (start the sampler thread) -> VMDeath (stop it, write the snapshot). */
#include "agent.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../common/log.h"
#include "sampler.h"

enum { STOP_TIMEOUT_MS = 3000 };

/* The JVMTI callbacks carry no user pointer other than the environment's local storage;
 * this is the one agent context, reachable from there too. */
static agent the_agent;

uint64_t agent_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t agent_epoch_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool agent_check(jvmtiEnv *jvmti, jvmtiError err, const char *what)
{
	if (err == JVMTI_ERROR_NONE)
		return true;
	char *name = NULL;
	if (jvmti && (*jvmti)->GetErrorName(jvmti, err, &name) == JVMTI_ERROR_NONE && name) {
		log_warn("%s failed: %s (%d)", what, name, (int)err);
		(*jvmti)->Deallocate(jvmti, (unsigned char *)name);
	} else {
		log_warn("%s failed: JVMTI error %d", what, (int)err);
	}
	return false;
}

static void JNICALL on_gc_finish(jvmtiEnv *jvmti)
{
	(void)jvmti;
	/* Runs inside the GC pause: only a flag may be touched here. */
	atomic_store(&the_agent.classes_may_unload, true);
}

static void JNICALL on_vm_init(jvmtiEnv *jvmti, JNIEnv *jni, jthread thread)
{
	(void)jvmti;
	(void)thread;
	the_agent.sampler = sampler_start(&the_agent, jni);
	if (the_agent.sampler)
		log_debug("sampling every %u us, stacks up to %u frames, thread CPU time %s",
			  the_agent.cfg.interval_us, the_agent.cfg.max_depth,
			  the_agent.has_cpu_time ? "measured" : "not available");
}

static void JNICALL on_vm_death(jvmtiEnv *jvmti, JNIEnv *jni)
{
	(void)jni;
	agent *a = &the_agent;
	sampler *s = a->sampler;
	bool stopped = s && sampler_stop(s, STOP_TIMEOUT_MS);
	(*jvmti)->SetEventNotificationMode(jvmti, JVMTI_DISABLE, JVMTI_EVENT_GARBAGE_COLLECTION_FINISH,
					   NULL);
	atomic_store(&a->vm_dead, true);
	if (!s) {
		log_warn("no snapshot: the sampler never started");
		return;
	}
	if (!stopped) {
		/* It may still be inside a JVMTI call: leave its memory alone. */
		log_warn("no snapshot: the sampler did not stop within %d ms", STOP_TIMEOUT_MS);
		return;
	}
	sampler_close_window(s, agent_mono_ns());
	agent_write_snapshot(a);
	sampler_free(s);
	a->sampler = NULL;
}

static void add_capabilities(agent *a)
{
	jvmtiCapabilities potential, wanted;
	memset(&wanted, 0, sizeof wanted);
	if ((*a->jvmti)->GetPotentialCapabilities(a->jvmti, &potential) != JVMTI_ERROR_NONE)
		return;
	wanted.can_get_thread_cpu_time = potential.can_get_thread_cpu_time;
	wanted.can_generate_garbage_collection_events = potential.can_generate_garbage_collection_events;
	if (agent_check(a->jvmti, (*a->jvmti)->AddCapabilities(a->jvmti, &wanted), "AddCapabilities"))
		a->has_cpu_time = wanted.can_get_thread_cpu_time;
	if (!wanted.can_generate_garbage_collection_events)
		log_warn("GC events unavailable: method names may be wrong after classes unload");
}

static bool enable_events(agent *a)
{
	jvmtiEventCallbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.VMInit = on_vm_init;
	cb.VMDeath = on_vm_death;
	cb.GarbageCollectionFinish = on_gc_finish;
	jvmtiEnv *j = a->jvmti;
	if (!agent_check(j, (*j)->SetEventCallbacks(j, &cb, sizeof cb), "SetEventCallbacks"))
		return false;
	static const jvmtiEvent events[] = {JVMTI_EVENT_VM_INIT, JVMTI_EVENT_VM_DEATH};
	for (size_t i = 0; i < 2; i++)
		if (!agent_check(j, (*j)->SetEventNotificationMode(j, JVMTI_ENABLE, events[i], NULL),
				 "SetEventNotificationMode"))
			return false;
	(*j)->SetEventNotificationMode(j, JVMTI_ENABLE, JVMTI_EVENT_GARBAGE_COLLECTION_FINISH, NULL);
	return true;
}

static const char *env_lookup(const char *name) { return getenv(name); }

static void log_disabled(void)
{
	const char *debug = getenv("IOPIPE_PROFILER_DEBUG");
	if (debug && strcasecmp(debug, "true") == 0) {
		log_set_debug(true);
		log_debug("profiler disabled (IOPIPE_PROFILER_ENABLED is not true)");
	}
}

JNIEXPORT jint JNICALL Agent_OnLoad(JavaVM *vm, char *options, void *reserved)
{
	(void)reserved;
	if (!agent_config_enabled(options, env_lookup)) {
		log_disabled();
		return JNI_OK;
	}
	agent *a = &the_agent;
	a->start_epoch_ms = agent_epoch_ms();
	a->start_mono_ns = agent_mono_ns();
	agent_config_load(&a->cfg, options, env_lookup);
	log_set_debug(a->cfg.debug);
	a->on_lambda = getenv("AWS_LAMBDA_FUNCTION_NAME") != NULL;
	a->vm = vm;
	/* Never fail the JVM's start: whatever goes wrong, the application runs unprofiled. */
	if ((*vm)->GetEnv(vm, (void **)&a->jvmti, JVMTI_VERSION_1_2) != JNI_OK) {
		log_warn("JVMTI 1.2 is not available; profiling is off");
		return JNI_OK;
	}
	add_capabilities(a);
	if (!enable_events(a))
		log_warn("cannot register JVMTI events; profiling is off");
	return JNI_OK;
}

JNIEXPORT void JNICALL Agent_OnUnload(JavaVM *vm)
{
	(void)vm;
	agent_config_free(&the_agent.cfg);
}
