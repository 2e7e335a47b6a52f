/* JNI test probe for stats/: lets tests/java/StatsProbe.java take stats columns in its own
 * JVM and compare them with its MXBeans. Not part of the agent. One collector and one table
 * per process (a test program), created by open(). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../common/log.h"
#include "../../stats/stats.h"

static JavaVM *probe_vm;
static jvmtiEnv *probe_jvmti;
static stats_collector *probe_collector;
static stats_table *probe_table;
static stats_options probe_opts;
static int64_t probe_last_ns;
static int64_t probe_cost_cpu_ns;

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved);
JNIEXPORT jint JNICALL Java_StatsProbe_open(JNIEnv *env, jclass cls, jboolean contention, jboolean fallback,
                                            jboolean debug);
JNIEXPORT jbyteArray JNICALL Java_StatsProbe_collect(JNIEnv *env, jclass cls);
JNIEXPORT jlong JNICALL Java_StatsProbe_lastCollectNs(JNIEnv *env, jclass cls);
JNIEXPORT jlong JNICALL Java_StatsProbe_costNs(JNIEnv *env, jclass cls, jint n, jboolean no_user_time);
JNIEXPORT jlong JNICALL Java_StatsProbe_lastCostCpuNs(JNIEnv *env, jclass cls);
JNIEXPORT void JNICALL Java_StatsProbe_close(JNIEnv *env, jclass cls);

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
	(void)reserved;
	probe_vm = vm;
	if ((*vm)->GetEnv(vm, (void **)&probe_jvmti, JVMTI_VERSION_1_2) != JNI_OK)
		probe_jvmti = NULL;
	return JNI_VERSION_1_8;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t epoch_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns the collector's source (1 JMM, 2 MXBeans) or 0 on failure. */
JNIEXPORT jint JNICALL Java_StatsProbe_open(JNIEnv *env, jclass cls, jboolean contention, jboolean fallback,
                                            jboolean debug)
{
	(void)cls;
	if (!probe_jvmti || probe_collector)
		return 0;
	log_set_debug(debug);
	probe_opts.thread_contention = contention;
	probe_opts.mxbean_fallback = fallback;
	probe_collector = stats_collector_new(env, probe_jvmti, &probe_opts);
	probe_table = stats_table_new();
	if (!probe_collector || !probe_table)
		return 0;
	return (jint)stats_collector_source(probe_collector);
}

/* Appends a column and returns the whole table as CSV bytes, or null. */
JNIEXPORT jbyteArray JNICALL Java_StatsProbe_collect(JNIEnv *env, jclass cls)
{
	(void)cls;
	if (!probe_collector)
		return NULL;
	int64_t t0 = now_ns();
	int rc = stats_collect(probe_collector, env, epoch_ms(), probe_table);
	probe_last_ns = now_ns() - t0;
	if (rc != 0)
		return NULL;
	buf out;
	buf_init(&out);
	jbyteArray a = NULL;
	if (stats_csv_write(probe_table, &out) == 0 && out.len <= 0x7fffffff) {
		a = (*env)->NewByteArray(env, (jsize)out.len);
		if (a)
			(*env)->SetByteArrayRegion(env, a, 0, (jsize)out.len, (const jbyte *)out.data);
	}
	buf_free(&out);
	return a;
}

JNIEXPORT jlong JNICALL Java_StatsProbe_lastCollectNs(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	return probe_last_ns;
}

/* Mean wall-clock ns of one warm column over n columns with a fresh collector (same source
 * and contention options), or -1. The mean CPU time of the collecting thread over the same
 * columns is kept for lastCostCpuNs(): on a busy machine it is the steadier figure. */
JNIEXPORT jlong JNICALL Java_StatsProbe_costNs(JNIEnv *env, jclass cls, jint n, jboolean no_user_time)
{
	(void)cls;
	stats_options o = probe_opts;
	o.no_user_time = no_user_time;
	stats_collector *c = stats_collector_new(env, probe_jvmti, &o);
	stats_table *t = stats_table_new();
	jlong result = -1;
	if (c && t && n > 0 && stats_collect(c, env, epoch_ms(), t) == 0) {
		int64_t t0 = now_ns(), c0 = thread_cpu_ns();
		int i = 0;
		for (; i < n; i++)
			if (stats_collect(c, env, epoch_ms(), t) != 0)
				break;
		if (i == n) {
			result = (now_ns() - t0) / n;
			probe_cost_cpu_ns = (thread_cpu_ns() - c0) / n;
		}
	}
	stats_table_free(t);
	stats_collector_free(c, env);
	return result;
}

JNIEXPORT jlong JNICALL Java_StatsProbe_lastCostCpuNs(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	return probe_cost_cpu_ns;
}

JNIEXPORT void JNICALL Java_StatsProbe_close(JNIEnv *env, jclass cls)
{
	(void)cls;
	stats_collector_free(probe_collector, env);
	stats_table_free(probe_table);
	probe_collector = NULL;
	probe_table = NULL;
}
