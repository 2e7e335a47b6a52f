#include "agent_state.h"

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
