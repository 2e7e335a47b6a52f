/* OS thread id -> Java thread through JVMTI thread-local storage (tidmap.h). */
#include "tidmap.h"

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

void tidmap_note_current(jvmtiEnv *jvmti)
{
	long tid = (long)syscall(SYS_gettid);
	/* A failure leaves the thread unknown: its invocations get no zip of their own. */
	(*jvmti)->SetThreadLocalStorage(jvmti, NULL, (const void *)(intptr_t)tid);
}

jthread tidmap_find(jvmtiEnv *jvmti, JNIEnv *jni, long os_tid)
{
	jthread *threads = NULL, found = NULL;
	jint n = 0;
	if (os_tid <= 0 || (*jvmti)->GetAllThreads(jvmti, &n, &threads) != JVMTI_ERROR_NONE)
		return NULL;
	if ((*jni)->EnsureLocalCapacity(jni, n + 4) != JNI_OK)
		(*jni)->ExceptionClear(jni); /* declared only, for -Xcheck:jni: the refs exist already */
	for (jint i = 0; i < n; i++) {
		void *v = NULL;
		if (!found && (*jvmti)->GetThreadLocalStorage(jvmti, threads[i], &v) == JVMTI_ERROR_NONE &&
		    (intptr_t)v == (intptr_t)os_tid)
			found = threads[i];
		else
			(*jni)->DeleteLocalRef(jni, threads[i]);
	}
	(*jvmti)->Deallocate(jvmti, (unsigned char *)threads);
	return found;
}
