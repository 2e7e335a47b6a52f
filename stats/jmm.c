/* The JMM source (source.h): the values straight from the JVM's management interface, the
 * functions java.lang.management itself calls (jmm_table.c finds them), plus the few
 * Java-only values from their fields (javaonly.c). No Java code runs. */
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "jmm_source.h"
#include "source.h"

static stats_jmm_state *state(const stats_collector *c) { return c->state; }

/* The JMM table, validated, and JMM's own first calls: GetMemoryUsage (in the validation),
 * GetMemoryPools and GetMemoryManagers create the MemoryUsage, MemoryPoolImpl and collector
 * objects through ManagementFactoryHelper, loading their classes (and ManagementFactory's).
 * They run before stats_ids_open, so its FindClass calls find those classes instead of
 * loading them. false (with the one debug line saying why) when JMM cannot be used. */
static bool jmm_prepare(stats_collector *c, JNIEnv *env)
{
	if (c->opt.mxbean_fallback) {
		log_debug("stats: JMM not used (mxbean_fallback option); reading the MXBeans through JNI");
		return false;
	}
	stats_jmm_state *s = c->state = calloc(1, sizeof *s);
	if (!s)
		return false;
	if (stats_jmm_open(env, &s->fn) != 0) {
		log_debug("stats: JMM layout not recognised; falling back to the MXBeans through JNI");
		return false;
	}
	s->pools = s->fn.GetMemoryPools(env, NULL);
	bool ok = stats_jni_ok(env, "JMM GetMemoryPools") && s->pools;
	s->mgrs = ok ? s->fn.GetMemoryManagers(env, NULL) : NULL;
	if (!ok || !stats_jni_ok(env, "JMM GetMemoryManagers") || !s->mgrs) {
		log_debug("stats: JMM pools/collectors unavailable; falling back to the MXBeans through JNI");
		return false;
	}
	return true;
}

static int jmm_items(stats_collector *c, JNIEnv *env, const stats_jmm_state *s)
{
	int np = stats_items_from_array(env, s->pools, NULL, c->ids.pool_name, "MemoryPool", &c->pools);
	/* ManagementFactory.getGarbageCollectorMXBeans() is this list filtered the same way. */
	int ng = stats_items_from_array(env, s->mgrs, c->ids.gc_bean, c->ids.mgr_name, "GarbageCollector",
	                                &c->gcs);
	if (np < 0 || ng < 0)
		return -1;
	c->npools = (size_t)np;
	c->ngcs = (size_t)ng;
	if (s->fn.layout >= 2) { /* JDK 9+: ManagementFactory enumerates a HashMap */
		stats_items_mxbean_order(c->pools, c->npools);
		stats_items_mxbean_order(c->gcs, c->ngcs);
	}
	return 0;
}

static void enable_contention(stats_jmm_state *s, JNIEnv *env, const stats_jmm_support *sup)
{
	if (!sup->isThreadContentionMonitoringSupported) {
		log_debug("stats: thread contention monitoring is not supported by this JVM");
		return;
	}
	s->fn.SetBoolAttribute(env, STATS_JMM_THREAD_CONTENTION_MONITORING, JNI_TRUE);
	if (stats_jni_ok(env, "JMM SetBoolAttribute(contention)"))
		log_debug("stats: thread contention monitoring enabled");
}

static bool has_jit(jvmtiEnv *jvmti)
{
	/* No CompilationMXBean without a JIT (-Xint): java.vm.info then says "interpreted mode". */
	char *v = stats_jvmti_property(jvmti, "java.vm.info");
	bool jit = !v || strstr(v, "interpreted mode") == NULL;
	free(v);
	return jit;
}

static int jmm_open(stats_collector *c, JNIEnv *env)
{
	stats_jmm_state *s = state(c);
	int rc = jmm_items(c, env, s);
	s->pools = s->mgrs = NULL; /* local refs of the caller's frame */
	if (rc != 0) {
		log_debug("stats: JMM pools/collectors unreadable; falling back to the MXBeans through JNI");
		return -1;
	}
	stats_jmm_support sup;
	memset(&sup, 0, sizeof sup);
	s->fn.GetOptionalSupport(env, &sup);
	stats_jni_ok(env, "JMM GetOptionalSupport");
	s->jvmti = c->jvmti;
	s->compile_time_supported = sup.isCompilationTimeMonitoringSupported && has_jit(c->jvmti);
	if (c->opt.thread_contention)
		enable_contention(s, env, &sup);
	stats_javaonly_open(s);
	stats_ids_pool_fields_check(&c->ids, env, c->pools, c->npools);
	return 0;
}

static void jmm_release(stats_collector *c, JNIEnv *env)
{
	if (c->state)
		stats_javaonly_release(state(c), env);
	free(c->state);
}

/* ---- one column ----------------------------------------------------------------------- */

static int64_t attr(stats_collector *c, JNIEnv *env, jobject o, jint att)
{
	jlong v = state(c)->fn.GetLongAttribute(env, o, att);
	return stats_jni_ok(env, "JMM GetLongAttribute") ? v : -1;
}

static void jmm_head(stats_collector *c, JNIEnv *env, stats_head_values *h)
{
	h->start_ms = attr(c, env, NULL, STATS_JMM_JVM_INIT_DONE_TIME_MS);
	h->uptime_ms = attr(c, env, NULL, STATS_JMM_JVM_UPTIME_MS);
	h->total = attr(c, env, NULL, STATS_JMM_CLASS_LOADED_COUNT);
	h->unloaded = attr(c, env, NULL, STATS_JMM_CLASS_UNLOADED_COUNT);
	/* ClassLoadingMXBean.getLoadedClassCount() is total - unloaded, as an int. */
	h->loaded = h->total >= 0 && h->unloaded >= 0 ? (int32_t)(h->total - h->unloaded) : -1;
	h->compile_ms = state(c)->compile_time_supported ? attr(c, env, NULL, STATS_JMM_COMPILE_TOTAL_TIME_MS)
	                                                 : -1;
}

static void jmm_gc(stats_collector *c, JNIEnv *env, jobject gc, int64_t *count, int64_t *time_ms)
{
	*count = attr(c, env, gc, STATS_JMM_GC_COUNT);
	*time_ms = attr(c, env, gc, STATS_JMM_GC_TIME_MS);
}

static jobject jmm_pool_usage(stats_collector *c, JNIEnv *env, jobject pool, stats_usage_kind kind)
{
	const stats_jmm *fn = &state(c)->fn;
	jobject mu = kind == STATS_USAGE_COLLECTION ? fn->GetPoolCollectionUsage(env, pool)
	             : kind == STATS_USAGE_PEAK     ? fn->GetPeakMemoryPoolUsage(env, pool)
	                                            : fn->GetMemoryPoolUsage(env, pool);
	return stats_jni_ok(env, "pool usage") ? mu : NULL;
}

static jobject jmm_memory_usage(stats_collector *c, JNIEnv *env, bool heap)
{
	jobject mu = state(c)->fn.GetMemoryUsage(env, heap ? JNI_TRUE : JNI_FALSE);
	return stats_jni_ok(env, "memory usage") ? mu : NULL;
}

static int64_t jmm_pending(stats_collector *c, JNIEnv *env) { return stats_javaonly_final_refs(state(c), env); }

static jlongArray long_array(JNIEnv *env, const jlong *v, jsize n)
{
	jlongArray a = (*env)->NewLongArray(env, n);
	if (a && v)
		(*env)->SetLongArrayRegion(env, a, 0, n, v);
	return stats_jni_ok(env, "NewLongArray") ? a : NULL;
}

/* CPU (kind 1) and user (kind 0) times through GetThreadCpuTimesWithKind, when the
 * application has left thread CPU timing enabled. */
static void cpu_times(stats_collector *c, JNIEnv *env, jlongArray ids, stats_thread_set *s)
{
	const stats_jmm *fn = &state(c)->fn;
	jboolean cpu_on = fn->GetBoolAttribute(env, STATS_JMM_THREAD_CPU_TIME);
	if (!stats_jni_ok(env, "JMM GetBoolAttribute") || !cpu_on || s->n == 0)
		return;
	jlongArray times = long_array(env, s->cpu, s->n);
	for (int kind = 1; times && kind >= 0; kind--) {
		if (!kind && c->opt.no_user_time)
			break;
		fn->GetThreadCpuTimesWithKind(env, ids, times, kind ? JNI_TRUE : JNI_FALSE);
		if (stats_jni_ok(env, "JMM GetThreadCpuTimesWithKind"))
			(*env)->GetLongArrayRegion(env, times, 0, s->n, kind ? s->cpu : s->user);
		stats_jni_ok(env, "GetLongArrayRegion");
	}
	(*env)->DeleteLocalRef(env, times);
}

/* What ThreadMXBean does: ids of JVM_GetAllThreads(), GetThreadInfo(ids, 0) (no safepoint
 * at depth 0), then the CPU times. */
static int jmm_threads(stats_collector *c, JNIEnv *env, stats_thread_set *s)
{
	const stats_jmm *fn = &state(c)->fn;
	jobjectArray threads = fn->GetAllThreads(env, NULL);
	if (!stats_jni_ok(env, "JVM_GetAllThreads") || !threads)
		return -1;
	if (!stats_thread_set_alloc(s, (*env)->GetArrayLength(env, threads)))
		return -1;
	for (jsize i = 0; i < s->n; i++) {
		jobject th = (*env)->GetObjectArrayElement(env, threads, i);
		s->ids[i] = th ? stats_acc_long(env, th, &c->ids.thread_tid) : 0;
		if (!stats_jni_ok(env, "Thread.tid"))
			s->ids[i] = 0;
		(*env)->DeleteLocalRef(env, th);
	}
	(*env)->DeleteLocalRef(env, threads);
	jlongArray ids = long_array(env, s->ids, s->n);
	s->infos = ids ? (*env)->NewObjectArray(env, s->n, c->ids.thread_info, NULL) : NULL;
	if (!stats_jni_ok(env, "NewObjectArray") || !s->infos)
		return -1;
	fn->GetThreadInfo(env, ids, 0, s->infos);
	if (!stats_jni_ok(env, "JMM GetThreadInfo"))
		return -1;
	cpu_times(c, env, ids, s);
	(*env)->DeleteLocalRef(env, ids);
	return 0;
}

static size_t jmm_buffer_pools(const stats_collector *c) { return state(c)->nbufsrc; }

static const char *jmm_buffer_pool(stats_collector *c, JNIEnv *env, size_t i, int64_t v[3])
{
	stats_javaonly_buffer(state(c), env, i, v);
	return state(c)->bufsrc[i].name;
}

const stats_source_ops stats_source_jmm = {
        .id = STATS_SOURCE_JMM,
        .name = "JMM",
        .prepare = jmm_prepare,
        .open = jmm_open,
        .release = jmm_release,
        .head = jmm_head,
        .gc = jmm_gc,
        .pool_usage = jmm_pool_usage,
        .memory_usage = jmm_memory_usage,
        .pending_finalizers = jmm_pending,
        .threads = jmm_threads,
        .buffer_pools = jmm_buffer_pools,
        .buffer_pool = jmm_buffer_pool,
};
