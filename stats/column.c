/* One stats column: every IOpipe statistic, in IOpipe's row order, its values read through
 * the collector's source (source.h), whichever it is. Runs on the collecting thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "source.h"

static const char *const thread_states[] = {"NEW",     "RUNNABLE",      "BLOCKED",
                                            "WAITING", "TIMED_WAITING", "TERMINATED"};

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

static void head(col_ctx *x)
{
	int64_t now = (int64_t)clock_mono_ns(); /* System.nanoTime() on Linux */
	num(x, STATS_SEC_HEAD, "AbsoluteTime (ns)", now);
	num(x, STATS_SEC_HEAD, "RelativeTime (ns)", now - stats_table_origin_ns(x->t, now));
	stats_head_values h;
	x->c->src->head(x->c, x->env, &h);
	num(x, STATS_SEC_HEAD, "StartTime (utc ms)", h.start_ms);
	num(x, STATS_SEC_HEAD, "UpTime (ms)", h.uptime_ms);
	num(x, STATS_SEC_HEAD, "CurrentLoadedClasses (classes)", h.loaded);
	num(x, STATS_SEC_HEAD, "TotalLoadedClasses (classes)", h.total);
	num(x, STATS_SEC_HEAD, "TotalUnloadedClasses (classes)", h.unloaded);
	num(x, STATS_SEC_HEAD, "TotalCompilationTime (ms)", h.compile_ms);
}

static void gcs(col_ctx *x)
{
	stats_collector *c = x->c;
	for (size_t i = 0; i < c->ngcs; i++) {
		int64_t count, time;
		c->src->gc(c, x->env, c->gcs[i].obj, &count, &time);
		num(x, STATS_SEC_GC, stats_label_item(&c->label, "GC", c->gcs[i].name, "Count (collections)"),
		    count);
		num(x, STATS_SEC_GC, stats_label_item(&c->label, "GC", c->gcs[i].name, "Time (ms)"), time);
	}
}

/* init, used, committed, max of a MemoryUsage; -1s for a null one. */
static void usage_values(col_ctx *x, jobject mu, int64_t v[4])
{
	for (int i = 0; i < 4; i++) {
		v[i] = -1;
		if (mu) {
			jlong r = stats_acc_long(x->env, mu, &x->c->ids.mu[i]);
			v[i] = stats_jni_ok(x->env, "MemoryUsage") ? r : -1;
		}
	}
}

/* The four "MemPool.<p>.<what>.init (byte)" … rows. */
static void usage_rows(col_ctx *x, const char *pool_name, jobject pool, stats_usage_kind kind)
{
	static const char *const fields[3][4] = {
	        [STATS_USAGE_COLLECTION] = {"CollectionUsage.init (byte)", "CollectionUsage.used (byte)",
	                                    "CollectionUsage.committed (byte)", "CollectionUsage.max (byte)"},
	        [STATS_USAGE_PEAK] = {"PeakUsage.init (byte)", "PeakUsage.used (byte)",
	                              "PeakUsage.committed (byte)", "PeakUsage.max (byte)"},
	        [STATS_USAGE_CURRENT] = {"Usage.init (byte)", "Usage.used (byte)", "Usage.committed (byte)",
	                                 "Usage.max (byte)"}};
	stats_collector *c = x->c;
	int64_t v[4];
	usage_values(x, c->src->pool_usage(c, x->env, pool, kind), v);
	size_t p = stats_label_prefix(&c->label, "MemPool", pool_name);
	for (int i = 0; i < 4; i++)
		num(x, STATS_SEC_POOL, stats_label_field(&c->label, p, fields[kind][i]), v[i]);
}

/* Threshold and threshold count, -1 when the pool does not support that threshold. The
 * same on every source: MemoryPoolImpl's fields, or else its public getters. */
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
			th = stats_jni_long(env, pool, collection ? ids->pool_c_threshold : ids->pool_u_threshold);
			hits = stats_jni_long(env, pool, collection ? ids->pool_c_count : ids->pool_u_count);
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
	for (size_t i = 0; i < c->npools && !x->failed; i++) {
		if ((*x->env)->PushLocalFrame(x->env, 8) != 0) {
			stats_jni_ok(x->env, "PushLocalFrame");
			x->failed = true;
			return;
		}
		jobject p = c->pools[i].obj;
		const char *name = c->pools[i].name;
		usage_rows(x, name, p, STATS_USAGE_COLLECTION);
		threshold_rows(x, name, p, true);
		usage_rows(x, name, p, STATS_USAGE_PEAK);
		usage_rows(x, name, p, STATS_USAGE_CURRENT);
		threshold_rows(x, name, p, false);
		(*x->env)->PopLocalFrame(x->env, NULL);
	}
}

static void memory(col_ctx *x)
{
	stats_collector *c = x->c;
	static const char *const parts[4] = {"init", "used", "committed", "max"};
	for (int heap = 1; heap >= 0; heap--) {
		jobject mu = c->src->memory_usage(c, x->env, heap);
		int64_t v[4];
		usage_values(x, mu, v);
		char label[48];
		for (int i = 0; i < 4; i++) {
			snprintf(label, sizeof label, "Memory.%s.%s (byte)", heap ? "Heap" : "NonHeap",
			         parts[i]);
			num(x, STATS_SEC_MEMORY, label, v[i]);
		}
		(*x->env)->DeleteLocalRef(x->env, mu);
	}
	num(x, STATS_SEC_MEMORY, "PendingFinalizers (count)", c->src->pending_finalizers(c, x->env));
}

static int64_t ms_to_ns(int64_t ms) { return ms >= 0 ? ms * 1000000 : -1; }

static void thread_rows(col_ctx *x, jobject info, jlong cpu, jlong user)
{
	stats_collector *c = x->c;
	JNIEnv *env = x->env;
	const stats_ids *ids = &c->ids;
	jlong id = stats_acc_long(env, info, &ids->ti_id);
	jstring jname = stats_acc_obj(env, info, &ids->ti_name);
	jobject state = stats_acc_obj(env, info, &ids->ti_state);
	jlong blocked = stats_acc_long(env, info, &ids->ti_blocked_count);
	jlong blocked_ms = stats_acc_long(env, info, &ids->ti_blocked_time);
	jlong waited = stats_acc_long(env, info, &ids->ti_waited_count);
	jlong waited_ms = stats_acc_long(env, info, &ids->ti_waited_time);
	jstring jlock = stats_acc_obj(env, info, &ids->ti_lock_name);
	jlong owner = stats_acc_long(env, info, &ids->ti_lock_owner);
	if (!stats_jni_ok(env, "ThreadInfo"))
		return;
	jint ord = state ? stats_acc_int(env, state, &ids->ordinal) : -1;
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

/* A thread that is not alive in this column gets no cells in it: they stay empty. */
static void threads(col_ctx *x)
{
	stats_thread_set s;
	memset(&s, 0, sizeof s);
	int rc = x->c->src->threads(x->c, x->env, &s);
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
	stats_thread_set_free(&s, x->env);
}

static void buffers(col_ctx *x)
{
	stats_collector *c = x->c;
	size_t n = c->src->buffer_pools(c);
	for (size_t i = 0; i < n; i++) {
		int64_t v[3];
		const char *name = c->src->buffer_pool(c, x->env, i, v);
		size_t p = stats_label_prefix(&c->label, "BufferPool", name);
		num(x, STATS_SEC_BUFFER, stats_label_field(&c->label, p, "Count (objects)"), v[0]);
		num(x, STATS_SEC_BUFFER, stats_label_field(&c->label, p, "Used (byte)"), v[1]);
		num(x, STATS_SEC_BUFFER, stats_label_field(&c->label, p, "Capacity (byte)"), v[2]);
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
