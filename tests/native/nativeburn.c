/* JNI library for 44_signal_foreign.sh: NativeBurn.start starts a native thread that is
 * never attached to the JVM and burns CPU for the given time, so a CPU-time timer aimed at
 * it would fire; its kernel thread id is returned so the test can look for timers that
 * notify it (/proc/self/timers). NativeBurn.join returns the CPU time it burned, in ns. */
#define _GNU_SOURCE /* pthread_setname_np */
#include <jni.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_t burner;
static atomic_int burner_tid;
static long burn_ms;
static volatile unsigned long sink;
static unsigned long long burned_ns;

static unsigned long long now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void *burn(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "native-burn");
	atomic_store(&burner_tid, (int)syscall(SYS_gettid));
	unsigned long long end = now_ns(CLOCK_MONOTONIC) + (unsigned long long)burn_ms * 1000000ull;
	unsigned long x = 1;
	while (now_ns(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
	burned_ns = now_ns(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

JNIEXPORT jint JNICALL Java_NativeBurn_start(JNIEnv *env, jclass cls, jint millis)
{
	(void)env;
	(void)cls;
	burn_ms = millis;
	if (pthread_create(&burner, NULL, burn, NULL) != 0)
		return -1;
	while (!atomic_load(&burner_tid))
		usleep(1000);
	return atomic_load(&burner_tid);
}

JNIEXPORT jlong JNICALL Java_NativeBurn_join(JNIEnv *env, jclass cls)
{
	(void)env;
	(void)cls;
	pthread_join(burner, NULL);
	return (jlong)burned_ns;
}
