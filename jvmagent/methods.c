#include "methods.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/mutf8.h"

typedef struct {
	jmethodID key;
	uint32_t id;
} entry;

struct method_cache {
	entry *slots;
	uint32_t cap; /* power of two */
	uint32_t count;
};

method_cache *methods_new(void)
{
	method_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cap = 1024;
	c->slots = calloc(c->cap, sizeof *c->slots);
	if (!c->slots) {
		free(c);
		return NULL;
	}
	return c;
}

void methods_free(method_cache *c)
{
	if (c)
		free(c->slots);
	free(c);
}

void methods_clear(method_cache *c)
{
	memset(c->slots, 0, c->cap * sizeof *c->slots);
	c->count = 0;
}

static entry *slot(const method_cache *c, jmethodID m)
{
	uintptr_t h = (uintptr_t)m;
	h = (h >> 3) * 0x9E3779B97F4A7C15ull;
	for (uint32_t i = (uint32_t)(h >> 32) & (c->cap - 1);; i = (i + 1) & (c->cap - 1))
		if (!c->slots[i].key || c->slots[i].key == m)
			return &c->slots[i];
}

static void grow(method_cache *c)
{
	entry *old = c->slots;
	uint32_t old_cap = c->cap;
	entry *slots = calloc(old_cap * 2, sizeof *slots);
	if (!slots)
		return; /* keep the full table: lookups still work, inserts are refused */
	c->slots = slots;
	c->cap = old_cap * 2;
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*slot(c, old[i].key) = old[i];
	free(old);
}

void methods_class_name(const char *signature, char *out, size_t n)
{
	size_t len = strlen(signature);
	bool object = len >= 2 && signature[0] == 'L' && signature[len - 1] == ';';
	const char *s = object ? signature + 1 : signature;
	size_t m = object ? len - 2 : len;
	size_t j = 0;
	for (size_t i = 0; i < m && j + 1 < n; i++) {
		char ch = s[i];
		/* Hidden classes are "Lpkg/Outer$$Lambda$14.0x0800;": Class.getName shows the
		 * '.' as '/', so the package stays "pkg". Arrays keep their ';'. */
		out[j++] = ch == '/' ? '.' : (ch == '.' && object) ? '/' : ch;
	}
	out[j] = '\0';
}

static uint32_t special(snap_profile *p, const char *what)
{
	return snap_method_intern(p, "jvmsnap", what, "");
}

uint32_t methods_truncated_id(snap_profile *p) { return special(p, "[truncated stack]"); }

static void release(jvmtiEnv *jvmti, char *a, char *b, char *c)
{
	(*jvmti)->Deallocate(jvmti, (unsigned char *)a);
	(*jvmti)->Deallocate(jvmti, (unsigned char *)b);
	(*jvmti)->Deallocate(jvmti, (unsigned char *)c);
}

static uint32_t resolve(jvmtiEnv *jvmti, JNIEnv *jni, snap_profile *p, jmethodID m)
{
	jclass klass = NULL;
	char *csig = NULL, *name = NULL, *sig = NULL;
	jboolean native = JNI_FALSE;
	uint32_t id = 0;
	if ((*jvmti)->GetMethodDeclaringClass(jvmti, m, &klass) == JVMTI_ERROR_NONE &&
	    (*jvmti)->GetClassSignature(jvmti, klass, &csig, NULL) == JVMTI_ERROR_NONE &&
	    (*jvmti)->GetMethodName(jvmti, m, &name, &sig, NULL) == JVMTI_ERROR_NONE &&
	    (*jvmti)->IsMethodNative(jvmti, m, &native) == JVMTI_ERROR_NONE) {
		char cls[1024], cls_utf8[1024], mname[512], msig[1024];
		methods_class_name(csig, cls, sizeof cls);
		mutf8_to_utf8(cls, strlen(cls), cls_utf8, sizeof cls_utf8);
		mutf8_to_utf8(name, strlen(name), mname, sizeof mname - 9);
		if (native)
			strcat(mname, "[native]");
		mutf8_to_utf8(sig, strlen(sig), msig, sizeof msig);
		id = snap_method_intern(p, cls_utf8, mname, msig);
	}
	if (klass)
		(*jni)->DeleteLocalRef(jni, klass);
	release(jvmti, csig, name, sig);
	return id ? id : special(p, "[unknown method]");
}

uint32_t methods_id(method_cache *c, jvmtiEnv *jvmti, JNIEnv *jni, snap_profile *p, jmethodID m)
{
	entry *e = slot(c, m);
	if (e->key)
		return e->id;
	uint32_t id = resolve(jvmti, jni, p, m);
	if (id == SNAP_ROOT_METHOD)
		return id; /* even the "[unknown]" entry did not fit: caller drops the frame */
	if ((c->count + 1) * 2 > c->cap) {
		grow(c);
		e = slot(c, m);
	}
	if ((c->count + 1) * 4 <= c->cap * 3) {
		e->key = m;
		e->id = id;
		c->count++;
	}
	return id;
}
