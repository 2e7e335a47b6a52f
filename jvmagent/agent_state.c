#include "agent_state.h"

#include <stdlib.h>
#include <string.h>

#include "../common/log.h"

bool agent_check(jvmtiEnv *jvmti, jvmtiError err, const char *what)
{
	if (err == JVMTI_ERROR_NONE)
		return true;
	char *name = NULL;
	if (jvmti && (*jvmti)->GetErrorName(jvmti, err, &name) == JVMTI_ERROR_NONE && name) {
		log_warn("%s failed: %s (%d)", what, name, (int)err);
		(*jvmti)->Deallocate(jvmti, (unsigned char *)name);
	} else {
		log_warn("%s failed: JVMTI error %d", what, (int)err);
	}
	return false;
}

int agent_jdk_major(jvmtiEnv *jvmti)
{
	char *v = NULL;
	if (!jvmti || (*jvmti)->GetSystemProperty(jvmti, "java.vm.specification.version", &v) != JVMTI_ERROR_NONE || !v)
		return 0;
	int major = strncmp(v, "1.", 2) == 0 ? atoi(v + 2) : atoi(v);
	(*jvmti)->Deallocate(jvmti, (unsigned char *)v);
	return major;
}
