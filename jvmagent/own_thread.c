/* The agent's own Java threads (own_thread.h). */
#include "own_thread.h"

#include "agent_state.h"

static jthread new_thread_object(JNIEnv *jni, const char *thread_name)
{
	jclass cls = (*jni)->FindClass(jni, "java/lang/Thread");
	jmethodID ctor = cls ? (*jni)->GetMethodID(jni, cls, "<init>", "(Ljava/lang/String;)V") : NULL;
	jstring name = ctor ? (*jni)->NewStringUTF(jni, thread_name) : NULL;
	jthread t = name ? (*jni)->NewObject(jni, cls, ctor, name) : NULL;
	if ((*jni)->ExceptionCheck(jni)) {
		(*jni)->ExceptionClear(jni);
		return NULL;
	}
	return t;
}

jthread own_thread_new(sampler *s, JNIEnv *jni, const char *name)
{
	jthread thread = new_thread_object(jni, name);
	jlong tid;
	if (!thread)
		return NULL;
	if (!sampler_thread_id(s, jni, thread, &tid)) {
		(*jni)->DeleteLocalRef(jni, thread);
		return NULL;
	}
	sampler_exclude(s, tid);
	return thread;
}

bool own_thread_run(agent *a, JNIEnv *jni, jthread thread, jvmtiStartFunction fn, void *arg)
{
	jvmtiError err = (*a->jvmti)->RunAgentThread(a->jvmti, thread, fn, arg, JVMTI_THREAD_MAX_PRIORITY);
	(*jni)->DeleteLocalRef(jni, thread);
	return agent_check(a->jvmti, err, "RunAgentThread");
}
