/* Values that exist only as Java fields (pending finalizers, buffer pools), read on the JMM
 * path without running Java code. GetStaticFieldID would initialise the class, so fields
 * are looked up only once JVMTI says the class is initialised; before that the MXBean
 * would read the fields' initial values, which are 0. */
#include <string.h>

#include "../common/log.h"
#include "internal.h"

/* Field names per JDK: JDK 9+ first, then JDK 8. */
typedef struct {
	const char *cls_name;
	const char *pool_name;
	const char *sig; /* type of the value fields */
	const char *names[2][3];
} static_def;

static const static_def direct_def = {
        "java/nio/Bits",
        "direct",
        "Ljava/util/concurrent/atomic/AtomicLong;",
        {{"COUNT", "RESERVED_MEMORY", "TOTAL_CAPACITY"}, {"count", "reservedMemory", "totalCapacity"}}};
/* JDK 14+: DefaultUnmapper ("mapped") and SyncUnmapper (NVM); before: Unmapper. */
static const static_def mapped_defs[] = {
        {"sun/nio/ch/FileChannelImpl$DefaultUnmapper",
         "mapped",
         NULL,
         {{"count", "totalSize", "totalCapacity"}}},
        {"sun/nio/ch/FileChannelImpl$SyncUnmapper",
         "mapped - 'non-volatile memory'",
         NULL,
         {{"count", "totalSize", "totalCapacity"}}},
};
static const static_def mapped_old_def = {
        "sun/nio/ch/FileChannelImpl$Unmapper", "mapped", NULL, {{"count", "totalSize", "totalCapacity"}}};

static const char *final_cls[] = {"jdk/internal/misc/VM", "sun/misc/VM"};

static bool class_initialized(stats_collector *c, jclass cls)
{
	jint status = 0;
	return (*c->jvmti)->GetClassStatus(c->jvmti, cls, &status) == JVMTI_ERROR_NONE &&
	       (status & JVMTI_CLASS_STATUS_INITIALIZED);
}

/* Looks the fields up once the class is initialised; false while it is not (or on error). */
static bool resolve(stats_collector *c, JNIEnv *env, stats_static_src *s, const static_def *d)
{
	if (s->resolved)
		return true;
	if (!s->cls || !class_initialized(c, s->cls))
		return false;
	for (int v = 0; v < 2 && !s->resolved; v++) {
		bool all = true;
		for (int i = 0; i < 3 && all; i++) {
			const char *sig = d->sig ? d->sig : (i == 0 ? "I" : "J");
			s->f[i] = d->names[v][i] ? (*env)->GetStaticFieldID(env, s->cls, d->names[v][i], sig)
			                         : NULL;
			if (!s->f[i]) {
				(*env)->ExceptionClear(env);
				all = false;
			}
		}
		s->resolved = all;
	}
	if (!s->resolved) {
		log_debug("stats: fields of buffer pool %s not found", s->name);
		(*env)->DeleteGlobalRef(env, s->cls);
		s->cls = NULL;
	}
	return s->resolved;
}

void stats_javaonly_open(stats_collector *c, JNIEnv *env)
{
	for (size_t i = 0; i < 2 && !c->final_refs.cls; i++)
		c->final_refs.cls = stats_jni_class(env, final_cls[i]);
	c->final_refs.name = "finalRefCount";

	c->atomic_long = stats_jni_class(env, "java/util/concurrent/atomic/AtomicLong");
	c->atomic_long_value = c->atomic_long ? (*env)->GetFieldID(env, c->atomic_long, "value", "J") : NULL;
	stats_jni_ok(env, "AtomicLong.value");
	c->nbufsrc = 0;
	stats_static_src *s = &c->bufsrc[c->nbufsrc++];
	s->cls = stats_jni_class(env, direct_def.cls_name);
	s->name = direct_def.pool_name;
	s->def = &direct_def;
	for (size_t i = 0; i < 2; i++) {
		jclass cls = stats_jni_class(env, mapped_defs[i].cls_name);
		if (!cls)
			continue;
		s = &c->bufsrc[c->nbufsrc++];
		s->cls = cls;
		s->name = mapped_defs[i].pool_name;
		s->def = &mapped_defs[i];
	}
	if (c->nbufsrc == 1) {
		s = &c->bufsrc[c->nbufsrc++];
		s->cls = stats_jni_class(env, mapped_old_def.cls_name);
		s->name = mapped_old_def.pool_name;
		s->def = &mapped_old_def;
	}
	if (c->jmm.layout >= 2) { /* JDK 9+: ManagementFactory enumerates a HashMap */
		int32_t hash[3];
		size_t perm[3];
		stats_static_src copy[3];
		for (size_t i = 0; i < c->nbufsrc; i++)
			hash[i] = stats_objname_hash_ascii("java.nio", "BufferPool", c->bufsrc[i].name);
		stats_hashmap_order(c->nbufsrc, hash, perm);
		memcpy(copy, c->bufsrc, sizeof copy);
		for (size_t i = 0; i < c->nbufsrc; i++)
			c->bufsrc[i] = copy[perm[i]];
	}
}

int64_t stats_javaonly_final_refs(stats_collector *c, JNIEnv *env)
{
	stats_static_src *s = &c->final_refs;
	if (!s->resolved) {
		if (!s->cls || !class_initialized(c, s->cls))
			return s->cls ? 0 : -1;
		s->f[0] = (*env)->GetStaticFieldID(env, s->cls, "finalRefCount", "I");
		if (!stats_jni_ok(env, "VM.finalRefCount") || !s->f[0])
			return -1;
		s->resolved = true;
	}
	return (*env)->GetStaticIntField(env, s->cls, s->f[0]);
}

void stats_javaonly_buffer(stats_collector *c, JNIEnv *env, size_t i, int64_t v[3])
{
	stats_static_src *s = &c->bufsrc[i];
	const static_def *d = s->def;
	if (!resolve(c, env, s, d)) {
		int64_t x = s->cls ? 0 : -1;
		v[0] = v[1] = v[2] = x;
		return;
	}
	for (int k = 0; k < 3; k++) {
		if (d->sig) {
			jobject a = (*env)->GetStaticObjectField(env, s->cls, s->f[k]);
			v[k] = a && c->atomic_long_value ? (*env)->GetLongField(env, a, c->atomic_long_value)
			                                 : -1;
			(*env)->DeleteLocalRef(env, a);
		} else if (k == 0) {
			v[k] = (*env)->GetStaticIntField(env, s->cls, s->f[k]);
		} else {
			v[k] = (*env)->GetStaticLongField(env, s->cls, s->f[k]);
		}
	}
}
