/* The fallback source: the platform MXBeans themselves, called through JNI on the agent
 * thread. Same values as JMM (it is JMM underneath), but it loads java.lang.management's
 * ~200 classes and runs Java code, so it is used only when the JMM table of the running VM
 * is not recognised (or when forced by the mxbean_fallback option). */
#include <stdio.h>
#include <stdlib.h>

#include "../common/log.h"
#include "internal.h"

#define MF "java/lang/management/ManagementFactory"

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

static jmethodID need(JNIEnv *env, jclass cls, const char *name, const char *sig, bool *ok)
{
	jmethodID m = cls ? (*env)->GetMethodID(env, cls, name, sig) : NULL;
	if (!m) {
		(*env)->ExceptionClear(env);
		log_debug("stats: MXBean method %s%s not found", name, sig);
		*ok = false;
	}
	return m;
}

static int methods(stats_collector *c, JNIEnv *env)
{
	stats_mx *mx = &c->mx;
	bool ok = true;
	jclass rt = (*env)->FindClass(env, "java/lang/management/RuntimeMXBean");
	jclass cl = (*env)->FindClass(env, "java/lang/management/ClassLoadingMXBean");
	jclass co = (*env)->FindClass(env, "java/lang/management/CompilationMXBean");
	jclass me = (*env)->FindClass(env, "java/lang/management/MemoryMXBean");
	jclass th = (*env)->FindClass(env, "java/lang/management/ThreadMXBean");
	jclass bp = (*env)->FindClass(env, "java/lang/management/BufferPoolMXBean");
	if (!stats_jni_ok(env, "FindClass MXBean"))
		return -1;
	mx->rt_start = need(env, rt, "getStartTime", "()J", &ok);
	mx->rt_uptime = need(env, rt, "getUptime", "()J", &ok);
	mx->cl_loaded = need(env, cl, "getLoadedClassCount", "()I", &ok);
	mx->cl_total = need(env, cl, "getTotalLoadedClassCount", "()J", &ok);
	mx->cl_unloaded = need(env, cl, "getUnloadedClassCount", "()J", &ok);
	mx->comp_supported = need(env, co, "isCompilationTimeMonitoringSupported", "()Z", &ok);
	mx->comp_time = need(env, co, "getTotalCompilationTime", "()J", &ok);
	mx->mem_heap = need(env, me, "getHeapMemoryUsage", "()Ljava/lang/management/MemoryUsage;", &ok);
	mx->mem_nonheap = need(env, me, "getNonHeapMemoryUsage", "()Ljava/lang/management/MemoryUsage;", &ok);
	mx->mem_pending = need(env, me, "getObjectPendingFinalizationCount", "()I", &ok);
	mx->th_all_ids = need(env, th, "getAllThreadIds", "()[J", &ok);
	mx->th_infos = need(env, th, "getThreadInfo", "([JI)[Ljava/lang/management/ThreadInfo;", &ok);
	mx->th_cpu = need(env, th, "getThreadCpuTime", "(J)J", &ok);
	mx->th_user = need(env, th, "getThreadUserTime", "(J)J", &ok);
	mx->bp_count = need(env, bp, "getCount", "()J", &ok);
	mx->bp_used = need(env, bp, "getMemoryUsed", "()J", &ok);
	mx->bp_capacity = need(env, bp, "getTotalCapacity", "()J", &ok);
	jmethodID bp_name = need(env, bp, "getName", "()Ljava/lang/String;", &ok);
	if (!ok)
		return -1;

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
	if ((n = stats_items_from_array(env, a, NULL, bp_name, "BufferPool", &c->buffers)) < 0)
		return -1;
	c->nbuffers = (size_t)n;
	return stats_jni_ok(env, "ManagementFactory") ? 0 : -1;
}

static void enable_contention(stats_collector *c, JNIEnv *env)
{
	jclass th = (*env)->FindClass(env, "java/lang/management/ThreadMXBean");
	jmethodID sup =
	        th ? (*env)->GetMethodID(env, th, "isThreadContentionMonitoringSupported", "()Z") : NULL;
	jmethodID set =
	        th ? (*env)->GetMethodID(env, th, "setThreadContentionMonitoringEnabled", "(Z)V") : NULL;
	if (!stats_jni_ok(env, "ThreadMXBean methods") || !sup || !set)
		return;
	jboolean supported = (*env)->CallBooleanMethod(env, c->mx.threads, sup);
	if (!stats_jni_ok(env, "isThreadContentionMonitoringSupported") || !supported) {
		log_debug("stats: thread contention monitoring is not supported by this JVM");
		return;
	}
	(*env)->CallVoidMethod(env, c->mx.threads, set, JNI_TRUE);
	if (stats_jni_ok(env, "setThreadContentionMonitoringEnabled"))
		log_debug("stats: thread contention monitoring enabled");
}

int stats_mx_open(stats_collector *c, JNIEnv *env)
{
	if ((*env)->PushLocalFrame(env, 64) != 0)
		return stats_jni_ok(env, "PushLocalFrame"), -1;
	int rc = methods(c, env);
	if (rc == 0 && c->opt.thread_contention)
		enable_contention(c, env);
	(*env)->PopLocalFrame(env, NULL);
	if (rc == 0)
		c->source = STATS_SOURCE_MXBEAN;
	c->ids.pool_fields = false; /* the fallback reads what the getters say */
	return rc;
}
