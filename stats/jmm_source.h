/* Internal to stats/: the JMM source's parts. jmm_table.c finds and validates the VM's JMM
 * function table, jmm.c is the source (source.h) built on it, javaonly.c reads the few
 * values JMM does not have from Java fields. Only these three files include this header. */
#ifndef JVMSNAP_STATS_JMM_SOURCE_H
#define JVMSNAP_STATS_JMM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* ---- the JMM table (jmm_table.c) ------------------------------------------------------- */

/* The few declarations of HotSpot's jmm.h we use (jmm.h is not shipped with the JDK). */
enum {
	STATS_JMM_CLASS_LOADED_COUNT = 1,
	STATS_JMM_CLASS_UNLOADED_COUNT = 2,
	STATS_JMM_JVM_INIT_DONE_TIME_MS = 7,
	STATS_JMM_COMPILE_TOTAL_TIME_MS = 8,
	STATS_JMM_GC_TIME_MS = 9,
	STATS_JMM_GC_COUNT = 10,
	STATS_JMM_JVM_UPTIME_MS = 11,
	STATS_JMM_OS_PROCESS_ID = 201,
	STATS_JMM_THREAD_CONTENTION_MONITORING = 23,
	STATS_JMM_THREAD_CPU_TIME = 24,
};

/* HotSpot jmm.h's jmmOptionalSupport (bit-fields, same compiler ABI as HotSpot). */
typedef struct {
	unsigned int isLowMemoryDetectionSupported : 1;
	unsigned int isCompilationTimeMonitoringSupported : 1;
	unsigned int isThreadContentionMonitoringSupported : 1;
	unsigned int isCurrentThreadCpuTimeSupported : 1;
	unsigned int isOtherThreadCpuTimeSupported : 1;
	unsigned int isObjectMonitorUsageSupported : 1;
	unsigned int isSynchronizerUsageSupported : 1;
	unsigned int isThreadAllocatedMemorySupported : 1;
	unsigned int isRemoteDiagnosticCommandsSupported : 1;
	unsigned int : 22;
} stats_jmm_support;

/* The functions we call, picked out of the version's JmmInterface table. */
typedef struct {
	jint version; /* the JMM_VERSION the VM accepted */
	int layout;   /* 1 (JDK 8), 2, 3, 4 (JDK 21+) */
	jint(JNICALL *GetVersion)(JNIEnv *env);
	jint(JNICALL *GetOptionalSupport)(JNIEnv *env, stats_jmm_support *support);
	jint(JNICALL *GetThreadInfo)(JNIEnv *env, jlongArray ids, jint maxDepth, jobjectArray infos);
	jobjectArray(JNICALL *GetMemoryPools)(JNIEnv *env, jobject mgr);
	jobjectArray(JNICALL *GetMemoryManagers)(JNIEnv *env, jobject pool);
	jobject(JNICALL *GetMemoryPoolUsage)(JNIEnv *env, jobject pool);
	jobject(JNICALL *GetPeakMemoryPoolUsage)(JNIEnv *env, jobject pool);
	jobject(JNICALL *GetMemoryUsage)(JNIEnv *env, jboolean heap);
	jlong(JNICALL *GetLongAttribute)(JNIEnv *env, jobject obj, jint att);
	jboolean(JNICALL *GetBoolAttribute)(JNIEnv *env, jint att);
	jboolean(JNICALL *SetBoolAttribute)(JNIEnv *env, jint att, jboolean flag);
	jobject(JNICALL *GetPoolCollectionUsage)(JNIEnv *env, jobject pool);
	void(JNICALL *GetThreadCpuTimesWithKind)(JNIEnv *env, jlongArray ids, jlongArray times,
	                                         jboolean user_sys_cpu_time);
	/* Not JMM, but what ThreadMXBean.getAllThreadIds() enumerates (libjvm export). */
	jobjectArray(JNICALL *GetAllThreads)(JNIEnv *env, jclass unused);
	/* Not JMM: ClassLoader.findLoadedClass0's native (libjvm export); with loader NULL a
	 * boot-class dictionary lookup that never loads. NULL when not exported. */
	jclass(JNICALL *FindLoadedClass)(JNIEnv *env, jobject loader, jstring name);
} stats_jmm;

/* Finds the JMM table of the running VM, picks its slot layout and validates it (version,
 * process id, a MemoryUsage object, a class count). 0, or -1 when not recognised (a debug
 * line says why). */
int stats_jmm_open(JNIEnv *env, stats_jmm *out);

/* ---- the JMM source's state (jmm.c, javaonly.c) ---------------------------------------- */

/* Static-field readers for the Java-only values (javaonly.c). */
typedef struct {
	jclass cls;       /* global ref, NULL until the class is loaded (we never load it) */
	bool present;     /* this JDK has the class and its fields (as far as we know yet) */
	bool resolved;    /* fields looked up (only once the class is initialised) */
	jfieldID f[3];    /* count, used, capacity (or finalRefCount in f[0]) */
	const void *def;  /* javaonly.c's description of the class and fields */
	const char *name; /* buffer pool name */
} stats_static_src;

/* What c->state points to while the JMM source is in use. */
typedef struct {
	stats_jmm fn;
	/* The pool and collector objects JMM handed out in prepare (local refs of
	 * stats_collector_new's frame), taken over by open; NULL afterwards. */
	jobjectArray pools, mgrs;
	bool compile_time_supported; /* a CompilationMXBean exists and supports the time */
	jvmtiEnv *jvmti;
	stats_static_src final_refs;
	stats_static_src bufsrc[3];
	size_t nbufsrc;
	jclass atomic_long; /* AtomicLong, for java.nio.Bits' counters (looked up with Bits) */
	jfieldID atomic_long_value;
} stats_jmm_state;

/* ---- Java-only values (javaonly.c) ------------------------------------------------------ */

/* Chooses the buffer pool classes of this JDK and puts them in MXBean order. Loads nothing. */
void stats_javaonly_open(stats_jmm_state *s);
/* PendingFinalizers, or -1. */
int64_t stats_javaonly_final_refs(stats_jmm_state *s, JNIEnv *env);
/* Buffer pool `i` of s->bufsrc: count/used/capacity (0 while the class is not initialised,
 * -1 when it lacks the fields). */
void stats_javaonly_buffer(stats_jmm_state *s, JNIEnv *env, size_t i, int64_t v[3]);
/* Deletes the global references (env NULL after VMDeath: left to the dying VM). */
void stats_javaonly_release(stats_jmm_state *s, JNIEnv *env);

#endif
