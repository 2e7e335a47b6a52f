/* The library the JVM loads (`-agentpath:libjvmsnap.so`). It depends on libc alone, so a
 * JVM where profiling is off pays for one small library and one getenv, not for the ~35
 * libraries (libcurl, OpenSSL, libzip, ...) the agent itself needs. Only when profiling is
 * on does it load libjvmsnap-agent.so from its own directory and hand over. */
#include <dlfcn.h>
#include <jni.h>
#include <jvmti.h> /* declares Agent_OnLoad and Agent_OnUnload */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/log.h"
#include "../../common/sibling.h"
#include "../config.h"
#include "../lambda.h"

#define IMPL_NAME "libjvmsnap-agent.so"

typedef jint(JNICALL *load_fn)(JavaVM *, char *, void *);
typedef void(JNICALL *unload_fn)(JavaVM *);

static void *impl; /* never closed: the JVM may call into it until it exits */

static const char *env_lookup(const char *name) { return getenv(name); }

static bool wanted(const char *options)
{
	if (!agent_config_enabled(options, env_lookup))
		return false;
	/* A Lambda extension's JVM that inherited JAVA_TOOL_OPTIONS: not ours to profile. */
	return !getenv("AWS_LAMBDA_RUNTIME_API") || lambda_is_function_runtime(env_lookup);
}

static void log_inactive(const char *options)
{
	if (agent_config_debug(options, env_lookup)) {
		log_set_debug(true);
		log_debug("profiler inactive (IOPIPE_PROFILER_ENABLED is not true, or this is a Lambda "
			  "extension's JVM)");
	}
}

/* The agent library beside this one, whatever directory the user installed us in. */
static void *open_impl(void)
{
	char why[4200];
	void *h = sibling_open((const void *)open_impl, IMPL_NAME, why, sizeof why);
	if (!h)
		log_warn("%s; profiling is off", why);
	return h;
}

JNIEXPORT jint JNICALL Agent_OnLoad(JavaVM *vm, char *options, void *reserved)
{
	if (!wanted(options)) {
		log_inactive(options);
		return JNI_OK;
	}
	impl = open_impl();
	load_fn load = impl ? (load_fn)dlsym(impl, "jvmsnap_agent_load") : NULL;
	if (impl && !load)
		log_warn("%s has no jvmsnap_agent_load: a mismatched installation; profiling is off", IMPL_NAME);
	/* Never fail the JVM's start. */
	return load ? load(vm, options, reserved) : JNI_OK;
}

JNIEXPORT void JNICALL Agent_OnUnload(JavaVM *vm)
{
	unload_fn unload = impl ? (unload_fn)dlsym(impl, "jvmsnap_agent_unload") : NULL;
	if (unload)
		unload(vm);
}
