#include "sigsampler.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "agent_state.h"
#include "config.h"

/* HotSpot's AsyncGetCallTrace ABI (its forte.cpp); sigring_frame has ASGCT_CallFrame's layout. */
#include "sigsampler_priv.h"

/* The handler can reach its sampler only through a global: signals carry no context
 * beyond the timer's value. Set once started, cleared before the sampler is freed. */
static _Atomic(sigsampler *) g_sig;
static atomic_int g_in_handler;

/* ---- the signal handler: no lock, no allocation, no JNI beyond GetEnv ---- */

/* A signal queued for a Java thread just before its ThreadEnd deleted its timers (or
 * removed it from the kicker) can be delivered after the thread left the JVM: HotSpot
 * restores the thread's original signal mask as it frees it. Such a signal is one of the
 * thread's own, not one that reached a thread the JVM never made Java; it is counted
 * apart. The slot is only read: the ending thread wrote `ended` itself. */
static bool left_jvm(const sigsampler *g, uint64_t handle)
{
	uint32_t idx = (uint32_t)(handle & SIGHOT_IDX);
	const sig_thread *e = idx < MAX_TIMED ? &g->threads[idx] : NULL;
	return e && e->gen == (uint32_t)(handle >> 32) && e->ended;
}

/* c0: the thread's CPU clock, when the caller read it already (else 0). */
static void take_sample(sigsampler *g, uint64_t handle, uint64_t c0, void *uc)
{
	if (!c0)
		c0 = clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	JNIEnv *env = NULL;
	if ((*g->vm)->GetEnv(g->vm, (void **)&env, JNI_VERSION_1_6) != JNI_OK || !env) {
		atomic_fetch_add_explicit(left_jvm(g, handle) ? &g->after_end : &g->not_java, 1, memory_order_relaxed);
		return;
	}
	sigring_record *r = sigring_claim(g->ring);
	if (r) {
		r->thread = handle & ~(uint64_t)SIGHOT_BIT;
		r->t_ns = clock_mono_ns();
		r->cpu_ns = c0;
		asgct_trace tr = {env, 0, r->frames};
		g->agct(&tr, (jint)r->capacity, uc);
		r->num_frames = tr.num_frames;
		sigring_commit(g->ring, r);
	}
	/* Its CPU clock, not the wall: a handler preempted on a busy CPU has not cost more. */
	atomic_fetch_add_explicit(&g->handler_ns, clock_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - c0, memory_order_relaxed);
}

/* A timer's signal (its CPU timer's, or with clock=hrtimer its own monotonic timer's:
 * sighot.c decides), or the kicker's. With the kicker on, a CPU timer's signal only says
 * the thread runs: it joins the hot set, and once in it the kicks sample it (a timer sample
 * too would only add a sample per tick beside the kicks). */
static bool wanted(sigsampler *g, const siginfo_t *si, uint64_t *cpu)
{
	if (si->si_code == SI_QUEUE)
		return g->kick && si->si_pid == g->pid;
	if (si->si_code != SI_TIMER)
		return false;
	if (g->hot)
		return sighot_wanted(g, (uint64_t)(uintptr_t)si->si_value.sival_ptr, cpu);
	if (!g->kick)
		return true;
	uint32_t idx = (uint32_t)((uintptr_t)si->si_value.sival_ptr & 0xffffffffu);
	sigkick_want(g->kick, idx);
	return !sigkick_is_hot(g->kick, idx);
}

static void on_sigprof(int signo, siginfo_t *si, void *uc)
{
	(void)signo;
	int saved = errno;
	atomic_fetch_add(&g_in_handler, 1);
	sigsampler *g = atomic_load(&g_sig);
	/* Only our timers' and kicker's signals: a SIGPROF sent by kill(2) is ignored. The
	 * CPU clock read while deciding (hrtimer) is the sample's. */
	uint64_t cpu = 0;
	if (g && si && atomic_load(&g->active) && wanted(g, si, &cpu))
		take_sample(g, (uint64_t)(uintptr_t)si->si_value.sival_ptr, cpu, uc);
	atomic_fetch_sub(&g_in_handler, 1);
	errno = saved;
}

/* ---- support ---- */

static asgct_fn find_agct(void)
{
	void *f = dlsym(RTLD_DEFAULT, "AsyncGetCallTrace");
	if (!f) {
		void *jvm = dlopen("libjvm.so", RTLD_LAZY | RTLD_NOLOAD);
		if (jvm)
			f = dlsym(jvm, "AsyncGetCallTrace");
	}
	asgct_fn fn;
	memcpy(&fn, &f, sizeof fn); /* object to function pointer, as POSIX allows */
	return fn;
}

bool sigsampler_supported(JavaVM *vm, jvmtiEnv *jvmti, char *why, size_t n)
{
	(void)vm;
#if !defined(__x86_64__) || !defined(__linux__)
	snprintf(why, n, "not proven on this architecture");
	return false;
#endif
	int major = agent_jdk_major(jvmti);
	if (major != 17 && major != 21 && major != 25) {
		snprintf(why, n, "not proven on JDK %d (proven: 17, 21, 25)", major);
		return false;
	}
	if (!find_agct()) {
		snprintf(why, n, "AsyncGetCallTrace not found in libjvm");
		return false;
	}
	struct sigaction old;
	if (sigaction(SIGPROF, NULL, &old) != 0 ||
	    ((old.sa_flags & SA_SIGINFO) ? old.sa_sigaction != NULL
					 : old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)) {
		snprintf(why, n, "the application has its own SIGPROF handler");
		return false;
	}
	return true;
}

/* ---- registry ---- */

sig_thread *sig_entry_at(sigsampler *g, uint64_t handle)
{
	uint32_t idx = (uint32_t)(handle & 0xffffffffu);
	if (idx >= MAX_TIMED)
		return NULL;
	sig_thread *e = &g->threads[idx];
	return e->used && e->gen == (uint32_t)(handle >> 32) ? e : NULL;
}

static bool arm(const sigsampler *g, sig_thread *e)
{
	uint64_t ns = g->interval_ns;
	struct itimerspec its = {{(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)},
				 {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)}};
	return timer_settime(e->timer, 0, &its, NULL) == 0;
}

/* A timer on the calling thread's CPU clock, signalling only this thread. */
static bool create_timer(sigsampler *g, sig_thread *e, uint32_t idx)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev.sigev_value.sival_ptr = (void *)(uintptr_t)((uint64_t)e->gen << 32 | idx);
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &e->timer) != 0)
		return false;
	if (!arm(g, e)) {
		timer_delete(e->timer);
		return false;
	}
	return true;
}

/* Runs on the thread itself (ThreadStart, or VMInit for main). */
static void register_current(sigsampler *g, JNIEnv *jni, jthread t)
{
	jlong key;
	if (!g->key_of(g->ctx, jni, t, &key))
		return;
	jobject ref = (*jni)->NewGlobalRef(jni, t);
	if (!ref)
		return;
	pthread_mutex_lock(&g->mu);
	sig_thread *e = NULL;
	uint32_t idx = 0;
	for (uint32_t i = 0; i < MAX_TIMED && !g->stopped; i++) {
		idx = (g->hint + i) % MAX_TIMED;
		if (!g->threads[idx].used) {
			e = &g->threads[idx];
			break;
		}
	}
	if (e) {
		uint32_t gen = e->gen + 1;
		memset(e, 0, sizeof *e);
		*e = (sig_thread){.used = true, .gen = gen, .key = key, .ref = ref, .born_ns = clock_mono_ns()};
		e->timed = create_timer(g, e, idx);
		if (e->timed)
			sigkick_add(g->kick, idx, (uint64_t)gen << 32 | idx);
		if (e->timed && g->hot)
			sighot_create(e, (uint64_t)gen << 32 | idx);
		g->hint = idx + 1;
	}
	pthread_mutex_unlock(&g->mu);
	if (!e) {
		(*jni)->DeleteGlobalRef(jni, ref); /* beyond MAX_TIMED: the handshake pass walks it */
		return;
	}
	(*g->env)->SetThreadLocalStorage(g->env, NULL, (void *)(uintptr_t)(idx + 1));
}

sig_thread *sig_entry_of_thread(sigsampler *g, jthread t)
{
	void *v = NULL;
	if ((*g->env)->GetThreadLocalStorage(g->env, t, &v) != JVMTI_ERROR_NONE || !v)
		return NULL;
	uintptr_t idx = (uintptr_t)v - 1;
	return idx < MAX_TIMED && g->threads[idx].used ? &g->threads[idx] : NULL;
}

static sigsampler *from_env(jvmtiEnv *env)
{
	void *p = NULL;
	(*env)->GetEnvironmentLocalStorage(env, &p);
	return p;
}

static void JNICALL on_thread_start(jvmtiEnv *env, JNIEnv *jni, jthread t)
{
	sigsampler *g = from_env(env);
	/* Stopped: the sampler that reads thread keys may be gone (VM shutdown). */
	if (g && atomic_load(&g->active))
		register_current(g, jni, t);
}

/* On the ending thread: after this no signal of its timer can come. */
static void JNICALL on_thread_end(jvmtiEnv *env, JNIEnv *jni, jthread t)
{
	(void)jni;
	sigsampler *g = from_env(env);
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	sig_thread *e = sig_entry_of_thread(g, t);
	if (e && !e->ended) {
		sigkick_remove(g->kick, (uint32_t)(e - g->threads));
		sighot_delete(e); /* on this thread: its handler cannot run meanwhile */
		if (e->timed)
			timer_delete(e->timer);
		e->timed = false;
		e->ended = true;
	}
	pthread_mutex_unlock(&g->mu);
	(*env)->SetThreadLocalStorage(env, NULL, NULL);
}

/* AsyncGetCallTrace can name only methods whose jmethodIDs exist: create them as each
 * class is prepared (and for every class loaded before we started). */
static void make_method_ids(jvmtiEnv *env, jclass k)
{
	jint n = 0;
	jmethodID *ms = NULL;
	if ((*env)->GetClassMethods(env, k, &n, &ms) == JVMTI_ERROR_NONE)
		(*env)->Deallocate(env, (unsigned char *)ms);
}

static void JNICALL on_class_prepare(jvmtiEnv *env, JNIEnv *jni, jthread t, jclass k)
{
	(void)jni;
	(void)t;
	make_method_ids(env, k);
}

/* AsyncGetCallTrace refuses to walk (ticks_no_class_load) unless some environment has
 * ClassLoad events on: it relies on them for jmethodIDs. The event itself needs nothing. */
static void JNICALL on_class_load(jvmtiEnv *env, JNIEnv *jni, jthread t, jclass k)
{
	(void)env;
	(void)jni;
	(void)t;
	(void)k;
}

static void JNICALL on_vm_death(jvmtiEnv *env, JNIEnv *jni)
{
	(void)jni;
	sigsampler *g = from_env(env);
	if (g)
		sigsampler_stop(g);
}

static void preload_method_ids(jvmtiEnv *env, JNIEnv *jni)
{
	jint n = 0;
	jclass *ks = NULL;
	if ((*env)->GetLoadedClasses(env, &n, &ks) != JVMTI_ERROR_NONE)
		return;
	for (jint i = 0; i < n; i++) {
		make_method_ids(env, ks[i]);
		(*jni)->DeleteLocalRef(jni, ks[i]);
	}
	(*env)->Deallocate(env, (unsigned char *)ks);
}

static bool set_events(sigsampler *g, jvmtiEventMode mode)
{
	static const jvmtiEvent ev[] = {JVMTI_EVENT_CLASS_LOAD, JVMTI_EVENT_CLASS_PREPARE, JVMTI_EVENT_THREAD_START,
					JVMTI_EVENT_THREAD_END, JVMTI_EVENT_VM_DEATH};
	bool ok = true;
	for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
		ok &= (*g->env)->SetEventNotificationMode(g->env, mode, ev[i], NULL) == JVMTI_ERROR_NONE;
	return ok;
}

static bool open_env(sigsampler *g)
{
	if ((*g->vm)->GetEnv(g->vm, (void **)&g->env, JVMTI_VERSION_1_2) != JNI_OK)
		return false;
	jvmtiEventCallbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.ThreadStart = on_thread_start;
	cb.ThreadEnd = on_thread_end;
	cb.ClassLoad = on_class_load;
	cb.ClassPrepare = on_class_prepare;
	cb.VMDeath = on_vm_death;
	return (*g->env)->SetEnvironmentLocalStorage(g->env, g) == JVMTI_ERROR_NONE &&
	       (*g->env)->SetEventCallbacks(g->env, &cb, sizeof cb) == JVMTI_ERROR_NONE;
}

static bool install_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGPROF, &sa, NULL) == 0;
}

/* Below AGENT_SIGCLOCK_BELOW_US the CPU timers alone cannot keep the interval (they expire
 * at the tick): each thread's hrtimer (sighot.c, the default) or the kicker (sigkick.h)
 * samples the running threads. */
static void start_clock(sigsampler *g, uint32_t clock, uint32_t interval_us)
{
	g->pid = getpid();
	if (clock == AGENT_SIGCLOCK_TIMER || (clock == AGENT_SIGCLOCK_AUTO && interval_us >= AGENT_SIGCLOCK_BELOW_US))
		return;
	g->hot = clock != AGENT_SIGCLOCK_KICKER;
	if (g->hot)
		return;
	g->kick = sigkick_new(MAX_TIMED, g->interval_ns, SIGPROF);
	if (!g->kick)
		log_info("the signal sampler's kicker could not start; CPU timers alone drive it");
}

const char *sigsampler_clock(const sigsampler *g)
{
	return !g ? NULL : g->kick ? "kicker" : g->hot ? "hrtimer" : "cpu-timer";
}

sigsampler *sigsampler_start(JavaVM *vm, JNIEnv *jni, uint32_t interval_us, uint32_t clock, uint32_t max_depth,
			     sigsampler_key_fn key_of, sigsampler_name_fn name_of, void *ctx)
{
	sigsampler *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->vm = vm;
	g->agct = find_agct();
	g->key_of = key_of;
	g->name_of = name_of;
	g->ctx = ctx;
	g->interval_ns = (uint64_t)interval_us * 1000u;
	size_t per = sizeof(sigring_record) + (size_t)(max_depth + 1) * sizeof(sigring_frame);
	uint32_t slots = (uint32_t)(RING_BYTES / per);
	g->ring = sigring_new(slots < 64 ? 64 : slots > 1024 ? 1024 : slots, max_depth + 1);
	g->threads = calloc(MAX_TIMED, sizeof *g->threads);
	if (!g->agct || !g->ring || !g->threads || pthread_mutex_init(&g->mu, NULL) != 0 || !open_env(g)) {
		log_warn("the signal sampler could not start");
		sigring_free(g->ring);
		free(g->threads);
		free(g);
		return NULL;
	}
	start_clock(g, clock, interval_us);
	atomic_store(&g->active, true);
	atomic_store(&g_sig, g);
	if (!install_handler() || !set_events(g, JVMTI_ENABLE)) {
		log_warn("the signal sampler could not install its handler or events");
		sigsampler_stop(g);
		atomic_store(&g_sig, NULL);
		return g; /* stopped: the pass walks every thread */
	}
	preload_method_ids(g->env, jni);
	jthread self = NULL;
	jvmtiEnv *env = g->env;
	if ((*env)->GetCurrentThread(env, &self) == JVMTI_ERROR_NONE && self) {
		register_current(g, jni, self); /* VMInit's thread: main */
		(*jni)->DeleteLocalRef(jni, self);
	}
	return g;
}

void sigsampler_stop(sigsampler *g)
{
	if (!g)
		return;
	atomic_store(&g->active, false);
	sigkick_stop(g->kick); /* not under mu: a ThreadEnd holding mu waits for the kicker's lock */
	pthread_mutex_lock(&g->mu);
	bool was = g->stopped;
	g->stopped = true;
	for (uint32_t i = 0; i < MAX_TIMED; i++) {
		sig_thread *e = &g->threads[i];
		if (e->used && e->timed)
			timer_delete(e->timer);
		e->timed = false;
	}
	pthread_mutex_unlock(&g->mu);
	if (!was && g->env)
		set_events(g, JVMTI_DISABLE);
	/* A handler that started before `active` went false may still be writing. */
	for (int i = 0; i < STOP_WAIT_MS && atomic_load(&g_in_handler); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	/* Only now the hrtimers: a handler (the only one to arm them) may have run until here. */
	pthread_mutex_lock(&g->mu);
	for (uint32_t i = 0; i < MAX_TIMED; i++)
		if (g->threads[i].used)
			sighot_delete(&g->threads[i]);
	pthread_mutex_unlock(&g->mu);
}

/* Frees the ring, which only handlers and the agent thread use. The sampler itself and its
 * registry are left allocated on purpose: this runs during VM shutdown, when a ThreadStart
 * or ThreadEnd callback on another thread may already have fetched the sampler from our
 * environment and be about to take its lock (freeing it made such a callback lock freed
 * memory: a rare abort at exit). Stopped, they do nothing with it. One per process. */
void sigsampler_free(sigsampler *g, JNIEnv *jni)
{
	if (!g)
		return;
	sigsampler_stop(g);
	atomic_store(&g_sig, NULL);
	char codes[256] = "";
	for (int i = 0, at = 0; i < 16 && at < (int)sizeof codes - 24; i++)
		if (g->failed_by[i])
			at += snprintf(codes + at, sizeof codes - (size_t)at, " %d:%llu", -i,
				       (unsigned long long)g->failed_by[i]);
	log_debug("signal sampler: %llu stacks not walkable (by code:%s), %llu dropped (ring full), %llu of ended threads, "
		  "%llu timer signals on non-Java threads, %llu on Java threads after their end",
		  (unsigned long long)g->failed, codes, (unsigned long long)sigring_dropped(g->ring),
		  (unsigned long long)g->orphans, (unsigned long long)atomic_load(&g->not_java),
		  (unsigned long long)atomic_load(&g->after_end));
	log_debug("signal sampler: %llu samples, %.2f us of handler CPU each; kicker %.1f ms of CPU (%.2f us a sample)",
		  (unsigned long long)g->drained, g->drained ? (double)g->handler_total_ns / 1e3 / (double)g->drained : 0.0,
		  (double)g->kick_total_ns / 1e6, g->drained ? (double)g->kick_total_ns / 1e3 / (double)g->drained : 0.0);
	if (g->kick) {
		sigkick_counts c = sigkick_counts_of(g->kick);
		log_debug("signal sampler: kicker %s after %llu kicks (%llu late), %llu signals sent, %llu refused",
			  c.ended ? "thread ended" : "stopped, its thread did not end in time", (unsigned long long)c.kicks,
			  (unsigned long long)c.late, (unsigned long long)c.signals, (unsigned long long)c.failed);
	}
	pthread_mutex_lock(&g->mu);
	if (jni)
		for (uint32_t i = 0; i < MAX_TIMED; i++)
			if (g->threads[i].used && g->threads[i].ref)
				(*jni)->DeleteGlobalRef(jni, g->threads[i].ref);
	if (!atomic_load(&g_in_handler)) { /* else a handler is stuck inside: leave it be */
		sigring_free(g->ring);
		g->ring = NULL;
		sigkick_free(g->kick); /* a ThreadEnd reads it under mu only */
		g->kick = NULL;
	}
	pthread_mutex_unlock(&g->mu);
}

void sigsampler_set_interval(sigsampler *g, uint64_t interval_ns)
{
	/* Re-arming restarts every thread's countdown: done on every small change, a running
	 * thread would rarely reach its expiry. Only a change of a quarter or more counts. */
	if (g)
		sigkick_set_interval(g->kick, interval_ns); /* no countdown to restart: every change counts */
	if (!g || (interval_ns * 4 > g->interval_ns * 3 && interval_ns * 4 < g->interval_ns * 5))
		return;
	pthread_mutex_lock(&g->mu);
	g->interval_ns = interval_ns;
	for (uint32_t i = 0; i < MAX_TIMED; i++)
		if (g->threads[i].used && g->threads[i].timed)
			arm(g, &g->threads[i]);
	pthread_mutex_unlock(&g->mu);
}
