/* Values that exist only as Java fields (pending finalizers, buffer pools), read on the JMM
 * path without running Java code and without loading or initialising a class the
 * application has not: JNI FindClass loads *and initialises*, and GetStaticFieldID
 * initialises, so a class is looked up with JVM_FindLoadedClass on the boot loader (what
 * ClassLoader.findLoadedClass0 calls: a dictionary lookup that never loads), and its fields
 * only once JVMTI says it is initialised. Until then the MXBean, which would initialise the
 * class itself, reads the fields' initial values: 0, which is what we write. */
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "jmm_source.h"

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

/* JDK 9+ name first; the one that is loaded is used (the class is loaded at VM start). */
static const char *final_cls[] = {"jdk/internal/misc/VM", "sun/misc/VM"};

static bool class_initialized(stats_jmm_state *j, jclass cls)
{
	jint status = 0;
	return (*j->jvmti)->GetClassStatus(j->jvmti, cls, &status) == JVMTI_ERROR_NONE &&
	       (status & JVMTI_CLASS_STATUS_INITIALIZED);
}

/* Global ref to a boot class if it is loaded, else NULL; never loads it. Without
 * JVM_FindLoadedClass (not exported by this VM) we can only FindClass, which loads. */
static jclass loaded_class(stats_jmm_state *j, JNIEnv *env, const char *name)
{
	if (!j->fn.FindLoadedClass)
		return stats_jni_class(env, name);
	jstring s = (*env)->NewStringUTF(env, name);
	if (!stats_jni_ok(env, "NewStringUTF") || !s)
		return NULL;
	jclass local = j->fn.FindLoadedClass(env, NULL, s);
	jclass global = stats_jni_ok(env, "JVM_FindLoadedClass") && local
	                        ? (*env)->NewGlobalRef(env, local)
	                        : NULL;
	(*env)->DeleteLocalRef(env, local);
	(*env)->DeleteLocalRef(env, s);
	return global;
}

/* The class, once the application (or the JDK) has loaded and initialised it. */
static bool class_ready(stats_jmm_state *j, JNIEnv *env, stats_static_src *s, const char *name)
{
	if (!s->cls)
		s->cls = loaded_class(j, env, name);
	return s->cls && class_initialized(j, s->cls);
}

/* AtomicLong.value, for java.nio.Bits' counters: Bits' initialiser created them, so the
 * class is loaded by the time Bits is initialised. */
static bool atomic_long_ready(stats_jmm_state *j, JNIEnv *env)
{
	if (j->atomic_long_value)
		return true;
	if (!j->atomic_long)
		j->atomic_long = loaded_class(j, env, "java/util/concurrent/atomic/AtomicLong");
	if (!j->atomic_long)
		return false;
	j->atomic_long_value = (*env)->GetFieldID(env, j->atomic_long, "value", "J");
	return stats_jni_ok(env, "AtomicLong.value") && j->atomic_long_value;
}

/* Looks the fields up once the class is initialised; false while it is not. A class
 * without the fields is given up (its rows read -1). */
static bool resolve(stats_jmm_state *j, JNIEnv *env, stats_static_src *s, const static_def *d)
{
	if (s->resolved || !s->present)
		return s->resolved;
	if (!class_ready(j, env, s, d->cls_name) || (d->sig && !atomic_long_ready(j, env)))
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
		s->present = false;
	}
	return s->resolved;
}

/* Feature version of the running JDK (8 for "1.8"), from java.specification.version;
 * 0 when unknown. */
static int jdk_feature(stats_jmm_state *j)
{
	char *v = stats_jvmti_property(j->jvmti, "java.specification.version");
	int f = !v ? 0 : strncmp(v, "1.", 2) == 0 ? atoi(v + 2) : atoi(v);
	free(v);
	return f;
}

static void add_source(stats_jmm_state *j, const static_def *d)
{
	stats_static_src *s = &j->bufsrc[j->nbufsrc++];
	s->name = d->pool_name;
	s->def = d;
	s->present = true;
}

void stats_javaonly_open(stats_jmm_state *j)
{
	j->final_refs.name = "finalRefCount";
	j->final_refs.present = true;
	j->nbufsrc = 0;
	add_source(j, &direct_def);
	/* Which unmapper classes this JDK has is decided by its version, not by loading them
	 * (they and FileChannelImpl are ~20 classes an application may never use). */
	int feature = jdk_feature(j);
	if (feature == 0 || feature >= 14) {
		add_source(j, &mapped_defs[0]);
		add_source(j, &mapped_defs[1]);
	} else {
		add_source(j, &mapped_old_def);
	}
	if (j->fn.layout >= 2) { /* JDK 9+: ManagementFactory enumerates a HashMap */
		int32_t hash[3];
		for (size_t i = 0; i < j->nbufsrc; i++)
			hash[i] = stats_objname_hash_ascii("java.nio", "BufferPool", j->bufsrc[i].name);
		stats_hashmap_reorder(j->bufsrc, j->nbufsrc, sizeof j->bufsrc[0], hash);
	}
}

int64_t stats_javaonly_final_refs(stats_jmm_state *j, JNIEnv *env)
{
	stats_static_src *s = &j->final_refs;
	if (!s->resolved) {
		for (size_t i = 0; i < 2 && !s->cls; i++)
			s->cls = loaded_class(j, env, final_cls[i]);
		if (!s->cls)
			return -1; /* loaded at VM start on every JDK: not there means no such field */
		if (!class_initialized(j, s->cls))
			return 0;
		s->f[0] = (*env)->GetStaticFieldID(env, s->cls, "finalRefCount", "I");
		if (!stats_jni_ok(env, "VM.finalRefCount") || !s->f[0])
			return -1;
		s->resolved = true;
	}
	return (*env)->GetStaticIntField(env, s->cls, s->f[0]);
}

void stats_javaonly_buffer(stats_jmm_state *j, JNIEnv *env, size_t i, int64_t v[3])
{
	stats_static_src *s = &j->bufsrc[i];
	const static_def *d = s->def;
	if (!resolve(j, env, s, d)) {
		int64_t x = s->present ? 0 : -1; /* not initialised yet, or no such fields */
		v[0] = v[1] = v[2] = x;
		return;
	}
	for (int k = 0; k < 3; k++) {
		if (d->sig) {
			jobject a = (*env)->GetStaticObjectField(env, s->cls, s->f[k]);
			v[k] = a ? (*env)->GetLongField(env, a, j->atomic_long_value) : -1;
			(*env)->DeleteLocalRef(env, a);
		} else if (k == 0) {
			v[k] = (*env)->GetStaticIntField(env, s->cls, s->f[k]);
		} else {
			v[k] = (*env)->GetStaticLongField(env, s->cls, s->f[k]);
		}
	}
}

void stats_javaonly_release(stats_jmm_state *j, JNIEnv *env)
{
	jobject refs[] = {j->final_refs.cls, j->bufsrc[0].cls, j->bufsrc[1].cls, j->bufsrc[2].cls,
	                  j->atomic_long};
	for (size_t i = 0; env && i < sizeof refs / sizeof refs[0]; i++)
		if (refs[i])
			(*env)->DeleteGlobalRef(env, refs[i]);
}
