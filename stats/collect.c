/* The collector's lifecycle: picks the first source (source.h) that can be used, JMM before
 * the MXBeans through JNI, and releases it all again. The columns are column.c's. */
#include <stdlib.h>

#include "../common/log.h"
#include "source.h"

static const stats_source_ops *const sources[] = {&stats_source_jmm, &stats_source_mxbean};
#define NSOURCES (sizeof sources / sizeof sources[0])

/* Makes `src` the candidate; false when its prepare step says it cannot be used. */
static bool candidate(stats_collector *c, JNIEnv *env, const stats_source_ops *src)
{
	c->src = src;
	return !src->prepare || src->prepare(c, env);
}

/* Drops what the candidate made, for the next one. */
static void drop(stats_collector *c, JNIEnv *env)
{
	c->src->release(c, env);
	c->state = NULL;
	stats_items_free(env, c->gcs, c->ngcs);
	stats_items_free(env, c->pools, c->npools);
	c->gcs = c->pools = NULL;
	c->ngcs = c->npools = 0;
}

/* The first source's prepare step runs before the IDs are looked up: JMM's own first calls
 * load the management classes that stats_ids_open then only finds (docs/statistics.md). */
static int sources_open(stats_collector *c, JNIEnv *env)
{
	bool usable = candidate(c, env, sources[0]);
	if (stats_ids_open(env, &c->ids) != 0) {
		log_warn("stats: java.lang.management is not available; no statistics");
		return -1;
	}
	for (size_t i = 0;;) {
		if (usable && c->src->open(c, env) == 0)
			return 0;
		drop(c, env);
		if (++i == NSOURCES)
			break;
		usable = candidate(c, env, sources[i]);
	}
	c->src = NULL;
	log_warn("stats: neither JMM nor the MXBeans can be read; no statistics");
	return -1;
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
	/* A frame for the local references a source hands from prepare to open. */
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
	log_debug("stats: collecting from %s: %zu collectors, %zu pools", c->src->name, c->ngcs, c->npools);
	return c;
}

stats_source stats_collector_source(const stats_collector *c) { return c->src->id; }

void stats_collector_free(stats_collector *c, JNIEnv *env)
{
	if (!c)
		return;
	if (c->src)
		drop(c, env);
	stats_ids_release(&c->ids, env);
	buf_free(&c->label);
	stats_rowcache_free(&c->thread_rows);
	free(c);
}
