/* The agent's lifecycle (agent.c): the entry points the loader calls. The state it shares
 * with the rest of the agent is in agent_state.h. */
#ifndef JVMSNAP_AGENT_H
#define JVMSNAP_AGENT_H

#include <jni.h>

#include "agent_state.h"

/* The agent's entry points, called by the loader (jvmagent/loader/loader.c) through dlsym
 * once it has decided that this JVM is to be profiled. */
JNIEXPORT jint JNICALL jvmsnap_agent_load(JavaVM *vm, char *options, void *reserved);
JNIEXPORT void JNICALL jvmsnap_agent_unload(JavaVM *vm);

#endif
