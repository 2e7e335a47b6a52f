/* Internal to stats/: the collector, and the helpers its parts share.
 *
 * Who calls whom (one way, no circle):
 *   collect.c (lifecycle) → the sources (source.h: jmm.c, mxbean.c) and ids.c, items.c;
 *   column.c (one column) → the source in use, through source.h's interface only;
 *   the sources → ids.c, items.c, jni.c, order.c (jmm.c also jmm_table.c, javaonly.c);
 *   rowcache.c, label.c, table.c, csv.c: the table, called by column.c.
 * Nothing calls back into collect.c or column.c. */
#ifndef JVMSNAP_STATS_INTERNAL_H
#define JVMSNAP_STATS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "table.h"

/* ---- JNI helpers (jni.c) ------------------------------------------------------------- */

/* true when no exception is pending; otherwise clears it (debug line naming `what`). */
bool stats_jni_ok(JNIEnv *env, const char *what);
/* Java string → malloc'ed UTF-8 (from UTF-16, so supplementary characters are 4-byte
 * sequences; U+0000 and unpaired surrogates become U+FFFD). NULL for a null string or on
 * error. The caller frees. */
char *stats_jstring_utf8(JNIEnv *env, jstring s);
/* Global ref to a class, or NULL (exception cleared). */
jclass stats_jni_class(JNIEnv *env, const char *name);
/* Method `name` `sig` of `cls` (NULL: none), or NULL with a debug line, the exception
 * cleared and *ok set to false; so a table of look-ups is checked once at its end. */
jmethodID stats_jni_method(JNIEnv *env, jclass cls, const char *name, const char *sig, bool *ok);
/* One row of a table of method look-ups. */
typedef struct {
	jmethodID *id;
	jclass cls;
	const char *name, *sig;
} stats_method_spec;
/* stats_jni_method for each row; false when any is missing (each has its debug line). */
bool stats_jni_methods(JNIEnv *env, const stats_method_spec *m, size_t n);
/* A long getter called on `o` (with the method's arguments, if any), or -1 when it threw. */
int64_t stats_jni_long(JNIEnv *env, jobject o, jmethodID m, ...);
/* A JVM system property (GetSystemProperty), malloc'ed; NULL when unset. The caller frees. */
char *stats_jvmti_property(jvmtiEnv *jvmti, const char *name);

/* ---- IDs of the public MXBean API (ids.c) ---------------------------------------------- */

/* A collector, pool or buffer pool of a source (items.c). */
typedef struct {
	jobject obj;  /* global ref: the GarbageCollectorMXBean / MemoryPoolMXBean / BufferPoolMXBean */
	char *name;   /* UTF-8 */
	int32_t hash; /* String.hashCode() of the bean's canonical ObjectName */
} stats_item;


/* A value read from a Java object: through the (private) field when this JDK has it, as
 * cheap as a C read, else through the public getter. */
typedef struct {
	jfieldID f;
	jmethodID m;
} stats_acc;

/* Used on both sources (JMM hands out the same objects as the MXBeans). */
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

/* Looks the IDs up. On the JMM path JMM has loaded these classes already, except
 * ThreadInfo. 0, or -1 when java.lang.management is not usable. */
int stats_ids_open(JNIEnv *env, stats_ids *ids);
/* Deletes the global references (env NULL after VMDeath: left to the dying VM). */
void stats_ids_release(stats_ids *ids, JNIEnv *env);
/* Keeps ids->pool_fields only when every pool object is a MemoryPoolImpl. */
void stats_ids_pool_fields_check(stats_ids *ids, JNIEnv *env, const stats_item *pools, size_t n);
jlong stats_acc_long(JNIEnv *env, jobject o, const stats_acc *a);
jint stats_acc_int(JNIEnv *env, jobject o, const stats_acc *a);
jobject stats_acc_obj(JNIEnv *env, jobject o, const stats_acc *a);

/* ---- items (items.c) ------------------------------------------------------------------- */

/* Global ref + UTF-8 name of each element of a MXBean array (getName via `name_mid`) that is
 * an instance of `only` (NULL: all); `objtype` is the ObjectName type for the hash
 * ("MemoryPool", …). Returns the count or -1; *out is malloc'ed (free with stats_items_free). */
int stats_items_from_array(JNIEnv *env, jobjectArray arr, jclass only, jmethodID name_mid,
                           const char *objtype, stats_item **out);
/* Reorders items into MXBean enumeration order (JDK 9+). */
void stats_items_mxbean_order(stats_item *items, size_t n);
/* Frees the array, and deletes the references when env is not NULL. */
void stats_items_free(JNIEnv *env, stats_item *items, size_t n);

/* ---- MXBean enumeration order (order.c) ------------------------------------------------ */

/* String.hashCode() of "<domain>:name=<name>,type=<type>" (a canonical ObjectName). */
int32_t stats_objname_hash(const char *domain, const char *type, const jchar *name, size_t n);
int32_t stats_objname_hash_ascii(const char *domain, const char *type, const char *name);
/* perm[0..n) = the order in which a HashMap(n) holding keys with these hashes, inserted in
 * index order, iterates them (what ManagementFactory.getPlatformMXBeans returns on JDK 9+). */
void stats_hashmap_order(size_t n, const int32_t *hash, size_t *perm);
/* Puts the n elements of `size` bytes at `base` (hash[i] for element i) in that order;
 * leaves them as they are when out of memory. */
void stats_hashmap_reorder(void *base, size_t n, size_t size, const int32_t *hash);

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
 * (NULL: the value is null, written `null`). */
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

/* ---- the collector (collect.c makes it, column.c reads a column with it) ----------------- */

typedef struct stats_source_ops stats_source_ops;

struct stats_collector {
	stats_options opt;
	jvmtiEnv *jvmti;
	const stats_source_ops *src; /* the source in use (source.h) */
	void *state;                 /* src's own state: only src's files look inside */
	stats_ids ids;
	stats_item *gcs, *pools; /* filled by the source's open, in MXBean order */
	size_t ngcs, npools;
	buf label; /* scratch for row labels */
	stats_rowcache thread_rows;
};

#endif
