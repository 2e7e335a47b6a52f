/* jmethodID -> method-table id, resolved once, right after the sample that first sees a
 * method (its class is alive then: it is on a stack). The cache is cleared after a GC,
 * which is the only time classes unload, so a stale jmethodID is never resolved. */
#ifndef JVMSNAP_METHODS_H
#define JVMSNAP_METHODS_H

#include <jni.h>
#include <jvmti.h>
#include <stdint.h>

#include "../snapshot/profile.h"

typedef struct method_cache method_cache;

method_cache *methods_new(void);
void methods_free(method_cache *c);
/* Forgets every jmethodID (the profile keeps its names). */
void methods_clear(method_cache *c);

/* The profile's id for `m`, resolving its names on a miss. Never returns the thread
 * pseudo-method: failures map to an "[unknown method]" entry. */
uint32_t methods_id(method_cache *c, jvmtiEnv *jvmti, JNIEnv *jni, snap_profile *p, jmethodID m);

/* The entry that marks where a too-deep stack was cut. */
uint32_t methods_truncated_id(snap_profile *p);

/* Java class name from a JVMTI class signature ("Ljava/util/Map$Entry;" ->
 * "java.util.Map$Entry"; hidden classes keep their '/' suffix like Class.getName). */
void methods_class_name(const char *signature, char *out, size_t n);

#endif
