/* The fallback source (source.h): the platform MXBeans themselves, called through JNI on the
 * collecting thread. Same values as JMM (it is JMM underneath), but it loads
 * java.lang.management's ~200 classes and runs Java code, so it is used only when the JMM
 * table of the running VM is not recognised (or when forced by the mxbean_fallback option). */
#include <stdio.h>
#include <stdlib.h>

#include "../common/log.h"
#include "source.h"

#define MF "java/lang/management/ManagementFactory"

/* What c->state points to while this source is in use. */
typedef struct {
	jobject runtime, classes, compilation, memory, threads; /* global refs; compilation may be NULL */
	jmethodID rt_start, rt_uptime;
	jmethodID cl_loaded, cl_total, cl_unloaded;
	jmethodID comp_supported, comp_time;
	jmethodID mem_heap, mem_nonheap, mem_pending;
	jmethodID th_all_ids, th_infos, th_cpu, th_user;
	jmethodID bp_count, bp_used, bp_capacity, bp_name;
	stats_item *buffers;
	size_t nbuffers;
} mx_state;

static mx_state *state(const stats_collector *c) { return c->state; }

static jobject bean(JNIEnv *env, jclass mf, const char *getter, const char *type)
{
	char sig[96];
	snprintf(sig, sizeof sig, "()L%s;", type);
	jmethodID m = (*env)->GetStaticMethodID(env, mf, getter, sig);
	jobject local = m ? (*env)->CallStaticObjectMethod(env, mf, m) : NULL;
	if (!stats_jni_ok(env, getter) || !local)
		return NULL;
	jobject global = (*env)->NewGlobalRef(env, local);
	(*env)->DeleteLocalRef(env, local);
	return global;
}

/* The List<T> a static ManagementFactory method returns, as T[] (List.toArray()). */
static jobjectArray bean_list(JNIEnv *env, jclass mf, const char *method, const char *sig, jobject arg)
{
	jmethodID m = (*env)->GetStaticMethodID(env, mf, method, sig);
	jobject list = m ? (*env)->CallStaticObjectMethod(env, mf, m, arg) : NULL;
	if (!stats_jni_ok(env, method) || !list)
		return NULL;
	jclass cls = (*env)->FindClass(env, "java/util/List");
	jmethodID to_array = cls ? (*env)->GetMethodID(env, cls, "toArray", "()[Ljava/lang/Object;") : NULL;
	jobjectArray a = to_array ? (*env)->CallObjectMethod(env, list, to_array) : NULL;
	return stats_jni_ok(env, "List.toArray") ? a : NULL;
}

/* The methods' IDs; *bp is BufferPoolMXBean (a local ref). */
static int methods(mx_state *mx, JNIEnv *env, jclass *bp_out)
{
	jclass rt = (*env)->FindClass(env, "java/lang/management/RuntimeMXBean");
	jclass cl = (*env)->FindClass(env, "java/lang/management/ClassLoadingMXBean");
	jclass co = (*env)->FindClass(env, "java/lang/management/CompilationMXBean");
	jclass me = (*env)->FindClass(env, "java/lang/management/MemoryMXBean");
	jclass th = (*env)->FindClass(env, "java/lang/management/ThreadMXBean");
	jclass bp = *bp_out = (*env)->FindClass(env, "java/lang/management/BufferPoolMXBean");
	if (!stats_jni_ok(env, "FindClass MXBean"))
		return -1;
	const char *mu_sig = "()Ljava/lang/management/MemoryUsage;";
	const stats_method_spec m[] = {
	        {&mx->rt_start, rt, "getStartTime", "()J"},
	        {&mx->rt_uptime, rt, "getUptime", "()J"},
	        {&mx->cl_loaded, cl, "getLoadedClassCount", "()I"},
	        {&mx->cl_total, cl, "getTotalLoadedClassCount", "()J"},
	        {&mx->cl_unloaded, cl, "getUnloadedClassCount", "()J"},
	        {&mx->comp_supported, co, "isCompilationTimeMonitoringSupported", "()Z"},
	        {&mx->comp_time, co, "getTotalCompilationTime", "()J"},
	        {&mx->mem_heap, me, "getHeapMemoryUsage", mu_sig},
	        {&mx->mem_nonheap, me, "getNonHeapMemoryUsage", mu_sig},
	        {&mx->mem_pending, me, "getObjectPendingFinalizationCount", "()I"},
	        {&mx->th_all_ids, th, "getAllThreadIds", "()[J"},
	        {&mx->th_infos, th, "getThreadInfo", "([JI)[Ljava/lang/management/ThreadInfo;"},
	        {&mx->th_cpu, th, "getThreadCpuTime", "(J)J"},
	        {&mx->th_user, th, "getThreadUserTime", "(J)J"},
	        {&mx->bp_count, bp, "getCount", "()J"},
	        {&mx->bp_used, bp, "getMemoryUsed", "()J"},
	        {&mx->bp_capacity, bp, "getTotalCapacity", "()J"},
	        {&mx->bp_name, bp, "getName", "()Ljava/lang/String;"},
	};
	return stats_jni_methods(env, m, sizeof m / sizeof m[0]) ? 0 : -1;
}

static int beans(stats_collector *c, mx_state *mx, JNIEnv *env, jclass bp)
{
	jclass mf = (*env)->FindClass(env, MF);
	if (!stats_jni_ok(env, "FindClass ManagementFactory") || !mf)
		return -1;
	mx->runtime = bean(env, mf, "getRuntimeMXBean", "java/lang/management/RuntimeMXBean");
	mx->classes = bean(env, mf, "getClassLoadingMXBean", "java/lang/management/ClassLoadingMXBean");
	/* null with -Xint: TotalCompilationTime is then -1. */
	mx->compilation = bean(env, mf, "getCompilationMXBean", "java/lang/management/CompilationMXBean");
	mx->memory = bean(env, mf, "getMemoryMXBean", "java/lang/management/MemoryMXBean");
	mx->threads = bean(env, mf, "getThreadMXBean", "java/lang/management/ThreadMXBean");
	if (!mx->runtime || !mx->classes || !mx->memory || !mx->threads)
		return -1;

	jobjectArray a = bean_list(env, mf, "getGarbageCollectorMXBeans", "()Ljava/util/List;", NULL);
	int n = stats_items_from_array(env, a, NULL, c->ids.mgr_name, "GarbageCollector", &c->gcs);
	if (n < 0)
		return -1;
	c->ngcs = (size_t)n;
	a = bean_list(env, mf, "getMemoryPoolMXBeans", "()Ljava/util/List;", NULL);
	if ((n = stats_items_from_array(env, a, NULL, c->ids.pool_name, "MemoryPool", &c->pools)) < 0)
		return -1;
	c->npools = (size_t)n;
	a = bean_list(env, mf, "getPlatformMXBeans", "(Ljava/lang/Class;)Ljava/util/List;", bp);
	if ((n = stats_items_from_array(env, a, NULL, mx->bp_name, "BufferPool", &mx->buffers)) < 0)
		return -1;
	mx->nbuffers = (size_t)n;
	return stats_jni_ok(env, "ManagementFactory") ? 0 : -1;
}

static void enable_contention(mx_state *mx, JNIEnv *env)
{
	bool ok = true;
	jclass th = (*env)->FindClass(env, "java/lang/management/ThreadMXBean");
	jmethodID sup = stats_jni_method(env, th, "isThreadContentionMonitoringSupported", "()Z", &ok);
	jmethodID set = stats_jni_method(env, th, "setThreadContentionMonitoringEnabled", "(Z)V", &ok);
	if (!stats_jni_ok(env, "ThreadMXBean methods") || !ok)
		return;
	jboolean supported = (*env)->CallBooleanMethod(env, mx->threads, sup);
	if (!stats_jni_ok(env, "isThreadContentionMonitoringSupported") || !supported) {
		log_debug("stats: thread contention monitoring is not supported by this JVM");
		return;
	}
	(*env)->CallVoidMethod(env, mx->threads, set, JNI_TRUE);
	if (stats_jni_ok(env, "setThreadContentionMonitoringEnabled"))
		log_debug("stats: thread contention monitoring enabled");
}

static int mx_open(stats_collector *c, JNIEnv *env)
{
	c->ids.pool_fields = false; /* the fallback reads what the getters say */
	mx_state *mx = c->state = calloc(1, sizeof *mx);
	if (!mx)
		return -1;
	if ((*env)->PushLocalFrame(env, 64) != 0)
		return stats_jni_ok(env, "PushLocalFrame"), -1;
	jclass bp = NULL;
	int rc = methods(mx, env, &bp) == 0 ? beans(c, mx, env, bp) : -1;
	if (rc == 0 && c->opt.thread_contention)
		enable_contention(mx, env);
	(*env)->PopLocalFrame(env, NULL);
	return rc;
}

static void mx_release(stats_collector *c, JNIEnv *env)
{
	mx_state *mx = state(c);
	if (!mx)
		return;
	stats_items_free(env, mx->buffers, mx->nbuffers);
	jobject refs[] = {mx->runtime, mx->classes, mx->compilation, mx->memory, mx->threads};
	for (size_t i = 0; env && i < sizeof refs / sizeof refs[0]; i++)
		if (refs[i])
			(*env)->DeleteGlobalRef(env, refs[i]);
	free(mx);
}

/* ---- one column ----------------------------------------------------------------------- */

static void mx_head(stats_collector *c, JNIEnv *env, stats_head_values *h)
{
	const mx_state *mx = state(c);
	h->start_ms = stats_jni_long(env, mx->runtime, mx->rt_start);
	h->uptime_ms = stats_jni_long(env, mx->runtime, mx->rt_uptime);
	jint l = (*env)->CallIntMethod(env, mx->classes, mx->cl_loaded);
	h->loaded = stats_jni_ok(env, "getLoadedClassCount") ? l : -1;
	h->total = stats_jni_long(env, mx->classes, mx->cl_total);
	h->unloaded = stats_jni_long(env, mx->classes, mx->cl_unloaded);
	h->compile_ms = -1;
	if (mx->compilation) {
		jboolean sup = (*env)->CallBooleanMethod(env, mx->compilation, mx->comp_supported);
		if (stats_jni_ok(env, "isCompilationTimeMonitoringSupported") && sup)
			h->compile_ms = stats_jni_long(env, mx->compilation, mx->comp_time);
	}
}

static void mx_gc(stats_collector *c, JNIEnv *env, jobject gc, int64_t *count, int64_t *time_ms)
{
	*count = stats_jni_long(env, gc, c->ids.gc_count);
	*time_ms = stats_jni_long(env, gc, c->ids.gc_time);
}

static jobject mx_pool_usage(stats_collector *c, JNIEnv *env, jobject pool, stats_usage_kind kind)
{
	jmethodID m = kind == STATS_USAGE_COLLECTION ? c->ids.pool_coll_usage
	              : kind == STATS_USAGE_PEAK     ? c->ids.pool_peak
	                                             : c->ids.pool_usage;
	jobject mu = (*env)->CallObjectMethod(env, pool, m);
	return stats_jni_ok(env, "pool usage") ? mu : NULL;
}

static jobject mx_memory_usage(stats_collector *c, JNIEnv *env, bool heap)
{
	const mx_state *mx = state(c);
	jobject mu = (*env)->CallObjectMethod(env, mx->memory, heap ? mx->mem_heap : mx->mem_nonheap);
	return stats_jni_ok(env, "memory usage") ? mu : NULL;
}

static int64_t mx_pending(stats_collector *c, JNIEnv *env)
{
	jint v = (*env)->CallIntMethod(env, state(c)->memory, state(c)->mem_pending);
	return stats_jni_ok(env, "getObjectPendingFinalizationCount") ? v : -1;
}

static int mx_threads(stats_collector *c, JNIEnv *env, stats_thread_set *s)
{
	const mx_state *mx = state(c);
	jlongArray ids = (*env)->CallObjectMethod(env, mx->threads, mx->th_all_ids);
	if (!stats_jni_ok(env, "getAllThreadIds") || !ids)
		return -1;
	if (!stats_thread_set_alloc(s, (*env)->GetArrayLength(env, ids)))
		return -1;
	(*env)->GetLongArrayRegion(env, ids, 0, s->n, s->ids);
	s->infos = (*env)->CallObjectMethod(env, mx->threads, mx->th_infos, ids, (jint)0);
	if (!stats_jni_ok(env, "getThreadInfo") || !s->infos)
		return -1;
	for (jsize i = 0; i < s->n; i++) {
		s->cpu[i] = stats_jni_long(env, mx->threads, mx->th_cpu, s->ids[i]);
		if (!c->opt.no_user_time)
			s->user[i] = stats_jni_long(env, mx->threads, mx->th_user, s->ids[i]);
	}
	(*env)->DeleteLocalRef(env, ids);
	return 0;
}

static size_t mx_buffer_pools(const stats_collector *c) { return state(c)->nbuffers; }

static const char *mx_buffer_pool(stats_collector *c, JNIEnv *env, size_t i, int64_t v[3])
{
	const mx_state *mx = state(c);
	jobject o = mx->buffers[i].obj;
	v[0] = stats_jni_long(env, o, mx->bp_count);
	v[1] = stats_jni_long(env, o, mx->bp_used);
	v[2] = stats_jni_long(env, o, mx->bp_capacity);
	return mx->buffers[i].name;
}

const stats_source_ops stats_source_mxbean = {
        .id = STATS_SOURCE_MXBEAN,
        .name = "MXBeans (JNI)",
        .prepare = NULL,
        .open = mx_open,
        .release = mx_release,
        .head = mx_head,
        .gc = mx_gc,
        .pool_usage = mx_pool_usage,
        .memory_usage = mx_memory_usage,
        .pending_finalizers = mx_pending,
        .threads = mx_threads,
        .buffer_pools = mx_buffer_pools,
        .buffer_pool = mx_buffer_pool,
};
