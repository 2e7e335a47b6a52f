/* LD_PRELOAD shim for 20_stats.sh: what the JVM's JMM table looks like to jvmsnap's stats
 * (callers in libstatsprobe.so) when it is not what the collector expects, while the JDK's
 * own libmanagement still gets the real table. NOJMM_MODE picks the failure:
 *   hide     (default) JVM_GetManagement returns NULL: a JDK with an unknown JMM version
 *   slot     the table has an empty slot (GetThreadCpuTimesWithKind)
 *   version  GetVersion answers another major version than the table asked for
 *   pid      the process id attribute is not getpid()
 *   classes  the loaded class count is 0
 *   memusage GetMemoryUsage returns NULL instead of a MemoryUsage
 * Every mode but hide hands out a copy of the real table with one entry replaced, so each
 * of the collector's validation steps (stats/jmm_table.c) is reached and must reject it. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jni.h>

typedef void *(*get_management_fn)(int version);

void *JVM_GetManagement(int version) __attribute__((visibility("default")));

enum { TABLE_SLOTS = 40 }; /* more than the highest slot the collector uses (29) */

/* Slots per JMM version, as in stats/jmm_table.c. */
static const struct {
	int version, memory_usage, long_attribute, cpu_times;
} slots[] = {{0x20040000, 12, 13, 29}, {0x20030000, 11, 12, 28}, {0x20020000, 10, 11, 27}, {0x20010000, 12, 13, 29}};

static void *fake[TABLE_SLOTS];
static void **real;
static int real_version;
static size_t real_layout; /* index into slots[] of the real table's version */

static jint JNICALL fake_get_version(JNIEnv *env)
{
	(void)env;
	return real_version + 0x00010000; /* another major version */
}

static jlong JNICALL fake_long_attribute(JNIEnv *env, jobject obj, jint att)
{
	const char *mode = getenv("NOJMM_MODE");
	jlong v = ((jlong(JNICALL *)(JNIEnv *, jobject, jint))real[slots[real_layout].long_attribute])(env, obj, att);
	if (strcmp(mode, "pid") == 0 && att == 201)
		return v + 1;
	if (strcmp(mode, "classes") == 0 && att == 1)
		return 0;
	return v;
}

static jobject JNICALL fake_memory_usage(JNIEnv *env, jboolean heap)
{
	(void)env;
	(void)heap;
	return NULL;
}

static void *faked(int version, void **table, const char *mode)
{
	size_t i = 0;
	while (i < sizeof slots / sizeof slots[0] && slots[i].version != version)
		i++;
	if (i == sizeof slots / sizeof slots[0])
		return NULL;
	real = table;
	real_version = version;
	real_layout = i;
	memcpy(fake, table, sizeof fake);
	if (strcmp(mode, "slot") == 0)
		fake[slots[i].cpu_times] = NULL;
	else if (strcmp(mode, "version") == 0)
		fake[2] = (void *)fake_get_version;
	else if (strcmp(mode, "pid") == 0 || strcmp(mode, "classes") == 0)
		fake[slots[i].long_attribute] = (void *)fake_long_attribute;
	else if (strcmp(mode, "memusage") == 0)
		fake[slots[i].memory_usage] = (void *)fake_memory_usage;
	else
		return table; /* unknown mode: the real table, so the test sees "validated" and fails */
	return fake;
}

void *JVM_GetManagement(int version)
{
	get_management_fn get = (get_management_fn)dlsym(RTLD_NEXT, "JVM_GetManagement");
	void *table = get ? get(version) : NULL;
	Dl_info info;
	if (!table || !dladdr(__builtin_return_address(0), &info) || !info.dli_fname ||
	    !strstr(info.dli_fname, "libstatsprobe"))
		return table;
	const char *mode = getenv("NOJMM_MODE");
	if (!mode || !*mode || strcmp(mode, "hide") == 0)
		return NULL;
	return faked(version, table, mode);
}
