/* One stats column: every IOpipe statistic, in IOpipe's row order, from JMM + Java-only
 * fields, or from the MXBeans through JNI. Runs on the agent's own thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "internal.h"

static const char *const thread_states[] = {"NEW",     "RUNNABLE",      "BLOCKED",
                                            "WAITING", "TIMED_WAITING", "TERMINATED"};

/* ---- IDs ------------------------------------------------------------------------------ */

static bool acc(JNIEnv *env, jclass cls, stats_acc *a, const char *field, const char *getter,
                const char *type)
{
	char sig[128];
	a->f = (*env)->GetFieldID(env, cls, field, type);
	if (a->f)
		return true;
	(*env)->ExceptionClear(env);
	snprintf(sig, sizeof sig, "()%s", type);
	a->m = getter ? (*env)->GetMethodID(env, cls, getter, sig) : NULL;
	if (!a->m)
		(*env)->ExceptionClear(env);
	return a->m != NULL;
}

static jmethodID mid(JNIEnv *env, jclass cls, const char *name, const char *sig, bool *ok)
{
	jmethodID m = cls ? (*env)->GetMethodID(env, cls, name, sig) : NULL;
	if (!m) {
		(*env)->ExceptionClear(env);
		log_debug("stats: method %s%s not found", name, sig);
		*ok = false;
	}
	return m;
}

static void pool_fields_open(JNIEnv *env, stats_ids *ids)
{
	ids->pool_impl = stats_jni_class(env, "sun/management/MemoryPoolImpl");
	jclass sensor = (*env)->FindClass(env, "sun/management/Sensor");
	if (!ids->pool_impl || !sensor) {
		(*env)->ExceptionClear(env);
		return;
	}
	const char *ssig = "Lsun/management/Sensor;";
	struct {
		jfieldID *id;
		jclass cls;
		const char *name, *sig;
	} f[] = {{&ids->pf_u_supported, ids->pool_impl, "usageThresholdSupported", "Z"},
	         {&ids->pf_u_threshold, ids->pool_impl, "usageThreshold", "J"},
	         {&ids->pf_u_sensor, ids->pool_impl, "usageSensor", ssig},
	         {&ids->pf_c_supported, ids->pool_impl, "collectionThresholdSupported", "Z"},
	         {&ids->pf_c_threshold, ids->pool_impl, "collectionThreshold", "J"},
	         {&ids->pf_c_sensor, ids->pool_impl, "gcSensor", ssig},
	         {&ids->sensor_count, sensor, "count", "J"}};
	ids->pool_fields = true;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		*f[i].id = (*env)->GetFieldID(env, f[i].cls, f[i].name, f[i].sig);
		if (!*f[i].id) {
			(*env)->ExceptionClear(env);
			log_debug("stats: MemoryPoolImpl.%s not found; using the threshold getters",
			          f[i].name);
			ids->pool_fields = false;
		}
	}
}

/* Fields only when every pool object is a MemoryPoolImpl. */
static void pool_fields_check(stats_collector *c, JNIEnv *env)
{
	for (size_t i = 0; i < c->npools && c->ids.pool_fields; i++)
		if (!(*env)->IsInstanceOf(env, c->pools[i].obj, c->ids.pool_impl))
			c->ids.pool_fields = false;
}

static int ids_open(JNIEnv *env, stats_ids *ids)
{
	bool ok = true;
	if ((*env)->PushLocalFrame(env, 16) != 0)
		return stats_jni_ok(env, "PushLocalFrame"), -1;
	/* On the JMM path JMM has loaded all of these already (jmm_table) except ThreadInfo,
	 * which its GetThreadInfo would load and initialise itself, but which we need first to
	 * make the ThreadInfo[] it fills. */
	ids->memory_usage = stats_jni_class(env, "java/lang/management/MemoryUsage");
	ids->thread_info = stats_jni_class(env, "java/lang/management/ThreadInfo");
	ids->gc_bean = stats_jni_class(env, "java/lang/management/GarbageCollectorMXBean");
	jclass mgr = (*env)->FindClass(env, "java/lang/management/MemoryManagerMXBean");
	jclass pool = (*env)->FindClass(env, "java/lang/management/MemoryPoolMXBean");
	jclass en = (*env)->FindClass(env, "java/lang/Enum");
	jclass th = (*env)->FindClass(env, "java/lang/Thread");
	if (!stats_jni_ok(env, "FindClass") || !ids->memory_usage || !ids->thread_info || !ids->gc_bean ||
	    !mgr || !pool || !en || !th) {
		(*env)->PopLocalFrame(env, NULL);
		return -1;
	}
	static const char *const mu_names[4][2] = {
	        {"init", "getInit"}, {"used", "getUsed"}, {"committed", "getCommitted"}, {"max", "getMax"}};
	for (int i = 0; i < 4; i++)
		ok &= acc(env, ids->memory_usage, &ids->mu[i], mu_names[i][0], mu_names[i][1], "J");
	const char *mu_sig = "()Ljava/lang/management/MemoryUsage;";
	ids->mgr_name = mid(env, mgr, "getName", "()Ljava/lang/String;", &ok);
	ids->gc_count = mid(env, ids->gc_bean, "getCollectionCount", "()J", &ok);
	ids->gc_time = mid(env, ids->gc_bean, "getCollectionTime", "()J", &ok);
	ids->pool_name = mid(env, pool, "getName", "()Ljava/lang/String;", &ok);
	ids->pool_usage = mid(env, pool, "getUsage", mu_sig, &ok);
	ids->pool_peak = mid(env, pool, "getPeakUsage", mu_sig, &ok);
	ids->pool_coll_usage = mid(env, pool, "getCollectionUsage", mu_sig, &ok);
	ids->pool_u_supported = mid(env, pool, "isUsageThresholdSupported", "()Z", &ok);
	ids->pool_u_threshold = mid(env, pool, "getUsageThreshold", "()J", &ok);
	ids->pool_u_count = mid(env, pool, "getUsageThresholdCount", "()J", &ok);
	ids->pool_c_supported = mid(env, pool, "isCollectionUsageThresholdSupported", "()Z", &ok);
	ids->pool_c_threshold = mid(env, pool, "getCollectionUsageThreshold", "()J", &ok);
	ids->pool_c_count = mid(env, pool, "getCollectionUsageThresholdCount", "()J", &ok);
	jclass ti = ids->thread_info;
	ok &= acc(env, ti, &ids->ti_id, "threadId", "getThreadId", "J");
	ok &= acc(env, ti, &ids->ti_name, "threadName", "getThreadName", "Ljava/lang/String;");
	ok &= acc(env, ti, &ids->ti_state, "threadState", "getThreadState", "Ljava/lang/Thread$State;");
	ok &= acc(env, ti, &ids->ti_blocked_count, "blockedCount", "getBlockedCount", "J");
	ok &= acc(env, ti, &ids->ti_blocked_time, "blockedTime", "getBlockedTime", "J");
	ok &= acc(env, ti, &ids->ti_waited_count, "waitedCount", "getWaitedCount", "J");
	ok &= acc(env, ti, &ids->ti_waited_time, "waitedTime", "getWaitedTime", "J");
	ok &= acc(env, ti, &ids->ti_lock_name, "lockName", "getLockName", "Ljava/lang/String;");
	ok &= acc(env, ti, &ids->ti_lock_owner, "lockOwnerId", "getLockOwnerId", "J");
	ok &= acc(env, en, &ids->ordinal, "ordinal", "ordinal", "I");
	/* Thread.getId() may be overridden before JDK 19; the MXBean reads the field too (via
	 * getId/threadId, which are final where it matters). */
	ok &= acc(env, th, &ids->thread_tid, "tid", "getId", "J");
	pool_fields_open(env, ids);
	(*env)->PopLocalFrame(env, NULL);
	return ok ? 0 : -1;
}

static jlong get_long(JNIEnv *env, jobject o, const stats_acc *a)
{
	return a->f ? (*env)->GetLongField(env, o, a->f) : (*env)->CallLongMethod(env, o, a->m);
}

static jint get_int(JNIEnv *env, jobject o, const stats_acc *a)
{
	return a->f ? (*env)->GetIntField(env, o, a->f) : (*env)->CallIntMethod(env, o, a->m);
}

static jobject get_obj(JNIEnv *env, jobject o, const stats_acc *a)
{
	return a->f ? (*env)->GetObjectField(env, o, a->f) : (*env)->CallObjectMethod(env, o, a->m);
}

/* ---- items ---------------------------------------------------------------------------- */

static void items_free(JNIEnv *env, stats_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (env && items[i].obj)
			(*env)->DeleteGlobalRef(env, items[i].obj);
		free(items[i].name);
	}
	free(items);
}

/* Hash of the bean's ObjectName; only used for collectors and pools (JMM path). */
static int32_t java_hash(JNIEnv *env, jstring name, const char *type)
{
	if (!name)
		return 0;
	jsize n = (*env)->GetStringLength(env, name);
	const jchar *u = (*env)->GetStringCritical(env, name, NULL);
	if (!u) {
		stats_jni_ok(env, "GetStringCritical");
		return 0;
	}
	int32_t h = stats_objname_hash("java.lang", type, u, (size_t)n);
	(*env)->ReleaseStringCritical(env, name, u);
	return h;
}

void stats_items_mxbean_order(stats_item *items, size_t n)
{
	size_t *perm = malloc((n + 1) * sizeof *perm);
	int32_t *hash = calloc(n + 1, sizeof *hash);
	stats_item *copy = malloc((n + 1) * sizeof *copy);
	if (perm && hash && copy) {
		for (size_t i = 0; i < n; i++)
			hash[i] = items[i].hash;
		stats_hashmap_order(n, hash, perm);
		memcpy(copy, items, n * sizeof *items);
		for (size_t i = 0; i < n; i++)
			items[i] = copy[perm[i]];
	}
	free(perm);
	free(hash);
	free(copy);
}

int stats_items_from_array(JNIEnv *env, jobjectArray arr, jclass only, jmethodID name_mid,
                           const char *objtype, stats_item **out)
{
	*out = NULL;
	if (!arr)
		return -1;
	jsize n = (*env)->GetArrayLength(env, arr);
	stats_item *items = calloc((size_t)n + 1, sizeof *items);
	if (!items)
		return -1;
	int count = 0;
	for (jsize i = 0; i < n; i++) {
		jobject o = (*env)->GetObjectArrayElement(env, arr, i);
		if (!stats_jni_ok(env, "GetObjectArrayElement") || !o)
			continue;
		if (!only || (*env)->IsInstanceOf(env, o, only)) {
			jstring name = (*env)->CallObjectMethod(env, o, name_mid);
			if (stats_jni_ok(env, "getName")) {
				items[count].name = stats_jstring_utf8(env, name);
				items[count].hash = java_hash(env, name, objtype);
				items[count].obj = (*env)->NewGlobalRef(env, o);
				if (items[count].obj)
					count++;
				else
					free(items[count].name);
			}
			(*env)->DeleteLocalRef(env, name);
		}
		(*env)->DeleteLocalRef(env, o);
	}
	*out = items;
	return count;
}

/* The pool and collector objects JMM handed out (local refs), taken before ids_open. */
typedef struct {
	jobjectArray pools, mgrs;
} jmm_beans;

static int jmm_items(stats_collector *c, JNIEnv *env, const jmm_beans *b)
{
	int np = stats_items_from_array(env, b->pools, NULL, c->ids.pool_name, "MemoryPool", &c->pools);
	/* ManagementFactory.getGarbageCollectorMXBeans() is this list filtered the same way. */
	int ng = stats_items_from_array(env, b->mgrs, c->ids.gc_bean, c->ids.mgr_name, "GarbageCollector",
	                                &c->gcs);
	if (np < 0 || ng < 0)
		return -1;
	c->npools = (size_t)np;
	c->ngcs = (size_t)ng;
	if (c->jmm.layout >= 2) { /* JDK 9+: ManagementFactory enumerates a HashMap */
		stats_items_mxbean_order(c->pools, c->npools);
		stats_items_mxbean_order(c->gcs, c->ngcs);
	}
	return 0;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static void enable_contention_jmm(stats_collector *c, JNIEnv *env, const stats_jmm_support *sup)
{
	if (!sup->isThreadContentionMonitoringSupported) {
		log_debug("stats: thread contention monitoring is not supported by this JVM");
		return;
	}
	c->jmm.SetBoolAttribute(env, STATS_JMM_THREAD_CONTENTION_MONITORING, JNI_TRUE);
	if (stats_jni_ok(env, "JMM SetBoolAttribute(contention)"))
		log_debug("stats: thread contention monitoring enabled");
}

static bool has_jit(stats_collector *c)
{
	/* No CompilationMXBean without a JIT (-Xint): java.vm.info then says "interpreted mode". */
	char *v = NULL;
	if ((*c->jvmti)->GetSystemProperty(c->jvmti, "java.vm.info", &v) != JVMTI_ERROR_NONE || !v)
		return true;
	bool jit = strstr(v, "interpreted mode") == NULL;
	(*c->jvmti)->Deallocate(c->jvmti, (unsigned char *)v);
	return jit;
}

/* The JMM table, validated, and JMM's own first calls: GetMemoryUsage (in the validation),
 * GetMemoryPools and GetMemoryManagers create the MemoryUsage, MemoryPoolImpl and collector
 * objects through ManagementFactoryHelper, loading their classes (and ManagementFactory's).
 * They run before ids_open, so its FindClass calls find those classes instead of loading
 * them. false (with the one debug line saying why) when JMM cannot be used. */
static bool jmm_table(stats_collector *c, JNIEnv *env, jmm_beans *b)
{
	if (c->opt.mxbean_fallback) {
		log_debug("stats: JMM not used (mxbean_fallback option); reading the MXBeans through JNI");
		return false;
	}
	if (stats_jmm_open(env, &c->jmm) != 0) {
		log_debug("stats: JMM layout not recognised; falling back to the MXBeans through JNI");
		return false;
	}
	b->pools = c->jmm.GetMemoryPools(env, NULL);
	bool ok = stats_jni_ok(env, "JMM GetMemoryPools") && b->pools;
	b->mgrs = ok ? c->jmm.GetMemoryManagers(env, NULL) : NULL;
	if (!ok || !stats_jni_ok(env, "JMM GetMemoryManagers") || !b->mgrs) {
		log_debug("stats: JMM pools/collectors unavailable; falling back to the MXBeans through JNI");
		return false;
	}
	return true;
}

static int open_jmm(stats_collector *c, JNIEnv *env, const jmm_beans *b)
{
	if (jmm_items(c, env, b) != 0) {
		log_debug("stats: JMM pools/collectors unreadable; falling back to the MXBeans through JNI");
		items_free(env, c->pools, c->npools);
		items_free(env, c->gcs, c->ngcs);
		c->pools = c->gcs = NULL;
		c->npools = c->ngcs = 0;
		return -1;
	}
	stats_jmm_support sup;
	memset(&sup, 0, sizeof sup);
	c->jmm.GetOptionalSupport(env, &sup);
	stats_jni_ok(env, "JMM GetOptionalSupport");
	c->compile_time_supported = sup.isCompilationTimeMonitoringSupported && has_jit(c);
	if (c->opt.thread_contention)
		enable_contention_jmm(c, env, &sup);
	stats_javaonly_open(c, env);
	pool_fields_check(c, env);
	c->source = STATS_SOURCE_JMM;
	return 0;
}

static int sources_open(stats_collector *c, JNIEnv *env)
{
	jmm_beans b = {NULL, NULL};
	bool jmm = jmm_table(c, env, &b);
	if (ids_open(env, &c->ids) != 0) {
		log_warn("stats: java.lang.management is not available; no statistics");
		return -1;
	}
	if (!(jmm && open_jmm(c, env, &b) == 0) && stats_mx_open(c, env) != 0) {
		log_warn("stats: neither JMM nor the MXBeans can be read; no statistics");
		return -1;
	}
	return 0;
}

stats_collector *stats_collector_new(JNIEnv *env, jvmtiEnv *jvmti, const stats_options *o)
{
	if (!env || !jvmti)
		return NULL;
	stats_collector *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (o)
		c->opt = *o;
	c->jvmti = jvmti;
	buf_init(&c->label);
	/* A frame for the JMM arrays that sources_open hands from one step to the next. */
	if ((*env)->PushLocalFrame(env, 16) != 0) {
		stats_jni_ok(env, "PushLocalFrame");
		stats_collector_free(c, env);
		return NULL;
	}
	int rc = sources_open(c, env);
	(*env)->PopLocalFrame(env, NULL);
	if (rc != 0) {
		stats_collector_free(c, env);
		return NULL;
	}
	log_debug("stats: collecting from %s: %zu collectors, %zu pools",
	          c->source == STATS_SOURCE_JMM ? "JMM" : "MXBeans (JNI)", c->ngcs, c->npools);
	return c;
}

stats_source stats_collector_source(const stats_collector *c) { return c->source; }

void stats_collector_free(stats_collector *c, JNIEnv *env)
{
	if (!c)
		return;
	items_free(env, c->gcs, c->ngcs);
	items_free(env, c->pools, c->npools);
	items_free(env, c->buffers, c->nbuffers);
	if (env) {
		jobject refs[] = {c->ids.memory_usage, c->ids.thread_info, c->ids.gc_bean,
		                  c->ids.pool_impl,    c->mx.runtime,      c->mx.classes,
		                  c->mx.compilation,   c->mx.memory,       c->mx.threads,
		                  c->final_refs.cls,   c->bufsrc[0].cls,   c->bufsrc[1].cls,
		                  c->bufsrc[2].cls,    c->atomic_long};
		for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
			if (refs[i])
				(*env)->DeleteGlobalRef(env, refs[i]);
	}
	buf_free(&c->label);
	stats_rowcache_free(&c->thread_rows);
	free(c);
}

/* ---- one column ----------------------------------------------------------------------- */

typedef struct {
	stats_collector *c;
	JNIEnv *env;
	stats_table *t;
	bool failed; /* out of memory */
} col_ctx;

static void num(col_ctx *x, stats_section s, const char *label, int64_t v)
{
	if (!label || stats_table_put_num(x->t, s, label, v) != 0)
		x->failed = true;
}

static int64_t mx_long(col_ctx *x, jobject o, jmethodID m)
{
	jlong v = (*x->env)->CallLongMethod(x->env, o, m);
	return stats_jni_ok(x->env, "MXBean getter") ? v : -1;
}

static int64_t mx_long_arg(col_ctx *x, jobject o, jmethodID m, jlong arg)
{
	jlong v = (*x->env)->CallLongMethod(x->env, o, m, arg);
	return stats_jni_ok(x->env, "MXBean getter") ? v : -1;
}

static int64_t jmm_attr(col_ctx *x, jobject o, jint att)
{
	jlong v = x->c->jmm.GetLongAttribute(x->env, o, att);
	return stats_jni_ok(x->env, "JMM GetLongAttribute") ? v : -1;
}

static void head(col_ctx *x)
{
	stats_collector *c = x->c;
	int64_t now = (int64_t)clock_mono_ns(); /* System.nanoTime() on Linux */
	num(x, STATS_SEC_HEAD, "AbsoluteTime (ns)", now);
	num(x, STATS_SEC_HEAD, "RelativeTime (ns)", now - stats_table_origin_ns(x->t, now));
	int64_t start, uptime, total, unloaded, loaded, comp = -1;
	if (c->source == STATS_SOURCE_JMM) {
		start = jmm_attr(x, NULL, STATS_JMM_JVM_INIT_DONE_TIME_MS);
		uptime = jmm_attr(x, NULL, STATS_JMM_JVM_UPTIME_MS);
		total = jmm_attr(x, NULL, STATS_JMM_CLASS_LOADED_COUNT);
		unloaded = jmm_attr(x, NULL, STATS_JMM_CLASS_UNLOADED_COUNT);
		/* ClassLoadingMXBean.getLoadedClassCount() is total - unloaded, as an int. */
		loaded = total >= 0 && unloaded >= 0 ? (int32_t)(total - unloaded) : -1;
		if (c->compile_time_supported)
			comp = jmm_attr(x, NULL, STATS_JMM_COMPILE_TOTAL_TIME_MS);
	} else {
		start = mx_long(x, c->mx.runtime, c->mx.rt_start);
		uptime = mx_long(x, c->mx.runtime, c->mx.rt_uptime);
		jint l = (*x->env)->CallIntMethod(x->env, c->mx.classes, c->mx.cl_loaded);
		loaded = stats_jni_ok(x->env, "getLoadedClassCount") ? l : -1;
		total = mx_long(x, c->mx.classes, c->mx.cl_total);
		unloaded = mx_long(x, c->mx.classes, c->mx.cl_unloaded);
		if (c->mx.compilation) {
			jboolean sup =
			        (*x->env)->CallBooleanMethod(x->env, c->mx.compilation, c->mx.comp_supported);
			if (stats_jni_ok(x->env, "isCompilationTimeMonitoringSupported") && sup)
				comp = mx_long(x, c->mx.compilation, c->mx.comp_time);
		}
	}
	num(x, STATS_SEC_HEAD, "StartTime (utc ms)", start);
	num(x, STATS_SEC_HEAD, "UpTime (ms)", uptime);
	num(x, STATS_SEC_HEAD, "CurrentLoadedClasses (classes)", loaded);
	num(x, STATS_SEC_HEAD, "TotalLoadedClasses (classes)", total);
	num(x, STATS_SEC_HEAD, "TotalUnloadedClasses (classes)", unloaded);
	num(x, STATS_SEC_HEAD, "TotalCompilationTime (ms)", comp);
}

static void gcs(col_ctx *x)
{
	stats_collector *c = x->c;
	for (size_t i = 0; i < c->ngcs; i++) {
		jobject o = c->gcs[i].obj;
		bool jmm = c->source == STATS_SOURCE_JMM;
		int64_t count = jmm ? jmm_attr(x, o, STATS_JMM_GC_COUNT) : mx_long(x, o, c->ids.gc_count);
		int64_t time = jmm ? jmm_attr(x, o, STATS_JMM_GC_TIME_MS) : mx_long(x, o, c->ids.gc_time);
		num(x, STATS_SEC_GC, stats_label_item(&c->label, "GC", c->gcs[i].name, "Count (collections)"),
		    count);
		num(x, STATS_SEC_GC, stats_label_item(&c->label, "GC", c->gcs[i].name, "Time (ms)"), time);
	}
}

/* The four "MemPool.<p>.<what>.init (byte)" … rows; a null usage gives -1s. */
static void usage_rows(col_ctx *x, const char *pool_name, int what, jobject mu, bool ok)
{
	static const char *const fields[3][4] = {
	        {"CollectionUsage.init (byte)", "CollectionUsage.used (byte)",
	         "CollectionUsage.committed (byte)", "CollectionUsage.max (byte)"},
	        {"PeakUsage.init (byte)", "PeakUsage.used (byte)", "PeakUsage.committed (byte)",
	         "PeakUsage.max (byte)"},
	        {"Usage.init (byte)", "Usage.used (byte)", "Usage.committed (byte)", "Usage.max (byte)"}};
	stats_collector *c = x->c;
	size_t p = stats_label_prefix(&c->label, "MemPool", pool_name);
	for (int i = 0; i < 4; i++) {
		int64_t v = -1;
		if (ok && mu) {
			jlong r = get_long(x->env, mu, &c->ids.mu[i]);
			v = stats_jni_ok(x->env, "MemoryUsage") ? r : -1;
		}
		num(x, STATS_SEC_POOL, stats_label_field(&c->label, p, fields[what][i]), v);
	}
}

typedef jobject(JNICALL *jmm_usage_fn)(JNIEnv *, jobject);

static jobject pool_usage(col_ctx *x, jobject pool, jmm_usage_fn f, jmethodID m, bool *ok)
{
	jobject mu = x->c->source == STATS_SOURCE_JMM ? f(x->env, pool)
	                                              : (*x->env)->CallObjectMethod(x->env, pool, m);
	*ok = stats_jni_ok(x->env, "pool usage");
	return *ok ? mu : NULL;
}

/* Threshold and threshold count, -1 when the pool does not support that threshold. */
static void threshold_rows(col_ctx *x, const char *pool_name, jobject pool, bool collection)
{
	stats_collector *c = x->c;
	const stats_ids *ids = &c->ids;
	JNIEnv *env = x->env;
	int64_t th = -1, hits = -1;
	if (ids->pool_fields) {
		if ((*env)->GetBooleanField(env, pool,
		                            collection ? ids->pf_c_supported : ids->pf_u_supported)) {
			th = (*env)->GetLongField(env, pool,
			                          collection ? ids->pf_c_threshold : ids->pf_u_threshold);
			jobject sensor = (*env)->GetObjectField(
			        env, pool, collection ? ids->pf_c_sensor : ids->pf_u_sensor);
			hits = sensor ? (*env)->GetLongField(env, sensor, ids->sensor_count) : -1;
			(*env)->DeleteLocalRef(env, sensor);
		}
	} else {
		jboolean sup = (*env)->CallBooleanMethod(
		        env, pool, collection ? ids->pool_c_supported : ids->pool_u_supported);
		if (stats_jni_ok(env, "is*ThresholdSupported") && sup) {
			th = mx_long(x, pool, collection ? ids->pool_c_threshold : ids->pool_u_threshold);
			hits = mx_long(x, pool, collection ? ids->pool_c_count : ids->pool_u_count);
		}
	}
	size_t p = stats_label_prefix(&c->label, "MemPool", pool_name);
	num(x, STATS_SEC_POOL,
	    stats_label_field(&c->label, p,
	                      collection ? "CollectionUsageThreshold (byte)" : "UsageThreshold (byte)"),
	    th);
	num(x, STATS_SEC_POOL,
	    stats_label_field(&c->label, p,
	                      collection ? "CollectionUsageThresholdHit (count)"
	                                 : "UsageThresholdHit (count)"),
	    hits);
}

static void pools(col_ctx *x)
{
	stats_collector *c = x->c;
	const stats_ids *ids = &c->ids;
	for (size_t i = 0; i < c->npools && !x->failed; i++) {
		if ((*x->env)->PushLocalFrame(x->env, 8) != 0) {
			stats_jni_ok(x->env, "PushLocalFrame");
			x->failed = true;
			return;
		}
		jobject p = c->pools[i].obj;
		const char *name = c->pools[i].name;
		bool ok;
		jobject mu = pool_usage(x, p, c->jmm.GetPoolCollectionUsage, ids->pool_coll_usage, &ok);
		usage_rows(x, name, 0, mu, ok);
		threshold_rows(x, name, p, true);
		mu = pool_usage(x, p, c->jmm.GetPeakMemoryPoolUsage, ids->pool_peak, &ok);
		usage_rows(x, name, 1, mu, ok);
		mu = pool_usage(x, p, c->jmm.GetMemoryPoolUsage, ids->pool_usage, &ok);
		usage_rows(x, name, 2, mu, ok);
		threshold_rows(x, name, p, false);
		(*x->env)->PopLocalFrame(x->env, NULL);
	}
}

static void memory(col_ctx *x)
{
	stats_collector *c = x->c;
	JNIEnv *env = x->env;
	static const char *const parts[4] = {"init", "used", "committed", "max"};
	for (int heap = 1; heap >= 0; heap--) {
		jobject mu;
		if (c->source == STATS_SOURCE_JMM)
			mu = c->jmm.GetMemoryUsage(env, heap ? JNI_TRUE : JNI_FALSE);
		else
			mu = (*env)->CallObjectMethod(env, c->mx.memory,
			                              heap ? c->mx.mem_heap : c->mx.mem_nonheap);
		bool ok = stats_jni_ok(env, "memory usage");
		char label[48];
		for (int i = 0; i < 4; i++) {
			int64_t v = -1;
			if (ok && mu) {
				jlong r = get_long(env, mu, &c->ids.mu[i]);
				v = stats_jni_ok(env, "MemoryUsage") ? r : -1;
			}
			snprintf(label, sizeof label, "Memory.%s.%s (byte)", heap ? "Heap" : "NonHeap",
			         parts[i]);
			num(x, STATS_SEC_MEMORY, label, v);
		}
		(*env)->DeleteLocalRef(env, mu);
	}
	int64_t pending;
	if (c->source == STATS_SOURCE_JMM) {
		pending = stats_javaonly_final_refs(c, env);
	} else {
		jint v = (*env)->CallIntMethod(env, c->mx.memory, c->mx.mem_pending);
		pending = stats_jni_ok(env, "getObjectPendingFinalizationCount") ? v : -1;
	}
	num(x, STATS_SEC_MEMORY, "PendingFinalizers (count)", pending);
}

/* ---- threads -------------------------------------------------------------------------- */

typedef struct {
	jsize n;
	jlong *ids, *cpu, *user; /* malloc'ed, n each */
	jobjectArray infos;      /* ThreadInfo[n], null entries for threads that ended */
} thread_set;

static jlongArray long_array(JNIEnv *env, const jlong *v, jsize n)
{
	jlongArray a = (*env)->NewLongArray(env, n);
	if (a && v)
		(*env)->SetLongArrayRegion(env, a, 0, n, v);
	return stats_jni_ok(env, "NewLongArray") ? a : NULL;
}

static bool thread_set_alloc(thread_set *s, jsize n)
{
	s->n = n;
	size_t sz = (size_t)(n > 0 ? n : 1) * sizeof(jlong);
	s->ids = malloc(sz);
	s->cpu = malloc(sz);
	s->user = malloc(sz);
	if (!s->ids || !s->cpu || !s->user)
		return false;
	for (jsize i = 0; i < n; i++)
		s->cpu[i] = s->user[i] = -1;
	return true;
}

/* What ThreadMXBean does: ids of JVM_GetAllThreads(), GetThreadInfo(ids, 0) (no safepoint
 * at depth 0), CPU times through GetThreadCpuTimesWithKind when CPU timing is enabled. */
static int threads_jmm(col_ctx *x, thread_set *s)
{
	stats_collector *c = x->c;
	JNIEnv *env = x->env;
	jobjectArray threads = c->jmm.GetAllThreads(env, NULL);
	if (!stats_jni_ok(env, "JVM_GetAllThreads") || !threads)
		return -1;
	if (!thread_set_alloc(s, (*env)->GetArrayLength(env, threads)))
		return -1;
	for (jsize i = 0; i < s->n; i++) {
		jobject th = (*env)->GetObjectArrayElement(env, threads, i);
		s->ids[i] = th ? get_long(env, th, &c->ids.thread_tid) : 0;
		if (!stats_jni_ok(env, "Thread.tid"))
			s->ids[i] = 0;
		(*env)->DeleteLocalRef(env, th);
	}
	(*env)->DeleteLocalRef(env, threads);
	jlongArray ids = long_array(env, s->ids, s->n);
	s->infos = ids ? (*env)->NewObjectArray(env, s->n, c->ids.thread_info, NULL) : NULL;
	if (!stats_jni_ok(env, "NewObjectArray") || !s->infos)
		return -1;
	c->jmm.GetThreadInfo(env, ids, 0, s->infos);
	if (!stats_jni_ok(env, "JMM GetThreadInfo"))
		return -1;
	jboolean cpu_on = c->jmm.GetBoolAttribute(env, STATS_JMM_THREAD_CPU_TIME);
	if (stats_jni_ok(env, "JMM GetBoolAttribute") && cpu_on && s->n > 0) {
		jlongArray times = long_array(env, s->cpu, s->n);
		for (int kind = 1; times && kind >= 0; kind--) {
			if (!kind && c->opt.no_user_time)
				break;
			c->jmm.GetThreadCpuTimesWithKind(env, ids, times, kind ? JNI_TRUE : JNI_FALSE);
			if (stats_jni_ok(env, "JMM GetThreadCpuTimesWithKind"))
				(*env)->GetLongArrayRegion(env, times, 0, s->n, kind ? s->cpu : s->user);
			stats_jni_ok(env, "GetLongArrayRegion");
		}
		(*env)->DeleteLocalRef(env, times);
	}
	(*env)->DeleteLocalRef(env, ids);
	return 0;
}

static int threads_mx(col_ctx *x, thread_set *s)
{
	stats_collector *c = x->c;
	JNIEnv *env = x->env;
	jlongArray ids = (*env)->CallObjectMethod(env, c->mx.threads, c->mx.th_all_ids);
	if (!stats_jni_ok(env, "getAllThreadIds") || !ids)
		return -1;
	if (!thread_set_alloc(s, (*env)->GetArrayLength(env, ids)))
		return -1;
	(*env)->GetLongArrayRegion(env, ids, 0, s->n, s->ids);
	s->infos = (*env)->CallObjectMethod(env, c->mx.threads, c->mx.th_infos, ids, (jint)0);
	if (!stats_jni_ok(env, "getThreadInfo") || !s->infos)
		return -1;
	for (jsize i = 0; i < s->n; i++) {
		s->cpu[i] = mx_long_arg(x, c->mx.threads, c->mx.th_cpu, s->ids[i]);
		if (!c->opt.no_user_time)
			s->user[i] = mx_long_arg(x, c->mx.threads, c->mx.th_user, s->ids[i]);
	}
	(*env)->DeleteLocalRef(env, ids);
	return 0;
}

static int64_t ms_to_ns(int64_t ms) { return ms >= 0 ? ms * 1000000 : -1; }

static void thread_rows(col_ctx *x, jobject info, jlong cpu, jlong user)
{
	stats_collector *c = x->c;
	JNIEnv *env = x->env;
	const stats_ids *ids = &c->ids;
	jlong id = get_long(env, info, &ids->ti_id);
	jstring jname = get_obj(env, info, &ids->ti_name);
	jobject state = get_obj(env, info, &ids->ti_state);
	jlong blocked = get_long(env, info, &ids->ti_blocked_count);
	jlong blocked_ms = get_long(env, info, &ids->ti_blocked_time);
	jlong waited = get_long(env, info, &ids->ti_waited_count);
	jlong waited_ms = get_long(env, info, &ids->ti_waited_time);
	jstring jlock = get_obj(env, info, &ids->ti_lock_name);
	jlong owner = get_long(env, info, &ids->ti_lock_owner);
	if (!stats_jni_ok(env, "ThreadInfo"))
		return;
	jint ord = state ? get_int(env, state, &ids->ordinal) : -1;
	if (!stats_jni_ok(env, "Thread.State.ordinal"))
		ord = -1;
	char *name = stats_jstring_utf8(env, jname);
	char *lock = stats_jstring_utf8(env, jlock);
	stats_row *const *rows = NULL;
	if ((!jname || name) && (!jlock || lock))
		rows = stats_rowcache_thread(&c->thread_rows, x->t, &c->label, name, id);
	stats_thread_values v = {
	        .num = {[STATS_TR_CPU] = cpu,
	                [STATS_TR_USER] = user,
	                [STATS_TR_BLOCKED] = blocked,
	                [STATS_TR_BLOCKED_TIME] = ms_to_ns(blocked_ms),
	                [STATS_TR_LOCK_OWNER] = owner,
	                [STATS_TR_WAITED] = waited,
	                [STATS_TR_WAITED_TIME] = ms_to_ns(waited_ms)},
	        .text = {[STATS_TR_LOCK_NAME] = lock,
	                 [STATS_TR_STATE] = ord >= 0 && ord < 6 ? thread_states[ord] : NULL},
	};
	if (!rows || stats_rowcache_set(x->t, rows, &v) != 0)
		x->failed = true;
	free(name);
	free(lock);
}

static void threads(col_ctx *x)
{
	thread_set s;
	memset(&s, 0, sizeof s);
	int rc = x->c->source == STATS_SOURCE_JMM ? threads_jmm(x, &s) : threads_mx(x, &s);
	for (jsize i = 0; rc == 0 && i < s.n && !x->failed; i++) {
		if ((*x->env)->PushLocalFrame(x->env, 8) != 0) {
			stats_jni_ok(x->env, "PushLocalFrame");
			x->failed = true;
			break;
		}
		jobject info = (*x->env)->GetObjectArrayElement(x->env, s.infos, i);
		/* null: the thread ended between the listing and GetThreadInfo; as for the MXBean,
		 * it is not in this column. */
		if (stats_jni_ok(x->env, "GetObjectArrayElement") && info)
			thread_rows(x, info, s.cpu[i], s.user[i]);
		(*x->env)->PopLocalFrame(x->env, NULL);
	}
	(*x->env)->DeleteLocalRef(x->env, s.infos);
	free(s.ids);
	free(s.cpu);
	free(s.user);
}

static void buffers(col_ctx *x)
{
	stats_collector *c = x->c;
	bool jmm = c->source == STATS_SOURCE_JMM;
	size_t n = jmm ? c->nbufsrc : c->nbuffers;
	for (size_t i = 0; i < n; i++) {
		int64_t v[3];
		const char *name;
		if (jmm) {
			stats_javaonly_buffer(c, x->env, i, v);
			name = c->bufsrc[i].name;
		} else {
			jobject o = c->buffers[i].obj;
			v[0] = mx_long(x, o, c->mx.bp_count);
			v[1] = mx_long(x, o, c->mx.bp_used);
			v[2] = mx_long(x, o, c->mx.bp_capacity);
			name = c->buffers[i].name;
		}
		num(x, STATS_SEC_BUFFER, stats_label_item(&c->label, "BufferPool", name, "Count (objects)"),
		    v[0]);
		num(x, STATS_SEC_BUFFER, stats_label_item(&c->label, "BufferPool", name, "Used (byte)"),
		    v[1]);
		num(x, STATS_SEC_BUFFER, stats_label_item(&c->label, "BufferPool", name, "Capacity (byte)"),
		    v[2]);
	}
}

int stats_collect(stats_collector *c, JNIEnv *env, int64_t epoch_ms, stats_table *t)
{
	if (!c || !env || !t)
		return -1;
	stats_jni_ok(env, "the caller"); /* JNI calls are illegal with an exception pending */
	if ((*env)->PushLocalFrame(env, 32) != 0) {
		stats_jni_ok(env, "PushLocalFrame");
		return -1;
	}
	if (stats_table_begin_column(t, epoch_ms) < 0) {
		(*env)->PopLocalFrame(env, NULL);
		return -1;
	}
	col_ctx x = {c, env, t, false};
	head(&x);
	gcs(&x);
	pools(&x);
	memory(&x);
	threads(&x);
	buffers(&x);
	(*env)->PopLocalFrame(env, NULL);
	if (x.failed) {
		stats_table_drop_column(t);
		return -1;
	}
	return 0;
}
