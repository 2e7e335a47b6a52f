/* Small JNI and JVMTI helpers for stats/: exceptions, strings, classes, methods, properties. */
#include <stdarg.h>
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

jmethodID stats_jni_method(JNIEnv *env, jclass cls, const char *name, const char *sig, bool *ok)
{
	jmethodID m = cls ? (*env)->GetMethodID(env, cls, name, sig) : NULL;
	if (!m) {
		(*env)->ExceptionClear(env);
		log_debug("stats: method %s%s not found", name, sig);
		*ok = false;
	}
	return m;
}

bool stats_jni_methods(JNIEnv *env, const stats_method_spec *m, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		*m[i].id = stats_jni_method(env, m[i].cls, m[i].name, m[i].sig, &ok);
	return ok;
}

int64_t stats_jni_long(JNIEnv *env, jobject o, jmethodID m, ...)
{
	va_list ap;
	va_start(ap, m);
	jlong v = (*env)->CallLongMethodV(env, o, m, ap);
	va_end(ap);
	return stats_jni_ok(env, "MXBean getter") ? v : -1;
}

char *stats_jvmti_property(jvmtiEnv *jvmti, const char *name)
{
	char *v = NULL;
	if ((*jvmti)->GetSystemProperty(jvmti, name, &v) != JVMTI_ERROR_NONE || !v)
		return NULL;
	char *copy = strdup(v);
	(*jvmti)->Deallocate(jvmti, (unsigned char *)v);
	return copy;
}
