/* Internal to stats/: the collector's state, shared by the JMM and the MXBean sources. */
#ifndef JVMSNAP_STATS_INTERNAL_H
#define JVMSNAP_STATS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "table.h"

/* ---- JMM (jmm.c) --------------------------------------------------------------------- */

/* The few jmm.h declarations we use (jmm.h is not shipped with the JDK). */
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

/* jmm.h's jmmOptionalSupport (bit-fields, same compiler ABI as HotSpot). */
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

/* ---- JNI helpers (jni.c) ------------------------------------------------------------- */

/* true when no exception is pending; otherwise clears it (debug line naming `what`). */
bool stats_jni_ok(JNIEnv *env, const char *what);
/* Java string → malloc'ed UTF-8 (from UTF-16, so supplementary characters are 4-byte
 * sequences; U+0000 and unpaired surrogates become U+FFFD). NULL for a null string or on
 * error. The caller frees. */
char *stats_jstring_utf8(JNIEnv *env, jstring s);
/* Global ref to a class, or NULL (exception cleared). */
jclass stats_jni_class(JNIEnv *env, const char *name);

/* ---- collector (collect.c, mxbean.c, javaonly.c) --------------------------------------- */

typedef struct {
	jobject obj;  /* global ref: the GarbageCollectorMXBean / MemoryPoolMXBean / BufferPoolMXBean */
	char *name;   /* UTF-8 */
	int32_t hash; /* String.hashCode() of the bean's canonical ObjectName */
} stats_item;

/* ---- MXBean enumeration order (order.c) ------------------------------------------------ */

/* String.hashCode() of "<domain>:name=<name>,type=<type>" (a canonical ObjectName). */
int32_t stats_objname_hash(const char *domain, const char *type, const jchar *name, size_t n);
int32_t stats_objname_hash_ascii(const char *domain, const char *type, const char *name);
/* perm[0..n) = the order in which a HashMap(n) holding keys with these hashes, inserted in
 * index order, iterates them (what ManagementFactory.getPlatformMXBeans returns on JDK 9+). */
void stats_hashmap_order(size_t n, const int32_t *hash, size_t *perm);

/* A value read from a Java object: through the (private) field when this JDK has it, as
 * cheap as a C read, else through the public getter. */
typedef struct {
	jfieldID f;
	jmethodID m;
} stats_acc;

/* IDs of the public MXBean API, used on both paths (JMM hands out the same objects). */
typedef struct {
	jclass memory_usage, thread_info, gc_bean; /* global refs */
	stats_acc mu[4];                           /* MemoryUsage init, used, committed, max */
	jmethodID mgr_name, gc_count, gc_time;
	jmethodID pool_name, pool_usage, pool_peak, pool_coll_usage;
	jmethodID pool_u_supported, pool_u_threshold, pool_u_count;
	jmethodID pool_c_supported, pool_c_threshold, pool_c_count;
	stats_acc ti_id, ti_name, ti_state, ti_blocked_count, ti_blocked_time, ti_waited_count,
	        ti_waited_time, ti_lock_name, ti_lock_owner;
	stats_acc ordinal;    /* Enum */
	stats_acc thread_tid; /* Thread */
	/* sun.management.MemoryPoolImpl's threshold fields and Sensor.count: the getters above are
	 * synchronized Java calls, ~1 µs each, and a column makes six per pool. Used when every
	 * pool is a MemoryPoolImpl with these fields (pool_fields), else the getters. */
	jclass pool_impl;
	jfieldID pf_u_supported, pf_u_threshold, pf_u_sensor, pf_c_supported, pf_c_threshold, pf_c_sensor,
	        sensor_count;
	bool pool_fields;
} stats_ids;

/* Static-field readers for the Java-only values on the JMM path (javaonly.c). */
typedef struct {
	jclass cls;       /* global ref, NULL until the class is loaded (we never load it) */
	bool present;     /* this JDK has the class and its fields (as far as we know yet) */
	bool resolved;    /* fields looked up (only once the class is initialised) */
	jfieldID f[3];    /* count, used, capacity (or finalRefCount in f[0]) */
	const void *def;  /* javaonly.c's description of the class and fields */
	int32_t hash;     /* of its ObjectName, for the MXBean order */
	const char *name; /* buffer pool name */
} stats_static_src;

typedef struct {
	jobject runtime, classes, compilation, memory, threads; /* global refs; compilation may be NULL */
	jmethodID rt_start, rt_uptime;
	jmethodID cl_loaded, cl_total, cl_unloaded;
	jmethodID comp_supported, comp_time;
	jmethodID mem_heap, mem_nonheap, mem_pending;
	jmethodID th_all_ids, th_infos, th_cpu, th_user, th_cpu_enabled;
	jmethodID bp_count, bp_used, bp_capacity;
} stats_mx;

/* ---- thread rows by thread id (rowcache.c) ------------------------------------------- */

/* A thread's rows, in IOpipe's order. */
enum {
	STATS_TR_CPU,
	STATS_TR_USER,
	STATS_TR_BLOCKED,
	STATS_TR_BLOCKED_TIME,
	STATS_TR_LOCK_NAME, /* text */
	STATS_TR_LOCK_OWNER,
	STATS_TR_STATE, /* text */
	STATS_TR_WAITED,
	STATS_TR_WAITED_TIME,
	STATS_THREAD_FIELDS
};

/* One thread's values for one column: num[] for the numeric rows, text[] for the text rows
 * (NULL: missing). */
typedef struct {
	int64_t num[STATS_THREAD_FIELDS];
	const char *text[STATS_THREAD_FIELDS];
} stats_thread_values;

typedef struct {
	int64_t id;
	char *name; /* NULL for a thread without a name */
	bool used;
	stats_row *rows[STATS_THREAD_FIELDS];
} stats_thread_rows;

typedef struct {
	uint64_t serial; /* stats_table_serial of the table the rows belong to */
	stats_thread_rows *slots; /* open addressing by id; power-of-two size */
	size_t cap, n;
} stats_rowcache;

/* The rows of thread (name, id) in `t`, in the order above, made when first asked for
 * (`label` is scratch). NULL when out of memory. Cached until `t` is another table. */
stats_row *const *stats_rowcache_thread(stats_rowcache *rc, stats_table *t, buf *label, const char *name,
                                        int64_t id);
/* Sets the thread's cells of the table's last column. 0, or -1 when out of memory. */
int stats_rowcache_set(stats_table *t, stats_row *const *rows, const stats_thread_values *v);
void stats_rowcache_free(stats_rowcache *rc);

struct stats_collector {
	stats_options opt;
	stats_source source;
	jvmtiEnv *jvmti;
	stats_jmm jmm;
	stats_ids ids;
	stats_mx mx;
	bool compile_time_supported; /* a CompilationMXBean exists and supports the time */
	stats_item *gcs, *pools, *buffers;
	size_t ngcs, npools, nbuffers;
	stats_static_src final_refs;
	stats_static_src bufsrc[3];
	size_t nbufsrc;
	jclass atomic_long; /* AtomicLong, for java.nio.Bits' counters (looked up with Bits) */
	jfieldID atomic_long_value;
	buf label; /* scratch for row labels */
	stats_rowcache thread_rows;
};

/* MXBean path (mxbean.c): look up the beans and fill c->gcs, c->pools, c->buffers. */
int stats_mx_open(stats_collector *c, JNIEnv *env);
/* Global ref + UTF-8 name of each element of a MXBean array (getName via `name_mid`) that is
 * an instance of `only` (NULL: all); `objtype` is the ObjectName type for the hash
 * ("MemoryPool", …). Returns the count or -1; *out is malloc'ed (collector frees). */
int stats_items_from_array(JNIEnv *env, jobjectArray arr, jclass only, jmethodID name_mid,
                           const char *objtype, stats_item **out);
/* Reorders items (with their hashes) into MXBean enumeration order (JDK 9+). */
void stats_items_mxbean_order(stats_item *items, size_t n);
/* JMM path, Java-only values (javaonly.c). */
void stats_javaonly_open(stats_collector *c, JNIEnv *env);
/* PendingFinalizers, or -1. */
int64_t stats_javaonly_final_refs(stats_collector *c, JNIEnv *env);
/* Buffer pool `i` of c->bufsrc: count/used/capacity (0 while the class is not initialised,
 * -1 when it lacks the fields). */
void stats_javaonly_buffer(stats_collector *c, JNIEnv *env, size_t i, int64_t v[3]);

#endif
