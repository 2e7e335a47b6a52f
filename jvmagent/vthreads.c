#include "vthreads.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"

#define GET_VTHREAD_ID "com.sun.hotspot.functions.GetVirtualThread"

struct vthreads {
	vthreads_marks m;
	jvmtiEnv *jvmti;
	bool capable;                       /* can_support_virtual_threads is ours */
	bool refused;                       /* the JVM would not give it */
	jvmtiExtensionFunction get_vthread; /* (jvmtiEnv *, jthread carrier, jthread *vthread) */
};

/* can_support_virtual_threads is the bit after can_generate_sampled_object_alloc_events
 * (JDK 21's jvmti.h; JDK 17's, which we build with, does not name it); found by setting
 * that one and looking where the compiler put it. Bit-fields fill each byte from its low
 * bit on the little-endian ABIs we build for (x86-64, arm64), so the next bit is one up. */
static void vt_bit(size_t *byte, unsigned char *mask)
{
	jvmtiCapabilities c;
	memset(&c, 0, sizeof c);
	c.can_generate_sampled_object_alloc_events = 1;
	const unsigned char *b = (const unsigned char *)&c;
	for (size_t i = 0; i < sizeof c; i++) {
		if (!b[i])
			continue;
		*byte = b[i] == 0x80 ? i + 1 : i;
		*mask = b[i] == 0x80 ? 1 : (unsigned char)(b[i] << 1);
		return;
	}
}

static bool has_vt_bit(const jvmtiCapabilities *c)
{
	size_t byte = 0;
	unsigned char mask = 0;
	vt_bit(&byte, &mask);
	return mask && (((const unsigned char *)c)[byte] & mask);
}

/* Taken the first time a virtual thread is to be walked, not at load: with it the JVM
 * keeps JVMTI informed of every mount and unmount for this environment. bench/vthreads.sh
 * measured no cost beyond the agent's mere presence, but a program without virtual
 * threads has no reason to run with it. Adding it in the live phase is allowed (HotSpot
 * offers it then; on refusal, JVMTI walks keep virtual threads on their carriers). */
static bool make_capable(vthreads *v)
{
	if (v->capable || v->refused)
		return v->capable;
	jvmtiCapabilities want;
	memset(&want, 0, sizeof want);
	size_t byte = 0;
	unsigned char mask = 0;
	vt_bit(&byte, &mask);
	((unsigned char *)&want)[byte] |= mask;
	v->capable = (*v->jvmti)->AddCapabilities(v->jvmti, &want) == JVMTI_ERROR_NONE;
	v->refused = !v->capable;
	if (v->refused)
		log_info("virtual threads walked by JVMTI stay on their carriers' rows: the JVM refused "
			 "can_support_virtual_threads");
	else
		log_debug("virtual threads seen: can_support_virtual_threads added");
	return v->capable;
}

static void free_extension_info(jvmtiEnv *j, jvmtiExtensionFunctionInfo *fs, jint n)
{
	for (jint i = 0; i < n; i++) {
		for (jint p = 0; p < fs[i].param_count; p++)
			(*j)->Deallocate(j, (unsigned char *)fs[i].params[p].name);
		(*j)->Deallocate(j, (unsigned char *)fs[i].params);
		(*j)->Deallocate(j, (unsigned char *)fs[i].errors);
		(*j)->Deallocate(j, (unsigned char *)fs[i].id);
		(*j)->Deallocate(j, (unsigned char *)fs[i].short_description);
	}
	(*j)->Deallocate(j, (unsigned char *)fs);
}

static jvmtiExtensionFunction find_get_vthread(jvmtiEnv *j)
{
	jint n = 0;
	jvmtiExtensionFunctionInfo *fs = NULL;
	if ((*j)->GetExtensionFunctions(j, &n, &fs) != JVMTI_ERROR_NONE || !fs)
		return NULL;
	jvmtiExtensionFunction f = NULL;
	for (jint i = 0; i < n && !f; i++)
		if (fs[i].id && strcmp(fs[i].id, GET_VTHREAD_ID) == 0 && fs[i].param_count == 2)
			f = fs[i].func;
	free_extension_info(j, fs, n);
	return f;
}

/* The method of class `cls` named `name` (with signature `sig`, unless NULL). */
static jmethodID find_method(jvmtiEnv *j, JNIEnv *jni, const char *cls, const char *name, const char *sig)
{
	jclass k = (*jni)->FindClass(jni, cls);
	if (!k || (*jni)->ExceptionCheck(jni)) {
		(*jni)->ExceptionClear(jni);
		return NULL;
	}
	jint n = 0;
	jmethodID *ms = NULL, found = NULL;
	if ((*j)->GetClassMethods(j, k, &n, &ms) == JVMTI_ERROR_NONE) {
		for (jint i = 0; i < n && !found; i++) {
			char *mn = NULL, *ms_sig = NULL;
			if ((*j)->GetMethodName(j, ms[i], &mn, &ms_sig, NULL) != JVMTI_ERROR_NONE)
				continue;
			if (strcmp(mn, name) == 0 && (!sig || strcmp(ms_sig, sig) == 0))
				found = ms[i];
			(*j)->Deallocate(j, (unsigned char *)mn);
			(*j)->Deallocate(j, (unsigned char *)ms_sig);
		}
		(*j)->Deallocate(j, (unsigned char *)ms);
	}
	(*jni)->DeleteLocalRef(jni, k);
	return found;
}

vthreads *vthreads_new(jvmtiEnv *jvmti, JNIEnv *jni)
{
	jvmtiCapabilities can;
	memset(&can, 0, sizeof can);
	if ((*jvmti)->GetPotentialCapabilities(jvmti, &can) != JVMTI_ERROR_NONE || !has_vt_bit(&can))
		return NULL; /* JDK < 21: no virtual threads */
	vthreads_marks m = {
	    .enter_special = find_method(jvmti, jni, "jdk/internal/vm/Continuation", "enterSpecial", NULL),
	    .cont_run = find_method(jvmti, jni, "jdk/internal/vm/Continuation", "run", "()V"),
	    .vthread_run =
		find_method(jvmti, jni, "java/lang/VirtualThread", "run", "(Ljava/lang/Runnable;)V"),
	    .yield_cont = find_method(jvmti, jni, "java/lang/VirtualThread", "yieldContinuation", NULL),
	};
	jvmtiExtensionFunction get_vthread = find_get_vthread(jvmti);
	if (!get_vthread || !m.enter_special || !m.cont_run || !m.vthread_run) {
		log_info("virtual threads are charged to their carrier threads: this JVM lacks %s",
			 !get_vthread ? GET_VTHREAD_ID : "the continuation methods known to jvmsnap");
		return NULL;
	}
	vthreads *v = vthreads_from_marks(&m);
	if (v) {
		v->jvmti = jvmti;
		v->get_vthread = get_vthread;
	}
	return v;
}

vthreads *vthreads_from_marks(const vthreads_marks *m)
{
	vthreads *v = calloc(1, sizeof *v);
	if (v)
		v->m = *m;
	return v;
}

void vthreads_free(vthreads *v) { free(v); }

static jmethodID method_at(vthreads_stack st, int i)
{
	jmethodID m;
	memcpy(&m, (const char *)st.frames + (size_t)i * st.stride, sizeof m);
	return m;
}

bool vthreads_at_entry(const vthreads *v, vthreads_stack st)
{
	if (!v || st.count <= 0)
		return false;
	jmethodID top = method_at(st, 0);
	return top == v->m.cont_run || top == v->m.enter_special;
}

jthread vthreads_mounted(vthreads *v, jthread carrier)
{
	jthread vt = NULL;
	if (!v || !v->get_vthread || !make_capable(v))
		return NULL;
	if (v->get_vthread(v->jvmti, carrier, &vt) != JVMTI_ERROR_NONE)
		return NULL;
	return vt;
}

int vthreads_own_frames(const vthreads *v, vthreads_stack st, bool physical, int max_depth)
{
	if (!v)
		return 0;
	int end = st.count; /* frames [0, end) may be the virtual thread's */
	if (!physical && st.count > 0 && v->m.yield_cont && method_at(st, 0) == v->m.yield_cont)
		return 0; /* walked while it unmounts: the carrier runs on without it */
	if (physical) {
		end = 0;
		for (int i = st.count - 1; i >= 0 && !end; i--) /* the outermost entry */
			if (method_at(st, i) == v->m.enter_special)
				end = i;
		if (!end)
			return 0;
	}
	/* From the outermost VirtualThread.run up; a physical walk that missed it keeps what
	 * it saw above the entry. */
	for (int i = end - 1; i >= 0; i--)
		if (method_at(st, i) == v->m.vthread_run)
			return i + 1;
	return physical || st.count > max_depth ? end : 0;
}
