/* The JNI IDs of the public java.lang.management API that both sources read values through
 * (JMM hands out the same MemoryUsage, ThreadInfo and bean objects as the MXBeans), and the
 * accessors that read a value by field where this JDK has the field, else by getter. */
#include <stdio.h>

#include "../common/log.h"
#include "internal.h"

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

void stats_ids_pool_fields_check(stats_ids *ids, JNIEnv *env, const stats_item *pools, size_t n)
{
	for (size_t i = 0; i < n && ids->pool_fields; i++)
		if (!(*env)->IsInstanceOf(env, pools[i].obj, ids->pool_impl))
			ids->pool_fields = false;
}

/* The bean methods; the MemoryPoolMXBean getters are used when the pool fields are not. */
static bool methods(JNIEnv *env, stats_ids *ids, jclass mgr, jclass pool)
{
	const char *mu_sig = "()Ljava/lang/management/MemoryUsage;";
	const stats_method_spec m[] = {
	        {&ids->mgr_name, mgr, "getName", "()Ljava/lang/String;"},
	        {&ids->gc_count, ids->gc_bean, "getCollectionCount", "()J"},
	        {&ids->gc_time, ids->gc_bean, "getCollectionTime", "()J"},
	        {&ids->pool_name, pool, "getName", "()Ljava/lang/String;"},
	        {&ids->pool_usage, pool, "getUsage", mu_sig},
	        {&ids->pool_peak, pool, "getPeakUsage", mu_sig},
	        {&ids->pool_coll_usage, pool, "getCollectionUsage", mu_sig},
	        {&ids->pool_u_supported, pool, "isUsageThresholdSupported", "()Z"},
	        {&ids->pool_u_threshold, pool, "getUsageThreshold", "()J"},
	        {&ids->pool_u_count, pool, "getUsageThresholdCount", "()J"},
	        {&ids->pool_c_supported, pool, "isCollectionUsageThresholdSupported", "()Z"},
	        {&ids->pool_c_threshold, pool, "getCollectionUsageThreshold", "()J"},
	        {&ids->pool_c_count, pool, "getCollectionUsageThresholdCount", "()J"},
	};
	return stats_jni_methods(env, m, sizeof m / sizeof m[0]);
}

static bool thread_info_accs(JNIEnv *env, stats_ids *ids)
{
	jclass ti = ids->thread_info;
	bool ok = acc(env, ti, &ids->ti_id, "threadId", "getThreadId", "J");
	ok &= acc(env, ti, &ids->ti_name, "threadName", "getThreadName", "Ljava/lang/String;");
	ok &= acc(env, ti, &ids->ti_state, "threadState", "getThreadState", "Ljava/lang/Thread$State;");
	ok &= acc(env, ti, &ids->ti_blocked_count, "blockedCount", "getBlockedCount", "J");
	ok &= acc(env, ti, &ids->ti_blocked_time, "blockedTime", "getBlockedTime", "J");
	ok &= acc(env, ti, &ids->ti_waited_count, "waitedCount", "getWaitedCount", "J");
	ok &= acc(env, ti, &ids->ti_waited_time, "waitedTime", "getWaitedTime", "J");
	ok &= acc(env, ti, &ids->ti_lock_name, "lockName", "getLockName", "Ljava/lang/String;");
	ok &= acc(env, ti, &ids->ti_lock_owner, "lockOwnerId", "getLockOwnerId", "J");
	return ok;
}

int stats_ids_open(JNIEnv *env, stats_ids *ids)
{
	bool ok = true;
	if ((*env)->PushLocalFrame(env, 16) != 0)
		return stats_jni_ok(env, "PushLocalFrame"), -1;
	/* On the JMM path JMM has loaded all of these already (the source's prepare) except
	 * ThreadInfo, which its GetThreadInfo would load and initialise itself, but which we need
	 * first to make the ThreadInfo[] it fills. */
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
	ok &= methods(env, ids, mgr, pool);
	ok &= thread_info_accs(env, ids);
	ok &= acc(env, en, &ids->ordinal, "ordinal", "ordinal", "I");
	/* Thread.getId() may be overridden before JDK 19; the MXBean reads the field too (via
	 * getId/threadId, which are final where it matters). */
	ok &= acc(env, th, &ids->thread_tid, "tid", "getId", "J");
	pool_fields_open(env, ids);
	(*env)->PopLocalFrame(env, NULL);
	return ok ? 0 : -1;
}

void stats_ids_release(stats_ids *ids, JNIEnv *env)
{
	jobject refs[] = {ids->memory_usage, ids->thread_info, ids->gc_bean, ids->pool_impl};
	for (size_t i = 0; env && i < sizeof refs / sizeof refs[0]; i++)
		if (refs[i])
			(*env)->DeleteGlobalRef(env, refs[i]);
}

jlong stats_acc_long(JNIEnv *env, jobject o, const stats_acc *a)
{
	return a->f ? (*env)->GetLongField(env, o, a->f) : (*env)->CallLongMethod(env, o, a->m);
}

jint stats_acc_int(JNIEnv *env, jobject o, const stats_acc *a)
{
	return a->f ? (*env)->GetIntField(env, o, a->f) : (*env)->CallIntMethod(env, o, a->m);
}

jobject stats_acc_obj(JNIEnv *env, jobject o, const stats_acc *a)
{
	return a->f ? (*env)->GetObjectField(env, o, a->f) : (*env)->CallObjectMethod(env, o, a->m);
}
