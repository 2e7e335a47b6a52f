/* Small JNI helpers for stats/: exceptions, strings, classes. */
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "internal.h"

bool stats_jni_ok(JNIEnv *env, const char *what)
{
	if (!(*env)->ExceptionCheck(env))
		return true;
	if (log_debug_enabled())
		(*env)->ExceptionDescribe(env); /* prints and clears */
	(*env)->ExceptionClear(env);
	log_debug("stats: %s threw", what);
	return false;
}

static size_t put_utf8(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

char *stats_jstring_utf8(JNIEnv *env, jstring s)
{
	if (!s)
		return NULL;
	jsize n = (*env)->GetStringLength(env, s);
	if (!stats_jni_ok(env, "GetStringLength") || n < 0)
		return NULL;
	jchar small[256];
	jchar *u = (size_t)n <= sizeof small / sizeof small[0] ? small : malloc((size_t)n * sizeof *u);
	/* Each UTF-16 unit becomes at most 3 bytes (a surrogate pair, 2 units, becomes 4). */
	unsigned char *out = u ? malloc((size_t)n * 3 + 1) : NULL;
	if (!out) {
		if (u != small)
			free(u);
		return NULL;
	}
	(*env)->GetStringRegion(env, s, 0, n, u);
	if (!stats_jni_ok(env, "GetStringRegion")) {
		if (u != small)
			free(u);
		free(out);
		return NULL;
	}
	size_t len = 0;
	for (jsize i = 0; i < n; i++) {
		uint32_t cp = u[i];
		if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (u[i + 1] - 0xdc00u);
			i++;
		} else if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0) {
			cp = 0xfffd;
		}
		len += put_utf8(out + len, cp);
	}
	out[len] = 0;
	if (u != small)
		free(u);
	return (char *)out;
}

jclass stats_jni_class(JNIEnv *env, const char *name)
{
	jclass local = (*env)->FindClass(env, name);
	if (!local) {
		(*env)->ExceptionClear(env);
		return NULL;
	}
	jclass global = (*env)->NewGlobalRef(env, local);
	(*env)->DeleteLocalRef(env, local);
	return global;
}
