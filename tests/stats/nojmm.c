/* LD_PRELOAD shim for 20_stats.sh: makes the JVM's JMM table unrecognisable to jvmsnap's
 * stats (JVM_GetManagement returns NULL for callers in libstatsprobe.so), while the JDK's
 * own libmanagement still gets the real table — what a JDK with an unknown JMM version looks
 * like to the collector, which must then fall back to the MXBeans. */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

typedef void *(*get_management_fn)(int version);

void *JVM_GetManagement(int version) __attribute__((visibility("default")));

void *JVM_GetManagement(int version)
{
	Dl_info info;
	if (dladdr(__builtin_return_address(0), &info) && info.dli_fname &&
	    strstr(info.dli_fname, "libstatsprobe"))
		return NULL;
	get_management_fn real = (get_management_fn)dlsym(RTLD_NEXT, "JVM_GetManagement");
	return real ? real(version) : NULL;
}
