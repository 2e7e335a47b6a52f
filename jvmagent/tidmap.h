/* OS thread id -> Java thread, for Lambda Managed Instances: the proxy knows the OS thread
 * (gettid) that will handle an event; the sampler knows Java threads.
 *
 * Each thread notes its own OS id in the agent's JVMTI thread-local storage, from the
 * ThreadStart callback (which runs on the new thread) and, for the main thread, VMInit.
 * That storage lives and dies with the thread, so the map is bounded by the live threads
 * and emptied at thread end with no ThreadEnd callback and no lock; the storage of the
 * agent's own JVMTI environment is ours alone (the signal sampler uses its own
 * environment). Threads started before VMInit (the JVM's own) are not noted: never a
 * handler. */
#ifndef JVMSNAP_TIDMAP_H
#define JVMSNAP_TIDMAP_H

#include <jni.h>
#include <jvmti.h>

/* On the thread itself: notes its OS thread id. */
void tidmap_note_current(jvmtiEnv *jvmti);

/* The live Java thread whose OS id is `os_tid`, as a local reference of `jni` (the caller
 * deletes it), or NULL. One JVMTI call per live thread: call it on the agent thread. */
jthread tidmap_find(jvmtiEnv *jvmti, JNIEnv *jni, long os_tid);

#endif
