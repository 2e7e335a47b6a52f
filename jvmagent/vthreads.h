/* Virtual threads (JDK 21+): a mounted virtual thread runs on a carrier thread (a platform
 * thread of its scheduler, ForkJoinPool-1-worker-N), and the carrier's own stack then ends
 * in the continuation's entry (jdk.internal.vm.Continuation.run/enterSpecial), where all
 * of the virtual thread's time would land. This module tells the samplers:
 *  - whether a JVMTI walk of a carrier stopped at that entry (then the virtual thread is
 *    walked instead: HotSpot's extension function GetVirtualThread names it, no event per
 *    mount is needed);
 *  - which top frames of an AsyncGetCallTrace stack, which runs through the entry into the
 *    carrier's frames, are the virtual thread's;
 * and every virtual thread stack starts at java.lang.VirtualThread.run(Runnable), however
 * it was taken, so the two views make one tree. Their time goes to one shared row
 * (VTHREADS_ROW, docs/snapshot-format.md), charged with the carrier's CPU clock.
 *
 * Rules: vthreads_new on a JVM without virtual threads (JDK < 21) or without the
 * capability returns NULL, and every caller then does exactly what it did before. The
 * method ids are of boot classes, which never unload. Used on the agent thread only. */
#ifndef JVMSNAP_VTHREADS_H
#define JVMSNAP_VTHREADS_H

#include <jni.h>
#include <jvmti.h>
#include <stdbool.h>
#include <stddef.h>

#define VTHREADS_ROW "virtual threads"

typedef struct vthreads vthreads;

/* The methods whose frames mark a virtual thread on a stack. */
typedef struct {
	jmethodID enter_special; /* Continuation.enterSpecial: the entry, physically */
	jmethodID cont_run;      /* Continuation.run: the entry, as JVMTI shows a carrier */
	jmethodID vthread_run;   /* VirtualThread.run(Runnable): a virtual thread's bottom frame */
	jmethodID yield_cont;    /* VirtualThread.yieldContinuation: unmounting (may be NULL) */
} vthreads_marks;

/* NULL when this JVM has no virtual threads (JDK < 21: it does not offer
 * can_support_virtual_threads): nothing to do. The capability itself is taken later, the
 * first time a carrier is found running a virtual thread (vthreads_mounted). */
vthreads *vthreads_new(jvmtiEnv *jvmti, JNIEnv *jni);
void vthreads_free(vthreads *v);
/* One that knows only the marks: it reads stacks, and finds no mounted virtual thread (the
 * stack rules without a JVM, for tests). NULL when out of memory. */
vthreads *vthreads_from_marks(const vthreads_marks *m);

/* A stack given top first, `count` frames, each `stride` bytes after the previous one:
 * `frames` points at the top frame's jmethodID (in a jvmtiFrameInfo, a sigring_frame). */
typedef struct {
	const void *frames;
	size_t stride;
	int count;
} vthreads_stack;

/* Whether a carrier's JVMTI stack ends at the continuation's entry: a virtual thread is
 * mounted (its frames are not in this stack). */
bool vthreads_at_entry(const vthreads *v, vthreads_stack st);

/* The virtual thread mounted on `carrier` now, as a local reference, or NULL. The first
 * call adds can_support_virtual_threads (live phase); if the JVM refuses, always NULL. */
jthread vthreads_mounted(vthreads *v, jthread carrier);

/* How many top frames of `st` are a virtual thread's, from VirtualThread.run up (all of
 * them when that frame is not in `st` because the stack is deeper than `max_depth`).
 * 0 for a JVMTI walk of a virtual thread that is starting, ending (JVMTI shows only
 * the continuation's own frames then: nothing of its work) or unmounting. `physical`: the stack runs on
 * below the entry into the carrier's frames (AsyncGetCallTrace), and only frames above
 * the entry count; 0 when there is no entry (not a virtual thread's). */
int vthreads_own_frames(const vthreads *v, vthreads_stack st, bool physical, int max_depth);

#endif
