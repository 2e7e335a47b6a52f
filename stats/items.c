/* The sources' item lists: collectors, pools and buffer pools taken from MXBean arrays (with
 * the hash of their ObjectName, for the MXBeans' order), and the threads of one column. */
#include <stdlib.h>
#include <string.h>

#include "source.h"

void stats_items_free(JNIEnv *env, stats_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (env && items[i].obj)
			(*env)->DeleteGlobalRef(env, items[i].obj);
		free(items[i].name);
	}
	free(items);
}

/* Hash of the bean's ObjectName; only used for collectors and pools (JMM path: the MXBean
 * lists come in that order already). */
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
	int32_t *hash = calloc(n + 1, sizeof *hash);
	if (!hash)
		return;
	for (size_t i = 0; i < n; i++)
		hash[i] = items[i].hash;
	stats_hashmap_reorder(items, n, sizeof *items, hash);
	free(hash);
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

bool stats_thread_set_alloc(stats_thread_set *s, jsize n)
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

void stats_thread_set_free(stats_thread_set *s, JNIEnv *env)
{
	(*env)->DeleteLocalRef(env, s->infos);
	free(s->ids);
	free(s->cpu);
	free(s->user);
}
