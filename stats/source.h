/* Internal to stats/: a source of the statistics' values, the one interface through which
 * the column code (column.c) reads them. Implementations, in the order the lifecycle
 * (collect.c) tries them:
 *   stats_source_jmm     (jmm.c + javaonly.c): the JVM's management interface, as the MXBeans
 *                        themselves call it, plus Java-only fields; no Java code runs;
 *   stats_source_mxbean  (mxbean.c): the MXBeans called through JNI, when JMM is not usable.
 * Another source is one more table of these functions, added to collect.c's list.
 *
 * Rules for an implementation:
 * - Its state is its own, behind c->state (made by prepare or open, freed by release).
 *   open fills c->gcs and c->pools (MXBean order) and may clear c->ids.pool_fields; nothing
 *   else of the collector is its to change.
 * - open is called once c->ids is looked up. A failed prepare or open keeps nothing but
 *   c->state (release frees it) and whatever it put in c->gcs/c->pools (the caller frees them).
 * - The column functions run on the collecting thread, inside stats_collect's local frame.
 *   A value that cannot be read is -1 (the MXBeans' "undefined"), never a failed column;
 *   every exception they raise is cleared (stats_jni_ok). Returned objects are local refs.
 * - No call into collect.c or column.c. */
#ifndef JVMSNAP_STATS_SOURCE_H
#define JVMSNAP_STATS_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* Which usage of a memory pool. */
typedef enum { STATS_USAGE_COLLECTION, STATS_USAGE_PEAK, STATS_USAGE_CURRENT } stats_usage_kind;

/* The timing and class rows' values (docs/statistics.md "Timing and classes"), -1 each when
 * undefined. */
typedef struct {
	int64_t start_ms, uptime_ms, loaded, total, unloaded, compile_ms;
} stats_head_values;

/* The threads of one column, as ThreadMXBean lists them. */
typedef struct {
	jsize n;
	jlong *ids, *cpu, *user; /* malloc'ed, n each; cpu and user -1 when unknown */
	jobjectArray infos;      /* ThreadInfo[n] (local ref), null entries for threads that ended */
} stats_thread_set;

/* n ids, cpu and user (-1). false when out of memory (free it all the same). */
bool stats_thread_set_alloc(stats_thread_set *s, jsize n);
void stats_thread_set_free(stats_thread_set *s, JNIEnv *env);

struct stats_source_ops {
	stats_source id;
	const char *name; /* in the debug line that names the source in use */

	/* Lifecycle (collect.c). prepare, optional (NULL), runs before open, and for the first
	 * source also before c->ids is looked up, for calls that must come first; false (with a
	 * debug line) when this source cannot be used, and then open is not called. open: 0, or -1 to try the next source. release: frees
	 * c->state (env NULL after VMDeath: global references are left to the dying VM). */
	bool (*prepare)(stats_collector *c, JNIEnv *env);
	int (*open)(stats_collector *c, JNIEnv *env);
	void (*release)(stats_collector *c, JNIEnv *env);

	/* One column (column.c), in this order. */
	void (*head)(stats_collector *c, JNIEnv *env, stats_head_values *out);
	/* Collection count and time (ms) of collector `gc` (one of c->gcs). */
	void (*gc)(stats_collector *c, JNIEnv *env, jobject gc, int64_t *count, int64_t *time_ms);
	/* A MemoryUsage of pool `pool` (one of c->pools), or NULL (none, or it threw). */
	jobject (*pool_usage)(stats_collector *c, JNIEnv *env, jobject pool, stats_usage_kind kind);
	/* The heap's or the non-heap's MemoryUsage, or NULL. */
	jobject (*memory_usage)(stats_collector *c, JNIEnv *env, bool heap);
	int64_t (*pending_finalizers)(stats_collector *c, JNIEnv *env);
	/* Fills *s (zeroed by the caller, freed by it with stats_thread_set_free): 0, or -1
	 * when the threads cannot be listed (the column then has no thread rows). */
	int (*threads)(stats_collector *c, JNIEnv *env, stats_thread_set *s);
	/* Buffer pools: how many, then pool i's name and count, used, capacity. */
	size_t (*buffer_pools)(const stats_collector *c);
	const char *(*buffer_pool)(stats_collector *c, JNIEnv *env, size_t i, int64_t v[3]);
};

extern const stats_source_ops stats_source_jmm;
extern const stats_source_ops stats_source_mxbean;

#endif
