/* The JMM interface (`JVM_GetManagement`): what java.lang.management itself calls.
 *
 * HotSpot hands the table out only for its own exact JMM_VERSION, and the table's layout
 * changed with the versions (v3, 14-20, and v4, 21+, each inserted a slot), so we ask for
 * each known version, take the slot layout that goes with the one accepted, and validate it
 * before any statistic is read. An unknown version means an unknown layout: we do not guess. */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "jmm_source.h"

enum {
	F_GET_VERSION,
	F_GET_OPTIONAL_SUPPORT,
	F_GET_THREAD_INFO,
	F_GET_MEMORY_POOLS,
	F_GET_MEMORY_MANAGERS,
	F_GET_MEMORY_POOL_USAGE,
	F_GET_PEAK_MEMORY_POOL_USAGE,
	F_GET_MEMORY_USAGE,
	F_GET_LONG_ATTRIBUTE,
	F_GET_BOOL_ATTRIBUTE,
	F_SET_BOOL_ATTRIBUTE,
	F_GET_POOL_COLLECTION_USAGE,
	F_GET_THREAD_CPU_TIMES_WITH_KIND,
	F_COUNT
};

typedef struct {
	jint version;
	int layout;
	const char *jdks;
	int slot[F_COUNT];
} layout_def;

/* Newest first. Slots 0 and 1 are reserved in every layout. */
static const layout_def layouts[] = {
        {0x20040000, 4, "21+", {2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 25, 29}},
        {0x20030000, 3, "14-20", {2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 24, 28}},
        {0x20020000, 2, "10-13", {2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 23, 27}},
        {0x20010000, 1, "8", {2, 3, 5, 7, 8, 9, 10, 12, 13, 14, 15, 25, 29}},
};

typedef void *(JNICALL *get_management_fn)(jint version);

/* A libjvm export: the global namespace first (the java launcher loads libjvm with
 * RTLD_GLOBAL), then libjvm itself, found from a JNI function's address (embedded VMs). */
static void *jvm_symbol(JNIEnv *env, const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);
	if (p)
		return p;
	Dl_info info;
	if (!dladdr((void *)(*env)->GetVersion, &info) || !info.dli_fname)
		return NULL;
	void *h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return NULL;
	p = dlsym(h, name);
	dlclose(h); /* RTLD_NOLOAD took a reference; the library stays loaded by the VM */
	return p;
}

static int validate(JNIEnv *env, stats_jmm *j)
{
	jint v = j->GetVersion(env);
	if (!stats_jni_ok(env, "JMM GetVersion") || (v & 0xffff0000) != (j->version & 0xffff0000)) {
		log_debug("stats: JMM GetVersion returned 0x%x for table 0x%x", (unsigned)v,
		          (unsigned)j->version);
		return -1;
	}
	jlong pid = j->GetLongAttribute(env, NULL, STATS_JMM_OS_PROCESS_ID);
	if (!stats_jni_ok(env, "JMM GetLongAttribute(pid)") || pid != (jlong)getpid()) {
		log_debug("stats: JMM process id check failed (%lld, expected %lld)", (long long)pid,
		          (long long)getpid());
		return -1;
	}
	jlong classes = j->GetLongAttribute(env, NULL, STATS_JMM_CLASS_LOADED_COUNT);
	if (!stats_jni_ok(env, "JMM GetLongAttribute(classes)") || classes <= 0) {
		log_debug("stats: JMM class count check failed (%lld)", (long long)classes);
		return -1;
	}
	int rc = -1;
	if ((*env)->PushLocalFrame(env, 8) != 0) {
		stats_jni_ok(env, "PushLocalFrame");
		return -1;
	}
	/* GetMemoryUsage has loaded MemoryUsage itself, so this FindClass loads nothing. */
	jobject mu = j->GetMemoryUsage(env, JNI_TRUE);
	jclass cls = stats_jni_ok(env, "JMM GetMemoryUsage") && mu
	                     ? (*env)->FindClass(env, "java/lang/management/MemoryUsage")
	                     : NULL;
	if (stats_jni_ok(env, "FindClass MemoryUsage") && cls && (*env)->IsInstanceOf(env, mu, cls))
		rc = 0;
	else
		log_debug("stats: JMM GetMemoryUsage did not return a MemoryUsage");
	(*env)->PopLocalFrame(env, NULL);
	return rc;
}

int stats_jmm_open(JNIEnv *env, stats_jmm *out)
{
	memset(out, 0, sizeof *out);
	get_management_fn get = (get_management_fn)jvm_symbol(env, "JVM_GetManagement");
	out->GetAllThreads = (jobjectArray(JNICALL *)(JNIEnv *, jclass))jvm_symbol(env, "JVM_GetAllThreads");
	/* Optional: without it the Java-only values' classes are found with FindClass (javaonly.c). */
	out->FindLoadedClass =
	        (jclass(JNICALL *)(JNIEnv *, jobject, jstring))jvm_symbol(env, "JVM_FindLoadedClass");
	if (!get || !out->GetAllThreads) {
		log_debug("stats: %s not found in the JVM", get ? "JVM_GetAllThreads" : "JVM_GetManagement");
		return -1;
	}
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
		const layout_def *l = &layouts[i];
		void **table = get(l->version);
		if (!table)
			continue;
		out->version = l->version;
		out->layout = l->layout;
		const int *s = l->slot;
		/* Function pointers stored in a void* table: the cast is what HotSpot jmm.h's struct does. */
		out->GetVersion = (jint(JNICALL *)(JNIEnv *))table[s[F_GET_VERSION]];
		out->GetOptionalSupport =
		        (jint(JNICALL *)(JNIEnv *, stats_jmm_support *))table[s[F_GET_OPTIONAL_SUPPORT]];
		out->GetThreadInfo = (jint(JNICALL *)(JNIEnv *, jlongArray, jint,
		                                      jobjectArray))table[s[F_GET_THREAD_INFO]];
		out->GetMemoryPools =
		        (jobjectArray(JNICALL *)(JNIEnv *, jobject))table[s[F_GET_MEMORY_POOLS]];
		out->GetMemoryManagers =
		        (jobjectArray(JNICALL *)(JNIEnv *, jobject))table[s[F_GET_MEMORY_MANAGERS]];
		out->GetMemoryPoolUsage =
		        (jobject(JNICALL *)(JNIEnv *, jobject))table[s[F_GET_MEMORY_POOL_USAGE]];
		out->GetPeakMemoryPoolUsage =
		        (jobject(JNICALL *)(JNIEnv *, jobject))table[s[F_GET_PEAK_MEMORY_POOL_USAGE]];
		out->GetMemoryUsage = (jobject(JNICALL *)(JNIEnv *, jboolean))table[s[F_GET_MEMORY_USAGE]];
		out->GetLongAttribute =
		        (jlong(JNICALL *)(JNIEnv *, jobject, jint))table[s[F_GET_LONG_ATTRIBUTE]];
		out->GetBoolAttribute = (jboolean(JNICALL *)(JNIEnv *, jint))table[s[F_GET_BOOL_ATTRIBUTE]];
		out->SetBoolAttribute =
		        (jboolean(JNICALL *)(JNIEnv *, jint, jboolean))table[s[F_SET_BOOL_ATTRIBUTE]];
		out->GetPoolCollectionUsage =
		        (jobject(JNICALL *)(JNIEnv *, jobject))table[s[F_GET_POOL_COLLECTION_USAGE]];
		out->GetThreadCpuTimesWithKind =
		        (void(JNICALL *)(JNIEnv *, jlongArray, jlongArray,
		                         jboolean))table[s[F_GET_THREAD_CPU_TIMES_WITH_KIND]];
		for (int f = 0; f < F_COUNT; f++)
			if (!table[s[f]]) {
				log_debug("stats: JMM 0x%x slot %d is empty", (unsigned)l->version, s[f]);
				return -1;
			}
		if (validate(env, out) != 0)
			return -1;
		log_debug("stats: JMM interface 0x%x (layout %d, JDK %s) validated", (unsigned)l->version,
		          l->layout, l->jdks);
		return 0;
	}
	log_debug("stats: the JVM accepts none of the known JMM versions");
	return -1;
}
